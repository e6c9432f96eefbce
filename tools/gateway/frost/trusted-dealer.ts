// Trusted-dealer key generation for FROST (tools layer, Node side), as the FROST signing BIP
// draft's test code does it (siv2r/bip-frost-signing, python/trusted_dealer.py, after RFC 9591
// Appendix C): Shamir shares of a group secret on a degree t-1 polynomial, evaluated at x = id + 1
// for the zero-based identifiers 0..n-1. Test and bootstrap use only: the dealer knows the group
// secret. The consortium replaces it with a DKG (ChillDKG) in a later step.

import { FrostInputError } from './errors.js';
import { G, cbytes, intToBytes, mod, mulSecret, scalarFromBytesNonzeroChecked, scalarToBytes, taggedHash } from './group.js';

const COEFF_DERIVATION_TAG = 'BIP0445/trusted/keygen';

export interface DealtKeys {
  /** The group key, 33-byte compressed (its x-only form is what BIP340 verifies under). */
  readonly threshPk: Uint8Array;
  /** secshares[id] is participant id's 32-byte secret share. */
  readonly secshares: readonly Uint8Array[];
  /** pubshares[id] = cbytes(secshares[id]·G). */
  readonly pubshares: readonly Uint8Array[];
}

/** Deterministic in threshSk: the coefficients are tagged hashes of it (as the draft's dealer). */
export function trustedDealerKeygen(threshSk: Uint8Array, n: number, t: number): DealtKeys {
  if (!(Number.isInteger(n) && Number.isInteger(t) && 1 <= t && t <= n)) throw new FrostInputError('The threshold must be 1 <= t <= n.');
  const secret = scalarFromBytesNonzeroChecked(threshSk);
  if (secret === undefined) throw new FrostInputError('The group secret is out of range.');
  // Highest degree first, the secret last (the constant term), evaluated by Horner's rule.
  const coeffs: bigint[] = [];
  for (let i = 1; i < t; i++) {
    const c = scalarFromBytesNonzeroChecked(taggedHash(COEFF_DERIVATION_TAG, threshSk, intToBytes(i, 4)));
    if (c === undefined) throw new Error('trustedDealerKeygen: coefficient out of range (negligible probability)');
    coeffs.push(c);
  }
  coeffs.push(secret);
  const secshares: Uint8Array[] = [];
  const pubshares: Uint8Array[] = [];
  for (let id = 0; id < n; id++) {
    const x = BigInt(id + 1);
    let y = 0n;
    for (const c of coeffs) y = mod(y * x + c);
    if (y === 0n) throw new Error('trustedDealerKeygen: zero share (negligible probability)');
    secshares.push(scalarToBytes(y));
    pubshares.push(cbytes(mulSecret(G, y)));
  }
  return { threshPk: cbytes(mulSecret(G, secret)), secshares, pubshares };
}
