// The system contracts as pure functions: a table of transactions, each with
// the outcome it must get against the state the previous rows left, and the
// state root that every gateway must compute the same way.

import test from 'ava';
import {
  AccountRole, AccountStatus, BlockReason, ErrorCode, LedgerState, Permission, type SignedTx, TxKind, type UnsignedTx, admitTx, applyTx,
  blockReportBody, bytesToHex, chainIdOf, createNobleCrypto, deviceBody, enrollBody, errorName, invokeBody, keyId, makeValidatorSet,
  readingsBody, rotateKeyBody, signTx, signingKey, verifyTxSignature, Quantity,
} from '../src/index.js';
import { testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const operator = testKey(crypto, 'sc operator');
const validator = testKey(crypto, 'sc validator');
const genesis = { name: new Uint8Array(2), time: 0, permission: Permission.PRIVATE, validators: makeValidatorSet(1, [validator.publicKey]), operatorKey: operator.publicKey };
const chainId = chainIdOf(crypto, genesis);
const device = testKey(crypto, 'sc device');
const deviceId = keyId(crypto, device.publicKey);
const rotated = testKey(crypto, 'sc device rotated');
const NOW = 1_800_000_000;

const ids = { operator: keyId(crypto, operator.publicKey), validator: keyId(crypto, validator.publicKey), device: deviceId };
const reading = [{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2000] }];

type Row = [reason: string, signer: typeof operator, tx: Omit<UnsignedTx, 'time'> & { time?: number }, expect: number];
const rows: Row[] = [
  ['a device cannot send before it is enrolled', device, { kind: TxKind.READINGS, sender: ids.device, seq: 1, body: readingsBody(reading) }, ErrorCode.UNKNOWN_SENDER],
  ['a validator may not enrol', validator, { kind: TxKind.ENROLL, sender: ids.validator, seq: 1, body: enrollBody(device.publicKey) }, ErrorCode.NOT_PERMITTED],
  ['the operator enrols the device', operator, { kind: TxKind.ENROLL, sender: ids.operator, seq: 1, body: enrollBody(device.publicKey) }, ErrorCode.OK],
  ['the same key twice', operator, { kind: TxKind.ENROLL, sender: ids.operator, seq: 2, body: enrollBody(device.publicKey) }, ErrorCode.DUPLICATE_DEVICE],
  ['the device sends readings', device, { kind: TxKind.READINGS, sender: ids.device, seq: 1, body: readingsBody(reading) }, ErrorCode.OK],
  ['the same sequence again', device, { kind: TxKind.READINGS, sender: ids.device, seq: 1, body: readingsBody(reading) }, ErrorCode.REPLAY],
  ['a gap within the reservation limit', device, { kind: TxKind.READINGS, sender: ids.device, seq: 65, body: readingsBody(reading) }, ErrorCode.OK],
  ['a jump past it', device, { kind: TxKind.READINGS, sender: ids.device, seq: 65 + 4097, body: readingsBody(reading) }, ErrorCode.SEQUENCE_GAP],
  ['time an hour ahead', device, { kind: TxKind.READINGS, sender: ids.device, seq: 66, time: NOW + 3600, body: readingsBody(reading) }, ErrorCode.TIME_OUT_OF_RANGE],
  ['no contract to invoke yet', device, { kind: TxKind.INVOKE, sender: ids.device, seq: 66, body: invokeBody(9, 1, []) }, ErrorCode.NOT_PERMITTED],
  ['a device may not report', device, { kind: TxKind.BLOCK_REPORT, sender: ids.device, seq: 66, body: blockReportBody(ids.device, BlockReason.FLOOD) }, ErrorCode.NOT_PERMITTED],
  ["a device may not take the operator's key", device, { kind: TxKind.ROTATE_KEY, sender: ids.device, seq: 66, body: rotateKeyBody(operator.publicKey) }, ErrorCode.DUPLICATE_DEVICE],
  ["nor a validator's", device, { kind: TxKind.ROTATE_KEY, sender: ids.device, seq: 66, body: rotateKeyBody(validator.publicKey) }, ErrorCode.DUPLICATE_DEVICE],
  ['nor its own current key', device, { kind: TxKind.ROTATE_KEY, sender: ids.device, seq: 66, body: rotateKeyBody(device.publicKey) }, ErrorCode.DUPLICATE_DEVICE],
  ['the device rotates its key', device, { kind: TxKind.ROTATE_KEY, sender: ids.device, seq: 66, body: rotateKeyBody(rotated.publicKey) }, ErrorCode.OK],
  ['the old key no longer signs for it', device, { kind: TxKind.READINGS, sender: ids.device, seq: 67, body: readingsBody(reading) }, ErrorCode.BAD_SIGNATURE],
  ['the new key signs as the same device', rotated, { kind: TxKind.READINGS, sender: ids.device, seq: 67, body: readingsBody(reading) }, ErrorCode.OK],
  ['the rotated key cannot be enrolled as another device', operator, { kind: TxKind.ENROLL, sender: ids.operator, seq: 2, body: enrollBody(rotated.publicKey) }, ErrorCode.DUPLICATE_DEVICE],
  ['a lift of a device not blocked', validator, { kind: TxKind.BLOCK_LIFT, sender: ids.validator, seq: 1, body: deviceBody(ids.device) }, ErrorCode.NOT_PERMITTED],
  ['a validator reports the device', validator, { kind: TxKind.BLOCK_REPORT, sender: ids.validator, seq: 1, body: blockReportBody(ids.device, BlockReason.FLOOD) }, ErrorCode.OK],
  ['a blocked device is refused', rotated, { kind: TxKind.READINGS, sender: ids.device, seq: 68, body: readingsBody(reading) }, ErrorCode.BLOCKED],
  ['the operator lifts the block', operator, { kind: TxKind.BLOCK_LIFT, sender: ids.operator, seq: 2, body: deviceBody(ids.device) }, ErrorCode.OK],
  ['the device is back', rotated, { kind: TxKind.READINGS, sender: ids.device, seq: 68, body: readingsBody(reading) }, ErrorCode.OK],
  ['the operator revokes it', operator, { kind: TxKind.REVOKE, sender: ids.operator, seq: 3, body: deviceBody(ids.device) }, ErrorCode.OK],
  ['a revoked device is refused', rotated, { kind: TxKind.READINGS, sender: ids.device, seq: 69, body: readingsBody(reading) }, ErrorCode.REVOKED],
  ['revoking twice', operator, { kind: TxKind.REVOKE, sender: ids.operator, seq: 4, body: deviceBody(ids.device) }, ErrorCode.NOT_PERMITTED],
];

