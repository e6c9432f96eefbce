// A public chain's rules as pure functions (PUBLIC genesis, self-enrolment with proof of work,
// per-block quotas): a table of transactions, each with the outcome it must get against the
// state the previous rows left; a `cut` row is a block boundary.

import test from 'ava';
import {
  BotError, ErrorCode, LedgerState, Permission, type PublicLimits, type SignedTx, TxKind, type UnsignedTx, admitTx, applyTx,
  chainIdOf, checkPow, createNobleCrypto, decodeGenesis, encodeGenesis, enrollBody, errorName, keyId, leadingZeroBits,
  makeValidatorSet, mintPowNonce, powDigest, readingsBody, restartBlockQuotas, selfEnrollBody, signTx, signingKey, verifyTxSignature, Quantity,
} from '../src/index.js';
import { testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const operator = testKey(crypto, 'pub operator');
const validator = testKey(crypto, 'pub validator');
const limits: PublicLimits = { powBits: 8, maxTxsPerBlockPerDevice: 3, maxSelfEnrolPerBlock: 2 };
const base = { name: new Uint8Array(3), time: 0, validators: makeValidatorSet(1, [validator.publicKey]), operatorKey: operator.publicKey };
const publicGenesis = { ...base, permission: Permission.PUBLIC, publicLimits: limits };
const privateGenesis = { ...base, permission: Permission.PRIVATE };
const chainId = chainIdOf(crypto, publicGenesis);
const NOW = 1_800_000_000;
const reading = readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2000] }]);

const [a, b, c, d] = ['pub a', 'pub b', 'pub c', 'pub d'].map((label) => testKey(crypto, label)) as [ReturnType<typeof testKey>, ReturnType<typeof testKey>, ReturnType<typeof testKey>, ReturnType<typeof testKey>];
const id = (k: typeof a) => keyId(crypto, k.publicKey);
const nonceOf = (k: typeof a) => mintPowNonce(crypto, chainId, k.publicKey, limits.powBits);

/** A nonce whose proof has fewer than powBits leading zero bits. */
function weakNonce(k: typeof a): Uint8Array {
  for (let i = 0; ; i++) {
    const nonce = new Uint8Array(8);
    nonce[7] = i & 0xff;
    nonce[6] = i >> 8;
    if (!checkPow(crypto, chainId, k.publicKey, nonce, limits.powBits)) return nonce;
  }
}

const selfEnroll = (k: typeof a, seq = 1, nonce = nonceOf(k)) => ({ kind: TxKind.ENROLL, sender: id(k), seq, body: selfEnrollBody(k.publicKey, nonce) });
const readings = (k: typeof a, seq: number) => ({ kind: TxKind.READINGS, sender: id(k), seq, body: reading });

type Row = [reason: string, signer: typeof a, tx: Omit<UnsignedTx, 'time'>, expect: number] | 'cut';
const rows: Row[] = [
  ['readings before enrolling', a, readings(a, 1), ErrorCode.UNKNOWN_SENDER],
  ['a proof of work too weak', a, selfEnroll(a, 1, weakNonce(a)), ErrorCode.BAD_POW],
  ['signed by another key than the body key', b, selfEnroll(a), ErrorCode.BAD_SIGNATURE],
  ["the operator sends another device's self-enrolment", operator, { ...selfEnroll(a), sender: id(operator) }, ErrorCode.NOT_PERMITTED],
  ['a valid self-enrolment', a, selfEnroll(a), ErrorCode.OK],
  ['the same self-enrolment again: a replay', a, selfEnroll(a), ErrorCode.REPLAY],
  ['a self-enrolment under a later seq: already an account', a, selfEnroll(a, 2), ErrorCode.DUPLICATE_DEVICE],
  ['the new device sends readings', a, readings(a, 2), ErrorCode.OK],
  ['its third transaction of the block', a, readings(a, 3), ErrorCode.OK],
  ['its fourth: over maxTxsPerBlockPerDevice', a, readings(a, 4), ErrorCode.QUOTA_EXCEEDED],
  ['a second self-enrolment in the block', b, selfEnroll(b), ErrorCode.OK],
  ['a third: over maxSelfEnrolPerBlock', c, selfEnroll(c), ErrorCode.QUOTA_EXCEEDED],
  ['the operator still enrols by its own ENROLL (no quota on the operator)', operator, { kind: TxKind.ENROLL, sender: id(operator), seq: 1, body: enrollBody(d.publicKey) }, ErrorCode.OK],
  'cut',
  ['the next block accepts the device again', a, readings(a, 4), ErrorCode.OK],
  ['and the self-enrolment refused for the quota', c, selfEnroll(c), ErrorCode.OK],
];

