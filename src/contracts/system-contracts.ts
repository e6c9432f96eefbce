// The system contracts (core layer): device registry and blocklist, after the
// ITU-T draft's DDoS use case. admitTx decides whether a transaction whose
// signature already verified may enter the ledger; applyTx applies an admitted
// one. Both are deterministic so every gateway agrees. Admission checks run in
// the order of the table below, cheapest and least revealing first:
//
//   UNKNOWN_SENDER   the sender is not an account (the signature could not have been checked)
//   REVOKED          the account was revoked
//   BLOCKED          the account is on the blocklist
//   NOT_PERMITTED    the account's role may not send this kind, or the target is wrong
//   REPLAY           seq ≤ the last applied seq (replayed or reordered)
//   SEQUENCE_GAP     seq jumps further than MAX_SEQ_JUMP (devices reserve sequences in
//                    blocks and skip the unused rest on reboot, so small gaps are legal)
//   TIME_OUT_OF_RANGE  the transaction's time is more than MAX_FUTURE_SECONDS ahead
//   QUOTA_EXCEEDED   public chain: the device already has maxTxsPerBlockPerDevice transactions in
//                    the block being filled (transient: the next block has room)
//   DUPLICATE_DEVICE an enrolment or key rotation to a key that is an account's key, or whose
//                    id is another account's id: keys stay unique, so a key names one account
//
// GOVERN (a change of the validator set, docs/protocol.md §5.8.2) adds, after those:
//
//   BAD_VALIDATOR_SET ADD_MEMBER, REMOVE_MEMBER, ROTATE_MEMBER_KEY or SET_THRESHOLD when the next set
//                    is a FROST set (it changes only by REKEY, which carries the new group key)
//   NOT_A_MEMBER     REMOVE_MEMBER or ROTATE_MEMBER_KEY of a key not in the next set
//   DUPLICATE_DEVICE ADD_MEMBER of a member, or ADD_MEMBER / ROTATE_MEMBER_KEY to a key held by
//                    (or whose id is) another account; NOT_PERMITTED when that account is a
//                    device, gateway or the operator
//   BAD_VALIDATOR_SET the set it makes would not be a valid set (§6.1: 1..64 keys, 1 ≤ t ≤ n; a
//                    REKEY's keys sorted and distinct, its group key an x-only key on the curve)
//   (a REKEY's keys that enter the set are each checked as an ADD_MEMBER's key, first)
//   BAD_APPROVALS    approvals not strictly ascending indices of the current set, fewer than
//                    its threshold, or one that does not verify (checked last: the only costly step)
//
// A self-enrolment (public chain: ENROLL [key, 0, powNonce] sent by keyId(key), signed by key)
// has no account yet, so it has its own order (admitSelfEnroll): NOT_PERMITTED (not a public
// chain, or the sender is not the key's id), REPLAY / DUPLICATE_DEVICE (the id or key is an
// account already), SEQUENCE_GAP, TIME_OUT_OF_RANGE, QUOTA_EXCEEDED (maxSelfEnrolPerBlock), BAD_POW.

