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
//   DUPLICATE_DEVICE an enrolment or key rotation to a key that is an account's key, or whose
//                    id is another account's id: keys stay unique, so a key names one account

import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { Role } from '../tx/bodies.js';
import { keyId } from '../tx/identity.js';
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
});

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
  if (!account) return fail(ErrorCode.UNKNOWN_SENDER, 'sender is not enrolled');
  if (account.status === AccountStatus.REVOKED) return fail(ErrorCode.REVOKED, 'sender was revoked');
  if (state.blockEntry(tx.sender)) return fail(ErrorCode.BLOCKED, 'sender is on the blocklist');
  return ok(account.key);
}

/** Whether a transaction with a verified signature may enter the ledger after everything already applied to `state`. */
export function admitTx(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, nowSeconds: number): Result<undefined> {
  const account = state.account(tx.sender);
  if (!account) return fail(ErrorCode.UNKNOWN_SENDER, 'sender is not enrolled');
  if (account.status === AccountStatus.REVOKED) return fail(ErrorCode.REVOKED, 'sender was revoked');
  if (state.blockEntry(tx.sender)) return fail(ErrorCode.BLOCKED, 'sender is on the blocklist');
  if (!senderRoles[tx.kind].includes(account.role)) return fail(ErrorCode.NOT_PERMITTED, 'this role may not send this kind');
  if (tx.seq <= account.lastSeq) return fail(ErrorCode.REPLAY, `seq ${tx.seq} ≤ last ${account.lastSeq}`);
  if (tx.seq > account.lastSeq + MAX_SEQ_JUMP) return fail(ErrorCode.SEQUENCE_GAP, `seq ${tx.seq} jumps more than ${MAX_SEQ_JUMP}`);
  if (tx.time > nowSeconds + MAX_FUTURE_SECONDS) return fail(ErrorCode.TIME_OUT_OF_RANGE, 'time is in the future');
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
    default:
      return ok(undefined);
  }
}

/** Applies an admitted transaction at `height`. Call only after admitTx accepted it on this state. */
export function applyTx(crypto: CryptoProvider, state: LedgerState, tx: SignedTx, height: number): void {
  const sender = state.account(tx.sender)!;
  state.putAccount({ ...sender, lastSeq: tx.seq });
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
    default:
      return;
  }
}
