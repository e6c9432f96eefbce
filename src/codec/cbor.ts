// Deterministic CBOR for everything botpeer hashes, signs or sends (core layer).
//
// cbor-x does the encoding and decoding, with its options pinned so that Node
// and XS produce the same bytes: by default it tags Uint8Array (tag 64) when a
// global Buffer exists, and it may write non-minimal map headers, so botpeer
// only ever encodes arrays, safe integers and byte strings. Decoding is strict:
// a bounded structural scan first (cbor-scan.ts), then cbor-x, then a re-encode
// that must give back the input byte for byte. cbor-x also writes integers
// beyond 32 bits as float64 unless they are BigInts, so those are converted.

import { Encoder } from 'cbor-x/encode';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { equalBytes } from './bytes.js';
import { scanCbor } from './cbor-scan.js';
import type { DecodeLimits } from './limits.js';

/** The only values botpeer puts in CBOR. */
export type CborValue = number | Uint8Array | readonly CborValue[];

// Created on first use, not at module load: a preloaded module's objects are
// read-only on XS, and cbor-x keeps mutable state in its encoder.
let codec: Encoder | undefined;

function pinnedCodec(): Encoder {
  codec ??= new Encoder({
    useRecords: false,
    mapsAsObjects: false,
    tagUint8Array: false,
    useFloat32: 0,
    pack: false,
    structuredClone: false,
    bundleStrings: false,
    largeBigIntToFloat: false,
    copyBuffers: true,
    int64AsNumber: true,
  } as ConstructorParameters<typeof Encoder>[0]);
  return codec;
}

/** Encodes a botpeer value. Throws BotError(UNSUPPORTED_TYPE) for anything outside the subset (a caller bug). */
export function encodeCbor(value: CborValue): Uint8Array {
  // cbor-x returns a view into its reusable buffer; copy so callers own their bytes.
  const out = pinnedCodec().encode(prepare(value, 0));
  return Uint8Array.prototype.slice.call(out);
}

/** Decodes untrusted bytes strictly: bounded scan, decode, canonical re-encode check. */
export function decodeCbor(bytes: Uint8Array, limits: DecodeLimits): CborValue {
  scanCbor(bytes, limits);
  let value: unknown;
  try {
    value = pinnedCodec().decode(bytes);
  } catch (error) {
    throw new BotError(ErrorCode.MALFORMED_CBOR, String(error));
  }
  const normalized = normalize(value);
  if (!equalBytes(encodeCbor(normalized), bytes)) {
    throw new BotError(ErrorCode.NON_CANONICAL, 'does not re-encode identically');
  }
  return normalized;
}

/** Buffer (Node) and Uint8Array (XS) both come out of cbor-x; hand the core plain Uint8Arrays on both. */
function normalize(value: unknown): CborValue {
  if (typeof value === 'number') return value;
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.length);
  }
  if (Array.isArray(value)) return value.map(normalize);
  // The scan admits nothing else; reaching here means cbor-x disagrees with it.
  throw new BotError(ErrorCode.UNSUPPORTED_TYPE, typeof value);
}

const MAX_ENCODE_DEPTH = 16;
const UINT32_LIMIT = 0x1_0000_0000;

/** Checks the subset and turns integers beyond 32 bits into BigInts (copying only arrays that hold one). */
function prepare(value: CborValue, depth: number): unknown {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, `not a safe integer: ${value}`);
    return value >= UINT32_LIMIT || value < -UINT32_LIMIT ? BigInt(value) : value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value) && depth < MAX_ENCODE_DEPTH) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = prepare(value[i] as CborValue, depth + 1);
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'only safe integers, byte strings and arrays are encoded');
}
