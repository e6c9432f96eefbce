// The device-side half of the state benchmark (tools layer, platform-neutral: runs on Node and,
// bundled, under XS): checking state proofs made by state-bench.ts on the gateway side.

import { hexToBytes } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { verifyStateProof } from '../../src/merkle/sparse-merkle-proof.js';

/** One query answer as the gateway would send it, in hex. */
export interface StateProofCase {
  readonly contract: string;
  readonly key: string;
  readonly value: string | null;
  readonly proof: string;
}

export interface StateBenchInput {
  readonly sizes: readonly { readonly entries: number; readonly root: string; readonly cases: readonly StateProofCase[] }[];
}

export interface VerifyFigure {
  readonly entries: number;
  /** Decode and verify one proof (wire bytes in), mean. */
  readonly microseconds: number;
}

/** Mean µs to decode and verify one proof, over `rounds` passes of every case; throws if one fails (the bench would be wrong). */
export function runVerifyWorkload(crypto: CryptoProvider, input: StateBenchInput, rounds: number, now: () => number): VerifyFigure[] {
  return input.sizes.map(({ entries, root, cases }) => {
    const r = hexToBytes(root);
    const decoded = cases.map((c) => ({ contract: hexToBytes(c.contract), key: hexToBytes(c.key), value: c.value === null ? undefined : hexToBytes(c.value), proof: hexToBytes(c.proof) }));
    for (const c of decoded) if (!verifyStateProof(crypto, r, c.contract, c.key, c.value, c.proof).ok) throw new Error(`a genuine proof failed at ${entries} entries`);
    const start = now();
    for (let i = 0; i < rounds; i++) for (const c of decoded) verifyStateProof(crypto, r, c.contract, c.key, c.value, c.proof);
    return { entries, microseconds: +(((now() - start) * 1000) / (rounds * decoded.length)).toFixed(1) };
  });
}
