// The two messages the gateway pushes for every transaction, encoded straight into one exactly
// sized buffer (tools layer, Node only): the ack (docs/protocol.md §9.2) and the proof message
// (§9.3). They produce the same bytes as the core's encodeAck and encodeProofMessage
// (test/gateway-push-messages.test.ts checks this on random and edge values), which go through
// cbor-x: its generic encoder and the copy out of its buffer cost the gateway's main thread
// several µs per transaction, where these are a few array stores.
//
// Both are CBOR arrays of unsigned integers and 32-byte hashes, in preferred (shortest) form.

import { SHA256_BYTES, type InclusionProof } from '../../src/index.js';

/**
 * QoS of acks and proof messages (docs/protocol.md §9.1). 0: the light peer never relies on the
 * broker to queue or re-deliver either (§11.4: an ack that does not come is answered by sending
 * the transaction again, which gets REPLAY, then PROOF; after every reconnect the peer asks for
 * the proof of every acknowledged transaction). Over a live connection TCP delivers QoS 0 in
 * order as well as QoS 1; what QoS 1 added was a PUBACK back for each message and the broker
 * keeping each one for a persistent session: two of the six MQTT packets of every transaction,
 * and about 7 µs of the gateway's main thread per transaction (measured with bench:gateway).
 */
export const PUSH_QOS = 0;

const TWO_32 = 0x1_0000_0000;

/** Bytes of a uint in shortest form (0 ≤ value ≤ 2^53 - 1, the core's integers). */
function uintBytes(value: number): number {
  return value < 24 ? 1 : value < 0x100 ? 2 : value < 0x1_0000 ? 3 : value < TWO_32 ? 5 : 9;
}

/** Writes a head of major type `major` (0 uint, 2 byte string, 4 array) with argument `value`; returns the next offset. */
function writeHead(out: Uint8Array, at: number, major: number, value: number): number {
  const type = major << 5;
  if (value < 24) {
    out[at] = type | value;
    return at + 1;
  }
  if (value < 0x100) {
    out[at] = type | 24;
    out[at + 1] = value;
    return at + 2;
  }
  if (value < 0x1_0000) {
    out[at] = type | 25;
    out[at + 1] = value >>> 8;
    out[at + 2] = value & 0xff;
    return at + 3;
  }
  if (value < TWO_32) {
    out[at] = type | 26;
    writeUint32(out, at + 1, value);
    return at + 5;
  }
  out[at] = type | 27;
  writeUint32(out, at + 1, Math.floor(value / TWO_32));
  writeUint32(out, at + 5, value % TWO_32);
  return at + 9;
}

function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

function checkUint(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}

/** `[seq, code]`, as encodeAck({ seq, code }). */
export function encodeAckMessage(seq: number, code: number): Uint8Array {
  checkUint(seq, 'ack seq');
  checkUint(code, 'ack code');
  const out = new Uint8Array(1 + uintBytes(seq) + uintBytes(code));
  out[0] = 0x82;
  writeHead(out, writeHead(out, 1, 0, seq), 0, code);
  return out;
}

/** `[seq, height, [index, size, [hash…]]]`, as encodeProofMessage({ seq, height, proof }). */
export function encodeProofPush(seq: number, height: number, proof: InclusionProof): Uint8Array {
  checkUint(seq, 'proof seq');
  checkUint(height, 'proof height');
  checkUint(proof.index, 'proof index');
  checkUint(proof.size, 'proof size');
  const { path } = proof;
  const hashBytes = 2 + SHA256_BYTES; // 0x58 0x20 + the hash
  const length =
    1 + uintBytes(seq) + uintBytes(height) + 1 + uintBytes(proof.index) + uintBytes(proof.size) + uintBytes(path.length) + path.length * hashBytes;
  const out = new Uint8Array(length);
  out[0] = 0x83;
  let at = writeHead(out, 1, 0, seq);
  at = writeHead(out, at, 0, height);
  out[at++] = 0x83;
  at = writeHead(out, at, 0, proof.index);
  at = writeHead(out, at, 0, proof.size);
  at = writeHead(out, at, 4, path.length);
  for (const hash of path) {
    if (hash.length !== SHA256_BYTES) throw new RangeError(`proof path hashes are ${SHA256_BYTES} bytes, got ${hash.length}`);
    at = writeHead(out, at, 2, SHA256_BYTES);
    out.set(hash, at);
    at += SHA256_BYTES;
  }
  return out;
}
