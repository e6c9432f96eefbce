// secp256k1 group and byte helpers for FROST signing (tools layer, Node side): the notation of the
// FROST signing BIP draft (siv2r/bip-frost-signing, "Algorithms > Notation", BIP0445 tags), mapped
// onto @noble/secp256k1's Point and bigint scalars mod ord.
//
// Scalars are plain bigints in [0, ord). Point multiplication uses noble's timing-masked path for
// secret scalars (mulSecret) and the faster one for public scalars (mulPublic).

import { sha256 } from '@noble/hashes/sha2.js';
import { Point, etc } from '@noble/secp256k1';

export const ORDER: bigint = Point.CURVE().n;
export const G: Point = Point.BASE;
export const INFINITY: Point = Point.ZERO;

export const SCALAR_BYTES = 32;
export const POINT_BYTES = 33;
export const PUBNONCE_BYTES = 66;
export const SECNONCE_BYTES = 64;

// Tagged-hash domain separation tags (draft: the challenge tag is BIP340's, so the final signature
// verifies as a plain BIP340 signature).
export const TAG_AUX = 'BIP0445/aux';
export const TAG_NONCE = 'BIP0445/nonce';
export const TAG_NONCECOEF = 'BIP0445/noncecoef';
export const TAG_DETERMINISTIC_NONCE = 'BIP0445/deterministic/nonce';
export const TAG_CHALLENGE = 'BIP0340/challenge';

const tagHashes = new Map<string, Uint8Array>();

/** hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x). */
export function taggedHash(tag: string, ...parts: Uint8Array[]): Uint8Array {
  let th = tagHashes.get(tag);
  if (th === undefined) {
    th = sha256(new TextEncoder().encode(tag));
    tagHashes.set(tag, th);
  }
  const h = sha256.create().update(th).update(th);
  for (const part of parts) h.update(part);
  return h.digest();
}

export function mod(a: bigint): bigint {
  return etc.mod(a, ORDER);
}

/** The inverse mod the group order; a must be non-zero mod it. */
export function invert(a: bigint): bigint {
  return etc.invert(a, ORDER);
}

export function bytesToBigint(b: Uint8Array): bigint {
  return etc.bytesToNumberBE(b);
}

/** bytes(n, x): the big-endian n-byte encoding of a non-negative integer. */
export function intToBytes(x: bigint | number, n: number): Uint8Array {
  let v = BigInt(x);
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`intToBytes: ${x} does not fit in ${n} bytes`);
  return out;
}

export function scalarToBytes(s: bigint): Uint8Array {
  return intToBytes(s, SCALAR_BYTES);
}

export function scalarFromBytesWrapping(b: Uint8Array): bigint {
  return mod(bytesToBigint(b));
}

/** scalar_from_bytes_checked: undefined when b is not 32 bytes or encodes a value ≥ ord. */
export function scalarFromBytesChecked(b: Uint8Array): bigint | undefined {
  if (b.length !== SCALAR_BYTES) return undefined;
  const s = bytesToBigint(b);
  return s < ORDER ? s : undefined;
}

/** scalar_from_bytes_nonzero_checked: as above, and undefined for zero. */
export function scalarFromBytesNonzeroChecked(b: Uint8Array): bigint | undefined {
  const s = scalarFromBytesChecked(b);
  return s === 0n ? undefined : s;
}

export function mulSecret(P: Point, k: bigint): Point {
  const s = mod(k);
  return s === 0n ? INFINITY : P.multiply(s, true);
}

export function mulPublic(P: Point, k: bigint): Point {
  return P.multiply(mod(k), false);
}

export function hasEvenY(P: Point): boolean {
  return (P.toAffine().y & 1n) === 0n;
}

/** cbytes(P): 33-byte compressed encoding of a non-infinity point. */
export function cbytes(P: Point): Uint8Array {
  return P.toBytes(true);
}

/** cbytes_ext(P): as cbytes, with infinity encoded as 33 zero bytes. */
export function cbytesExt(P: Point): Uint8Array {
  return P.is0() ? new Uint8Array(POINT_BYTES) : cbytes(P);
}

/** xbytes(P): the 32-byte x coordinate. */
export function xbytes(P: Point): Uint8Array {
  return cbytes(P).subarray(1);
}

/** cpoint(b): a non-infinity point from its 33-byte compressed encoding, or undefined. */
export function cpoint(b: Uint8Array): Point | undefined {
  if (b.length !== POINT_BYTES || (b[0] !== 0x02 && b[0] !== 0x03)) return undefined;
  try {
    return Point.fromBytes(b);
  } catch {
    return undefined;
  }
}

/** cpoint_ext(b): as cpoint, with 33 zero bytes decoding to infinity. */
export function cpointExt(b: Uint8Array): Point | undefined {
  if (b.length === POINT_BYTES && b.every((x) => x === 0)) return INFINITY;
  return cpoint(b);
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError('xorBytes: lengths differ');
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return etc.concatBytes(...parts);
}
