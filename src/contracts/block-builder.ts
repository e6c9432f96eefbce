// Building a block from admitted transactions (core layer, contracts): applies them to
// the committed contract state and derives the header. It lives with the contracts it
// applies, above chain/, so chain/ never imports contracts/. Deterministic, so every
// validator of a consortium builds the same header from the same ordered input.

import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { Header } from '../chain/header.js';
import { type ValidatorSet, validatorSetHash } from '../chain/validator-set.js';
import { merkleRoot } from '../merkle/merkle.js';
import type { SignedTx } from '../tx/tx.js';
import type { HostEffects } from './contract.js';
import type { LedgerState } from './ledger-state.js';
import { applyTx } from './system-contracts.js';

export interface BlockInput {
  readonly chainId: Uint8Array;
  readonly height: number;
  /** Milliseconds; must be after the previous header's time. */
  readonly time: number;
  readonly prevHash: Uint8Array;
  /** Defaults to the hash of the state's current set (the state must have one, LedgerState.validators()). */
  readonly validatorsHash?: Uint8Array;
  /** Defaults to the hash of the state's next set once the transactions are applied. */
  readonly nextValidatorsHash?: Uint8Array;
}

/**
 * Applies `txs` (in order, each with its id and, for a deployed contract, the effects its host computed at admission) to `state` and returns the header that commits to both.
 * `txRoot` may be passed by a caller that built the tree of the ids already (merkleTree, for the proofs).
 * Ends the block on `state` (LedgerState.endBlock): afterwards it holds the set that signs the next block.
 */
export function buildHeader(
  crypto: CryptoProvider,
  input: BlockInput,
  state: LedgerState,
  txs: readonly { readonly tx: SignedTx; readonly id: Uint8Array; readonly effects?: HostEffects }[],
  txRoot: Uint8Array = merkleRoot(crypto, txs.map((t) => t.id)),
): Header {
  const setHash = (set: ValidatorSet | undefined, what: string) => {
    if (!set) throw new Error(`buildHeader: no ${what} given and the state holds no validator set`);
    return validatorSetHash(crypto, set);
  };
  const validatorsHash = input.validatorsHash ?? setHash(state.validators(), 'validatorsHash');
  for (const { tx, effects } of txs) applyTx(crypto, state, tx, input.height, effects);
  const nextValidatorsHash = input.nextValidatorsHash ?? setHash(state.nextValidators(), 'nextValidatorsHash');
  state.endBlock();
  return Object.freeze({
    chainId: input.chainId,
    height: input.height,
    time: input.time,
    prevHash: input.prevHash,
    txRoot,
    txCount: txs.length,
    stateRoot: state.root(crypto),
    validatorsHash,
    nextValidatorsHash,
  });
}
