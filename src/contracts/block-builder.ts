// Building a block from admitted transactions (core layer, contracts): applies them to
// the committed contract state and derives the header. It lives with the contracts it
// applies, above chain/, so chain/ never imports contracts/. Deterministic, so every
// validator of a consortium builds the same header from the same ordered input.

import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { Header } from '../chain/header.js';
import { merkleRoot } from '../merkle/merkle.js';
import type { SignedTx } from '../tx/tx.js';
import type { LedgerState } from './ledger-state.js';
import { applyTx } from './system-contracts.js';

export interface BlockInput {
  readonly chainId: Uint8Array;
  readonly height: number;
  /** Milliseconds; must be after the previous header's time. */
  readonly time: number;
  readonly prevHash: Uint8Array;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
}

/**
 * Applies `txs` (in order, each with its id) to `state` and returns the header that commits to both.
 * `txRoot` may be passed by a caller that built the tree of the ids already (merkleTree, for the proofs).
 */
export function buildHeader(
  crypto: CryptoProvider,
  input: BlockInput,
  state: LedgerState,
  txs: readonly { readonly tx: SignedTx; readonly id: Uint8Array }[],
  txRoot: Uint8Array = merkleRoot(crypto, txs.map((t) => t.id)),
): Header {
  for (const { tx } of txs) applyTx(crypto, state, tx, input.height);
  return Object.freeze({
    chainId: input.chainId,
    height: input.height,
    time: input.time,
    prevHash: input.prevHash,
    txRoot,
    txCount: txs.length,
    stateRoot: state.root(crypto),
    validatorsHash: input.validatorsHash,
    nextValidatorsHash: input.nextValidatorsHash,
  });
}
