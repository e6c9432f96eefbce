// The governance contract (core layer, contracts): GOVERN, changes of the validator set
// (docs/protocol.md §5.8.2). Its admission, after the checks every transaction passes:
//
//   NOT_PERMITTED    REKEY on a chain that is not a consortium (its one producer cannot sign FROST)
//   BAD_VALIDATOR_SET ADD_MEMBER, REMOVE_MEMBER, ROTATE_MEMBER_KEY or SET_THRESHOLD when the next set
//                    is a FROST set (it changes only by REKEY, which carries the new group key)
//   NOT_A_MEMBER     REMOVE_MEMBER or ROTATE_MEMBER_KEY of a key not in the next set
//   DUPLICATE_DEVICE ADD_MEMBER of a member, or ADD_MEMBER / ROTATE_MEMBER_KEY to a key held by
//                    (or whose id is) another account; NOT_PERMITTED when that account is a
//                    device, gateway or the operator
//   BAD_VALIDATOR_SET the set it makes would not be a valid set (§6.1: 1..64 keys, 1 ≤ t ≤ n; a
//                    REKEY's keys sorted and distinct, its group key an x-only key on the curve and
//                    not the next set's group key)
//   (a REKEY's keys that enter the set are each checked as an ADD_MEMBER's key, first)
//   BAD_APPROVALS    approvals not strictly ascending indices of the current set, fewer than
//                    its threshold, or one that does not verify (checked last: the only costly step)
//
// The sets are not entries of its store: the headers commit to them (§6.3.2).

import { type Result, attempt, fail, ok } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import type { CryptoProvider } from '../../crypto/crypto-port.js';
import { compareBytes, equalBytes } from '../../codec/bytes.js';
import { isXOnlyPublicKey } from '../../crypto/x-only.js';
import { Permission } from '../../chain/genesis.js';
import { type ValidatorSet, isFrostSet, makeValidatorSet, validatorSetHash } from '../../chain/validator-set.js';
import { type Proposal, GovernAction, parseGovern } from '../../tx/bodies.js';
import { approvalDigest } from '../../tx/govern.js';
import { keyId } from '../../tx/identity.js';
import { TxKind } from '../../tx/kinds.js';
import type { SignedTx } from '../../tx/tx.js';
import { ContractId, defineContract } from '../contract.js';
import { type Account, AccountRole, AccountStatus, type LedgerState } from '../ledger-state.js';

/** GOVERN's rules (header comment): the proposal against the next set, then the approvals against the current one. */
function admitGovern(crypto: CryptoProvider, state: LedgerState, tx: SignedTx): Result<undefined> {
  const chain = state.chainContext();
  if (!chain) return fail(ErrorCode.NOT_PERMITTED, 'this state holds no validator set');
  const { proposal, approvals } = parseGovern(tx.body);
  // A private chain's single producing gateway cannot sign for a group key.
  if (proposal.action === GovernAction.REKEY && chain.permission !== Permission.CONSORTIUM) return fail(ErrorCode.NOT_PERMITTED, 'REKEY only on a consortium chain');
  const proposed = proposedSet(crypto, state, chain.next, proposal);
  if (!proposed.ok) return proposed;
  const current = chain.current;
  for (let i = 0; i < approvals.length; i++) {
    const index = approvals[i]!.index;
    if (index >= current.keys.length) return fail(ErrorCode.BAD_APPROVALS, `approval index ${index} outside the current set of ${current.keys.length}`);
    if (i > 0 && approvals[i - 1]!.index >= index) return fail(ErrorCode.BAD_APPROVALS, 'approval indices must be strictly ascending');
  }
  if (approvals.length < current.threshold) {
    return fail(ErrorCode.BAD_APPROVALS, `${approvals.length} approvals, the current set needs ${current.threshold}`);
  }
  const digest = approvalDigest(crypto, chain.chainId, validatorSetHash(crypto, current), proposal);
  for (const { index, signature } of approvals) {
    if (!crypto.verify(signature, digest, current.keys[index]!)) {
      return fail(ErrorCode.BAD_APPROVALS, `approval of member ${index} does not verify for this proposal and set`);
    }
  }
  return ok(undefined);
}

