// Contract state of a BoT ledger (core layer): the device registry (accounts), the
// blocklist, and every other contract's key-value entries. Every gateway applies the same
// blocks to the same state and gets the same state root, so this lives in the core.
// The state records which entries a block touched, so a store can persist exactly those
// rows in the block's atomic write, and the authenticated map (§6.3.1, a sparse Merkle tree)
// rehashes only those paths: a block's root costs what the block changed, not the whole state.
// The registry's and blocklist's entries are kept typed (admission reads them several times per
// transaction); they enter the tree as their CBOR leaves under their contracts' namespaces.
//
// It also holds the chain's validator sets (docs/protocol.md §6.3.2): `validators`, the set
// that signs the next block, and `nextValidators`, that set with the GOVERN transactions
// applied since; endBlock() makes the second the first at each block boundary. Neither is a
// leaf of the state root: the headers commit to them (validatorsHash, nextValidatorsHash).

import { encodeCbor } from '../codec/cbor.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { type Genesis, Permission, type PublicLimits, chainIdOf } from '../chain/genesis.js';
import type { ValidatorSet } from '../chain/validator-set.js';
import { SparseMerkleTree, type StateAnswer, type StateChange } from '../merkle/sparse-merkle-tree.js';
import { type MemoryNodeStore, createMemoryNodeStore } from '../merkle/sparse-merkle-store.js';
import { type PruneStats, SmtPruner } from '../merkle/smt-pruning.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { keyId } from '../tx/identity.js';
import { ContractId, type ContractStore, contractNamespace } from './contract-namespace.js';

export const AccountRole = Object.freeze({ OPERATOR: 0, VALIDATOR: 1, DEVICE: 2, GATEWAY: 3 } as const);
export type AccountRole = (typeof AccountRole)[keyof typeof AccountRole];

export const AccountStatus = Object.freeze({ ACTIVE: 0, REVOKED: 1 } as const);
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

export interface Account {
  /** Assigned at enrolment (key id of the first key); stays when the key rotates. */
  readonly id: Uint8Array;
  readonly key: Uint8Array;
  readonly role: AccountRole;
  readonly status: AccountStatus;
  /** Highest sequence number applied; 0 before the first transaction. */
  readonly lastSeq: number;
  /** Height of the block that enrolled it (0 for genesis accounts). */
  readonly enrolledAt: number;
}

export interface BlockEntry {
  readonly id: Uint8Array;
  readonly reason: number;
  /** Account id of the validator gateway that reported it. */
  readonly reporter: Uint8Array;
  readonly height: number;
}

/** The sets of a chain's state, as a store keeps them. */
export interface ValidatorSets {
  /** Signs the next block. */
  readonly current: ValidatorSet;
  /** `current` with the GOVERN transactions applied since the last block boundary. */
  readonly next: ValidatorSet;
}


/** One key-value entry of a contract's store: `namespace` is the contract's (contractNamespace, or a deployed contract's hash). */
export interface ContractEntry {
  readonly namespace: Uint8Array;
  readonly key: Uint8Array;
  /** Undefined in TouchedState.entries: the entry was deleted. */
  readonly value: Uint8Array | undefined;
}

export interface TouchedState {
  readonly accounts: readonly Account[];
  readonly blocked: readonly BlockEntry[];
  readonly unblocked: readonly Uint8Array[];
  /** Contract entries set (value) or deleted (value undefined) since the last call. */
  readonly entries: readonly ContractEntry[];
  /** Present when either set changed since the last call (and for the genesis' first block). */
  readonly validators?: ValidatorSets;
}

/** The genesis settings the contracts' rules read (self-enrolment, quotas): fixed for the chain. */
export interface ChainRules {
  readonly permission: Permission;
  /** Present exactly on a public chain. */
  readonly publicLimits?: PublicLimits;
  /** The chain's id (self-enrolment proofs of work are bound to it); absent only in PRIVATE_RULES. */
  readonly chainId?: Uint8Array;
}

/** A private chain's rules: what a state made without a genesis (tests, tools) follows. */
export const PRIVATE_RULES: ChainRules = Object.freeze({ permission: Permission.PRIVATE });

/** What a state holds of its chain beyond its entries: the genesis' rules, the sets as stored. */
export interface ChainContext extends ChainRules, ValidatorSets {
  readonly chainId: Uint8Array;
}

