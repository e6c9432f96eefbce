// The Session Context of the FROST signing BIP draft (siv2r/bip-frost-signing, "Session Context"):
// GetSessionValues and SerializeIds (tools layer, Node side). Every round-two algorithm (Sign,
// PartialSigVerify, PartialSigAgg) derives the same values from it: the nonce coefficient b, the
// final nonce R and the BIP340 challenge e. The ids are sorted before hashing so b commits to the
// signer set, not its order.

import type { Point } from '@noble/secp256k1';
import { InvalidContributionError } from './errors.js';
import {
  G, POINT_BYTES, TAG_CHALLENGE, TAG_NONCECOEF, concat, cpointExt, intToBytes, mulPublic,
  scalarFromBytesWrapping, taggedHash, xbytes,
} from './group.js';
import { type SignersContext, validateSignersCtx } from './signers-context.js';
import { threshPubkeyAndTweak } from './tweak-context.js';

export interface SessionContext {
  readonly signersCtx: SignersContext;
  /** 66 bytes, the output of NonceAgg. */
  readonly aggnonce: Uint8Array;
  /** Tweaks (32-byte scalars) and their modes; empty for botpeer headers. */
  readonly tweaks: readonly Uint8Array[];
  readonly isXonly: readonly boolean[];
  readonly msg: Uint8Array;
}

export interface SessionValues {
  readonly Q: Point;
  readonly gacc: bigint;
  readonly tacc: bigint;
  readonly ids: readonly number[];
  readonly pubshares: readonly Uint8Array[];
  readonly b: bigint;
  readonly R: Point;
  readonly e: bigint;
}

export function serializeIds(ids: readonly number[]): Uint8Array {
  return concat(...[...ids].sort((x, y) => x - y).map((id) => intToBytes(id, 4)));
}

export function getSessionValues(session: SessionContext): SessionValues {
  const { signersCtx, aggnonce, tweaks, isXonly, msg } = session;
  validateSignersCtx(signersCtx);
  const { ids, pubshares, threshPk } = signersCtx;
  const { Q, gacc, tacc } = threshPubkeyAndTweak(threshPk, tweaks, isXonly);
  const qx = xbytes(Q);
  const b = scalarFromBytesWrapping(taggedHash(TAG_NONCECOEF, serializeIds(ids), aggnonce, qx, msg));
  if (b === 0n) throw new Error('GetSessionValues: b = 0 (negligible probability)');
  const R1 = cpointExt(aggnonce.subarray(0, POINT_BYTES));
  const R2 = cpointExt(aggnonce.subarray(POINT_BYTES, 2 * POINT_BYTES));
  // The coordinator computed aggnonce: a bad one blames the coordinator (signerIndex null).
  if (R1 === undefined || R2 === undefined) throw new InvalidContributionError(null, 'aggnonce');
  const Rp = R1.add(mulPublic(R2, b));
  // An infinite R' (only if the coordinator or signers collude) falls back to G, see the draft.
  const R = Rp.is0() ? G : Rp;
  const e = scalarFromBytesWrapping(taggedHash(TAG_CHALLENGE, xbytes(R), qx, msg));
  if (e === 0n) throw new Error('GetSessionValues: e = 0 (negligible probability)');
  return { Q, gacc, tacc, ids, pubshares, b, R, e };
}