const hasKey = (set: ValidatorSet, key: Uint8Array) => set.keys.some((k) => equalBytes(k, key));

/**
 * Whether `key` may become a member key (ADD_MEMBER, ROTATE_MEMBER_KEY's newKey, each key a REKEY
 * brings in): keys stay unique across accounts and a member key is a VALIDATOR account's, so a key
 * (or its id) held by a device, gateway or the operator is NOT_PERMITTED, by another validator
 * account DUPLICATE_DEVICE. `self` is the account taking the key (a rotating member's own).
 */
function keyFree(crypto: CryptoProvider, state: LedgerState, key: Uint8Array, self: Account | undefined): Result<undefined> {
  const holder = state.accountByKey(key) ?? state.account(keyId(crypto, key));
  if (holder === undefined || holder === self) return ok(undefined);
  if (holder.role !== AccountRole.VALIDATOR) return fail(ErrorCode.NOT_PERMITTED, 'the key belongs to a device, gateway or operator account');
  // A removed member's account may come back with the key it had.
  if (holder.status === AccountStatus.REVOKED && equalBytes(holder.key, key) && self === undefined) return ok(undefined);
  return fail(ErrorCode.DUPLICATE_DEVICE, 'the key or its id already belongs to a validator account');
}

/** makeValidatorSet's checks (§6.1) as a Result: BAD_VALIDATOR_SET. */
function madeSet(threshold: number, keys: readonly Uint8Array[], groupKey?: Uint8Array): Result<ValidatorSet> {
  return attempt(() => makeValidatorSet(threshold, keys, groupKey));
}

/**
 * The FROST set a REKEY makes: every key that enters `next` free (keyFree), then its fields exactly
 * as a set's (§6.1: keys sorted and distinct, 1 ≤ t ≤ n) and a group key on the curve.
 */
function rekeyedSet(crypto: CryptoProvider, state: LedgerState, next: ValidatorSet, proposal: Extract<Proposal, { action: typeof GovernAction.REKEY }>): Result<ValidatorSet> {
  const { keys, threshold, groupKey } = proposal;
  for (const key of keys) {
    if (hasKey(next, key)) continue;
    const free = keyFree(crypto, state, key, undefined);
    if (!free.ok) return free;
  }
  for (let i = 1; i < keys.length; i++) {
    if (compareBytes(keys[i - 1]!, keys[i]!) >= 0) return fail(ErrorCode.BAD_VALIDATOR_SET, 'rekey keys must be sorted and distinct');
  }
  if (!isXOnlyPublicKey(groupKey)) return fail(ErrorCode.BAD_VALIDATOR_SET, 'the group key is not an x-only key on the curve');
  // Shares belong to one key generation among one set of members: new members or a new threshold need a new key.
  if (next.groupKey && equalBytes(next.groupKey, groupKey)) return fail(ErrorCode.BAD_VALIDATOR_SET, 'a REKEY brings a new group key');
  return madeSet(threshold, keys, groupKey);
}

/**
 * The set `proposal` makes of `next`, or why it may not: BAD_VALIDATOR_SET for actions 0–3 on a
 * FROST set (they cannot carry a group key), NOT_A_MEMBER, DUPLICATE_DEVICE or NOT_PERMITTED for a
 * key the registry already gives to another account (keyFree), BAD_VALIDATOR_SET for a set that
 * would not be valid.
 */