function rulesOf({ permission, publicLimits, chainId }: ChainRules): ChainRules {
  return Object.freeze({ permission, ...(publicLimits ? { publicLimits } : {}), ...(chainId ? { chainId } : {}) });
}

export function chainRulesOf(crypto: CryptoProvider, genesis: Genesis): ChainRules {
  return Object.freeze({ permission: genesis.permission, chainId: chainIdOf(crypto, genesis), ...(genesis.publicLimits ? { publicLimits: genesis.publicLimits } : {}) });
}

/**
 * The Map key of an id or a key: its bytes as a string of char codes 0–255 (one char a byte, so
 * distinct byte strings get distinct keys). Several lookups per transaction on the gateway's main
 * thread take it: ~85 ns for an 8-byte id against ~200 for hex, measured.
 */
function mapKey(bytes: Uint8Array): string {
  let key = '';
  for (let i = 0; i < bytes.length; i++) key += String.fromCharCode(bytes[i]!);
  return key;
}

/** The Map key of a contract entry: the namespace's length first, so (namespace, key) pairs stay apart. */
function entryMapKey(namespace: Uint8Array, key: Uint8Array): string {
  return String.fromCharCode(namespace.length) + mapKey(namespace) + mapKey(key);
}

// Made per use, not at load: a preloaded module's buffers are read-only on a device.
const registryNamespace = () => contractNamespace(ContractId.REGISTRY);
const blocklistNamespace = () => contractNamespace(ContractId.BLOCKLIST);

/** An account's value in the authenticated state (§6.3.1). */
export function accountLeaf(a: Account): Uint8Array {
  return encodeCbor([a.id, a.key, a.role, a.status, a.lastSeq, a.enrolledAt]);
}

/** A blocklist entry's value in the authenticated state (§6.3.1). */
export function blockEntryLeaf(b: BlockEntry): Uint8Array {
  return encodeCbor([b.id, b.reason, b.reporter, b.height]);
}

/**
 * The authenticated map, shared by a state and its clones: its nodes are never changed in place,
 * so each state keeps its own root in it (a block producer's next state updates it while the
 * committed state's root stays readable).
 */
interface StateTree {
  readonly tree: SparseMerkleTree;
  readonly store: MemoryNodeStore;
  /** Sweeps the store now and then (smt-pruning.ts): the tree's memory stays bounded however long the chain runs. */
  readonly pruner: SmtPruner;
  root: Uint8Array;
}

/** What the authenticated map holds in memory and what keeping it bounded cost (tests, benchmarks, metrics). */
export interface StateTreeStats extends PruneStats {
  /** Nodes in the store now. */
  readonly nodes: number;
}

function isStorageError(error: unknown): boolean {
  return error instanceof BotError && error.code === ErrorCode.STORAGE;
}

function keyBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
  return bytes;
}

export class LedgerState {
  /** Keyed by mapKey(id), as are the other maps and sets here. */
  private readonly accountsById = new Map<string, Account>();
  private readonly blockedById = new Map<string, BlockEntry>();
  /** Current key → account id: keys are unique across accounts (ENROLL, ROTATE_KEY). */
  private readonly idByKey = new Map<string, string>();
  private readonly entries = new Map<string, ContractEntry>();
  private touchedAccounts = new Set<string>();
  private touchedBlocked = new Set<string>();
  private touchedEntries = new Map<string, ContractEntry>();
  /** The authenticated map and this state's root in it, once root() was asked; shared with clones. */
  private tree: StateTree | undefined;
  /** Leaves changed since `tree.root`: 'a' + mapKey(account id), 'b' + mapKey(blocked id), 'k' + entryMapKey(namespace, key). */
  private stale = new Set<string>();
  private touchedSets = false;
  /** Undefined only for a state made from entries alone (tests of the registry); GOVERN then has no set to change. */
  private sets: ValidatorSets | undefined;
  /**
   * Public-chain quotas of the block being filled: transactions per device (mapKey of the account id) and
   * self-enrolments. Counted by applyTx, reset by resetBlockQuotas at every block boundary; not
   * part of the state root and not persisted (a restart rebuilds them by applying the pending pool).
   */
  private blockTxs = new Map<string, number>();
  private blockSelfEnrols = 0;

  constructor(readonly rules: ChainRules = PRIVATE_RULES) {}

