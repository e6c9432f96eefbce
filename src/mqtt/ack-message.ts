// The ack message (core layer, mqtt): docs/protocol.md §9.2.
//
// ack: [seq, code]    code 0 = accepted (durable), else an error code
//
// Decoded strictly on the device; encoded by the gateway once per transaction, so the
// encoder writes the two heads straight into an exactly sized buffer (cbor-head.ts)
// instead of going through cbor-x's generic encoder and the copy out of its buffer,
// which cost the gateway's main thread several µs per transaction. The bytes are
// cbor-x's (test/wire-encoders.test.ts, and under XS test/suites/wire-suite.ts).

import { decodeCbor } from '../codec/cbor.js';
import { MajorType, checkUint, headSize, writeHead } from '../codec/cbor-head.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { arrayOf, uint } from '../codec/shape.js';

export interface Ack {
  readonly seq: number;
  /** An ErrorCode; a number this build does not know is kept (errorName gives UNKNOWN_n), so newer gateways do not break older firmware. */
  readonly code: number;
}

const ARRAY_2 = 0x82;

/** Throws BotError(UNSUPPORTED_TYPE) unless seq and code are non-negative safe integers (a caller bug). */
export function encodeAck(ack: Ack): Uint8Array {
  checkUint(ack.seq, 'ack seq');
  checkUint(ack.code, 'ack code');
  const out = new Uint8Array(1 + headSize(ack.seq) + headSize(ack.code));
  out[0] = ARRAY_2;
  writeHead(out, writeHead(out, 1, MajorType.UINT, ack.seq), MajorType.UINT, ack.code);
  return out;
}

export function decodeAck(bytes: Uint8Array): Ack {
  const [seq, code] = arrayOf(decodeCbor(bytes, SMALL_LIMITS), 2, 'ack');
  return Object.freeze({ seq: uint(seq, 'ack seq'), code: uint(code, 'ack code') });
}
