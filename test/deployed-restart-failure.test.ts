// A gateway restart whose sandbox fails on the re-run of pending deployed calls: those calls were
// acknowledged, so the gateway does not start (and says why) rather than drop them; once the
// sandbox works again, the restart keeps every one of them. (Its own file: it patches the sandbox.)

import test from 'ava';
import { TxKind, bytesToHex } from '../src/index.js';
import { ContractSandbox } from '../tools/gateway/contract-sandbox/contract-sandbox.js';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { callBody, deployBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import { TOKEN } from './support/deployed-fixture.js';
import { crypto, makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';

const now = () => Math.floor(Date.now() / 1000);

test('pending deployed calls are not dropped when the sandbox fails on their re-run: the gateway does not start', async (t) => {
  const { dir, chain, remove } = makeChainDir('deployed-restart-failure');
  t.teardown(remove);
  const first = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => first.close().catch(() => {}));
  const operator = await connectDevice(first.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  const hash = contractHash(TOKEN);
  await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq: 1, time: now(), body: deployBody(TOKEN) as never });
  await operator.waitFor(() => operator.proofs.has(1), 'the deploy in a block', 30_000);
  first.producer.stop();
  for (let seq = 2; seq <= 3; seq++) await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq, time: now(), body: callBody(hash, 'mint', { to: 'a', amount: seq }) as never });
  await operator.waitFor(() => first.producer.pendingCount === 2, 'the calls admitted');
  const pending = first.store.pending().map((p) => bytesToHex(p.txId));
  t.is(pending.length, 2);
  await operator.close();
  await first.close();

  const invoke = ContractSandbox.prototype.invoke;
  ContractSandbox.prototype.invoke = () => Promise.reject(new Error('worker did not start'));
  try {
    await t.throwsAsync(startTestGateway(dir, { httpPort: 0 }), { message: /the contract sandbox failed on its re-run .*not starting/ });
  } finally {
    ContractSandbox.prototype.invoke = invoke;
  }

  const gateway = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => gateway.close());
  t.deepEqual(gateway.producer.poolEntries().map((e) => bytesToHex(e.id)), pending, 'both calls kept');
  t.deepEqual(gateway.store.pending().map((p) => bytesToHex(p.txId)), pending);
});