function submit(state: LedgerState, tx: SignedTx, height: number): number {
  const key = signingKey(state, tx);
  if (!key.ok) return key.code;
  if (!verifyTxSignature(crypto, chainId, tx, key.value).ok) return ErrorCode.BAD_SIGNATURE;
  const verdict = admitTx(crypto, state, tx, NOW);
  if (!verdict.ok) return verdict.code;
  applyTx(crypto, state, tx, height);
  return ErrorCode.OK;
}

test('public chain: self-enrolment and quotas, row by row', (t) => {
  const state = LedgerState.fromGenesis(crypto, publicGenesis);
  let height = 1;
  for (const row of rows) {
    if (row === 'cut') {
      restartBlockQuotas(state, []);
      height++;
      continue;
    }
    const [reason, signer, fields, expect] = row;
    const before = state.root(crypto);
    const tx = signTx(crypto, chainId, { time: NOW, ...fields } as UnsignedTx, signer.privateKey);
    const code = submit(state, tx, height);
    t.is(errorName(code), errorName(expect), reason);
    if (code !== ErrorCode.OK) t.deepEqual(state.root(crypto), before, `${reason}: a rejection changes nothing`);
  }
  const account = state.account(id(a))!;
  t.is(account.lastSeq, 4);
  t.is(account.enrolledAt, 1);
});

test('a self-enrolment on a private chain is refused with a typed code', (t) => {
  const privateId = chainIdOf(crypto, privateGenesis);
  const state = LedgerState.fromGenesis(crypto, privateGenesis);
  const tx = signTx(crypto, privateId, { time: NOW, ...selfEnroll(a, 1, mintPowNonce(crypto, privateId, a.publicKey, 8)) }, a.privateKey);
  const key = signingKey(state, tx);
  t.false(key.ok);
  if (!key.ok) t.is(key.code, ErrorCode.UNKNOWN_SENDER, 'no key to check it with: the sender is unknown');
  t.is(errorName((admitTx(crypto, state, tx, NOW) as { code: number }).code), 'NOT_PERMITTED', 'and admission refuses the body itself');
});

test('quotas are rebuilt from the transactions still pending after a cut', (t) => {
  const state = LedgerState.fromGenesis(crypto, publicGenesis);
  const txs = [selfEnroll(a), readings(a, 2), readings(a, 3)].map((f) => signTx(crypto, chainId, { time: NOW, ...f }, a.privateKey));
  for (const tx of txs) applyTx(crypto, state, tx, 0);
  t.is(state.blockTxCount(id(a)), 3);
  t.is(state.blockSelfEnrolCount(), 1);
  const copy = state.clone();
  t.is(copy.blockTxCount(id(a)), 3, 'a clone keeps the counts');
  // The block took the first two; the third is pending for the next one.
  restartBlockQuotas(state, txs.slice(2));
  t.is(state.blockTxCount(id(a)), 1);
  t.is(state.blockSelfEnrolCount(), 0);
  t.is(LedgerState.fromEntries(state.accounts(), [], state.rules).blockTxCount(id(a)), 0, 'not persisted: a restored state starts empty');
});