function proposedSet(crypto: CryptoProvider, state: LedgerState, next: ValidatorSet, proposal: Proposal): Result<ValidatorSet> {
  if (isFrostSet(next) && proposal.action !== GovernAction.REKEY) return fail(ErrorCode.BAD_VALIDATOR_SET, 'a FROST set changes only by REKEY');
  switch (proposal.action) {
    case GovernAction.ADD_MEMBER: {
      if (hasKey(next, proposal.key)) return fail(ErrorCode.DUPLICATE_DEVICE, 'already a member');
      const free = keyFree(crypto, state, proposal.key, undefined);
      return free.ok ? madeSet(next.threshold, [...next.keys, proposal.key]) : free;
    }
    case GovernAction.REMOVE_MEMBER: {
      if (!hasKey(next, proposal.key)) return fail(ErrorCode.NOT_A_MEMBER, 'not a member of the next set');
      return madeSet(next.threshold, next.keys.filter((k) => !equalBytes(k, proposal.key)));
    }
    case GovernAction.ROTATE_MEMBER_KEY: {
      if (!hasKey(next, proposal.oldKey)) return fail(ErrorCode.NOT_A_MEMBER, 'not a member of the next set');
      if (hasKey(next, proposal.newKey)) return fail(ErrorCode.DUPLICATE_DEVICE, 'the new key is a member already');
      const free = keyFree(crypto, state, proposal.newKey, state.accountByKey(proposal.oldKey));
      if (!free.ok) return free;
      return madeSet(next.threshold, [...next.keys.filter((k) => !equalBytes(k, proposal.oldKey)), proposal.newKey]);
    }
    case GovernAction.SET_THRESHOLD:
      return madeSet(proposal.threshold, next.keys);
    case GovernAction.REKEY:
      return rekeyedSet(crypto, state, next, proposal);
  }
}

/** GOVERN's effects: the next set, and the members' VALIDATOR accounts (added, revoked or given a new key). */
function applyGovern(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, height: number): void {
  const { proposal } = parseGovern(tx.body);
  const before = state.nextValidators()!;
  const set = proposedSet(crypto, state, before, proposal);
  if (!set.ok) throw new Error(`applyTx: GOVERN not admitted on this state (${set.reason})`);
  state.setNextValidators(set.value);
  // Only VALIDATOR accounts follow the set: a genesis member that is also the operator stays the operator.
  const member = (key: Uint8Array) => {
    const account = state.accountByKey(key);
    return account?.role === AccountRole.VALIDATOR ? account : undefined;
  };
  const enter = (key: Uint8Array) => {
    const back = state.accountByKey(key);
    state.putAccount(back
      ? { ...back, status: AccountStatus.ACTIVE }
      : { id: keyId(crypto, key), key, role: AccountRole.VALIDATOR, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: height });
  };
  const leave = (key: Uint8Array) => {
    const account = member(key);
    if (account) state.putAccount({ ...account, status: AccountStatus.REVOKED });
  };
  switch (proposal.action) {
    case GovernAction.ADD_MEMBER:
      return enter(proposal.key);
    case GovernAction.REMOVE_MEMBER:
      return leave(proposal.key);
    case GovernAction.ROTATE_MEMBER_KEY: {
      const account = member(proposal.oldKey);
      if (account) state.putAccount({ ...account, key: proposal.newKey });
      return;
    }
    case GovernAction.SET_THRESHOLD:
      return;
    case GovernAction.REKEY:
      // Leavers first: a key that leaves and one that enters never share an account.
      for (const key of before.keys) if (!hasKey(set.value, key)) leave(key);
      for (const key of set.value.keys) if (!hasKey(before, key)) enter(key);
      return;
  }
}

export const governance = defineContract({
  id: ContractId.GOVERNANCE,
  name: 'governance',
  kinds: Object.freeze([TxKind.GOVERN]),
  methods: Object.freeze({}),
  queries: Object.freeze({}),
  admit: ({ crypto, state, tx }) => admitGovern(crypto, state, tx),
  apply: ({ crypto, state, tx, height }) => applyGovern(crypto, state, tx, height),
  query: () => fail(ErrorCode.BAD_REQUEST, 'governance answers no queries: the sets come with the headers'),
});
