// secp256k1 group and scalar helpers for the FROST key generation (tools layer,
// gateway/frost-dkg). Mirrors the types the ChillDKG BIP draft's reference code uses
// (BlockstreamResearch/bip-frost-dkg, python/chilldkg_ref, via secp256k1lab): scalars mod
// the group order, points that may be infinity (a VSS commitment may hold infinity so a
// participant cannot make the sum of valid commitments unencodable), the 33-byte
// "compressed with infinity" encoding (33 zero bytes for infinity) and BIP-340 tagged hashes.
// The helpers the signing code already has (../frost/group.ts) are re-exported from there.

import { concatBytes } from '@noble/hashes/utils.js';
import { Point } from '@noble/secp256k1';
import { G, INFINITY, cpointExt, mod, taggedHash } from '../frost/group.js';

export type { Point };
export { concatBytes };
// The signing code's group helpers, under the names this folder's code uses.
export {
  G, INFINITY, ORDER, POINT_BYTES, SCALAR_BYTES, bytesEqual, bytesToBigint, hasEvenY, invert, mod,
  scalarFromBytesChecked, scalarFromBytesWrapping, taggedHash, xorBytes,
  scalarToBytes as bigintTo32, cbytesExt as pointToBytesWithInfinity, cpointExt as pointFromBytesWithInfinity,
} from '../frost/group.js';

/** The field prime (for the r < p check of a Schnorr signature). */
export const FIELD: bigint = Point.CURVE().p;
export const XONLY_BYTES = 32;

export function u32be(x: number): Uint8Array {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new RangeError(`u32 out of range: ${x}`);
  return new Uint8Array([x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff]);
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

/** cbytes(P): 33-byte compressed; the caller guarantees P is not infinity. */
export function pointToBytes(p: Point): Uint8Array {
  if (p.is0()) throw new RangeError('cannot encode the point at infinity');
  return p.toBytes(true);
}

export function pointToXonly(p: Point): Uint8Array {
  return pointToBytes(p).subarray(1);
}

/** lift_x: the point with this x coordinate and even y (BIP-340), or undefined. */
export function liftX(x: Uint8Array): Point | undefined {
  if (x.length !== XONLY_BYTES) return undefined;
  return cpointExt(concatBytes(new Uint8Array([2]), x));
}

/** The draft's BIP_TAG prefix: every DKG tag is "BIP DKG/" + name (chilldkg_ref/util.py). */
export const BIP_TAG = 'BIP DKG/';

export function taggedHashBipDkg(tag: string, ...msg: Uint8Array[]): Uint8Array {
  return taggedHash(BIP_TAG + tag, ...msg);
}

