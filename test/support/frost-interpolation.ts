// FROST test helpers (test layer): the k-subsets of n participants a threshold test walks through,
// and the Lagrange coefficient at 0 it interpolates with — the FROST signing code's own
// DeriveInterpolatingValue (x = id + 1, as both drafts use), so the tests check against it.

export { deriveInterpolatingValue as lagrange } from '../../tools/gateway/frost/signers-context.js';

/** Every k-subset of 0..n-1, each ascending. */
export function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}