import { type Result, attempt, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { compareBytes, equalBytes } from '../codec/bytes.js';
import { isXOnlyPublicKey } from '../crypto/x-only.js';
import { Permission } from '../chain/genesis.js';
import { type ValidatorSet, isFrostSet, makeValidatorSet, validatorSetHash } from '../chain/validator-set.js';
import { type Proposal, GovernAction, Role, parseGovern } from '../tx/bodies.js';
import { approvalDigest } from '../tx/govern.js';
import { keyId } from '../tx/identity.js';
import { checkPow, isSelfEnroll } from '../tx/self-enroll.js';
import { TxKind } from '../tx/kinds.js';
import type { SignedTx } from '../tx/tx.js';
import { type Account, AccountRole, AccountStatus, type LedgerState } from './ledger-state.js';

/** Largest allowed jump of a sender's sequence number. */
export const MAX_SEQ_JUMP = 4096;
/** Device clocks drift and batch times are sampling times, so only the future is bounded. */
export const MAX_FUTURE_SECONDS = 600;

const senderRoles: Readonly<Record<TxKind, readonly AccountRole[]>> = Object.freeze({
  [TxKind.READINGS]: [AccountRole.DEVICE, AccountRole.GATEWAY],
  [TxKind.ENROLL]: [AccountRole.OPERATOR],
  [TxKind.REVOKE]: [AccountRole.OPERATOR],
  [TxKind.ROTATE_KEY]: [AccountRole.DEVICE, AccountRole.GATEWAY],
  [TxKind.BLOCK_REPORT]: [AccountRole.VALIDATOR],
  [TxKind.BLOCK_LIFT]: [AccountRole.OPERATOR, AccountRole.VALIDATOR],
  [TxKind.INVOKE]: [AccountRole.DEVICE, AccountRole.GATEWAY],
  [TxKind.GOVERN]: [AccountRole.VALIDATOR],
});

/** In a consortium each member enrols and revokes its own devices with its member key. */
const consortiumRoles: Readonly<Partial<Record<TxKind, readonly AccountRole[]>>> = Object.freeze({
  [TxKind.ENROLL]: [AccountRole.OPERATOR, AccountRole.VALIDATOR],
  [TxKind.REVOKE]: [AccountRole.OPERATOR, AccountRole.VALIDATOR],
});

/** Whether an account of `role` may send `kind` on a chain of `permission` (§5.5). */
export function maySend(kind: TxKind, role: AccountRole, permission: Permission): boolean {
  const roles = (permission === Permission.CONSORTIUM ? consortiumRoles[kind] : undefined) ?? senderRoles[kind];
  return roles.includes(role);
}

/** Contract ids callable through INVOKE. None yet: the system contracts have their own kinds. */
const invokableContracts: ReadonlySet<number> = new Set();

function isDevice(account: Account | undefined): account is Account {
  return account !== undefined && (account.role === AccountRole.DEVICE || account.role === AccountRole.GATEWAY);
}

/**
 * The key that must have signed `tx`, or why no signature of this sender can be admitted
 * (unknown, revoked, blocked): map lookups only, so ingest runs it before anything costly.
 */
export function signingKey(state: LedgerState, tx: SignedTx): Result<Uint8Array> {
  const account = state.account(tx.sender);
  if (!account) {
    // A self-enrolment on a public chain is signed by the key it enrols (admitSelfEnroll checks
    // that the sender is that key's id; the signature covers the sender).
    if (tx.kind === TxKind.ENROLL && state.rules.permission === Permission.PUBLIC && isSelfEnroll(tx)) return ok((tx.body as readonly Uint8Array[])[0]!);
    return fail(ErrorCode.UNKNOWN_SENDER, 'sender is not enrolled');
  }
  if (account.status === AccountStatus.REVOKED) return fail(ErrorCode.REVOKED, 'sender was revoked');
  if (state.blockEntry(tx.sender)) return fail(ErrorCode.BLOCKED, 'sender is on the blocklist');
  return ok(account.key);
}

/** Whether a transaction with a verified signature may enter the ledger after everything already applied to `state`. */
export function admitTx(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, nowSeconds: number): Result<undefined> {
  if (isSelfEnroll(tx)) return admitSelfEnroll(crypto, state, tx, nowSeconds);
  const account = state.account(tx.sender);
  if (!account) return fail(ErrorCode.UNKNOWN_SENDER, 'sender is not enrolled');
  if (account.status === AccountStatus.REVOKED) return fail(ErrorCode.REVOKED, 'sender was revoked');
  if (state.blockEntry(tx.sender)) return fail(ErrorCode.BLOCKED, 'sender is on the blocklist');
  if (!maySend(tx.kind, account.role, state.permission())) return fail(ErrorCode.NOT_PERMITTED, 'this role may not send this kind');
  if (tx.seq <= account.lastSeq) return fail(ErrorCode.REPLAY, `seq ${tx.seq} ≤ last ${account.lastSeq}`);
  if (tx.seq > account.lastSeq + MAX_SEQ_JUMP) return fail(ErrorCode.SEQUENCE_GAP, `seq ${tx.seq} jumps more than ${MAX_SEQ_JUMP}`);
  if (tx.time > nowSeconds + MAX_FUTURE_SECONDS) return fail(ErrorCode.TIME_OUT_OF_RANGE, 'time is in the future');
  const limits = state.rules.publicLimits;
  if (limits && isDevice(account) && state.blockTxCount(tx.sender) >= limits.maxTxsPerBlockPerDevice) {
    return fail(ErrorCode.QUOTA_EXCEEDED, `at most ${limits.maxTxsPerBlockPerDevice} transactions per device per block`);
  }
  // Readings, the bulk, have no kind rules: their body is not read, so a host may decode it lazily.
  if (tx.kind === TxKind.READINGS) return ok(undefined);

  const body = tx.body as readonly unknown[];
  switch (tx.kind) {
    case TxKind.ENROLL:
    case TxKind.ROTATE_KEY: {
      const key = body[0] as Uint8Array;
      const holder = state.account(keyId(crypto, key));
      // An account may take back the key its id came from once no account holds it.
      const idTaken = holder !== undefined && !(tx.kind === TxKind.ROTATE_KEY && holder === account);
      if (idTaken || state.accountByKey(key)) return fail(ErrorCode.DUPLICATE_DEVICE, 'key or its id already belongs to an account');
      return ok(undefined);
    }
    case TxKind.REVOKE: {
      const target = state.account(body[0] as Uint8Array);
      if (!isDevice(target) || target.status === AccountStatus.REVOKED) return fail(ErrorCode.NOT_PERMITTED, 'no active device with that id');
      return ok(undefined);
    }
    case TxKind.BLOCK_REPORT:
      if (!isDevice(state.account(body[0] as Uint8Array))) return fail(ErrorCode.NOT_PERMITTED, 'no device with that id');
      if (state.blockEntry(body[0] as Uint8Array)) return fail(ErrorCode.NOT_PERMITTED, 'already blocked');
      return ok(undefined);
    case TxKind.BLOCK_LIFT:
      if (!state.blockEntry(body[0] as Uint8Array)) return fail(ErrorCode.NOT_PERMITTED, 'not blocked');
      return ok(undefined);
    case TxKind.INVOKE:
      if (!invokableContracts.has(body[0] as number)) return fail(ErrorCode.NOT_PERMITTED, 'no such contract');
      return ok(undefined);
    case TxKind.GOVERN:
      return admitGovern(crypto, state, tx);
    default:
      return ok(undefined);
  }
}

/**
 * The rules of a self-enrolment (isSelfEnroll), in the order of the header comment. All cheap
 * (one hash for the id, one for the proof of work), so ingest also runs it before it verifies
 * the signature; admitTx runs it again after.
 */
export function admitSelfEnroll(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, nowSeconds: number): Result<undefined> {
  const { publicLimits: limits, chainId } = state.rules;
  if (state.rules.permission !== Permission.PUBLIC || !limits || !chainId) return fail(ErrorCode.NOT_PERMITTED, 'self-enrolment only on a public chain');
  const [key, , nonce] = tx.body as readonly Uint8Array[];
  if (!equalBytes(keyId(crypto, key!), tx.sender)) return fail(ErrorCode.NOT_PERMITTED, 'a self-enrolment is sent by the id of the key it enrols');
  const existing = state.account(tx.sender);
  // The same enrolment again (a device that missed its ack) is a replay: the device then asks for its proof.
  if (existing) return existing.lastSeq >= tx.seq ? fail(ErrorCode.REPLAY, `seq ${tx.seq} ≤ last ${existing.lastSeq}`) : fail(ErrorCode.DUPLICATE_DEVICE, 'already an account');
  if (state.accountByKey(key!)) return fail(ErrorCode.DUPLICATE_DEVICE, 'key already belongs to an account');
  if (tx.seq > MAX_SEQ_JUMP) return fail(ErrorCode.SEQUENCE_GAP, `seq ${tx.seq} jumps more than ${MAX_SEQ_JUMP}`);
  if (tx.time > nowSeconds + MAX_FUTURE_SECONDS) return fail(ErrorCode.TIME_OUT_OF_RANGE, 'time is in the future');
  if (state.blockSelfEnrolCount() >= limits.maxSelfEnrolPerBlock) return fail(ErrorCode.QUOTA_EXCEEDED, `at most ${limits.maxSelfEnrolPerBlock} self-enrolments per block`);
  if (!checkPow(crypto, chainId, key!, nonce!, limits.powBits)) return fail(ErrorCode.BAD_POW, `proof of work under ${limits.powBits} bits`);
  return ok(undefined);
}

/** GOVERN's rules (header comment): the proposal against the next set, then the approvals against the current one. */
function admitGovern(crypto: CryptoProvider, state: LedgerState, tx: SignedTx): Result<undefined> {
  const chain = state.chainContext();
  if (!chain) return fail(ErrorCode.NOT_PERMITTED, 'this state holds no validator set');
  const { proposal, approvals } = parseGovern(tx.body);
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

/** Applies an admitted transaction at `height`. Call only after admitTx accepted it on this state. */
export function applyTx(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, height: number): void {
  const publicChain = state.rules.publicLimits !== undefined;
  if (isSelfEnroll(tx)) {
    // The new account's first transaction is its own enrolment.
    const key = (tx.body as readonly Uint8Array[])[0]!;
    state.putAccount({ id: tx.sender, key, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: tx.seq, enrolledAt: height });
    if (publicChain) state.countBlockTx(tx.sender, true);
    return;
  }
  const sender = state.account(tx.sender)!;
  state.putAccount({ ...sender, lastSeq: tx.seq });
  if (publicChain && isDevice(sender)) state.countBlockTx(tx.sender, false);
  if (tx.kind === TxKind.READINGS) return; // nothing else to apply; the body is not read (see admitTx)
  const body = tx.body as readonly unknown[];
  switch (tx.kind) {
    case TxKind.ENROLL: {
      const key = body[0] as Uint8Array;
      const role = body[1] === Role.GATEWAY ? AccountRole.GATEWAY : AccountRole.DEVICE;
      state.putAccount({ id: keyId(crypto, key), key, role, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: height });
      return;
    }
    case TxKind.REVOKE: {
      const target = state.account(body[0] as Uint8Array)!;
      state.putAccount({ ...target, status: AccountStatus.REVOKED });
      return;
    }
    case TxKind.ROTATE_KEY:
      state.putAccount({ ...state.account(tx.sender)!, key: body[0] as Uint8Array });
      return;
    case TxKind.BLOCK_REPORT:
      state.block({ id: body[0] as Uint8Array, reason: body[1] as number, reporter: tx.sender, height });
      return;
    case TxKind.BLOCK_LIFT:
      state.unblock(body[0] as Uint8Array);
      return;
    case TxKind.GOVERN:
      applyGovern(crypto, state, tx, height);
      return;
    default:
      return;
  }
}

/**
 * A block boundary for a public chain's quotas: they start again from the transactions still
 * pending (in pool order), which go into the next block. The block producer's committed state
 * calls it with none; a gateway's working state with what is left in its pool after the cut.
 */
export function restartBlockQuotas(state: LedgerState, pending: readonly SignedTx[]): void {
  state.resetBlockQuotas();
  if (!state.rules.publicLimits) return;
  for (const tx of pending) {
    if (isSelfEnroll(tx)) state.countBlockTx(tx.sender, true);
    else if (isDevice(state.account(tx.sender))) state.countBlockTx(tx.sender, false);
  }
}
