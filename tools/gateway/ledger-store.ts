// The gateway's ledger store port (tools layer): what the gateway needs from
// durable storage. store-sqlite.ts implements it on better-sqlite3.
//
// Durability contract: a method returns only once its writes are durable
// (survive kill -9 of the process), and each method is atomic: after a crash
// either all of its writes are present or none is.

import type { Account, BlockEntry, ContractEntry, ValidatorSets } from '../../src/index.js';

export interface PendingTx {
  /** Exact wire bytes as received. */
  readonly wire: Uint8Array;
  readonly txId: Uint8Array;
  readonly sender: Uint8Array;
  readonly seq: number;
  readonly kind: number;
  /** The transaction's own time field (seconds). */
  readonly time: number;
  /** Gateway clock when it was admitted (ms). */
  readonly receivedAt: number;
}

export interface StoredBlock {
  readonly height: number;
  readonly hash: Uint8Array;
  /** Header time (ms). */
  readonly time: number;
  readonly txCount: number;
  /** The encoded light block [header, commit, validators?] exactly as published. */
  readonly lightBlock: Uint8Array;
}

export interface StoredTx {
  readonly wire: Uint8Array;
  readonly txId: Uint8Array;
  readonly height: number;
  /** Position in the block (the Merkle leaf index). */
  readonly index: number;
  readonly sender: Uint8Array;
  readonly seq: number;
  readonly kind: number;
  readonly time: number;
}

/** Rows are the core's own contract-state entries: the store keeps exactly what a block touched. */
export type AccountRow = Account;
export type BlockedRow = BlockEntry;

/** What a block changes in contract state: rows to upsert and blocked ids to delete. */
export interface StateChanges {
  readonly accounts: readonly AccountRow[];
  readonly blocked: readonly BlockedRow[];
  readonly unblocked: readonly Uint8Array[];
  /**
   * Contract entries set (value) or deleted (value undefined) by the block (LedgerState.takeTouched);
   * absent: none. With accounts and blocked they are every leaf of the state root (§6.3.1).
   */
  readonly entries?: readonly ContractEntry[];
  /** The state's validator sets, when the block changed them (LedgerState.takeTouched). */
  readonly validators?: ValidatorSets;
}

export interface LedgerStore {
  /** Durably appends admitted transactions, in order, to the pending pool (one atomic write). */
  appendPending(txs: readonly PendingTx[]): void;
  /**
   * Forgets every pending transaction (a consortium member on restart: its pool is derived
   * from the replicated stream again, so only blocks are its own durable record), then appends
   * `keep` as the new pending pool, in order: one atomic write (a gateway's restart that left some
   * out must not lose the others to a crash between two writes).
   */
  dropPending(keep?: readonly PendingTx[]): void;
  /** The pending pool in admission order (used on restart). */
  pending(): PendingTx[];
  /** A sender's pending transaction with that seq (accepted, durable, not yet in a block), if any. */
  pendingBySenderSeq(sender: Uint8Array, seq: number): PendingTx | undefined;
  /**
   * Atomically: stores the block, moves the oldest `txCount` pending transactions into the
   * ledger at this height (leaf index = order), applies the state changes. Throws if fewer
   * than `txCount` are pending or the height is not latest + 1.
   */
  commitBlock(block: StoredBlock, changes: StateChanges): void;
  latestBlock(): StoredBlock | undefined;
  block(height: number): StoredBlock | undefined;
  /** Transaction ids of a block in leaf order. */
  blockTxIds(height: number): Uint8Array[];
  txById(txId: Uint8Array): StoredTx | undefined;
  txBySenderSeq(sender: Uint8Array, seq: number): StoredTx | undefined;
  /** Newest first. */
  txsBySender(sender: Uint8Array, limit: number): StoredTx[];
  /** Number of transactions in blocks. */
  txCount(): number;
  accounts(): AccountRow[];
  blocked(): BlockedRow[];
  /** Every contract entry as the newest block left it (LedgerState.fromEntries takes them back on restart). */
  contractEntries(): ContractEntry[];
  /** The validator sets as the newest block left them; undefined before the first block wrote them. */
  validatorSets(): ValidatorSets | undefined;
  close(): void;
}
