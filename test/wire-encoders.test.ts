// The core's hand-written encoders of the ack and the proof message and its CBOR head
// rules (test layer): byte for byte what cbor-x gives, on edge and random values and on
// the proofs of real trees, on Node and under XS (test/suites/wire-suite.ts), and they
// refuse values outside the protocol instead of mis-encoding them.

import { fileURLToPath } from 'node:url';
import test from 'ava';
import fc from 'fast-check';
import {
  BotError, ErrorCode, HeadError, MajorType, SMALL_LIMITS, decodeAck, decodeProofMessage, encodeAck, encodeCbor, encodeProofMessage,
  packProofMessages, proofToCbor, readHeadArgument,
} from '../src/index.js';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { runInXs } from '../tools/xs/xs-runner.js';
import type { VectorResult } from './suites/check.js';
import { EDGE_UINTS, runWireSuites } from './suites/wire-suite.js';

/** Compared as hex: cbor-x returns a Buffer on Node, the encoders a plain Uint8Array. */
const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
const uint = fc.oneof(fc.constantFrom(...EDGE_UINTS), fc.nat(), fc.maxSafeNat());

test('the shared wire suite passes on Node', (t) => {
  const results = runWireSuites(createNobleCrypto());
  t.deepEqual(results.filter((r) => !r.passed), []);
  t.true(results.length > 70);
});

test('the shared wire suite passes under XS', async (t) => {
  const entry = fileURLToPath(new URL('./xs/wire-entry.ts', import.meta.url));
  const { result } = await runInXs<VectorResult[]>(entry);
  t.deepEqual(result.filter((r) => !r.passed), []);
  t.is(result.length, runWireSuites(createNobleCrypto()).length, 'XS ran every case Node ran');
});

test('acks: the bytes cbor-x gives, on random values', (t) => {
  fc.assert(fc.property(uint, fc.nat({ max: 65_535 }), (seq, code) => {
    const bytes = encodeAck({ seq, code });
    t.is(hex(bytes), hex(encodeCbor([seq, code])));
    t.deepEqual(decodeAck(bytes), { seq, code });
  }), { numRuns: 300 });
});

test('proof messages: the bytes cbor-x gives, on random values and paths', (t) => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const entry = fc.record({ gap: fc.integer({ min: 1, max: 2 ** 40 }), index: uint, size: uint, path: fc.array(hash, { maxLength: 32 }) });
  fc.assert(fc.property(uint, fc.array(entry, { minLength: 1, maxLength: 5 }), (height, entries) => {
    let seq = -1;
    const proofs = entries.map(({ gap, index, size, path }) => ({ seq: (seq = Math.min(Number.MAX_SAFE_INTEGER, seq + gap)), proof: { index, size, path } }));
    fc.pre(new Set(proofs.map((p) => p.seq)).size === proofs.length);
    t.is(hex(encodeProofMessage({ height, proofs })), hex(encodeCbor([height, ...proofs.flatMap((p) => [p.seq, proofToCbor(p.proof)])])));
  }), { numRuns: 200 });
});

test('packed proof messages: each decodes under SMALL_LIMITS, all of them hold every proof in order', (t) => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  fc.assert(fc.property(uint, fc.integer({ min: 1, max: 200 }), fc.array(hash, { maxLength: 32 }), (height, count, path) => {
    const proofs = Array.from({ length: count }, (_, i) => ({ seq: 5 + i, proof: { index: i, size: 2 ** 32 - 1, path } }));
    const messages = packProofMessages(height, proofs);
    const back = messages.flatMap((m) => {
      t.true(m.length <= SMALL_LIMITS.maxBytes);
      const decoded = decodeProofMessage(m);
      t.is(decoded.height, height);
      return decoded.proofs.map((p) => p.seq);
    });
    t.deepEqual(back, proofs.map((p) => p.seq));
  }), { numRuns: 100 });
});

test('a proof message that breaks its shape is BAD_SHAPE', (t) => {
  const proof = proofToCbor({ index: 0, size: 1, path: [] });
  const cases: [string, unknown][] = [
    ['no proof', [7]],
    ['a seq without its proof', [7, 1, proof, 2]],
    ['seqs not ascending', [7, 2, proof, 1, proof]],
    ['a seq repeated', [7, 2, proof, 2, proof]],
    ['a proof where a seq belongs', [7, proof, 1]],
  ];
  for (const [what, value] of cases) {
    const error = t.throws(() => decodeProofMessage(encodeCbor(value as never)), { instanceOf: BotError }, what);
    t.is(error?.code, ErrorCode.BAD_SHAPE, what);
  }
  t.throws(() => encodeProofMessage({ height: 1, proofs: [] }), { instanceOf: BotError }, 'the encoder refuses an empty list');
  t.throws(() => encodeProofMessage({ height: 1, proofs: [{ seq: 2, proof: { index: 0, size: 1, path: [] } }, { seq: 2, proof: { index: 0, size: 1, path: [] } }] }), { instanceOf: BotError }, 'and seqs not ascending');
});

test('heads that break the rules do not read', (t) => {
  t.is(readHeadArgument(Uint8Array.of(0x18, 0x17), 0), HeadError.NOT_SHORTEST, '23 in two bytes');
  t.is(readHeadArgument(Uint8Array.of(0x19, 0x00, 0xff), 0), HeadError.NOT_SHORTEST, '255 in three bytes');
  t.is(readHeadArgument(Uint8Array.of(0x1a, 0x00, 0x00, 0xff, 0xff), 0), HeadError.NOT_SHORTEST);
  t.is(readHeadArgument(Uint8Array.of(0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff), 0), HeadError.NOT_SHORTEST);
  t.is(readHeadArgument(Uint8Array.of(0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0), 0), HeadError.BEYOND_SAFE, '2^53');
  t.is(readHeadArgument(Uint8Array.of(0x1a, 1, 2, 3), 0), HeadError.TRUNCATED);
  t.is(readHeadArgument(new Uint8Array(0), 0), HeadError.TRUNCATED);
  t.is(readHeadArgument(Uint8Array.of(0x1f), 0), HeadError.NOT_DEFINITE);
  t.is(readHeadArgument(Uint8Array.of(0x1c), 0), HeadError.NOT_DEFINITE);
  t.is(readHeadArgument(Uint8Array.of(MajorType.ARRAY << 5 | 0x18, 200), 0), 200, 'any major type');
});

test('values outside the protocol are refused with BotError(UNSUPPORTED_TYPE), not mis-encoded', (t) => {
  const refused = { instanceOf: BotError, message: /non-negative safe integer|32 bytes/ };
  for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
    const error = t.throws(() => encodeAck({ seq: bad, code: 0 }), refused);
    t.is(error?.code, ErrorCode.UNSUPPORTED_TYPE);
    t.throws(() => encodeAck({ seq: 1, code: bad }), refused);
    t.throws(() => encodeProofMessage({ height: bad, proofs: [{ seq: 1, proof: { index: 0, size: 1, path: [] } }] }), refused);
    t.throws(() => encodeProofMessage({ height: 1, proofs: [{ seq: 1, proof: { index: bad, size: 1, path: [] } }] }), refused);
    t.throws(() => encodeProofMessage({ height: 1, proofs: [{ seq: bad, proof: { index: 0, size: 1, path: [] } }] }), refused);
  }
  t.throws(() => encodeProofMessage({ height: 1, proofs: [{ seq: 1, proof: { index: 0, size: 2, path: [new Uint8Array(31)] } }] }), refused);
});