test('public genesis: a 7th field, bounded; private and consortium encodings keep 6', (t) => {
  const encoded = encodeGenesis(publicGenesis);
  const decoded = decodeGenesis(encoded);
  t.deepEqual(decoded.publicLimits, limits);
  t.is(decoded.permission, Permission.PUBLIC);
  t.is(encoded[0], 0x87, 'array of 7');
  t.is(encodeGenesis(privateGenesis)[0], 0x86, 'array of 6');
  t.false('publicLimits' in decodeGenesis(encodeGenesis(privateGenesis)));
  const bad = (g: object, why: string) => t.throws(() => encodeGenesis(g as typeof publicGenesis), { instanceOf: BotError }, why);
  bad({ ...publicGenesis, publicLimits: { ...limits, powBits: 33 } }, 'powBits above 32');
  bad({ ...publicGenesis, publicLimits: { ...limits, maxTxsPerBlockPerDevice: 0 } }, 'a zero quota');
  bad({ ...publicGenesis, publicLimits: undefined }, 'public without limits');
  bad({ ...privateGenesis, publicLimits: limits }, 'limits on a private chain');
  // A private genesis with a 7th field does not decode.
  t.throws(() => decodeGenesis(new Uint8Array([0x87, ...encodeGenesis(privateGenesis).subarray(1), 0x83, 0x08, 0x03, 0x02])), { instanceOf: BotError });
});

test('proof of work: leading zero bits, mint and check agree', (t) => {
  t.is(leadingZeroBits(new Uint8Array([0, 0x80])), 8);
  t.is(leadingZeroBits(new Uint8Array([0, 0x01])), 15);
  t.is(leadingZeroBits(new Uint8Array([0, 0])), 16);
  const nonce = mintPowNonce(crypto, chainId, a.publicKey, 12);
  t.true(leadingZeroBits(powDigest(crypto, chainId, a.publicKey, nonce)) >= 12);
  t.true(checkPow(crypto, chainId, a.publicKey, nonce, 12));
  t.notDeepEqual(powDigest(crypto, chainIdOf(crypto, privateGenesis), a.publicKey, nonce), powDigest(crypto, chainId, a.publicKey, nonce), 'bound to the chain');
  t.notDeepEqual(powDigest(crypto, chainId, b.publicKey, nonce), powDigest(crypto, chainId, a.publicKey, nonce), 'and to the key');
  t.true(checkPow(crypto, chainId, a.publicKey, new Uint8Array(8), 0), 'powBits 0 accepts any nonce');
  t.false(checkPow(crypto, chainId, a.publicKey, new Uint8Array(7), 0), 'but not a nonce of the wrong size');
});

test('peer config: a public genesis means self-enrolment, validated against the genesis', async (t) => {
  const { makePeerConfig } = await import('../src/peer/index.js');
  t.deepEqual(makePeerConfig(publicGenesis).selfEnroll, { powBits: limits.powBits }, 'derived from the genesis');
  t.deepEqual(makePeerConfig(publicGenesis, { selfEnroll: { powBits: 12 } }).selfEnroll, { powBits: 12 }, 'a stronger proof is fine');
  t.is(makePeerConfig(publicGenesis, { selfEnroll: false }).selfEnroll, undefined, 'off: the operator enrols it');
  t.is(makePeerConfig(privateGenesis).selfEnroll, undefined, 'a private chain waits to be enrolled');
  const refused = (options: object, why: string) =>
    t.is((t.throws(() => makePeerConfig(options === privateGenesis ? privateGenesis : publicGenesis, options as never), { instanceOf: BotError }, why) as BotError).code, ErrorCode.BAD_PEER_CONFIG, why);
  refused({ selfEnroll: { powBits: limits.powBits - 1 } }, 'weaker than the genesis asks');
  refused({ selfEnroll: { powBits: 33 } }, 'out of range');
  t.is((t.throws(() => makePeerConfig(privateGenesis, { selfEnroll: { powBits: 8 } }), { instanceOf: BotError }) as BotError).code, ErrorCode.BAD_PEER_CONFIG, 'not on a private chain');
});
