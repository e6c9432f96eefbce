// A gateway restart on which a pending deployed call is refused when run again (only a changed
// sandbox can do that): it is left out, said, and gone from the store's pending pool; the later
// transactions stay (a sender's seq may skip, §5.4, and no built-in contract reads a deployed
// one's entries), and the chain still replays from the genesis. (Its own file: it patches the sandbox.)

import test from 'ava';
import { ErrorCode, TxKind, bytesToHex, enrollBody } from '../src/index.js';
import { ContractSandbox } from '../tools/gateway/contract-sandbox/contract-sandbox.js';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { callBody, deployBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import { verifyChain } from '../tools/cli/verify-chain.js';
import { TOKEN } from './support/deployed-fixture.js';
import { crypto, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';

const now = () => Math.floor(Date.now() / 1000);

test('a pending call refused on re-run is left out of the pool and the store, the later ones stay, and the chain still replays', async (t) => {
  const { dir, chain, remove } = makeChainDir('deployed-restart-refused');
  t.teardown(remove);
  const first = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => first.close().catch(() => {}));
  const operator = await connectDevice(first.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  const hash = contractHash(TOKEN);
  await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq: 1, time: now(), body: deployBody(TOKEN) as never });
  await operator.waitFor(() => operator.proofs.has(1), 'the deploy in a block', 30_000);
  first.producer.stop();
  await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq: 2, time: now(), body: callBody(hash, 'mint', { to: 'a', amount: 2 }) as never });
  const enrol = await operator.send({ kind: TxKind.ENROLL, sender: operator.id, seq: 3, time: now(), body: enrollBody(newDeviceKey().publicKey) });
  await operator.waitFor(() => first.producer.pendingCount === 2, 'the call and the enrolment admitted');
  await operator.close();
  await first.close();

  const invoke = ContractSandbox.prototype.invoke;
  ContractSandbox.prototype.invoke = async () => ({ ok: false, error: { code: ErrorCode.CONTRACT_THREW, message: 'a changed sandbox' } });
  const lines: string[] = [];
  let gateway;
  try {
    gateway = await startTestGateway(dir, { httpPort: 0, log: (line) => lines.push(line) });
  } finally {
    ContractSandbox.prototype.invoke = invoke;
  }
  t.teardown(() => gateway.close());
  t.deepEqual(gateway.producer.poolEntries().map((e) => bytesToHex(e.id)), [bytesToHex(enrol)], 'the call is left out, the enrolment stays');
  t.deepEqual(gateway.store.pending().map((p) => bytesToHex(p.txId)), [bytesToHex(enrol)]);
  t.true(lines.some((line) => line.includes('seq 2) is refused on re-run')), lines.join('\n'));
  // The next block (a heartbeat, or the next transaction) replays from the genesis.
  const height = gateway.producer.height;
  gateway.producer.produce();
  t.is(gateway.producer.height, height + 1);
  const summary = await verifyChain(crypto, chain.genesis, chain.chainId, gateway.store, { full: true });
  t.is(summary.height, gateway.producer.height);
});
