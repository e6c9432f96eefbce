// Deployed contracts over the real gateway (MQTT in, blocks out, HTTP queries): deploy, call and
// query; the sandbox attacks through the chain (each refused with its code in the ack, nothing
// changes, the chain goes on); a restart runs the pending calls again and keeps the same root.

import test from 'ava';
import {
  ContractId, ErrorCode, TxKind, bytesToHex, enrollBody, errorName, hexToBytes,
} from '../src/index.js';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { decodeStateValue } from '../tools/gateway/contract-sandbox/contract-value.js';
import { callBody, deployBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { verifyChain } from '../tools/cli/verify-chain.js';
import { TEST_SANDBOX, TOKEN } from './support/deployed-fixture.js';
import { crypto, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { type MqttDevice, connectDevice } from './support/mqtt-device.js';

const now = () => Math.floor(Date.now() / 1000);
const enc = new TextEncoder();

async function get(gateway: Gateway, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.httpUrl}${path}`);
  return { status: response.status, body: await response.json() };
}

/** Sends and waits for the verdict: OK once the proof came (the block is written), else the reject's code. */
async function submit(device: MqttDevice, seq: number, body: unknown): Promise<number> {
  device.acks.delete(seq); // a refused seq is sent again: wait for the new verdict
  await device.send({ kind: TxKind.INVOKE, sender: device.id, seq, time: now(), body: body as never });
  await device.waitFor(() => device.proofs.has(seq) || (device.acks.has(seq) && device.acks.get(seq)!.code !== ErrorCode.OK), `verdict on seq ${seq}`, 60_000);
  return device.acks.get(seq)!.code;
}

function balance(gateway: Gateway, hash: string, who: string): unknown {
  const bytes = gateway.producer.committedState().entry(hexToBytes(hash), enc.encode(`bal:${who}`));
  return bytes === undefined ? undefined : decodeStateValue(bytes);
}

test('deploy, call and query a contract through the gateway; the sandbox attacks are refused with their codes and change nothing', async (t) => {
  const { dir, chain, remove } = makeChainDir('deployed');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0, sandbox: TEST_SANDBOX });
  t.teardown(() => gateway.close());
  const operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  t.teardown(() => operator.close());
  const key = newDeviceKey();
  await operator.send({ kind: TxKind.ENROLL, sender: operator.id, seq: 1, time: now(), body: enrollBody(key.publicKey) });
  await operator.waitFor(() => operator.acks.get(1)?.code === ErrorCode.OK, 'enrolment');
  const device = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, key);
  t.teardown(() => device.close());
  const hash = contractHash(TOKEN);
  const dev = bytesToHex(device.id);
  const op = bytesToHex(operator.id);

  t.is(errorName(await submit(operator, 2, deployBody(TOKEN))), 'OK');
  t.is(bytesToHex(gateway.producer.committedState().entry(Uint8Array.of(0, ContractId.DEPLOYED), hexToBytes(hash))!), bytesToHex(enc.encode(TOKEN)));
  // Only the operator or a validator deploys; a hash deploys once; an unknown hash is no contract.
  t.is(errorName(await submit(device, 1, deployBody(`${TOKEN} `))), 'NOT_PERMITTED');
  t.is(errorName(await submit(operator, 3, deployBody(TOKEN))), 'CONTRACT_EXISTS');
  t.is(errorName(await submit(operator, 3, callBody('00'.repeat(32), 'mint', { to: dev, amount: 1 }))), 'UNKNOWN_CONTRACT');
  t.is(errorName(await submit(operator, 3, deployBody('({ methods: { f: 1 } })'))), 'BAD_CONTRACT');

  t.is(errorName(await submit(operator, 3, callBody(hash, 'mint', { to: dev, amount: 100 }))), 'OK');
  t.is(errorName(await submit(device, 1, callBody(hash, 'transfer', { to: op, amount: 30 }))), 'OK');
  t.is(balance(gateway, hash, dev), 70);
  t.is(balance(gateway, hash, op), 30);

  const before = gateway.producer.committedState().root(crypto);
  const heightBefore = gateway.producer.height;
  const attacks: [string, string][] = [
    ['loop', 'CONTRACT_OUT_OF_GAS'], ['alloc', 'CONTRACT_OUT_OF_MEMORY'], ['boom', 'CONTRACT_THREW'], ['now', 'CONTRACT_FORBIDDEN'],
    ['random', 'CONTRACT_FORBIDDEN'], ['host', 'CONTRACT_THREW'], ['nothing', 'UNKNOWN_METHOD'], ['transfer', 'CONTRACT_THREW'],
  ];
  for (const [method, code] of attacks) {
    const args = method === 'transfer' ? { to: op, amount: 1000 } : null;
    t.is(errorName(await submit(device, 2, callBody(hash, method, args))), code, method);
  }
  // Arguments that are not canonical JSON are refused before the sandbox runs.
  const bad = callBody(hash, 'mint', null);
  bad[2][2] = enc.encode('{ "to": 1 }');
  t.is(errorName(await submit(device, 2, bad)), 'BAD_CONTRACT_VALUE');
  // Nothing changed, the device's seq 2 included; the chain goes on with its next call.
  t.is(gateway.working().account(device.id)!.lastSeq, 1);
  t.is(bytesToHex(gateway.producer.committedState().root(crypto)), bytesToHex(before));
  t.is(balance(gateway, hash, 'x'), undefined);
  t.is(errorName(await submit(device, 2, callBody(hash, 'transfer', { to: op, amount: 5 }))), 'OK');
  t.true(gateway.producer.height > heightBefore);
  t.is(balance(gateway, hash, dev), 65);

  // HTTP: the list, the contract, its queries on the committed state.
  t.deepEqual((await get(gateway, '/contracts/deployed')).body, { contracts: [hash] });
  const info = await get(gateway, `/contracts/${hash}`);
  t.is(info.status, 200);
  t.is(info.body.source, TOKEN);
  t.deepEqual(info.body.queries, ['balance']);
  t.true(info.body.methods.includes('transfer'));
  const answer = await get(gateway, `/contracts/${hash}/query/balance?args=${encodeURIComponent(JSON.stringify({ who: dev }))}`);
  t.is(answer.status, 200);
  t.is(answer.body.result, 65);
  t.like(await get(gateway, `/contracts/${hash}/query/nope`), { status: 404, body: { code: 'UNKNOWN_METHOD' } });
  t.like(await get(gateway, `/contracts/${'11'.repeat(32)}`), { status: 404 });
  t.like(await get(gateway, `/contracts/${hash}/query/balance?args=%7B`), { status: 400 });
});

async function restartCase(t: import('ava').ExecutionContext, committedFirst: boolean): Promise<void> {
  const { dir, chain, remove } = makeChainDir('deployed-restart');
  t.teardown(remove);
  let gateway = await startTestGateway(dir, { httpPort: 0 });
  const first = gateway;
  t.teardown(() => first.close().catch(() => {}));
  const operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  const hash = contractHash(TOKEN);
  if (committedFirst) {
    t.is(errorName(await submit(operator, 1, deployBody(TOKEN))), 'OK');
    t.is(errorName(await submit(operator, 2, callBody(hash, 'mint', { to: 'a', amount: 7 }))), 'OK');
  }
  // Left pending (no block is cut): the restart must run them again, in order.
  gateway.producer.stop();
  const pending: unknown[] = committedFirst ? [] : [deployBody(TOKEN), callBody(hash, 'mint', { to: 'a', amount: 7 })];
  for (let seq = 3; seq <= 5; seq++) pending.push(callBody(hash, 'mint', { to: 'a', amount: seq }));
  const firstSeq = committedFirst ? 3 : 1;
  for (const [i, body] of pending.entries()) await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq: firstSeq + i, time: now(), body: body as never });
  await operator.waitFor(() => gateway.producer.pendingCount === pending.length, 'pending transactions admitted');
  const expected = gateway.working().clone();
  await operator.close();
  await gateway.close();

  gateway = await startTestGateway(dir, { httpPort: 0, log: (line) => t.log(line) });
  t.teardown(() => gateway.close());
  t.is(gateway.producer.pendingCount, pending.length);
  t.is(bytesToHex(gateway.working().root(crypto)), bytesToHex(expected.root(crypto)));
  await new Promise<void>((resolve) => {
    const off = gateway.onBlock(() => {
      if (gateway.producer.pendingCount === 0) {
        off();
        resolve();
      }
    });
  });
  t.is(bytesToHex(gateway.producer.committedState().root(crypto)), bytesToHex(expected.root(crypto)));
  t.is(balance(gateway, hash, 'a'), 7 + 3 + 4 + 5);
}

test('a restart runs the pending deploy and calls again and reaches the same state root', (t) => restartCase(t, false));

// The contract's source is in the committed state: the store's contract entries bring it back.
test('a restart runs pending calls of a committed contract again and reaches the same state root', (t) => restartCase(t, true));

test("after a restart the store's pending pool is the producer's, id for id, and the next block holds what it should", async (t) => {
  const { dir, chain, remove } = makeChainDir('deployed-restart-pool');
  t.teardown(remove);
  let gateway = await startTestGateway(dir, { httpPort: 0 });
  const first = gateway;
  t.teardown(() => first.close().catch(() => {}));
  let operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  const hash = contractHash(TOKEN);
  t.is(errorName(await submit(operator, 1, deployBody(TOKEN))), 'OK');
  gateway.producer.stop();
  for (let seq = 2; seq <= 4; seq++) await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq, time: now(), body: callBody(hash, 'mint', { to: 'a', amount: seq }) as never });
  await operator.waitFor(() => gateway.producer.pendingCount === 3, 'pending calls admitted');
  await operator.close();
  await gateway.close();

  gateway = await startTestGateway(dir, { httpPort: 0, log: (line) => t.log(line) });
  t.teardown(() => gateway.close());
  // The store's pending rows and the producer's pool are the same list, id for id.
  t.deepEqual(gateway.store.pending().map((p) => bytesToHex(p.txId)), gateway.producer.poolEntries().map((e) => bytesToHex(e.id)));
  operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  t.teardown(() => operator.close());
  const seq = gateway.working().account(operator.id)!.lastSeq + 1;
  const id = await operator.send({ kind: TxKind.ENROLL, sender: operator.id, seq, time: now(), body: enrollBody(newDeviceKey().publicKey) });
  await operator.waitFor(() => operator.proofs.has(seq), 'the enrolment in a block', 30_000);
  const stored = gateway.store.txById(id);
  t.truthy(stored);
  t.is(bytesToHex(gateway.store.blockTxIds(stored!.height)[stored!.index]!), bytesToHex(id));
  t.is(gateway.store.pending().length, gateway.producer.pendingCount);
});

test('ctx.height is the height of the block that holds the call, also when the pool spans several blocks; verify replays it', async (t) => {
  const { dir, chain, remove } = makeChainDir('deployed-height');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { producer: { intervalMs: 300, heartbeatMs: 60_000, maxBlockTxs: 2 } });
  t.teardown(() => gateway.close());
  const operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  t.teardown(() => operator.close());
  const hash = contractHash(TOKEN);
  t.is(errorName(await submit(operator, 1, deployBody(TOKEN))), 'OK');
  const ids: Uint8Array[] = [];
  for (let seq = 2; seq <= 8; seq++) ids.push(await operator.send({ kind: TxKind.INVOKE, sender: operator.id, seq, time: now(), body: callBody(hash, 'stamp', null) as never }));
  await operator.waitFor(() => operator.proofs.size === 8, 'every call in a block', 30_000);
  const heights = new Set<number>();
  for (const id of ids) {
    const stored = gateway.store.txById(id)!;
    heights.add(stored.height);
    const at = gateway.producer.committedState().entry(hexToBytes(hash), enc.encode(bytesToHex(id)));
    t.is(decodeStateValue(at!), stored.height, `ctx.height of ${bytesToHex(id)}`);
  }
  t.true(heights.size >= 4, `${heights.size} blocks`);
  const summary = await verifyChain(crypto, chain.genesis, chain.chainId, gateway.store, { full: true });
  t.is(summary.height, gateway.producer.height);
});
