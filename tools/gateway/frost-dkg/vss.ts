// Feldman verifiable secret sharing for the FROST key generation (tools layer,
// gateway/frost-dkg), after the ChillDKG BIP draft (BlockstreamResearch/bip-frost-dkg),
// README "Building Block: SimplPedPop" / python/chilldkg_ref/vss.py: a participant's
// polynomial f of degree t-1 is derived from a 32-byte seed (tag "BIP DKG/vss coeffs"),
// participant i (0-based, as in the FROST signing draft's identifiers) gets f(i+1), and the
// commitment is [a_0·G, …, a_{t-1}·G], 33 bytes each with infinity as 33 zero bytes.
// invalidTaprootCommit is the draft's tweak that gives the threshold key an unspendable
// BIP-341 script path; it is kept so the keys match the draft's vectors bit for bit.

import {
  INFINITY,
  POINT_BYTES,
  type Point,
  concatBytes,
  mod,
  mulG,
  mulPublic,
  pointFromBytesWithInfinity,
  pointToBytesWithInfinity,
  pointToXonly,
  scalarFromBytesChecked,
  taggedHash,
  taggedHashBipDkg,
  u32be,
} from './group.js';

/** Coefficients a_0..a_{t-1}; a_0 is the secret this participant contributes. */
export type Polynomial = readonly bigint[];

/** VSS.generate: coefficient i = hash_{BIP DKG/vss coeffs}(seed || i as u32be), checked < order. */
export function vssGenerate(seed: Uint8Array, t: number): Polynomial {
  if (seed.length !== 32) throw new RangeError('vss seed must be 32 bytes');
  const coeffs: bigint[] = [];
  for (let i = 0; i < t; i++) {
    const c = scalarFromBytesChecked(taggedHashBipDkg('vss coeffs', seed, u32be(i)));
    // Probability ~2^-128; the draft raises here too.
    if (c === undefined) throw new RangeError('vss coefficient overflow');
    coeffs.push(c);
  }
  return coeffs;
}

/** f(x) by Horner. */
export function polyEval(f: Polynomial, x: bigint): bigint {
  let v = 0n;
  for (let j = f.length - 1; j >= 0; j--) v = mod(v * x + f[j]!);
  return v;
}

/** The share for participant id (0-based): f(id + 1), never f(0). */
export function secshareFor(f: Polynomial, id: number): bigint {
  if (!Number.isInteger(id) || id < 0) throw new RangeError(`bad participant id ${id}`);
  return polyEval(f, BigInt(id + 1));
}

export function vssCommit(f: Polynomial): Point[] {
  return f.map((c) => mulG(c));
}

/** A VSS commitment: t points, any of which may be infinity. */
export type VssCommitment = readonly Point[];

export function commitmentToBytes(com: VssCommitment): Uint8Array {
  return concatBytes(...com.map(pointToBytesWithInfinity));
}

export function commitmentFromBytes(b: Uint8Array, t: number): VssCommitment | undefined {
  if (b.length !== POINT_BYTES * t) return undefined;
  const out: Point[] = [];
  for (let i = 0; i < t; i++) {
    const p = pointFromBytesWithInfinity(b.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES));
    if (p === undefined) return undefined;
    out.push(p);
  }
  return out;
}

/** The public share the commitment implies for participant id: Σ_j (id+1)^j · C_j (Horner). */
export function commitmentPubshare(com: VssCommitment, id: number): Point {
  const x = BigInt(id + 1);
  let acc = INFINITY;
  for (let j = com.length - 1; j >= 0; j--) acc = mulPublic(acc, x).add(com[j]!);
  return acc;
}

export function verifySecshare(secshare: bigint, pubshare: Point): boolean {
  return mulG(secshare).equals(pubshare);
}

/**
 * VSSCommitment.invalid_taproot_commit: adds tweak·G to the constant term, where
 * tweak = hash_{TapTweak}(xonly(C_0)) commits to an empty script tree (unspendable per
 * BIP-341). Returns the tweaked commitment and the scalar every secret share must add.
 * Undefined when C_0 is infinity (no x-only key) or the tweak overflows (negligible).
 */
export function invalidTaprootCommit(com: VssCommitment): { com: Point[]; tweak: bigint; pubtweak: Point } | undefined {
  const c0 = com[0];
  if (c0 === undefined || c0.is0()) return undefined;
  const tweak = scalarFromBytesChecked(taggedHash('TapTweak', pointToXonly(c0)));
  if (tweak === undefined) return undefined;
  const pubtweak = mulG(tweak);
  return { com: [c0.add(pubtweak), ...com.slice(1)], tweak, pubtweak };
}

