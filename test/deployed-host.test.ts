// The deployed-contract host reads the DEPLOY and CALL bodies' UTF-8 exactly (§5.6.2): a leading
// byte-order mark is a character of the text, never dropped, so a source is stored and run under
// the hash of its bytes, and a method name or arguments with a mark are not taken for others.

import test from 'ava';
import { ContractId, ErrorCode, LedgerState, TxKind, applyTx, bytesToHex, contractNamespace, encodeTx, errorName, keyId, signTx, txId } from '../src/index.js';
import { ContractSandbox } from '../tools/gateway/contract-sandbox/contract-sandbox.js';
import { DeployedHost, callBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import { TEST_SANDBOX } from './support/deployed-fixture.js';
import { crypto, makeChainDir } from './support/gateway-fixture.js';

const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);
const utf8 = (text: string) => new TextEncoder().encode(text);
const withBom = (bytes: Uint8Array) => Uint8Array.from([...BOM, ...bytes]);

test('a byte-order mark is part of the source, the method name and the arguments', async (t) => {
  const { chain, remove } = makeChainDir('deployed-bom');
  t.teardown(remove);
  const operator = chain.operatorKey!;
  const sender = keyId(crypto, operator.publicKey);
  const state = LedgerState.fromGenesis(crypto, chain.genesis);
  const host = new DeployedHost(crypto, new ContractSandbox(TEST_SANDBOX));
  t.teardown(() => host.close());
  const time = Math.floor(Date.now() / 1000);
  let seq = 0;
  const run = async (body: unknown) => {
    const tx = signTx(crypto, chain.chainId, { kind: TxKind.INVOKE, sender, seq: ++seq, time, body: body as never }, operator.privateKey);
    const admission = await host.admit(state, tx, time, 1, txId(crypto, encodeTx(tx)));
    if (admission.verdict.ok) applyTx(crypto, state, tx, 1, admission.effects);
    return admission.verdict.ok ? 'OK' : errorName(admission.verdict.code);
  };

  const source = withBom(utf8('({ methods: { inc(ctx) { const n = (ctx.get("n") ?? 0) + 1; ctx.set("n", n); return n; } } })'));
  t.is(await run([ContractId.DEPLOYED, 0, [source]]), 'OK', 'a source with a mark deploys');
  const hash = bytesToHex(crypto.sha256(source));
  t.truthy(state.entry(contractNamespace(ContractId.DEPLOYED), crypto.sha256(source)), 'stored under the hash of its bytes, mark included');
  t.is(await run(callBody(hash, 'inc', null)), 'OK', 'and called by that hash');

  const [, , [code, , args]] = callBody(hash, 'inc', null);
  t.is(await run([ContractId.DEPLOYED, 1, [code, withBom(utf8('inc')), args]]), errorName(ErrorCode.UNKNOWN_METHOD), 'a method name with a mark is another name');
  t.is(await run([ContractId.DEPLOYED, 1, [code, utf8('inc'), withBom(args)]]), errorName(ErrorCode.BAD_CONTRACT_VALUE), 'arguments with a mark are not canonical JSON');
});
