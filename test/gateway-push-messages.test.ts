// The gateway's own encoders of the ack and the proof message (test layer, Node only): byte for
// byte what the core's encodeAck and encodeProofMessage give, on edge and random values and on
// the proofs of real trees, and they decode back with the core's decoders.

import test from 'ava';
import fc from 'fast-check';
import { decodeAck, decodeProofMessage, encodeAck, encodeProofMessage, inclusionProofs } from '../src/index.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { encodeAckMessage, encodeProofPush } from '../tools/gateway/push-messages.js';

const crypto = createNativeCrypto();
const edges = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER];
const uint = fc.oneof(fc.constantFrom(...edges), fc.nat(), fc.maxSafeNat());
/** Compared as hex: the core's encoder returns a Buffer on Node, ours a plain Uint8Array. */
const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

test('acks: the same bytes as encodeAck', (t) => {
  for (const seq of edges) for (const code of [0, 23, 24, 206, 699]) t.is(hex(encodeAckMessage(seq, code)), hex(encodeAck({ seq, code })), `${seq}, ${code}`);
  fc.assert(fc.property(uint, fc.nat({ max: 65_535 }), (seq, code) => {
    const bytes = encodeAckMessage(seq, code);
    t.is(hex(bytes), hex(encodeAck({ seq, code })));
    t.deepEqual(decodeAck(bytes), { seq, code });
  }), { numRuns: 300 });
});

test('proof messages: the same bytes as encodeProofMessage, for every leaf of trees of many sizes', (t) => {
  for (const size of [1, 2, 3, 7, 8, 9, 24, 25, 300]) {
    const leaves = Array.from({ length: size }, (_, i) => crypto.sha256(Uint8Array.of(size, i & 0xff, i >> 8)));
    inclusionProofs(crypto, leaves).forEach((proof, i) => {
      const seq = edges[i % edges.length]!;
      const height = edges[(i * 7) % edges.length]!;
      const bytes = encodeProofPush(seq, height, proof);
      t.is(hex(bytes), hex(encodeProofMessage({ seq, height, proof })), `tree of ${size}, leaf ${i}`);
      t.deepEqual(decodeProofMessage(bytes), { seq, height, proof });
    });
  }
  // Index and size past one byte, and a path of 24+ hashes (a 2-byte array head).
  const path = Array.from({ length: 25 }, (_, i) => new Uint8Array(32).fill(i));
  const proof = { index: 70_000, size: 0x1_0000_0001, path };
  t.is(hex(encodeProofPush(9, 300, proof)), hex(encodeProofMessage({ seq: 9, height: 300, proof })));
});

test('values outside the protocol are refused, not mis-encoded', (t) => {
  t.throws(() => encodeAckMessage(-1, 0), { instanceOf: RangeError });
  t.throws(() => encodeAckMessage(1.5, 0), { instanceOf: RangeError });
  t.throws(() => encodeAckMessage(Number.MAX_SAFE_INTEGER + 1, 0), { instanceOf: RangeError });
  t.throws(() => encodeProofPush(1, 1, { index: 0, size: 2, path: [new Uint8Array(31)] }), { instanceOf: RangeError });
});
