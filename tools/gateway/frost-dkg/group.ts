// secp256k1 group and scalar helpers for the FROST key generation (tools layer,
// gateway/frost-dkg). Mirrors the types the ChillDKG BIP draft's reference code uses
// (BlockstreamResearch/bip-frost-dkg, python/chilldkg_ref, via secp256k1lab): scalars mod
// the group order, points that may be infinity (a VSS commitment may hold infinity so a
// participant cannot make the sum of valid commitments unencodable), the 33-byte
// "compressed with infinity" encoding (33 zero bytes for infinity) and BIP-340 tagged hashes.
// Only @noble/secp256k1's Point and @noble/hashes are used.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { Point, etc } from '@noble/secp256k1';

export type { Point };
export { bytesToHex, concatBytes };

/** The order of the secp256k1 group. */
export const ORDER: bigint = Point.CURVE().n;
/** The field prime (for the r < p check of a Schnorr signature). */
export const FIELD: bigint = Point.CURVE().p;
export const SCALAR_BYTES = 32;
export const POINT_BYTES = 33;
export const XONLY_BYTES = 32;

export const G: Point = Point.BASE;
export const INFINITY: Point = Point.ZERO;

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

export function bigintTo32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = x;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function u32be(x: number): Uint8Array {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new RangeError(`u32 out of range: ${x}`);
  return new Uint8Array([x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff]);
}

/** Scalar.from_bytes_checked: fails (returns undefined) on a value >= ORDER. */
export function scalarFromBytesChecked(b: Uint8Array): bigint | undefined {
  if (b.length !== SCALAR_BYTES) return undefined;
  const x = bytesToBigint(b);
  return x < ORDER ? x : undefined;
}

export function scalarFromBytesWrapping(b: Uint8Array): bigint {
  return mod(bytesToBigint(b));
}

/** k·P for any scalar, including 0 (noble's multiply refuses 0). Constant-time path for secrets. */
export function mul(p: Point, k: bigint): Point {
  const s = mod(k);
  if (s === 0n || p.is0()) return INFINITY;
  return p.multiply(s);
}

/** k·P for public scalars only (faster, not constant time). */
export function mulPublic(p: Point, k: bigint): Point {
  const s = mod(k);
  if (s === 0n || p.is0()) return INFINITY;
  return p.multiplyUnsafe(s);
}

export function mulG(k: bigint): Point {
  return mul(G, k);
}

export function sumPoints(points: readonly Point[]): Point {
  let acc = INFINITY;
  for (const p of points) acc = acc.add(p);
  return acc;
}

export function sumScalars(xs: readonly bigint[]): bigint {
  let acc = 0n;
  for (const x of xs) acc += x;
  return mod(acc);
}

export function hasEvenY(p: Point): boolean {
  return (p.toAffine().y & 1n) === 0n;
}

/** cbytes(P): 33-byte compressed; the caller guarantees P is not infinity. */
export function pointToBytes(p: Point): Uint8Array {
  if (p.is0()) throw new RangeError('cannot encode the point at infinity');
  return p.toBytes(true);
}

export function pointToBytesWithInfinity(p: Point): Uint8Array {
  return p.is0() ? new Uint8Array(POINT_BYTES) : p.toBytes(true);
}

export function pointToXonly(p: Point): Uint8Array {
  return pointToBytes(p).subarray(1);
}

/** GE.from_bytes_compressed_with_infinity; undefined when the bytes are not a point. */
export function pointFromBytesWithInfinity(b: Uint8Array): Point | undefined {
  if (b.length !== POINT_BYTES) return undefined;
  if (b.every((x) => x === 0)) return INFINITY;
  if (b[0] !== 2 && b[0] !== 3) return undefined;
  try {
    return Point.fromBytes(b);
  } catch {
    return undefined;
  }
}

/** lift_x: the point with this x coordinate and even y (BIP-340), or undefined. */
export function liftX(x: Uint8Array): Point | undefined {
  if (x.length !== XONLY_BYTES) return undefined;
  return pointFromBytesWithInfinity(concatBytes(new Uint8Array([2]), x));
}

const tagCache = new Map<string, Uint8Array>();

/** BIP-340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg). */
export function taggedHash(tag: string, ...msg: Uint8Array[]): Uint8Array {
  let th = tagCache.get(tag);
  if (th === undefined) {
    th = sha256(utf8ToBytes(tag));
    tagCache.set(tag, th);
  }
  return sha256(concatBytes(th, th, ...msg));
}

/** The draft's BIP_TAG prefix: every DKG tag is "BIP DKG/" + name (chilldkg_ref/util.py). */
export const BIP_TAG = 'BIP DKG/';

export function taggedHashBipDkg(tag: string, ...msg: Uint8Array[]): Uint8Array {
  return taggedHash(BIP_TAG + tag, ...msg);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