  /** The operator and every validator of the genesis, as accounts (a validator that is also the operator is the operator). */
  static fromGenesis(crypto: CryptoProvider, genesis: Genesis): LedgerState {
    // Seeded through putAccount (and the sets marked) so the first block's write persists them.
    const state = new LedgerState(chainRulesOf(crypto, genesis));
    state.sets = Object.freeze({ current: genesis.validators, next: genesis.validators });
    state.touchedSets = true;
    const seed = (key: Uint8Array, role: AccountRole) =>
      state.putAccount({ id: keyId(crypto, key), key, role, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 0 });
    for (const key of genesis.validators.keys) seed(key, AccountRole.VALIDATOR);
    seed(genesis.operatorKey, AccountRole.OPERATOR);
    return state;
  }

  /**
   * A state as stored (on restart): its entries, the chain's rules (chainRulesOf its genesis) and
   * the validator sets as stored. Without a context: a private chain's rules and no sets (tests).
   */
  static fromEntries(
    accounts: readonly Account[],
    blocked: readonly BlockEntry[],
    context?: ChainRules & Partial<ValidatorSets>,
    entries: Iterable<ContractEntry> = [],
  ): LedgerState {
    const state = new LedgerState(context ? rulesOf(context) : PRIVATE_RULES);
    for (const a of accounts) state.setAccount(a);
    for (const b of blocked) state.blockedById.set(mapKey(b.id), Object.freeze({ ...b }));
    for (const e of entries) if (e.value !== undefined) state.entries.set(entryMapKey(e.namespace, e.key), Object.freeze({ ...e }));
    if (context?.current && context.next) state.sets = Object.freeze({ current: context.current, next: context.next });
    return state;
  }

  /** An independent copy, including the record of touched entries not yet taken. */
  clone(): LedgerState {
    const copy = LedgerState.fromEntries([...this.accountsById.values()], [...this.blockedById.values()], { ...this.rules, ...this.sets }, this.entries.values());
    copy.touchedAccounts = new Set(this.touchedAccounts);
    copy.touchedBlocked = new Set(this.touchedBlocked);
    copy.touchedEntries = new Map(this.touchedEntries);
    if (this.tree) copy.tree = { ...this.tree };
    copy.stale = new Set(this.stale);
    copy.touchedSets = this.touchedSets;
    copy.blockTxs = new Map(this.blockTxs);
    copy.blockSelfEnrols = this.blockSelfEnrols;
    return copy;
  }

  /** Transactions of account `id` counted in the block being filled. */
  blockTxCount(id: Uint8Array): number {
    return this.blockTxs.get(mapKey(id)) ?? 0;
  }

  /** Self-enrolments counted in the block being filled. */
  blockSelfEnrolCount(): number {
    return this.blockSelfEnrols;
  }

  /** Counts one transaction of `id` (and a self-enrolment) against the block's quotas. */
  countBlockTx(id: Uint8Array, selfEnrol: boolean): void {
    const key = mapKey(id);
    this.blockTxs.set(key, (this.blockTxs.get(key) ?? 0) + 1);
    if (selfEnrol) this.blockSelfEnrols++;
  }

  /** A block boundary: the next block's quotas start empty. The block producer calls it after each block. */
  resetBlockQuotas(): void {
    this.blockTxs = new Map();
    this.blockSelfEnrols = 0;
  }

  /** The chain id, permission and sets, or undefined for a state made from entries alone. */
  chainContext(): ChainContext | undefined {
    const { chainId } = this.rules;
    return chainId && this.sets ? Object.freeze({ ...this.rules, chainId, ...this.sets }) : undefined;
  }

  /** The chain's permission model (genesis); PRIVATE for a state made from entries alone. */
  permission(): Permission {
    return this.rules.permission;
  }

  /** The set that signs the next block (the one approvals of GOVERN are counted in). */
  validators(): ValidatorSet | undefined {
    return this.sets?.current;
  }

  /** The set after the GOVERN transactions applied since the last block boundary: it signs the block after. */
  nextValidators(): ValidatorSet | undefined {
    return this.sets?.next;
  }

  /** Replaces the next set (GOVERN's apply; the set was checked by its admission). */
  setNextValidators(set: ValidatorSet): void {
    if (!this.sets) throw new Error('this state has no validator set');
    this.sets = Object.freeze({ ...this.sets, next: set });
    this.touchedSets = true;
  }

