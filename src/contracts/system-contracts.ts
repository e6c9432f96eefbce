// Admission and application of transactions (core layer, contracts): the checks every
// transaction passes, then its contract's own (contract.ts; registered.ts lists them). admitTx
// decides whether a transaction whose signature already verified may enter the ledger; applyTx
// applies an admitted one. Both are deterministic so every gateway agrees. The common checks run
// in the order of the table below, cheapest and least revealing first:
//
//   UNKNOWN_SENDER   the sender is not an account (the signature could not have been checked)
//   REVOKED          the account was revoked
//   BLOCKED          the account is on the blocklist
//   NOT_PERMITTED    the account's role may not send this kind
//   REPLAY           seq ≤ the last applied seq (replayed or reordered)
//   SEQUENCE_GAP     seq jumps further than MAX_SEQ_JUMP (devices reserve sequences in
//                    blocks and skip the unused rest on reboot, so small gaps are legal)
//   TIME_OUT_OF_RANGE  the transaction's time is more than MAX_FUTURE_SECONDS ahead
//   QUOTA_EXCEEDED   public chain: the device already has maxTxsPerBlockPerDevice transactions in
//                    the block being filled (transient: the next block has room)
//   NOT_PERMITTED    INVOKE of a contract or method that does not exist
//   (then the contract's admit: device-registry, blocklist, governance, … each list theirs)
//
// READINGS belong to no contract: their body is not read, so a host may decode it lazily.

import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { Permission } from '../chain/genesis.js';
import { isSelfEnroll } from '../tx/self-enroll.js';
import { TxKind } from '../tx/kinds.js';
import type { SignedTx } from '../tx/tx.js';
import { type Contract, type ContractCall, type HostEffects, contractNamespace } from './contract.js';
import { contractOf } from './contract-registry.js';
import { admitSelfEnroll, applySelfEnroll, isDevice } from './device-registry/device-registry.js';
import { type Account, AccountRole, AccountStatus, type LedgerState } from './ledger-state.js';
import { MAX_FUTURE_SECONDS, MAX_SEQ_JUMP } from './limits.js';

export { MAX_FUTURE_SECONDS, MAX_SEQ_JUMP } from './limits.js';
export { admitSelfEnroll } from './device-registry/device-registry.js';

const ANY_ROLE = Object.freeze([AccountRole.OPERATOR, AccountRole.VALIDATOR, AccountRole.DEVICE, AccountRole.GATEWAY]);

