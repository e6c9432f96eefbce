// PartialSigAgg of the FROST signing BIP draft (siv2r/bip-frost-signing, "Partial Signature
// Aggregation") (tools layer, Node side): the coordinator sums the u partial signatures into one
// 64-byte BIP340 signature xbytes(R) || s under the (tweaked) x-only group key. A partial signature
// that is not a scalar blames its signer; a wrong-but-well-formed one is caught only by
// PartialSigVerify, which the coordinator must run first to keep aborts identifiable.

import { FrostInputError, InvalidContributionError } from './errors.js';
import { concat, hasEvenY, mod, scalarFromBytesChecked, scalarToBytes, xbytes } from './group.js';
import { type SessionContext, getSessionValues } from './session-context.js';

export const SIGNATURE_BYTES = 64;

export function partialSigAgg(psigs: readonly Uint8Array[], session: SessionContext): Uint8Array {
  const { Q, tacc, ids, R, e } = getSessionValues(session);
  if (psigs.length !== ids.length) throw new FrostInputError('The psigs and ids arrays must have the same length.');
  let s = 0n;
  psigs.forEach((psig, idx) => {
    const si = scalarFromBytesChecked(psig);
    if (si === undefined) throw new InvalidContributionError(idx, 'psig');
    s = mod(s + si);
  });
  const g = hasEvenY(Q) ? 1n : mod(-1n);
  s = mod(s + e * g * tacc);
  return concat(xbytes(R), scalarToBytes(s));
}
