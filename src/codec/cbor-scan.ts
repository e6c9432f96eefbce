// Structural pre-scan of untrusted CBOR (core layer).
//
// Written by hand because no CBOR library checks bounds *before* allocating:
// cbor-x (and cborg) allocate an array of the declared length and recurse
// without a depth limit, so a 9-byte header can ask for 2^32 elements and a
// few KB of 0x81 bytes overflow the stack (fatal under XS on a device). This
// walk allocates nothing, and enforces the botpeer subset of CBOR (the head rules
// themselves are in cbor-head.ts):
//   - major types 0, 1 (integers within ±(2^53-1)), 2 (byte strings), 4 (arrays);
//   - definite lengths, shortest-form heads (RFC 8949 §4.2.1 preferred serialization);
//   - every bound of DecodeLimits, and no bytes after the top-level item.
// Maps, text, tags, floats, simple values and indefinite lengths are rejected.

import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { HeadError, MajorType, headSizeOfInfo, readHeadArgument } from './cbor-head.js';
import type { DecodeLimits } from './limits.js';

/** A negative integer is -1 - argument; keep it a safe integer. */
const MAX_NEGATIVE_ARGUMENT = Number.MAX_SAFE_INTEGER - 1;

export function scanCbor(bytes: Uint8Array, limits: DecodeLimits): void {
  if (bytes.length === 0) throw new BotError(ErrorCode.MALFORMED_CBOR, 'empty input');
  if (bytes.length > limits.maxBytes) {
    throw new BotError(ErrorCode.TOO_LARGE, `${bytes.length} bytes > ${limits.maxBytes}`);
  }
  const state = { pos: 0, items: 0 };
  scanItem(bytes, limits, state, 1);
  if (state.pos !== bytes.length) {
    throw new BotError(ErrorCode.TRAILING_BYTES, `${bytes.length - state.pos} bytes after the item`);
  }
}

function scanItem(bytes: Uint8Array, limits: DecodeLimits, state: { pos: number; items: number }, depth: number): void {
  if (depth > limits.maxDepth) throw new BotError(ErrorCode.TOO_DEEP, `depth > ${limits.maxDepth}`);
  if (++state.items > limits.maxItems) throw new BotError(ErrorCode.TOO_MANY_ITEMS, `> ${limits.maxItems} items`);
  if (state.pos >= bytes.length) throw new BotError(ErrorCode.MALFORMED_CBOR, 'truncated');
  const initial = bytes[state.pos++]!;
  const major = initial >> 5;
  const info = initial & 0x1f;

  if (major === 3) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'text string');
  if (major === 5) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'map');
  if (major === 6) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'tag');
  if (major === 7) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'float or simple value');
  if (info === 31) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'indefinite length');
  if (info > 27) throw new BotError(ErrorCode.MALFORMED_CBOR, `reserved additional info ${info}`);

  const argument = readArgument(bytes, state, info);
  const remaining = bytes.length - state.pos;
  if (major === 2) {
    if (argument > limits.maxByteStringLength) {
      throw new BotError(ErrorCode.TOO_LARGE, `byte string of ${argument} > ${limits.maxByteStringLength}`);
    }
    if (argument > remaining) throw new BotError(ErrorCode.MALFORMED_CBOR, 'truncated byte string');
    state.pos += argument;
  } else if (major === 4) {
    if (argument > limits.maxArrayLength) {
      throw new BotError(ErrorCode.TOO_LARGE, `array of ${argument} > ${limits.maxArrayLength}`);
    }
    // Every element takes at least one byte: reject impossible lengths before walking them.
    if (argument > remaining) throw new BotError(ErrorCode.MALFORMED_CBOR, 'truncated array');
    for (let i = 0; i < argument; i++) scanItem(bytes, limits, state, depth + 1);
  } else if (major === 1 && argument > MAX_NEGATIVE_ARGUMENT) {
    throw new BotError(ErrorCode.INT_OUT_OF_RANGE, 'below -(2^53 - 1)');
  }
  // Major 0 carries its value in the head; readArgument bounded it.
}

/** Reads the head at state.pos (its info already checked to be 0..27) and moves past it. */
function readArgument(bytes: Uint8Array, state: { pos: number }, info: number): number {
  const at = state.pos - 1;
  const argument = readHeadArgument(bytes, at);
  if (argument === HeadError.TRUNCATED) throw new BotError(ErrorCode.MALFORMED_CBOR, 'truncated head');
  if (argument === HeadError.BEYOND_SAFE) throw new BotError(ErrorCode.INT_OUT_OF_RANGE, 'beyond 2^53 - 1');
  if (argument === HeadError.NOT_SHORTEST) throw new BotError(ErrorCode.NON_CANONICAL, 'head not in shortest form');
  if (argument < 0) throw new BotError(ErrorCode.MALFORMED_CBOR, `reserved additional info ${info}`);
  state.pos = at + headSizeOfInfo(info);
  return argument;
}

/**
 * Where the item that starts at `at` ends, in bytes scanCbor already accepted (so it reads
 * without checks): lets a decoder keep the received bytes of one field, such as a header
 * inside a light block, instead of encoding it again.
 */
export function itemEnd(bytes: Uint8Array, at: number): number {
  const initial = bytes[at]!;
  const argument = readHeadArgument(bytes, at);
  let end = at + headSizeOfInfo(initial & 0x1f);
  const major = initial >> 5;
  if (major === MajorType.BYTES) end += argument;
  else if (major === MajorType.ARRAY) for (let i = 0; i < argument; i++) end = itemEnd(bytes, end);
  return end;
}
