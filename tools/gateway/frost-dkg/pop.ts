// Proof of possession of a participant's constant term (tools layer, gateway/frost-dkg), after
// the ChillDKG BIP draft (BlockstreamResearch/bip-frost-dkg, python/chilldkg_ref/simplpedpop.py,
// "Proofs of possession"): a BIP-340 Schnorr signature by a_0 over the participant's id as 4
// bytes big-endian, with the tag prefix "BIP DKG/pop message" instead of "BIP0340" (so the
// tags are ".../aux", ".../nonce", ".../challenge"). It binds the commitment C_0 to its index
// and stops rogue-key attacks (a participant choosing C_0 = X − Σ others). noble's schnorr
// has fixed BIP0340 tags, so signing and verifying are written out here from the BIP-340
// algorithms with the prefix as a parameter.

import {
  FIELD,
  ORDER,
  bigintTo32,
  bytesToBigint,
  concatBytes,
  hasEvenY,
  liftX,
  mod,
  mulG,
  mulPublic,
  pointToXonly,
  taggedHash,
  u32be,
  xorBytes,
} from './group.js';

export const POP_BYTES = 64;
export const POP_TAG_PREFIX = 'BIP DKG/pop message';

export function popMessage(participantId: number): Uint8Array {
  return u32be(participantId);
}

/** BIP-340 Sign with a tag prefix (secp256k1lab bip340.schnorr_sign). */
export function schnorrSignTagged(msg: Uint8Array, seckey: bigint, auxRand: Uint8Array, tagPrefix: string): Uint8Array {
  if (seckey <= 0n || seckey >= ORDER) throw new RangeError('secret key out of range');
  if (auxRand.length !== 32) throw new RangeError('aux_rand must be 32 bytes');
  const P = mulG(seckey);
  const d = hasEvenY(P) ? seckey : ORDER - seckey;
  const px = pointToXonly(P);
  const t = xorBytes(bigintTo32(d), taggedHash(`${tagPrefix}/aux`, auxRand));
  const k0 = mod(bytesToBigint(taggedHash(`${tagPrefix}/nonce`, t, px, msg)));
  if (k0 === 0n) throw new Error('schnorr nonce is zero (negligible)');
  const R = mulG(k0);
  const k = hasEvenY(R) ? k0 : ORDER - k0;
  const rx = pointToXonly(R);
  const e = mod(bytesToBigint(taggedHash(`${tagPrefix}/challenge`, rx, px, msg)));
  return concatBytes(rx, bigintTo32(mod(k + e * d)));
}

/** BIP-340 Verify with a tag prefix; false for any malformed input. */
export function schnorrVerifyTagged(msg: Uint8Array, pubkeyX: Uint8Array, sig: Uint8Array, tagPrefix: string): boolean {
  if (pubkeyX.length !== 32 || sig.length !== 64) return false;
  const P = liftX(pubkeyX);
  if (P === undefined || P.is0()) return false;
  const r = bytesToBigint(sig.subarray(0, 32));
  const s = bytesToBigint(sig.subarray(32, 64));
  if (r >= FIELD || s >= ORDER) return false;
  const e = mod(bytesToBigint(taggedHash(`${tagPrefix}/challenge`, sig.subarray(0, 32), pubkeyX, msg)));
  const R = mulG(s).add(mulPublic(P, ORDER - e));
  if (R.is0() || !hasEvenY(R)) return false;
  return R.toAffine().x === r;
}

export function popProve(secret: bigint, participantId: number, auxRand: Uint8Array): Uint8Array {
  return schnorrSignTagged(popMessage(participantId), secret, auxRand, POP_TAG_PREFIX);
}

/** pubkeyX is the x-only form of the participant's C_0. */
export function popVerify(pop: Uint8Array, pubkeyX: Uint8Array, participantId: number): boolean {
  return schnorrVerifyTagged(popMessage(participantId), pubkeyX, pop, POP_TAG_PREFIX);
}
