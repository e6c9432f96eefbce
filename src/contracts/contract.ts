// The contract interface (core layer, contracts): what a BoT contract declares and does. A
// contract owns transaction kinds (the system contracts: ENROLL…, BLOCK_REPORT…, GOVERN) or the
// INVOKE transactions addressed to its id, checks them (admit) and applies them (apply) to the
// ledger deterministically, keeping its own entries in its key-value store, and answers queries.
// Every member runs the same contracts on the same blocks, so all of this lives in the core.
//
// Adding a contract: a folder of its own under src/contracts/ and one line in registered.ts.

import type { CborValue } from '../codec/cbor.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { Result } from '../errors/bot-error.js';
import type { TxKind } from '../tx/kinds.js';
import type { SignedTx } from '../tx/tx.js';
import type { Account, LedgerState } from './ledger-state.js';

export { ContractId, type ContractStore, contractNamespace } from './contract-namespace.js';
import type { ContractStore } from './contract-namespace.js';

/**
 * What a host computed for a transaction the core cannot run itself (a deployed contract, run in
 * the gateway's sandbox before the block is built): the writes to the contract's store, applied
 * as given, or the typed failure of the run (the transaction is then refused with its code).
 * Every member computes its own, from the same state in the same order.
 */
export type HostEffects =
  | { readonly writes: readonly (readonly [key: Uint8Array, value: Uint8Array | undefined])[] }
  | { readonly error: { readonly code: number; readonly message: string } };

/** One transaction, as a contract sees it. */
export interface ContractCall {
  readonly crypto: CryptoProvider;
  /** The whole ledger: a contract reads the registry (accounts) and keeps its own entries in `store`. */
  readonly state: LedgerState;
  /**
   * This contract's own entries. The registry and blocklist keep theirs typed in the ledger state
   * (its accounts and blocklist, leaves under these same namespaces): they must not write here.
   */
  readonly store: ContractStore;
  readonly tx: SignedTx;
  /** The sender's account; undefined only for a self-enrolment (it has none before it). */
  readonly sender: Account | undefined;
  /** Height of the block being filled (admission) or built (apply). */
  readonly height: number;
  readonly effects?: HostEffects;
}

/** A read-only question: a query method and its arguments, on the committed state. */
export interface ContractQuery {
  readonly crypto: CryptoProvider;
  readonly state: LedgerState;
  readonly store: ContractStore;
  readonly method: number;
  readonly args: readonly CborValue[];
}

export interface Contract {
  readonly id: number;
  readonly name: string;
  /** Transaction kinds other than INVOKE that this contract owns (at most one contract per kind). */
  readonly kinds: readonly TxKind[];
  /** INVOKE methods by number (the body's second field), for help and the explorer. Empty: no INVOKE. */
  readonly methods: Readonly<Record<number, string>>;
  /** Query methods by number. */
  readonly queries: Readonly<Record<number, string>>;
  /**
   * Whether a transaction may enter the ledger, after the checks every transaction passes (sender,
   * role, sequence, time, quotas: system-contracts.ts). Must not change anything, and its verdict
   * must not depend on `call.height`: a gateway or member admits before the block's height is fixed.
   */
  admit(call: ContractCall): Result<undefined>;
  /** Applies an admitted transaction. Deterministic: the same state and call give the same state. */
  apply(call: ContractCall): void;
  /** Answers a query from the state (undefined: nothing there); BAD_REQUEST for a bad one. */
  query(call: ContractQuery): Result<CborValue | undefined>;
}

/** A contract as its folder exports it: frozen (a preloaded module's objects are read-only on a device anyway). */
export function defineContract(contract: Contract): Contract {
  return Object.freeze(contract);
}
