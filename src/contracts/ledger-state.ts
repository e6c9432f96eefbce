// Contract state of a BoT ledger (core layer): the device registry (accounts)
// and the blocklist. Every gateway applies the same blocks to the same state and
// gets the same state root, so this lives in the core, not in the gateway.
// The state records which entries a block touched, so a store can persist
// exactly those rows in the block's atomic write.
//
// It also holds the chain's validator sets (docs/protocol.md §6.3.2): `validators`, the set
// that signs the next block, and `nextValidators`, that set with the GOVERN transactions
// applied since; endBlock() makes the second the first at each block boundary. Neither is a
// leaf of the state root: the headers commit to them (validatorsHash, nextValidatorsHash).

import { compareBytes } from '../codec/bytes.js';
import { encodeCbor } from '../codec/cbor.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { type Genesis, Permission, type PublicLimits, chainIdOf } from '../chain/genesis.js';
import type { ValidatorSet } from '../chain/validator-set.js';
import { merkleRoot } from '../merkle/merkle.js';
import { keyId } from '../tx/identity.js';

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


export interface TouchedState {
  readonly accounts: readonly Account[];
  readonly blocked: readonly BlockEntry[];
  readonly unblocked: readonly Uint8Array[];
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
  private touchedAccounts = new Set<string>();
  private touchedBlocked = new Set<string>();
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
  static fromEntries(accounts: readonly Account[], blocked: readonly BlockEntry[], context?: ChainRules & Partial<ValidatorSets>): LedgerState {
    const state = new LedgerState(context ? rulesOf(context) : PRIVATE_RULES);
    for (const a of accounts) state.setAccount(a);
    for (const b of blocked) state.blockedById.set(mapKey(b.id), Object.freeze({ ...b }));
    if (context?.current && context.next) state.sets = Object.freeze({ current: context.current, next: context.next });
    return state;
  }

  /** An independent copy, including the record of touched entries not yet taken. */
  clone(): LedgerState {
    const copy = LedgerState.fromEntries([...this.accountsById.values()], [...this.blockedById.values()], { ...this.rules, ...this.sets });
    copy.touchedAccounts = new Set(this.touchedAccounts);
    copy.touchedBlocked = new Set(this.touchedBlocked);
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
    this.touchedAccounts.add(this.setAccount(account));
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
  }

  unblock(id: Uint8Array): void {
    const key = mapKey(id);
    this.blockedById.delete(key);
    this.touchedBlocked.add(key);
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
    this.touchedAccounts = new Set();
    this.touchedBlocked = new Set();
    const sets = this.touchedSets && this.sets ? { validators: this.sets } : {};
    this.touchedSets = false;
    return { accounts, blocked, unblocked, ...sets };
  }

  /**
   * The state root's leaves (protocol §6.3.1), in order: every account as CBOR
   * [0, id, key, role, status, lastSeq, enrolledAt], sorted by id, then every blocklist
   * entry as CBOR [1, id, reason, reporter, height], sorted by id.
   */
  leaves(): Uint8Array[] {
    const byId = <T extends { id: Uint8Array }>(a: T, b: T) => compareBytes(a.id, b.id);
    return [
      ...this.accounts().sort(byId).map((a) => encodeCbor([0, a.id, a.key, a.role, a.status, a.lastSeq, a.enrolledAt])),
      ...this.blocked().sort(byId).map((b) => encodeCbor([1, b.id, b.reason, b.reporter, b.height])),
    ];
  }

  /** Merkle root (§7, as for transactions, each leaf's CBOR bytes as the leaf input) over `leaves()`. */
  root(crypto: CryptoProvider): Uint8Array {
    return merkleRoot(crypto, this.leaves());
  }
}
