// The device registry contract (core layer, contracts): ENROLL, REVOKE, ROTATE_KEY and a public
// chain's self-enrolment. Its entries are the accounts (LedgerState keeps them typed: admission
// reads them several times per transaction); each is a leaf under this contract's namespace.
// Admission, after the checks every transaction passes (system-contracts.ts):
//
//   DUPLICATE_DEVICE an enrolment or key rotation to a key that is an account's key, or whose
//                    id is another account's id: keys stay unique, so a key names one account
//   NOT_PERMITTED    REVOKE of no active device
//
// A self-enrolment (public chain: ENROLL [key, 0, powNonce] sent by keyId(key), signed by key)
// has no account yet, so it has its own order (admitSelfEnroll): NOT_PERMITTED (not a public
// chain, or the sender is not the key's id), REPLAY / DUPLICATE_DEVICE (the id or key is an
// account already), SEQUENCE_GAP, TIME_OUT_OF_RANGE, QUOTA_EXCEEDED (maxSelfEnrolPerBlock), BAD_POW.

import { type Result, fail, ok } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import type { CryptoProvider } from '../../crypto/crypto-port.js';
import { equalBytes } from '../../codec/bytes.js';
import { Permission } from '../../chain/genesis.js';
import { Role } from '../../tx/bodies.js';
import { ID_BYTES, keyId } from '../../tx/identity.js';
import { checkPow } from '../../tx/self-enroll.js';
import { TxKind } from '../../tx/kinds.js';
import type { SignedTx } from '../../tx/tx.js';
import { ContractId, defineContract } from '../contract.js';
import { type Account, AccountRole, AccountStatus, type LedgerState, accountLeaf } from '../ledger-state.js';
import { MAX_FUTURE_SECONDS, MAX_SEQ_JUMP } from '../limits.js';

/** Query methods of the registry. */
export const RegistryQuery = Object.freeze({ ACCOUNT: 0 } as const);

export function isDevice(account: Account | undefined): account is Account {
  return account !== undefined && (account.role === AccountRole.DEVICE || account.role === AccountRole.GATEWAY);
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

/** A self-enrolment's effect: the new account, whose first transaction it is. */
export function applySelfEnroll(state: LedgerState, tx: SignedTx, height: number): void {
  const key = (tx.body as readonly Uint8Array[])[0]!;
  state.putAccount({ id: tx.sender, key, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: tx.seq, enrolledAt: height });
}

export const deviceRegistry = defineContract({
  id: ContractId.REGISTRY,
  name: 'registry',
  kinds: Object.freeze([TxKind.ENROLL, TxKind.REVOKE, TxKind.ROTATE_KEY]),
  methods: Object.freeze({}),
  queries: Object.freeze({ [RegistryQuery.ACCOUNT]: 'account' }),
  admit({ crypto, state, tx, sender }) {
    const body = tx.body as readonly unknown[];
    if (tx.kind === TxKind.REVOKE) {
      const target = state.account(body[0] as Uint8Array);
      if (!isDevice(target) || target.status === AccountStatus.REVOKED) return fail(ErrorCode.NOT_PERMITTED, 'no active device with that id');
      return ok(undefined);
    }
    // ENROLL, ROTATE_KEY
    const key = body[0] as Uint8Array;
    const holder = state.account(keyId(crypto, key));
    // An account may take back the key its id came from once no account holds it.
    const idTaken = holder !== undefined && !(tx.kind === TxKind.ROTATE_KEY && holder === sender);
    if (idTaken || state.accountByKey(key)) return fail(ErrorCode.DUPLICATE_DEVICE, 'key or its id already belongs to an account');
    return ok(undefined);
  },
  apply({ crypto, state, tx, height }) {
    const body = tx.body as readonly unknown[];
    switch (tx.kind) {
      case TxKind.ENROLL: {
        const key = body[0] as Uint8Array;
        const role = body[1] === Role.GATEWAY ? AccountRole.GATEWAY : AccountRole.DEVICE;
        state.putAccount({ id: keyId(crypto, key), key, role, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: height });
        return;
      }
      case TxKind.REVOKE:
        state.putAccount({ ...state.account(body[0] as Uint8Array)!, status: AccountStatus.REVOKED });
        return;
      case TxKind.ROTATE_KEY:
        state.putAccount({ ...state.account(tx.sender)!, key: body[0] as Uint8Array });
        return;
    }
  },
  query({ state, method, args }) {
    const id = args[0];
    if (method !== RegistryQuery.ACCOUNT || args.length !== 1 || !(id instanceof Uint8Array) || id.length !== ID_BYTES) return fail(ErrorCode.BAD_REQUEST, 'registry query: ACCOUNT [id bstr(8)]');
    const account = state.account(id);
    return ok(account ? accountLeaf(account) : undefined);
  },
});
