// The committed contract state of a ledger store, as a restart rebuilds it (tools layer): the
// registry's and blocklist's rows, every contract entry and the validator sets, checked against
// the newest header's stateRoot (§6.3.1). A mismatch means the store lost or damaged a write:
// the gateway must not sign or prove anything from such a state, so it is an error, not a warning.

import {
  type CryptoProvider, type Genesis, LedgerState, bytesToHex, chainRulesOf, decodeLightBlock, equalBytes,
} from '../../src/index.js';
import type { LedgerStore } from './ledger-store.js';

export function restoreCommittedState(crypto: CryptoProvider, genesis: Genesis, store: LedgerStore): LedgerState {
  const latestBlock = store.latestBlock();
  if (!latestBlock) return LedgerState.fromGenesis(crypto, genesis);
  // The sets as the newest block left them; a ledger written before the store kept them had only the genesis set.
  const sets = store.validatorSets() ?? { current: genesis.validators, next: genesis.validators };
  const state = LedgerState.fromEntries(store.accounts(), store.blocked(), { ...chainRulesOf(crypto, genesis), ...sets }, store.contractEntries());
  const { stateRoot, height } = decodeLightBlock(latestBlock.lightBlock).header;
  const root = state.root(crypto);
  if (!equalBytes(root, stateRoot)) {
    throw new Error(`ledger store: the stored state's root ${bytesToHex(root)} is not block ${height}'s stateRoot ${bytesToHex(stateRoot)} (a lost or damaged write)`);
  }
  return state;
}
