// The DEPLOYED core contract as pure functions (src/contracts/deployed/): a table of transactions
// with the host effects a sandbox would have computed, each with the outcome it must get against the
// state the previous rows left; then the leaves it writes, and a state root independent of the order
// of a block's writes.

import test from 'ava';
import {
  ContractId, DeployedMethod, ErrorCode, type HostEffects, LedgerState, Permission, TxKind, admitTx, applyTx, bytesToHex, chainIdOf,
  contractNamespace, createNobleCrypto, enrollBody, errorName, keyId, makeValidatorSet, signTx,
} from '../src/index.js';
import { testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const enc = new TextEncoder();
const operator = testKey(crypto, 'dc operator');
const validator = testKey(crypto, 'dc validator');
const device = testKey(crypto, 'dc device');
const genesis = { name: new Uint8Array(2), time: 0, permission: Permission.PRIVATE, validators: makeValidatorSet(1, [validator.publicKey]), operatorKey: operator.publicKey };
const chainId = chainIdOf(crypto, genesis);
const NOW = 1_800_000_000;
const source = enc.encode('({ methods: { inc(ctx) { ctx.set("n", 1); return 1; } } })');
const hash = crypto.sha256(source);
const deploy = (chunks: Uint8Array[]) => [ContractId.DEPLOYED, DeployedMethod.DEPLOY, chunks];
const call = (h: Uint8Array, name = 'inc', args = 'null') => [ContractId.DEPLOYED, DeployedMethod.CALL, [h, enc.encode(name), enc.encode(args)]];
const writes = (entries: [string, string | undefined][]): HostEffects => ({ writes: entries.map(([k, v]) => [enc.encode(k), v === undefined ? undefined : enc.encode(v)] as const) });
const NONE: HostEffects = { writes: [] };

type Row = [reason: string, signer: typeof operator, method: unknown, effects: HostEffects | undefined, expect: number];
const rows: Row[] = [
  ['the operator enrols a device', operator, { kind: TxKind.ENROLL, body: enrollBody(device.publicKey) }, undefined, ErrorCode.OK],
  ['a device may not deploy', device, deploy([source]), NONE, ErrorCode.NOT_PERMITTED],
  ['a call of a hash not deployed', device, call(hash), writes([['n', '1']]), ErrorCode.UNKNOWN_CONTRACT],
  ['a deploy with no chunk', operator, deploy([]), NONE, ErrorCode.BAD_BODY],
  ['a deploy with an empty chunk', operator, deploy([source, new Uint8Array(0)]), NONE, ErrorCode.BAD_BODY],
  ['a deploy without the host effects', operator, deploy([source]), undefined, ErrorCode.INTERNAL],
  ['a deploy the sandbox refused', operator, deploy([source]), { error: { code: ErrorCode.BAD_CONTRACT, message: 'not a contract' } }, ErrorCode.BAD_CONTRACT],
  ['the operator deploys, in two chunks', operator, deploy([source.subarray(0, 10), source.subarray(10)]), NONE, ErrorCode.OK],
  ['the same source again', validator, deploy([source]), NONE, ErrorCode.CONTRACT_EXISTS],
  ['a call with a 31-byte hash', device, call(hash.subarray(1)), NONE, ErrorCode.BAD_BODY],
  ['a call with an empty name', device, call(hash, ''), NONE, ErrorCode.BAD_BODY],
  ['a call that ran out of gas', device, call(hash), { error: { code: ErrorCode.CONTRACT_OUT_OF_GAS, message: 'gas' } }, ErrorCode.CONTRACT_OUT_OF_GAS],
  ['a call that threw', device, call(hash), { error: { code: ErrorCode.CONTRACT_THREW, message: 'boom' } }, ErrorCode.CONTRACT_THREW],
  ['a call without the host effects', device, call(hash), undefined, ErrorCode.INTERNAL],
  ['a call with its writes', device, call(hash), writes([['n', '1'], ['who', '"dev"']]), ErrorCode.OK],
  ['a call that deletes one', device, call(hash), writes([['who', undefined]]), ErrorCode.OK],
  ['another method number of DEPLOYED', device, [ContractId.DEPLOYED, 7, []], NONE, ErrorCode.NOT_PERMITTED],
];

test('DEPLOYED admission and apply, row by row against the state the previous rows left', (t) => {
  const state = LedgerState.fromGenesis(crypto, genesis);
  const seqs = new Map<string, number>();
  for (const [reason, signer, method, effects, expect] of rows) {
    const sender = keyId(crypto, signer.publicKey);
    const seq = (seqs.get(bytesToHex(sender)) ?? 0) + 1;
    const unsigned = Array.isArray(method)
      ? { kind: TxKind.INVOKE, sender, seq, time: NOW, body: method as never }
      : { ...(method as { kind: TxKind; body: never }), sender, seq, time: NOW };
    const tx = signTx(crypto, chainId, unsigned, signer.privateKey);
    const before = bytesToHex(state.root(crypto));
    const verdict = admitTx(crypto, state, tx, NOW, 1, effects);
    t.is(errorName(verdict.ok ? ErrorCode.OK : verdict.code), errorName(expect), reason);
    if (!verdict.ok) {
      t.is(bytesToHex(state.root(crypto)), before, `${reason}: nothing changed`);
      continue;
    }
    applyTx(crypto, state, tx, 1, effects);
    seqs.set(bytesToHex(sender), seq);
  }
  t.is(new TextDecoder().decode(state.entry(contractNamespace(ContractId.DEPLOYED), hash)), new TextDecoder().decode(source));
  t.is(new TextDecoder().decode(state.entry(hash, enc.encode('n'))), '1');
  t.is(state.entry(hash, enc.encode('who')), undefined);
  // The entries are leaves of the state root: a member can prove them.
  const proof = state.prove(crypto, hash, enc.encode('n'));
  t.is(new TextDecoder().decode(proof.value), '1');
});

test('the root after a call does not depend on the order of its writes', (t) => {
  const roots = [[['a', '1'], ['b', '2']], [['b', '2'], ['a', '1']]].map((order) => {
    const state = LedgerState.fromGenesis(crypto, genesis);
    const tx = signTx(crypto, chainId, { kind: TxKind.INVOKE, sender: keyId(crypto, operator.publicKey), seq: 1, time: NOW, body: deploy([source]) as never }, operator.privateKey);
    applyTx(crypto, state, tx, 1, NONE);
    const c = signTx(crypto, chainId, { kind: TxKind.INVOKE, sender: keyId(crypto, operator.publicKey), seq: 2, time: NOW, body: call(hash) as never }, operator.privateKey);
    applyTx(crypto, state, c, 1, writes(order as [string, string][]));
    return bytesToHex(state.root(crypto));
  });
  t.is(roots[0], roots[1]);
});
