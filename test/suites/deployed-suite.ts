// The deployed-contract vectors (test layer, platform-neutral): test/vectors/deployed.json,
// docs/protocol.md §5.6.2, run on Node and under XS through runAllVectorSuites. Each step's host
// effects (what the generator's XS sandbox computed) are given to the core as they are: the core
// must give each transaction its admission code and reach every height's state root.

import deployedVectors from '../vectors/deployed.json' with { type: 'json' };
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { chainIdOf, decodeGenesis } from '../../src/chain/genesis.js';
import type { HostEffects } from '../../src/contracts/contract.js';
import { LedgerState } from '../../src/contracts/ledger-state.js';
import { admitTx, applyTx, signingKey } from '../../src/contracts/system-contracts.js';
import { decodeTx, verifyTxSignature } from '../../src/tx/tx.js';
import { hex, unhex } from '../support/hex-json.js';
import { type VectorResult, expectEqual, runVector } from './check.js';

type EffectsJson = { writes: (string | null)[][] } | { error: { code: number; message: string } } | null;

function effectsOf(json: EffectsJson): HostEffects | undefined {
  if (json === null) return undefined;
  if ('error' in json) return { error: json.error };
  return { writes: json.writes.map(([k, v]) => [unhex(k!), v === null ? undefined : unhex(v!)] as const) };
}

export function deployedSuite(crypto: CryptoProvider): VectorResult[] {
  const genesis = decodeGenesis(unhex(deployedVectors.genesis));
  const chainId = chainIdOf(crypto, genesis);
  const state = LedgerState.fromGenesis(crypto, genesis);
  const roots = new Map(deployedVectors.roots.map((r) => [r.height, r.stateRoot]));
  const results: VectorResult[] = [runVector('deployed', 'genesis', () => expectEqual(hex(state.root(crypto)), roots.get(0), 'state root at height 0'))];
  deployedVectors.steps.forEach((step, i) => {
    results.push(runVector('deployed', step.what, () => {
      const tx = decodeTx(unhex(step.wire));
      const key = signingKey(state, tx);
      if (!key.ok) throw new Error(`sender refused: ${key.reason}`);
      const signed = verifyTxSignature(crypto, chainId, tx, key.value);
      if (!signed.ok) throw new Error(`signature refused: ${signed.reason}`);
      const effects = effectsOf(step.effects as EffectsJson);
      const verdict = admitTx(crypto, state, tx, deployedVectors.now, step.height, effects);
      expectEqual(verdict.ok ? 0 : verdict.code, step.expect, 'admission code');
      if (verdict.ok) applyTx(crypto, state, tx, step.height, effects);
      const next = deployedVectors.steps[i + 1];
      if (!next || next.height !== step.height) expectEqual(hex(state.root(crypto)), roots.get(step.height), `state root at height ${step.height}`);
    }));
  });
  return results;
}