  /**
   * The block boundary: the next set becomes the current one. Called once a block's header has
   * named `nextValidators()` as its nextValidatorsHash (buildHeader does), so the state between
   * blocks always holds the set that signs the coming block.
   */
  endBlock(): void {
    if (!this.sets || this.sets.current === this.sets.next) return;
    this.sets = Object.freeze({ ...this.sets, current: this.sets.next });
    this.touchedSets = true;
  }

  /**
   * The block boundary for a state that runs ahead of it (a consortium member's working state,
   * holding the admitted transactions after the block just cut): it takes `current`, the set that
   * signs the coming block; its next set, with those transactions' GOVERN applied, stays. Without
   * this, GOVERN approvals would keep being counted in the set of the state's first block.
   */
  setCurrentValidators(current: ValidatorSet): void {
    if (!this.sets) throw new Error('this state has no validator set');
    if (this.sets.current === current) return;
    this.sets = Object.freeze({ ...this.sets, current });
    this.touchedSets = true;
  }

  account(id: Uint8Array): Account | undefined {
    return this.accountsById.get(mapKey(id));
  }

  /** The account whose current key is `key`, if any. */
  accountByKey(key: Uint8Array): Account | undefined {
    const id = this.idByKey.get(mapKey(key));
    return id === undefined ? undefined : this.accountsById.get(id);
  }

  blockEntry(id: Uint8Array): BlockEntry | undefined {
    // Asked twice per transaction at admission, and the blocklist is usually empty.
    return this.blockedById.size === 0 ? undefined : this.blockedById.get(mapKey(id));
  }

  accounts(): Account[] {
    return [...this.accountsById.values()];
  }

  blocked(): BlockEntry[] {
    return [...this.blockedById.values()];
  }

  putAccount(account: Account): void {
    const key = this.setAccount(account);
    this.touchedAccounts.add(key);
    this.stale.add('a' + key);
  }

  private setAccount(account: Account): string {
    const id = mapKey(account.id);
    const previous = this.accountsById.get(id);
    this.accountsById.set(id, Object.freeze({ ...account }));
    // Most updates only move lastSeq and keep the very key object: the key index stays as it is
    // (two 33-byte key conversions less per transaction on the gateway's main thread).
    if (previous?.key === account.key) return id;
    if (previous) this.idByKey.delete(mapKey(previous.key));
    this.idByKey.set(mapKey(account.key), id);
    return id;
  }

  block(entry: BlockEntry): void {
    const key = mapKey(entry.id);
    this.blockedById.set(key, Object.freeze({ ...entry }));
    this.touchedBlocked.add(key);
    this.stale.add('b' + key);
  }

  unblock(id: Uint8Array): void {
    const key = mapKey(id);
    this.blockedById.delete(key);
    this.touchedBlocked.add(key);
    this.stale.add('b' + key);
  }

  /** The value of `key` in the store of `namespace`, or undefined. */
  entry(namespace: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(entryMapKey(namespace, key))?.value;
  }

  /** Sets (value) or deletes (undefined) `key` in the store of `namespace`. */
  putEntry(namespace: Uint8Array, key: Uint8Array, value: Uint8Array | undefined): void {
    const k = entryMapKey(namespace, key);
    // Copies: a caller that reuses or changes its arrays afterwards must not move the state under the root.
    const entry = Object.freeze({ namespace: namespace.slice(), key: key.slice(), value: value?.slice() });
    if (value === undefined) this.entries.delete(k);
    else this.entries.set(k, entry);
    this.touchedEntries.set(k, entry);
    this.stale.add('k' + k);
  }

  /** Every contract entry (a store persists them; fromEntries takes them back). */
  contractEntries(): ContractEntry[] {
    return [...this.entries.values()];
  }

  /** The store of one contract: the entries under `namespace`. */
  storeOf(namespace: Uint8Array): ContractStore {
    return {
      get: (key) => this.entry(namespace, key),
      set: (key, value) => this.putEntry(namespace, key, value),
      delete: (key) => this.putEntry(namespace, key, undefined),
    };
  }

