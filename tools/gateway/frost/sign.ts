// Sign of the FROST signing BIP draft (siv2r/bip-frost-signing, "Signing") (tools layer, Node
// side): a signer's round-two partial signature s = k1 + b·k2 + e·λ·d over the session.
//
// The secnonce is zeroed in place before any secret-dependent output, so a second Sign with the
// same buffer fails ("first secnonce value is out of range.") instead of leaking the secret share.
// The result is checked with PartialSigVerifyInternal before it leaves the signer (draft footnote:
// a faulty computation must not publish a bad partial signature).

import { FrostInputError } from './errors.js';
import {
  G, SECNONCE_BYTES, bytesEqual, cbytes, concat, hasEvenY, mod, mulSecret, scalarFromBytesNonzeroChecked, scalarToBytes,
} from './group.js';
import { partialSigVerifyInternal } from './partial-sig-verify.js';
import { type SessionContext, getSessionValues } from './session-context.js';
import { deriveInterpolatingValue } from './signers-context.js';

/** Sign: the 32-byte partial signature of participant myId. Zeroes secnonce. */
export function sign(secnonce: Uint8Array, secshare: Uint8Array, myId: number, session: SessionContext): Uint8Array {
  const { Q, gacc, ids, pubshares, b, R, e } = getSessionValues(session);
  const k1p = secnonce.length === SECNONCE_BYTES ? scalarFromBytesNonzeroChecked(secnonce.subarray(0, 32)) : undefined;
  if (k1p === undefined) throw new FrostInputError('first secnonce value is out of range.');
  const k2p = scalarFromBytesNonzeroChecked(secnonce.subarray(32, 64));
  if (k2p === undefined) throw new FrostInputError('second secnonce value is out of range.');
  secnonce.fill(0);
  const k1 = hasEvenY(R) ? k1p : mod(-k1p);
  const k2 = hasEvenY(R) ? k2p : mod(-k2p);
  const dp = scalarFromBytesNonzeroChecked(secshare);
  if (dp === undefined) throw new FrostInputError('The signer\'s secret share value is out of range.');
  const pubshare = cbytes(mulSecret(G, dp));
  if (!pubshares.some((p) => bytesEqual(p, pubshare))) throw new FrostInputError('The signer\'s pubshare must be included in the list of pubshares.');
  if (!ids.includes(myId)) throw new FrostInputError('The signer\'s id must be present in the participant identifier list.');
  const lambda = deriveInterpolatingValue(ids, myId);
  const g = hasEvenY(Q) ? 1n : mod(-1n);
  const d = mod(g * gacc * dp);
  const psig = scalarToBytes(mod(k1 + b * k2 + e * lambda * d));
  const pubnonce = concat(cbytes(mulSecret(G, k1p)), cbytes(mulSecret(G, k2p)));
  if (!partialSigVerifyInternal(psig, myId, pubnonce, pubshare, session)) throw new Error('Sign: own partial signature does not verify');
  return psig;
}
