// PartialSigVerify and PartialSigVerifyInternal of the FROST signing BIP draft
// (siv2r/bip-frost-signing, "Partial Signature Verification") (tools layer, Node side). The
// coordinator runs it on every partial signature before aggregating: a false result names the
// signer at index i as the one who sent a bad share (identifiable abort). Partial signatures are
// not signatures: only this check, in this session, gives them meaning.

import { FrostInputError } from './errors.js';
import { G, POINT_BYTES, bytesEqual, cpoint, hasEvenY, mod, mulPublic, scalarFromBytesChecked } from './group.js';
import { nonceAgg } from './nonce-agg.js';
import { type SessionContext, getSessionValues } from './session-context.js';
import { type SignersContext, deriveInterpolatingValue, validateSignersCtx } from './signers-context.js';

/**
 * PartialSigVerify: is psig the valid partial signature of the signer at index i (of
 * signersCtx.ids and pubnonces)? Throws FrostInputError on a bad context and
 * InvalidContributionError (naming the signer) when a pubnonce does not decode.
 */
export function partialSigVerify(
  psig: Uint8Array,
  pubnonces: readonly Uint8Array[],
  signersCtx: SignersContext,
  tweaks: readonly Uint8Array[],
  isXonly: readonly boolean[],
  msg: Uint8Array,
  i: number,
): boolean {
  validateSignersCtx(signersCtx);
  const { ids, pubshares } = signersCtx;
  if (pubnonces.length !== ids.length) throw new FrostInputError('The pubnonces and ids arrays must have the same length.');
  if (tweaks.length !== isXonly.length) throw new FrostInputError('The tweaks and is_xonly arrays must have the same length.');
  if (!Number.isInteger(i) || i < 0 || i >= ids.length) throw new FrostInputError('The signer index is out of range.');
  const aggnonce = nonceAgg(pubnonces);
  const session: SessionContext = { signersCtx, aggnonce, tweaks, isXonly, msg };
  return partialSigVerifyInternal(psig, ids[i]!, pubnonces[i]!, pubshares[i]!, session);
}

export function partialSigVerifyInternal(
  psig: Uint8Array,
  myId: number,
  pubnonce: Uint8Array,
  pubshare: Uint8Array,
  session: SessionContext,
): boolean {
  const { Q, gacc, ids, pubshares, b, R, e } = getSessionValues(session);
  const s = scalarFromBytesChecked(psig);
  if (s === undefined) return false;
  if (!pubshares.some((p) => bytesEqual(p, pubshare))) return false;
  if (!ids.includes(myId)) return false;
  const R1 = cpoint(pubnonce.subarray(0, POINT_BYTES));
  const R2 = cpoint(pubnonce.subarray(POINT_BYTES, 2 * POINT_BYTES));
  if (R1 === undefined || R2 === undefined) return false;
  const ResPrime = R1.add(mulPublic(R2, b));
  const Res = hasEvenY(R) ? ResPrime : ResPrime.negate();
  const P = cpoint(pubshare);
  if (P === undefined) return false;
  const lambda = deriveInterpolatingValue(ids, myId);
  const g = hasEvenY(Q) ? 1n : mod(-1n);
  const gPrime = mod(g * gacc);
  return mulPublic(G, s).equals(Res.add(mulPublic(P, mod(e * lambda * gPrime))));
}
