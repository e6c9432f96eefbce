// Vectors of device democracy (tools layer): docs/protocol.md §8.8 and §9.4 method 6
// (LATEST_READINGS). The request and response bytes, the answer's decoding, exact value
// comparison, and verifyReading over honest and forged answers against headers the device
// "verified" (given as header bytes: §8.3 is light.json's business). Written to
// test/vectors/democracy.json by generate.ts.

import { encodeCbor } from '../../src/codec/cbor.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { type Header, encodeHeader } from '../../src/chain/header.js';
import { inclusionProofs, merkleRoot } from '../../src/merkle/merkle.js';
import { Method, encodeRequest, encodeResponse } from '../../src/mqtt/messages.js';
import { encodeProofMessage } from '../../src/mqtt/proof-message.js';
import { encodeReadingsAnswer } from '../../src/mqtt/readings-answer.js';
import { type KeyPair, keyId } from '../../src/tx/identity.js';
import { Quantity, TxKind } from '../../src/tx/kinds.js';
import { invokeBody, readingsBody } from '../../src/tx/bodies.js';
import { type SignedTx, type UnsignedTx, encodeTx, signTx, txId } from '../../src/tx/tx.js';
import { type Expect, hex } from '../../test/support/hex-json.js';
import { makeFixture, testKey } from '../../test/support/chain-fixture.js';

const T = 1_767_225_600; // 2026-01-01T00:00:00Z, seconds

interface RuleJson {
  source: string;
  sourceKey?: string;
  quantity: number;
  comparison: string;
  thresholdMantissa: number;
  thresholdScale: number;
  actuator: string;
  then: boolean;
  otherwise?: boolean;
  maxAgeSeconds: number;
}