  /** What changed since the last call, for the block's atomic write; resets the record. */
  takeTouched(): TouchedState {
    const accounts = [...this.touchedAccounts].map((k) => this.accountsById.get(k)!);
    const blocked: BlockEntry[] = [];
    const unblocked: Uint8Array[] = [];
    for (const k of this.touchedBlocked) {
      const entry = this.blockedById.get(k);
      if (entry) blocked.push(entry);
      else unblocked.push(keyBytes(k));
    }
    const entries = [...this.touchedEntries.values()];
    this.touchedAccounts = new Set();
    this.touchedBlocked = new Set();
    this.touchedEntries = new Map();
    const sets = this.touchedSets && this.sets ? { validators: this.sets } : {};
    this.touchedSets = false;
    return { accounts, blocked, unblocked, entries, ...sets };
  }

  /**
   * Every leaf of the authenticated state (§6.3.1): each account under the registry's namespace
   * (key: its id), each blocklist entry under the blocklist's, each contract entry under its own.
   */
  leaves(): StateChange[] {
    const out: StateChange[] = [];
    for (const a of this.accountsById.values()) out.push({ contract: registryNamespace(), key: a.id, value: accountLeaf(a) });
    for (const b of this.blockedById.values()) out.push({ contract: blocklistNamespace(), key: b.id, value: blockEntryLeaf(b) });
    for (const e of this.entries.values()) out.push({ contract: e.namespace, key: e.key, value: e.value });
    return out;
  }

  /**
   * The state root (§6.3.1): the sparse Merkle tree's root over leaves(). The first call builds the
   * tree from every leaf; later ones (here or in a clone) rehash only the paths of the leaves changed since.
   */
  root(crypto: CryptoProvider): Uint8Array {
    if (!this.tree) {
      const store = createMemoryNodeStore();
      const tree = new SparseMerkleTree(crypto, store);
      this.tree = { tree, store, pruner: new SmtPruner(store, tree.emptyRoot), root: tree.update(tree.emptyRoot, this.leaves()) };
      this.stale = new Set();
      this.tree.pruner.noteRoot(this.tree.root);
    } else if (this.stale.size > 0) {
      const shared = this.tree;
      try {
        shared.root = shared.tree.update(shared.root, this.staleChanges());
      } catch (error) {
        // This state's root was swept (a state older than the kept roots): rebuild it from every leaf.
        if (!isStorageError(error)) throw error;
        shared.root = shared.tree.update(shared.tree.emptyRoot, this.leaves());
      }
      this.stale = new Set();
      shared.pruner.noteRoot(shared.root);
    }
    return this.tree.root;
  }

  /** Node count of the authenticated map and its sweeps so far; undefined before root() was asked. */
  stateTreeStats(): StateTreeStats | undefined {
    return this.tree && { ...this.tree.pruner.stats, nodes: this.tree.store.size };
  }

  /** The value of `key` in `namespace` and its proof against root() (membership or non-membership). */
  prove(crypto: CryptoProvider, namespace: Uint8Array, key: Uint8Array): StateAnswer & { readonly root: Uint8Array } {
    const root = this.root(crypto);
    try {
      return { root, ...this.tree!.tree.prove(root, namespace, key) };
    } catch (error) {
      if (!isStorageError(error)) throw error;
      // Swept (an old state asked long after): its nodes are written again from its leaves, same root.
      this.tree!.tree.update(this.tree!.tree.emptyRoot, this.leaves());
      this.tree!.pruner.noteRoot(root);
      return { root, ...this.tree!.tree.prove(root, namespace, key) };
    }
  }

  private *staleChanges(): Iterable<StateChange> {
    for (const s of this.stale) {
      const key = s.slice(1);
      if (s[0] === 'a') {
        const a = this.accountsById.get(key)!;
        yield { contract: registryNamespace(), key: a.id, value: accountLeaf(a) };
      } else if (s[0] === 'b') {
        const b = this.blockedById.get(key);
        yield { contract: blocklistNamespace(), key: keyBytes(key), value: b && blockEntryLeaf(b) };
      } else {
        const e = this.entries.get(key) ?? this.touchedOrDeleted(key);
        yield { contract: e.namespace, key: e.key, value: e.value };
      }
    }
  }

  /** A deleted entry's namespace and key (its record in touchedEntries, or rebuilt from the map key). */
  private touchedOrDeleted(k: string): ContractEntry {
    const touched = this.touchedEntries.get(k);
    if (touched) return touched;
    const length = k.charCodeAt(0);
    return { namespace: keyBytes(k.slice(1, 1 + length)), key: keyBytes(k.slice(1 + length)), value: undefined };
  }
}
