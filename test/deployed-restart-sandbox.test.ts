// A gateway restart whose pending deployed calls do not run again as they did (test layer, Node;
// its own file, serial: it patches the sandbox's prototype):
// - the sandbox itself fails on the re-run: the calls were acknowledged, so the gateway does not
//   start (and says why) rather than drop them; once the sandbox works, the restart keeps them all;
// - the re-run is refused (only a changed sandbox can do that): the call is left out, said, and gone
//   from the store's pending pool; later transactions stay (a sender's seq may skip, §5.4, and no
//   built-in contract reads a deployed one's entries); the chain still replays from the genesis.

import test, { type ExecutionContext } from 'ava';
import { ErrorCode, TxKind, type UnsignedTx, bytesToHex, enrollBody } from '../src/index.js';
import { type ChainFiles } from '../tools/gateway/data-dir.js';
import { ContractSandbox } from '../tools/gateway/contract-sandbox/contract-sandbox.js';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { callBody, deployBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { verifyChain } from '../tools/cli/verify-chain.js';
import { TOKEN } from './support/deployed-fixture.js';
import { crypto, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';

const now = () => Math.floor(Date.now() / 1000);

/**
 * A chain with TOKEN deployed in a block, then, pending behind a stopped producer, a mint call
 * (seq 2) and `third` (seq 3); the gateway is closed. Returns the pending transaction ids in order.
 */
async function pendingCall(t: ExecutionContext, name: string, third: Pick<UnsignedTx, 'kind' | 'body'>): Promise<{ dir: string; chain: ChainFiles; pending: string[] }> {
  const { dir, chain, remove } = makeChainDir(name);
  t.teardown(remove);
  const first = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => first.close().catch(() => {}));
  const operator = await connectDevice(first.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq: 1, time: now(), body: deployBody(TOKEN) as never });
  await operator.waitFor(() => operator.proofs.has(1), 'the deploy in a block', 30_000);
  first.producer.stop();
  await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq: 2, time: now(), body: callBody(contractHash(TOKEN), 'mint', { to: 'a', amount: 2 }) as never });
  await operator.send({ ...third, sender: operator.id, seq: 3, time: now() } as UnsignedTx);
  await operator.waitFor(() => first.producer.pendingCount === 2, 'both pending transactions admitted');
  const pending = first.store.pending().map((p) => bytesToHex(p.txId));
  await operator.close();
  await first.close();
  return { dir, chain, pending };
}

/** Starts the gateway on `dir` with the sandbox's invoke replaced by `invoke`, put back afterwards. */
async function restartWith(dir: string, invoke: ContractSandbox['invoke'], log?: (line: string) => void): Promise<Gateway> {
  const original = ContractSandbox.prototype.invoke;
  ContractSandbox.prototype.invoke = invoke;
  try {
    return await startTestGateway(dir, { httpPort: 0, ...(log ? { log } : {}) });
  } finally {
    ContractSandbox.prototype.invoke = original;
  }
}

test.serial('pending deployed calls are not dropped when the sandbox fails on their re-run: the gateway does not start', async (t) => {
  const { dir, pending } = await pendingCall(t, 'deployed-restart-failure', { kind: TxKind.INVOKE, body: callBody(contractHash(TOKEN), 'mint', { to: 'a', amount: 3 }) as never });
  await t.throwsAsync(restartWith(dir, () => Promise.reject(new Error('worker did not start'))), { message: /the contract sandbox failed on its re-run .*not starting/ });

  const gateway = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => gateway.close());
  t.deepEqual(gateway.producer.poolEntries().map((e) => bytesToHex(e.id)), pending, 'both calls kept');
  t.deepEqual(gateway.store.pending().map((p) => bytesToHex(p.txId)), pending);
});

test.serial('a pending call refused on re-run is left out of the pool and the store, the later ones stay, and the chain still replays', async (t) => {
  const { dir, chain, pending } = await pendingCall(t, 'deployed-restart-refused', { kind: TxKind.ENROLL, body: enrollBody(newDeviceKey().publicKey) });
  const lines: string[] = [];
  const gateway = await restartWith(dir, async () => ({ ok: false, error: { code: ErrorCode.CONTRACT_THREW, message: 'a changed sandbox' } }), (line) => lines.push(line));
  t.teardown(() => gateway.close());
  const enrol = pending[1]!;
  t.deepEqual(gateway.producer.poolEntries().map((e) => bytesToHex(e.id)), [enrol], 'the call is left out, the enrolment stays');
  t.deepEqual(gateway.store.pending().map((p) => bytesToHex(p.txId)), [enrol]);
  t.true(lines.some((line) => line.includes('seq 2) is refused on re-run')), lines.join('\n'));
  const height = gateway.producer.height;
  gateway.producer.produce();
  t.is(gateway.producer.height, height + 1);
  const summary = await verifyChain(crypto, chain.genesis, chain.chainId, gateway.store, { full: true });
  t.is(summary.height, gateway.producer.height);
});
