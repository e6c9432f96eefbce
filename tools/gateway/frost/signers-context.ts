// The Signers Context and participant identifiers of the FROST signing BIP draft
// (siv2r/bip-frost-signing, "Key Material and Setup > Signers Context"): ValidateSignersCtx,
// DeriveThreshPubkey, DeriveInterpolatingValue (tools layer, Node side).
//
// Identifiers are zero-based, 0 ≤ id ≤ n-1; the Lagrange coefficients shift them by one (the
// polynomial is evaluated at x = id + 1, since x = 0 holds the group secret).

import type { Point } from '@noble/secp256k1';
import { FrostInputError } from './errors.js';
import { INFINITY, bytesEqual, cbytes, cpoint, invert, mod, mulPublic } from './group.js';

export interface SignersContext {
  /** Participants in key generation, 2 ≤ n < 2^32. */
  readonly n: number;
  /** Threshold, 1 ≤ t ≤ n. */
  readonly t: number;
  /** Identifiers of the u signing participants (t ≤ u ≤ n), distinct, each in 0..n-1. */
  readonly ids: readonly number[];
  /** Their public shares, 33-byte compressed points, in the order of ids. */
  readonly pubshares: readonly Uint8Array[];
  /** The threshold (group) public key, 33-byte compressed point. */
  readonly threshPk: Uint8Array;
}

export function hasDuplicates(ids: readonly number[]): boolean {
  return new Set(ids).size !== ids.length;
}

/** DeriveInterpolatingValue: λ for myId over the signer set ids. */
export function deriveInterpolatingValue(ids: readonly number[], myId: number): bigint {
  if (!ids.includes(myId)) throw new FrostInputError('The signer\'s id must be present in the participant identifier list.');
  if (hasDuplicates(ids)) throw new FrostInputError('The participant identifier list contains duplicate elements.');
  let num = 1n;
  let deno = 1n;
  for (const id of ids) {
    if (id === myId) continue;
    num = mod(num * BigInt(id + 1));
    deno = mod(deno * BigInt(id - myId));
  }
  return mod(num * invert(deno));
}

/** DeriveThreshPubkey: Σ λ_i · P_i, compressed (the inputs are validated by the caller). */
export function deriveThreshPubkey(ids: readonly number[], pubshares: readonly Point[]): Uint8Array {
  let Q = INFINITY;
  ids.forEach((id, i) => {
    Q = Q.add(mulPublic(pubshares[i]!, deriveInterpolatingValue(ids, id)));
  });
  // Infinity only with negligible probability (or from a crafted context, which then fails the compare).
  if (Q.is0()) throw new FrostInputError('The provided key material is incorrect.');
  return cbytes(Q);
}

function isUint32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}

/**
 * Contexts that passed ValidateSignersCtx, by their bytes: Sign, PartialSigVerify and PartialSigAgg
 * each validate the same context again (t point multiplications each time); a member signing a
 * header runs them for one context several times. Only successes are remembered, so every
 * failure still throws the draft's error.
 */
const validated = new Set<string>();
const MAX_VALIDATED = 256;

function contextKey(ctx: SignersContext): string | undefined {
  const { n, t, ids, pubshares, threshPk } = ctx;
  if (!ids.every((id) => Number.isInteger(id)) || !pubshares.every((p) => p instanceof Uint8Array) || !(threshPk instanceof Uint8Array)) return undefined;
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${n}/${t}/${ids.join(',')}/${pubshares.map(hex).join(',')}/${hex(threshPk)}`;
}

/** ValidateSignersCtx: throws FrostInputError with the draft's message on the first failed check. */
export function validateSignersCtx(ctx: SignersContext): void {
  const key = contextKey(ctx);
  if (key !== undefined && validated.has(key)) return;
  validateUncached(ctx);
  if (key === undefined) return;
  if (validated.size >= MAX_VALIDATED) validated.delete(validated.values().next().value!);
  validated.add(key);
}

function validateUncached(ctx: SignersContext): void {
  const { n, t, ids, pubshares, threshPk } = ctx;
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 1 || t > n) throw new FrostInputError('The threshold must be 1 <= t <= n.');
  if (!(t <= ids.length && ids.length <= n)) throw new FrostInputError('The number of signers must be between t and n.');
  if (pubshares.length !== ids.length) throw new FrostInputError('The pubshares and ids arrays must have the same length.');
  const points: Point[] = [];
  for (let idx = 0; idx < ids.length; idx++) {
    const id = ids[idx]!;
    if (!isUint32(id) || id > n - 1) throw new FrostInputError(`The participant identifier at index ${idx} is out of range.`);
    // A malformed pubshare is pre-protocol input (the context is agreed before signing): no blame.
    const P = cpoint(pubshares[idx]!);
    if (P === undefined) throw new FrostInputError(`Invalid pubshare at index ${idx}.`);
    points.push(P);
  }
  if (hasDuplicates(ids)) throw new FrostInputError('The participant identifier list contains duplicate elements.');
  if (!bytesEqual(deriveThreshPubkey(ids, points), threshPk)) throw new FrostInputError('The provided key material is incorrect.');
}