const senderRoles: Readonly<Record<TxKind, readonly AccountRole[]>> = Object.freeze({
  [TxKind.READINGS]: [AccountRole.DEVICE, AccountRole.GATEWAY],
  [TxKind.ENROLL]: [AccountRole.OPERATOR],
  [TxKind.REVOKE]: [AccountRole.OPERATOR],
  [TxKind.ROTATE_KEY]: [AccountRole.DEVICE, AccountRole.GATEWAY],
  [TxKind.BLOCK_REPORT]: [AccountRole.VALIDATOR],
  [TxKind.BLOCK_LIFT]: [AccountRole.OPERATOR, AccountRole.VALIDATOR],
  // Any account may call a contract; each contract decides who may call which method.
  [TxKind.INVOKE]: ANY_ROLE,
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

/**
 * The key that must have signed `tx`, or why no signature of this sender can be admitted
 * (unknown, revoked, blocked): map lookups only, so ingest runs it before anything costly.
 */
export function signingKey(state: LedgerState, tx: SignedTx): Result<Uint8Array> {
  // A self-enrolment on a public chain is signed by the key it enrols (admitSelfEnroll checks
  // that the sender is that key's id; the signature covers the sender).
  if (tx.kind === TxKind.ENROLL && state.rules.permission === Permission.PUBLIC && !state.account(tx.sender) && isSelfEnroll(tx)) {
    return ok((tx.body as readonly Uint8Array[])[0]!);
  }
  const account = admissibleSender(state, tx);
  return account.ok ? ok(account.value.key) : account;
}

/** The sender's account, unless it is unknown, revoked or blocked (the first rows of the table above). */
function admissibleSender(state: LedgerState, tx: SignedTx): Result<Account> {
  const account = state.account(tx.sender);
  if (!account) return fail(ErrorCode.UNKNOWN_SENDER, 'sender is not enrolled');
  if (account.status === AccountStatus.REVOKED) return fail(ErrorCode.REVOKED, 'sender was revoked');
  if (state.blockEntry(tx.sender)) return fail(ErrorCode.BLOCKED, 'sender is on the blocklist');
  return ok(account);
}

/** The call `tx` makes on its contract, or why it names none (INVOKE of an unknown contract or method). */
function callOf(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, height: number, effects?: HostEffects): Result<{ contract: Contract; call: ContractCall }> {
  const contract = contractOf(tx);
  if (!contract) return fail(ErrorCode.NOT_PERMITTED, 'no such contract');
  if (tx.kind === TxKind.INVOKE && !(((tx.body as readonly unknown[])[1] as number) in contract.methods)) {
    return fail(ErrorCode.NOT_PERMITTED, `contract ${contract.name} has no such method`);
  }
  const store = state.storeOf(contractNamespace(contract.id));
  return ok({ contract, call: { crypto, state, store, tx, sender: state.account(tx.sender), height, ...(effects ? { effects } : {}) } });
}

/**
 * Whether a transaction with a verified signature may enter the ledger after everything already
 * applied to `state`. `height` is the block being filled (a contract may read it). `effects`: what
 * the host computed for a contract the core cannot run (a deployed contract, src/contracts/deployed/).
 */
export function admitTx(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, nowSeconds: number, height = 0, effects?: HostEffects): Result<undefined> {
  if (isSelfEnroll(tx)) return admitSelfEnroll(crypto, state, tx, nowSeconds);
  const sender = admissibleSender(state, tx);
  if (!sender.ok) return sender;
  const account = sender.value;
  if (!maySend(tx.kind, account.role, state.permission())) return fail(ErrorCode.NOT_PERMITTED, 'this role may not send this kind');
  if (tx.seq <= account.lastSeq) return fail(ErrorCode.REPLAY, `seq ${tx.seq} ≤ last ${account.lastSeq}`);
  if (tx.seq > account.lastSeq + MAX_SEQ_JUMP) return fail(ErrorCode.SEQUENCE_GAP, `seq ${tx.seq} jumps more than ${MAX_SEQ_JUMP}`);
  if (tx.time > nowSeconds + MAX_FUTURE_SECONDS) return fail(ErrorCode.TIME_OUT_OF_RANGE, 'time is in the future');
  const limits = state.rules.publicLimits;
  if (limits && isDevice(account) && state.blockTxCount(tx.sender) >= limits.maxTxsPerBlockPerDevice) {
    return fail(ErrorCode.QUOTA_EXCEEDED, `at most ${limits.maxTxsPerBlockPerDevice} transactions per device per block`);
  }
  // Readings, the bulk, have no contract: their body is not read, so a host may decode it lazily.
  if (tx.kind === TxKind.READINGS) return ok(undefined);
  const found = callOf(crypto, state, tx, height, effects);
  return found.ok ? found.value.contract.admit(found.value.call) : found;
}

/**
 * Applies an admitted transaction at `height`. Call only after admitTx accepted it on this state.
 * `effects`: what the host computed for a contract the core cannot run (a deployed contract).
 */
export function applyTx(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, height: number, effects?: HostEffects): void {
  const publicChain = state.rules.publicLimits !== undefined;
  if (isSelfEnroll(tx)) {
    applySelfEnroll(state, tx, height);
    if (publicChain) state.countBlockTx(tx.sender, true);
    return;
  }
  const sender = state.account(tx.sender)!;
  state.putAccount({ ...sender, lastSeq: tx.seq });
  if (publicChain && isDevice(sender)) state.countBlockTx(tx.sender, false);
  if (tx.kind === TxKind.READINGS) return; // nothing else to apply; the body is not read (see admitTx)
  const found = callOf(crypto, state, tx, height, effects);
  if (!found.ok) throw new Error(`applyTx: not admitted on this state (${found.reason})`);
  found.value.contract.apply(found.value.call);
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