export function democracyVectors(crypto: CryptoProvider) {
  const { chainId } = makeFixture(crypto);
  const a = testKey(crypto, 'democracy a');
  const b = testKey(crypto, 'democracy b');
  const attacker = testKey(crypto, 'attacker');
  const aId = keyId(crypto, a.publicKey);
  const temp = (values: number[], interval = 0) => readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -1, interval, values }]);
  const sign = (u: UnsignedTx, key: KeyPair, chain = chainId) => signTx(crypto, chain, u, key.privateKey);
  const readings = (key: KeyPair, seq: number, values: number[], interval = 0): SignedTx =>
    sign({ kind: TxKind.READINGS, sender: keyId(crypto, key.publicKey), seq, time: T, body: temp(values, interval) }, key);

  // Block 12: A's reading 31.2 °C (seq 5), B's reading, A's batch ending 29.9 °C (seq 6), A's INVOKE
  // (seq 7), A's bytes with the value changed (a block of misbehaving validators: the signature no
  // longer matches), A's reading signed for another chain.
  const hot = readings(a, 5, [312]);
  const other = readings(b, 3, [450]);
  const batch = readings(a, 6, [305, 301, 299], 10);
  const invoke = sign({ kind: TxKind.INVOKE, sender: aId, seq: 7, time: T, body: invokeBody(3, 1, []) }, a);
  const tampered: SignedTx = { ...readings(a, 8, [200]), body: temp([450]) };
  const foreign = sign({ kind: TxKind.READINGS, sender: aId, seq: 9, time: T, body: temp([450]) }, a, new Uint8Array(8).fill(7));
  const txs = [hot, other, batch, invoke, tampered, foreign];
  const wires = txs.map(encodeTx);
  const ids = wires.map((w) => txId(crypto, w));
  const proofs = inclusionProofs(crypto, ids);
  const header: Header = {
    chainId, height: 12, time: T * 1000 + 500, prevHash: new Uint8Array(32).fill(1), txRoot: merkleRoot(crypto, ids), txCount: ids.length,
    stateRoot: new Uint8Array(32).fill(2), validatorsHash: new Uint8Array(32).fill(3), nextValidatorsHash: new Uint8Array(32).fill(3),
  };
  const otherHeader: Header = { ...header, height: 11, time: header.time - 1000, txRoot: merkleRoot(crypto, [ids[0]!]), txCount: 1 };
  const headerHex = hex(encodeHeader(header));

  const rule: RuleJson = {
    source: hex(aId), quantity: Quantity.TEMPERATURE_C, comparison: 'above', thresholdMantissa: 30, thresholdScale: 0,
    actuator: 'relay', then: true, otherwise: false, maxAgeSeconds: 600,
  };
  const answer = (i: number, over: { wire?: Uint8Array; seq?: number; height?: number; key?: Uint8Array; proof?: (typeof proofs)[number] } = {}) =>
    encodeReadingsAnswer({ wire: over.wire ?? wires[i]!, height: over.height ?? 12, seq: over.seq ?? txs[i]!.seq, proof: over.proof ?? proofs[i]!, key: over.key ?? a.publicKey }).map(hex);

  const verify: {
    name: string; reason: string; payloads: string[]; headers: string[]; rule: RuleJson; lastSeq: number; nowMs: number; expect: Expect;
  }[] = [];
  const now = (T + 60) * 1000;
  const add = (name: string, reason: string, payloads: string[], expect: Expect, o: { rule?: Partial<RuleJson>; lastSeq?: number; nowMs?: number; headers?: string[] } = {}) =>
    verify.push({ name, reason, payloads, headers: o.headers ?? [headerHex], rule: { ...rule, ...o.rule }, lastSeq: o.lastSeq ?? 4, nowMs: o.nowMs ?? now, expect });
  const fail = (code: number): Expect => ({ ok: false, code });

  add('over the threshold', 'A\'s 31.2 °C, in a verified block, signed by A: the rule holds', answer(0), { ok: true, seq: 5, height: 12, time: T, mantissa: 312, scale: -1, holds: true });
  add('newest value of a batch', 'the last value (29.9 °C at time + 20 s) is the reading; it is not above 30', answer(2), { ok: true, seq: 6, height: 12, time: T + 20, mantissa: 299, scale: -1, holds: false });
  add('below with at-least 29.9', 'exact decimal comparison: 29.9 at least 29.90', answer(2), { ok: true, seq: 6, height: 12, time: T + 20, mantissa: 299, scale: -1, holds: true }, { rule: { comparison: 'at-least', thresholdMantissa: 2990, thresholdScale: -2 } });
  add('pinned key', 'a rule pinning A\'s key ignores the key the gateway sends', answer(0, { key: attacker.publicKey }), { ok: true, seq: 5, height: 12, time: T, mantissa: 312, scale: -1, holds: true }, { rule: { sourceKey: hex(a.publicKey) } });
  add('first reading ever', 'lastSeq 0: nothing evaluated yet', answer(0), { ok: true, seq: 5, height: 12, time: T, mantissa: 312, scale: -1, holds: true }, { lastSeq: 0 });
  add('not a reading', 'A\'s INVOKE in a verified block is not a reading', answer(3), fail(ErrorCode.WRONG_SOURCE));
  add('another device', 'B\'s reading (45.0 °C), proven and signed by B, offered as A\'s', answer(1, { key: b.publicKey }), fail(ErrorCode.WRONG_SOURCE));
  add('key not the source\'s', 'the key offered hashes to another id than A\'s', answer(0, { key: attacker.publicKey }), fail(ErrorCode.WRONG_SOURCE));
  add('proof of another seq', 'the proof message names seq 6 for A\'s seq 5', answer(0, { seq: 6 }), fail(ErrorCode.BAD_PROOF));
  add('replayed', 'seq 5 was evaluated already', answer(0), fail(ErrorCode.STALE_READING), { lastSeq: 5 });
  add('older than one evaluated', 'seq 5 after seq 6', answer(0), fail(ErrorCode.STALE_READING), { lastSeq: 6 });
  add('no such quantity', 'the rule watches humidity; the transaction has only temperature', answer(0), fail(ErrorCode.NO_READING), { rule: { quantity: Quantity.RELATIVE_HUMIDITY_PCT } });
  add('too old', 'the reading is 601 s old, maxAgeSeconds 600', answer(0), fail(ErrorCode.STALE_READING), { nowMs: (T + 601) * 1000 });
  add('no age limit', 'maxAgeSeconds 0: a day-old reading still counts', answer(0), { ok: true, seq: 5, height: 12, time: T, mantissa: 312, scale: -1, holds: true }, { nowMs: (T + 86_400) * 1000, rule: { maxAgeSeconds: 0 } });
  add('header not verified', 'the device holds no verified header at height 12', answer(0), fail(ErrorCode.UNVERIFIED_HEADER), { headers: [hex(encodeHeader(otherHeader))] });
  add('height claimed higher', 'the same proof claimed at height 13, which the device has not verified', answer(0, { height: 13 }), fail(ErrorCode.UNVERIFIED_HEADER));
  add('wrong block', 'proof against block 11, which holds only that one transaction (size 6 ≠ 1)', answer(0, { height: 11 }), fail(ErrorCode.PROOF_SHAPE), { headers: [hex(encodeHeader(otherHeader))] });
  add('value changed', 'A\'s bytes with 45.0 °C instead of 31.2 and the real proof: the id differs', answer(0, { wire: encodeTx({ ...hot, body: temp([450]) }) }), fail(ErrorCode.BAD_PROOF));
  add('proof of a neighbour', 'B\'s proof (index 1) offered for A\'s transaction', answer(0, { proof: proofs[1]! }), fail(ErrorCode.BAD_PROOF));
  add('path hash flipped', 'one bit of the audit path changed', answer(0, { proof: { ...proofs[0]!, path: proofs[0]!.path.map((p, i) => (i === 0 ? p.map((x, j) => (j === 0 ? x ^ 1 : x)) : p)) } }), fail(ErrorCode.BAD_PROOF));
  add('tree size changed', 'size 7 for a block of 6', answer(0, { proof: { ...proofs[0]!, size: 7 } }), fail(ErrorCode.PROOF_SHAPE));
  add('included, not signed by A', 'in a verified block (its validators misbehaved) but the signature does not match: the device checks it itself', answer(4), fail(ErrorCode.BAD_SIGNATURE));
  add('signed for another chain', 'A\'s signature over another chain id: not valid on this one', answer(5), fail(ErrorCode.BAD_SIGNATURE));
  add('pinned key not the signer', 'a rule pinning a key A did not sign with', answer(0), fail(ErrorCode.BAD_SIGNATURE), { rule: { sourceKey: hex(attacker.publicKey) } });

  const decode: { name: string; payloads: string[]; expect: Expect }[] = [];
  const good = answer(0);
  decode.push({ name: 'three payloads', payloads: good, expect: { ok: true, seq: 5, height: 12 } });
  decode.push({ name: 'no payload: no reading yet', payloads: [], expect: { ok: true, empty: true } });
  decode.push({ name: 'two payloads', payloads: good.slice(0, 2), expect: fail(ErrorCode.BAD_SHAPE) });
  decode.push({ name: 'four payloads', payloads: [...good, good[2]!], expect: fail(ErrorCode.BAD_SHAPE) });
  decode.push({ name: 'transaction not an array of 6', payloads: [hex(encodeCbor([1, 2, 3])), good[1]!, good[2]!], expect: fail(ErrorCode.BAD_SHAPE) });
  decode.push({ name: 'transaction truncated', payloads: [good[0]!.slice(0, -2), good[1]!, good[2]!], expect: fail(ErrorCode.MALFORMED_CBOR) });
  decode.push({ name: 'two proofs', payloads: [good[0]!, hex(encodeProofMessage({ height: 12, proofs: [{ seq: 5, proof: proofs[0]! }, { seq: 6, proof: proofs[2]! }] })), good[2]!], expect: fail(ErrorCode.BAD_SHAPE) });
  decode.push({ name: 'key of 32 bytes', payloads: [good[0]!, good[1]!, hex(encodeCbor(a.publicKey.slice(1)))], expect: fail(ErrorCode.BAD_SHAPE) });
  decode.push({ name: 'key not compressed', payloads: [good[0]!, good[1]!, hex(encodeCbor(Uint8Array.of(0x04, ...a.publicKey.slice(1))))], expect: fail(ErrorCode.BAD_KEY) });
  decode.push({ name: 'key not a byte string', payloads: [good[0]!, good[1]!, hex(encodeCbor([1]))], expect: fail(ErrorCode.BAD_SHAPE) });

  const compare = [
    { mantissa: 301, scale: -1, comparison: 'above', thresholdMantissa: 30, thresholdScale: 0, holds: true },
    { mantissa: 300, scale: -1, comparison: 'above', thresholdMantissa: 30, thresholdScale: 0, holds: false },
    { mantissa: 300, scale: -1, comparison: 'at-least', thresholdMantissa: 30, thresholdScale: 0, holds: true },
    { mantissa: -5, scale: 0, comparison: 'below', thresholdMantissa: -45, thresholdScale: -1, holds: true },
    { mantissa: 2147483647, scale: 9, comparison: 'at-most', thresholdMantissa: -2147483648, thresholdScale: -9, holds: false },
    { mantissa: 1, scale: -9, comparison: 'above', thresholdMantissa: 0, thresholdScale: 9, holds: true },
    { mantissa: 999999999, scale: -9, comparison: 'below', thresholdMantissa: 1, thresholdScale: 0, holds: true },
  ];

  const request = { id: 7, method: Method.LATEST_READINGS, params: [aId] };
  return {
    chainId: hex(chainId),
    keys: { a: hex(a.publicKey), b: hex(b.publicKey), attacker: hex(attacker.publicKey) },
    request: { id: request.id, deviceId: hex(aId), hex: hex(encodeRequest(request)) },
    response: { id: 7, payloads: good, hex: hex(encodeResponse({ id: 7, code: ErrorCode.OK, payloads: encodeReadingsAnswer({ wire: wires[0]!, height: 12, seq: 5, proof: proofs[0]!, key: a.publicKey }) })) },
    decode,
    compare,
    verify,
  };
}