/** What a gateway does with a decoded transaction: key lookup, signature, admission, apply. */
function submit(state: LedgerState, tx: SignedTx, height: number): number {
  const key = signingKey(state, tx);
  if (!key.ok) return key.code;
  if (!verifyTxSignature(crypto, chainId, tx, key.value).ok) return ErrorCode.BAD_SIGNATURE;
  const verdict = admitTx(crypto, state, tx, NOW);
  if (!verdict.ok) return verdict.code;
  applyTx(crypto, state, tx, height);
  return ErrorCode.OK;
}

test('registry and blocklist rules, row by row', (t) => {
  const state = LedgerState.fromGenesis(crypto, genesis);
  rows.forEach(([reason, signer, fields, expect], i) => {
    const before = state.root(crypto);
    const tx = signTx(crypto, chainId, { time: NOW, ...fields } as UnsignedTx, signer.privateKey);
    const code = submit(state, tx, i + 1);
    t.is(errorName(code), errorName(expect), reason);
    if (code !== ErrorCode.OK) t.deepEqual(state.root(crypto), before, `${reason}: a rejection changes nothing`);
  });
  const account = state.account(deviceId)!;
  t.is(account.status, AccountStatus.REVOKED);
  t.is(account.role, AccountRole.DEVICE);
  t.is(bytesToHex(account.key), bytesToHex(rotated.publicKey));
  t.is(account.lastSeq, 68);
});

test('the state root depends on every entry and not on insertion order', (t) => {
  const a = LedgerState.fromGenesis(crypto, genesis);
  const b = LedgerState.fromEntries([...a.accounts()].reverse(), []);
  t.deepEqual(a.root(crypto), b.root(crypto));
  b.putAccount({ ...b.account(ids.operator)!, lastSeq: 1 });
  t.notDeepEqual(a.root(crypto), b.root(crypto));
  const c = a.clone();
  c.block({ id: ids.validator, reason: 1, reporter: ids.validator, height: 1 });
  t.notDeepEqual(a.root(crypto), c.root(crypto));
});

test('takeTouched returns exactly what changed since the last call', (t) => {
  const state = LedgerState.fromGenesis(crypto, genesis);
  t.is(state.takeTouched().accounts.length, 2, 'genesis accounts are persisted by the first block');
  t.deepEqual(state.takeTouched(), { accounts: [], blocked: [], unblocked: [], entries: [] });
  state.block({ id: ids.device, reason: 1, reporter: ids.validator, height: 3 });
  state.unblock(ids.device);
  const touched = state.takeTouched();
  t.deepEqual(touched.blocked, []);
  t.deepEqual(touched.unblocked.map(bytesToHex), [bytesToHex(ids.device)]);
});
