// CBOR head bytes (core layer, codec): the one place that knows how a head is laid
// out (RFC 8949 §3: major type in the top 3 bits, then the argument in the low 5 bits
// or in the 1, 2, 4 or 8 bytes after them) and what botpeer's shortest-form rule
// (§4.2.1 preferred serialization) and integer range (±(2^53 - 1)) demand of it.
// The strict scan reads heads with it; the hand-written encoders of hot wire messages
// (src/mqtt/ack-message.ts, proof-message.ts) and the gateway's transaction-prefix
// reader call it rather than repeating the rules. cbor-x stays the codec for
// everything else; its output and these heads agree (test/wire-encoders.test.ts and
// the wire suite that runs under XS).
//
// Readers return a negative HeadError instead of throwing: the gateway's prefix reader
// is on its hot path and turns any failure into "not this shape", while the scan maps
// each one to its typed BotError.

import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';

export const MajorType = Object.freeze({ UINT: 0, NEGATIVE: 1, BYTES: 2, TEXT: 3, ARRAY: 4, MAP: 5, TAG: 6, SIMPLE: 7 } as const);
export type MajorType = (typeof MajorType)[keyof typeof MajorType];

/** Why a head does not read (all negative, so they never collide with an argument). */
export const HeadError = Object.freeze({
  /** The head runs past the end of the bytes. */
  TRUNCATED: -1,
  /** Additional info 28..31: reserved, or an indefinite length. */
  NOT_DEFINITE: -2,
  /** The argument would fit a shorter head. */
  NOT_SHORTEST: -3,
  /** An 8-byte argument beyond 2^53 - 1. */
  BEYOND_SAFE: -4,
} as const);
export type HeadError = (typeof HeadError)[keyof typeof HeadError];

/** Additional info values: the argument is in the head byte below 24, else in the next 1, 2, 4 or 8 bytes. */
const INFO_1 = 24;
const INFO_8 = 27;
const TWO_32 = 0x1_0000_0000;
/** Largest high 32-bit word of a safe integer (2^53 - 1 = 0x1FFFFF_FFFFFFFF). */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

/** Bytes of a head with additional info `info` (0..27). */
export function headSizeOfInfo(info: number): number {
  return info < INFO_1 ? 1 : 1 + (1 << (info - INFO_1));
}

/** Bytes of the shortest head carrying `argument` (0 ≤ argument ≤ 2^53 - 1). */
export function headSize(argument: number): number {
  return argument < INFO_1 ? 1 : argument < 0x100 ? 2 : argument < 0x1_0000 ? 3 : argument < TWO_32 ? 5 : 9;
}

/**
 * The argument of the head at `at`, or a negative HeadError: within the bytes, definite,
 * in shortest form and at most 2^53 - 1. The head is `headSizeOfInfo(bytes[at] & 0x1f)` bytes.
 * Allocates nothing.
 */
export function readHeadArgument(bytes: Uint8Array, at: number): number {
  if (at >= bytes.length) return HeadError.TRUNCATED;
  const info = bytes[at]! & 0x1f;
  if (info < INFO_1) return info;
  if (info > INFO_8) return HeadError.NOT_DEFINITE;
  const width = 1 << (info - INFO_1);
  if (at + 1 + width > bytes.length) return HeadError.TRUNCATED;
  const from = at + 1;
  let value: number;
  let minimum: number;
  if (width === 1) {
    value = bytes[from]!;
    minimum = INFO_1;
  } else if (width === 2) {
    value = (bytes[from]! << 8) | bytes[from + 1]!;
    minimum = 0x100;
  } else if (width === 4) {
    value = readUint32(bytes, from);
    minimum = 0x1_0000;
  } else {
    const high = readUint32(bytes, from);
    if (high > MAX_SAFE_HIGH_WORD) return HeadError.BEYOND_SAFE;
    value = high * TWO_32 + readUint32(bytes, from + 4);
    minimum = TWO_32;
  }
  return value < minimum ? HeadError.NOT_SHORTEST : value;
}

/**
 * Writes the shortest head of `major` with `argument` (0 ≤ argument ≤ 2^53 - 1: checkUint) at
 * `at`; returns the offset after it. `out` must have headSize(argument) bytes there.
 */
export function writeHead(out: Uint8Array, at: number, major: MajorType, argument: number): number {
  const type = major << 5;
  if (argument < INFO_1) {
    out[at] = type | argument;
    return at + 1;
  }
  if (argument < 0x100) {
    out[at] = type | INFO_1;
    out[at + 1] = argument;
    return at + 2;
  }
  if (argument < 0x1_0000) {
    out[at] = type | (INFO_1 + 1);
    out[at + 1] = argument >>> 8;
    out[at + 2] = argument & 0xff;
    return at + 3;
  }
  if (argument < TWO_32) {
    out[at] = type | (INFO_1 + 2);
    writeUint32(out, at + 1, argument);
    return at + 5;
  }
  out[at] = type | INFO_8;
  writeUint32(out, at + 1, Math.floor(argument / TWO_32));
  writeUint32(out, at + 5, argument % TWO_32);
  return at + 9;
}

/**
 * For hand-written encoders, before writeHead: throws BotError(UNSUPPORTED_TYPE), as encodeCbor
 * does for a value outside its subset, unless `value` is a non-negative safe integer.
 */
export function checkUint(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new BotError(ErrorCode.UNSUPPORTED_TYPE, `${what} must be a non-negative safe integer, got ${value}`);
  }
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}
