// The gateway's read-only HTTP API against a real gateway: embedded MQTT broker on a
// free port, SQLite ledger in a temp folder, devices played over MQTT with mqtt.js.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlockReason, Permission, Quantity, TxKind, blockReportBody, bytesToHex, createNobleCrypto, decodeLightBlock, encodeLightBlock,
  encodeTx, enrollBody, genesisHash, hexToBytes, keyId, readingsBody, signCommit, signTx, txId, verifyTxInclusion,
} from '../src/index.js';
import { type ChainFiles, initChain } from '../tools/gateway/data-dir.js';
import { type Gateway, startGateway } from '../tools/gateway/gateway.js';
import { blockJson, txJson } from '../tools/gateway/ledger-json.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { connectDevice, type MqttDevice } from './support/mqtt-device.js';
import { testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const now = () => Math.floor(Date.now() / 1000);

interface World {
  dir: string;
  chain: ChainFiles;
  gw: Gateway;
  url: string;
  op: MqttDevice;
  devA: MqttDevice;
  idA: string;
  idB: string;
  gatewayId: string;
  readingsTx: string;
  readingsTime: number;
  enrollTx: string;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  const text = await response.text();
  assertJson(response.headers.get('content-type'), text);
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

function assertJson(type: string | null, text: string): void {
  if (!type?.startsWith('application/json')) throw new Error(`not JSON: ${type}: ${text.slice(0, 100)}`);
}

let world: World;

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-http-'));
  const chain = initChain(crypto, { dir, name: 'http-test', permission: Permission.PRIVATE, otherValidators: [] });
  const gw = await startGateway({ dataDir: dir, mqttPort: 0, httpPort: 0, producer: { intervalMs: 50 } });
  const op = await connectDevice(gw.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  const keyA = testKey(crypto, 'http-device-a');
  const keyB = testKey(crypto, 'http-device-b');
  const enrollTx = bytesToHex(await op.send({ kind: TxKind.ENROLL, sender: op.id, seq: 1, time: now(), body: enrollBody(keyA.publicKey) }));
  await op.send({ kind: TxKind.ENROLL, sender: op.id, seq: 2, time: now(), body: enrollBody(keyB.publicKey) });
  await op.waitFor(() => op.proofs.has(1) && op.proofs.has(2), 'enrolments in a block');

  const devA = await connectDevice(gw.mqttUrl, crypto, chain.chainId, keyA);
  const readingsTime = now() - 30;
  const readingsTx = bytesToHex(await devA.send({
    kind: TxKind.READINGS, sender: devA.id, seq: 1, time: readingsTime,
    body: readingsBody([
      { quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 10, values: [2101, -55, 2300] },
      { quantity: Quantity.RELATIVE_HUMIDITY_PCT, scale: 0, interval: 0, values: [45] },
    ]),
  }));
  await devA.send({ kind: TxKind.READINGS, sender: devA.id, seq: 2, time: now(), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [1999] }]) });
  await devA.waitFor(() => devA.acks.get(1)?.code === 0 && devA.acks.get(2)?.code === 0, 'readings acks');
  // A replay, rejected: shows up by name in /status.
  await devA.publishRaw(devA.sent.get(2)!);
  await devA.waitFor(() => devA.acks.get(2)?.code !== 0, 'replay rejected');

  // The gateway (a validator) reports device B, into its own ingest as it does for a flood (a
  // connection carries only its own device's transactions, docs/protocol.md §9.6).
  const gatewayId = keyId(crypto, chain.gatewayKey.publicKey);
  const report = signTx(crypto, chain.chainId, { kind: TxKind.BLOCK_REPORT, sender: gatewayId, seq: 1, time: now(), body: blockReportBody(keyId(crypto, keyB.publicKey), BlockReason.COMPROMISED) }, chain.gatewayKey.privateKey);
  gw.ingest.handle(encodeTx(report), undefined);
  await devA.waitFor(() => devA.proofs.has(1) && devA.proofs.has(2), 'readings in a block');
  await until(() => gw.producer.pendingCount === 0 && gw.producer.committedState().blocked().length === 1, 'report in a block');

  world = {
    dir, chain, gw, url: gw.httpUrl!, op, devA, idA: bytesToHex(devA.id), idB: bytesToHex(keyId(crypto, keyB.publicKey)),
    gatewayId: bytesToHex(gatewayId), readingsTx, readingsTime, enrollTx,
  };
});

test.after.always(async () => {
  if (!world) return;
  await world.devA.close();
  await world.op.close();
  await world.gw.close();
  rmSync(world.dir, { recursive: true, force: true });
});

test('GET /status: chain, height, ingest counts by error name, devices and blocked', async (t) => {
  const { status, body } = await get(`${world.url}/status`);
  t.is(status, 200);
  t.is(body.chainId, bytesToHex(world.chain.chainId));
  t.is(body.name, 'http-test');
  t.is(body.permission, 'private');
  t.is(body.height, world.gw.producer.height);
  t.true(body.height >= 2);
  t.is(typeof body.latestBlockTime, 'string');
  t.is(Date.parse(body.latestBlockTime), body.latestBlockTimeMs);
  t.is(body.pending, 0);
  t.is(body.transactions, 5);
  t.is(body.ingest.accepted, 5);
  t.is(body.ingest.received, 6);
  t.deepEqual(body.ingest.rejected, { REPLAY: 1 });
  t.is(body.ingest.rejectedTotal, 1);
  t.is(body.devices, 2);
  t.is(body.blocked, 1);
  t.is(body.operator, bytesToHex(keyId(crypto, world.chain.genesis.operatorKey)));
});

test('GET /blocks/latest and /blocks/:height: header fields, signers, tx ids', async (t) => {
  const latest = await get(`${world.url}/blocks/latest`);
  t.is(latest.status, 200);
  t.is(latest.body.height, world.gw.producer.height);
  const first = await get(`${world.url}/blocks/1`);
  t.is(first.status, 200);
  const b = first.body;
  t.is(b.height, 1);
  t.is(b.header.height, 1);
  t.is(b.header.chainId, bytesToHex(world.chain.chainId));
  t.is(b.header.prevHash, bytesToHex(genesisHash(crypto, world.chain.genesis)));
  t.is(b.txCount, b.txIds.length);
  t.true(b.txIds.includes(world.enrollTx));
  t.deepEqual(b.signers, [0]);
  t.is(new Date(b.time).getTime(), b.timeMs);
  t.is(b.header.time, b.timeMs);
  const stored = world.gw.store.block(1)!;
  t.is(b.hash, bytesToHex(stored.hash));
  t.is(b.header.txRoot, bytesToHex(decodeLightBlock(stored.lightBlock).header.txRoot));
  // A later block links to the one before it.
  const second = await get(`${world.url}/blocks/2`);
  t.is(second.body.header.prevHash, b.hash);
});

test('GET /tx/:id: decoded readings with scaled values and timestamps, proof verified', async (t) => {
  const { status, body } = await get(`${world.url}/tx/${world.readingsTx}`);
  t.is(status, 200);
  t.is(body.id, world.readingsTx);
  t.is(body.kind, 'READINGS');
  t.is(body.sender, world.idA);
  t.is(body.seq, 1);
  t.is(body.timeSeconds, world.readingsTime);
  t.true(body.verified);
  t.is(body.verifyError, undefined);
  const [temperature, humidity] = body.body.series;
  t.is(temperature.quantity, 'TEMPERATURE_C');
  t.is(temperature.scale, -2);
  t.deepEqual(temperature.readings.map((r: any) => r.value), [21.01, -0.55, 23]);
  t.deepEqual(temperature.readings.map((r: any) => r.mantissa), [2101, -55, 2300]);
  t.deepEqual(temperature.readings.map((r: any) => r.timeSeconds), [0, 10, 20].map((d) => world.readingsTime + d));
  t.is(temperature.readings[1].time, new Date((world.readingsTime + 10) * 1000).toISOString());
  t.is(humidity.quantity, 'RELATIVE_HUMIDITY_PCT');
  t.deepEqual(humidity.readings.map((r: any) => r.value), [45]);
  // The proof served checks against the block served, independently of the server's verdict.
  const block = (await get(`${world.url}/blocks/${body.height}`)).body;
  t.is(block.txIds[body.index], body.id);
  const header = decodeLightBlock(world.gw.store.block(body.height)!.lightBlock).header;
  const proof = { index: body.proof.index, size: body.proof.size, path: body.proof.path.map(hexToBytes) };
  t.true(verifyTxInclusion(crypto, header, hexToBytes(body.id), proof).ok);
});

test('GET /tx/:id for other kinds shows their fields', async (t) => {
  const { body } = await get(`${world.url}/tx/${world.enrollTx}`);
  t.is(body.kind, 'ENROLL');
  t.is(body.body.id, world.idA);
  t.is(body.body.role, 'DEVICE');
  t.true(body.verified);
  const reportId = world.gw.store.txsBySender(hexToBytes(world.gatewayId), 1)[0]!.txId;
  const report = (await get(`${world.url}/tx/${bytesToHex(reportId)}`)).body;
  t.is(report.kind, 'BLOCK_REPORT');
  t.deepEqual(report.body, { device: world.idB, reason: 'COMPROMISED' });
});

test('GET /devices/:id/readings: newest first, values scaled, limit', async (t) => {
  const all = await get(`${world.url}/devices/${world.idA}/readings`);
  t.is(all.status, 200);
  t.is(all.body.device, world.idA);
  t.is(all.body.count, 5);
  t.deepEqual(all.body.readings.map((r: any) => r.value), [19.99, 23, -0.55, 21.01, 45]);
  t.deepEqual(all.body.readings.map((r: any) => r.quantity), ['TEMPERATURE_C', 'TEMPERATURE_C', 'TEMPERATURE_C', 'TEMPERATURE_C', 'RELATIVE_HUMIDITY_PCT']);
  t.is(all.body.readings[0].seq, 2);
  t.is(all.body.readings[1].timeSeconds, world.readingsTime + 20);
  t.is(all.body.readings[1].txId, world.readingsTx);
  const two = await get(`${world.url}/devices/${world.idA}/readings?limit=2`);
  t.deepEqual(two.body.readings.map((r: any) => r.value), [19.99, 23]);
  // A device with no readings yet.
  const none = await get(`${world.url}/devices/${world.idB}/readings`);
  t.is(none.status, 200);
  t.is(none.body.count, 0);
  for (const bad of ['0', '1001', 'abc', '-1', '1.5', '']) {
    const r = await get(`${world.url}/devices/${world.idA}/readings?limit=${bad}`);
    t.is(r.status, 400, `limit=${bad}`);
    t.is(r.body.code, 'BAD_REQUEST');
  }
  t.is((await get(`${world.url}/devices/0000000000000000/readings`)).status, 404);
  t.is((await get(`${world.url}/devices/xyz/readings`)).status, 400);
});

test('GET /registry, /registry/:id and /blocklist', async (t) => {
  const { status, body } = await get(`${world.url}/registry`);
  t.is(status, 200);
  const byId = new Map(body.map((a: any) => [a.id, a]));
  const operatorId = bytesToHex(keyId(crypto, world.chain.genesis.operatorKey));
  t.like(byId.get(operatorId), { role: 'OPERATOR', status: 'ACTIVE', lastSeq: 2, pendingSeq: 2, enrolledAt: 0, committed: true });
  t.like(byId.get(world.gatewayId), { role: 'VALIDATOR', lastSeq: 1 });
  t.like(byId.get(world.idA), { role: 'DEVICE', status: 'ACTIVE', lastSeq: 2, pendingSeq: 2, enrolledAt: 1 });
  t.is(body.length, 4);
  const one = await get(`${world.url}/registry/${world.idA}`);
  t.is(one.status, 200);
  t.deepEqual(one.body, byId.get(world.idA));
  t.is(one.body.key.length, 66);
  const upper = await get(`${world.url}/registry/${world.idA.toUpperCase()}`);
  t.is(upper.body.id, world.idA);

  const blocklist = await get(`${world.url}/blocklist`);
  t.is(blocklist.status, 200);
  t.is(blocklist.body.length, 1);
  t.like(blocklist.body[0], { id: world.idB, reason: 'COMPROMISED', reporter: world.gatewayId, committed: true });
  t.true(blocklist.body[0].height >= 1);
});

test('unknown ids are 404, malformed ones 400, other methods 405, never a crash', async (t) => {
  const cases: [string, number][] = [
    ['/tx/' + '0'.repeat(64), 404],
    ['/tx/xyz', 400],
    ['/tx/' + 'g'.repeat(64), 400],
    ['/tx/' + '0'.repeat(63), 400],
    ['/tx/%zz', 400],
    ['/blocks/99999', 404],
    ['/blocks/0', 400],
    ['/blocks/-1', 400],
    ['/blocks/1e3', 400],
    ['/blocks/99999999999999999999', 400],
    ['/registry/0000000000000000', 404],
    ['/registry/00', 400],
    ['/nope', 404],
    ['/tx', 404],
    ['/blocks/1/extra', 404],
  ];
  for (const [path, expected] of cases) {
    const { status, body } = await get(world.url + path);
    t.is(status, expected, path);
    t.is(typeof body.error, 'string', path);
    t.is(body.code, expected === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', path);
  }
  const post = await get(`${world.url}/status`, { method: 'POST', body: '{}' });
  t.is(post.status, 405);
  t.is(post.body.code, 'METHOD_NOT_ALLOWED');
  const head = await fetch(`${world.url}/status`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(await head.text(), '');

  // Bytes that are not HTTP at all get a 400, and the server keeps serving.
  const { port } = new URL(world.url);
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = tcpConnect(Number(port), '127.0.0.1', () => socket.write('\x00\x01garbage\r\n\r\n'));
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  t.regex(reply, /^HTTP\/1\.1 400/);
  t.is((await get(`${world.url}/status`)).status, 200);
  const index = await get(`${world.url}/`);
  t.true(index.body.endpoints.includes('GET /tx/:id'));
});

test('pendingSeq and uncommitted accounts show admitted transactions not yet in a block', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-http-pending-'));
  const chain = initChain(crypto, { dir, name: 'pending', permission: Permission.PRIVATE, otherValidators: [] });
  // No block within the test: the interval is a minute.
  const gw = await startGateway({ dataDir: dir, mqttPort: 0, httpPort: 0, producer: { intervalMs: 60_000, heartbeatMs: 600_000 } });
  const op = await connectDevice(gw.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  t.teardown(async () => {
    await op.close();
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const latest = await get(`${gw.httpUrl}/blocks/latest`);
  t.is(latest.status, 404);
  t.regex(latest.body.error, /no blocks yet/);
  const key = testKey(crypto, 'http-pending');
  await op.send({ kind: TxKind.ENROLL, sender: op.id, seq: 1, time: now(), body: enrollBody(key.publicKey) });
  // Only rejects are acked (§9.2) and no block comes: wait for the admission itself.
  await op.waitFor(() => gw.ingest.stats.accepted === 1, 'enrolment admitted');
  const operator = (await get(`${gw.httpUrl}/registry/${bytesToHex(op.id)}`)).body;
  t.like(operator, { lastSeq: 0, pendingSeq: 1, committed: true });
  const device = (await get(`${gw.httpUrl}/registry/${bytesToHex(keyId(crypto, key.publicKey))}`)).body;
  t.like(device, { role: 'DEVICE', committed: false, lastSeq: 0 });
  const status = (await get(`${gw.httpUrl}/status`)).body;
  t.like(status, { height: 0, pending: 1, transactions: 0, devices: 0, latestBlockTime: null });
});

test('"verified" is false when a proof does not check against the stored header', (t) => {
  // A store whose block header commits to another transaction root than its transactions give.
  const store = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  const { chainId } = world.chain;
  const key = testKey(crypto, 'http-tamper');
  const sender = keyId(crypto, key.publicKey);
  const wires = [1, 2].map((seq) => encodeTx(signTx(crypto, chainId, { kind: TxKind.READINGS, sender, seq, time: now(), body: readingsBody([{ quantity: Quantity.COUNT, scale: 0, interval: 0, values: [seq] }]) }, key.privateKey)));
  store.appendPending(wires.map((wire, i) => ({ wire, txId: txId(crypto, wire), sender, seq: i + 1, kind: TxKind.READINGS, time: now(), receivedAt: Date.now() })));
  const zero = new Uint8Array(32);
  const header = { chainId, height: 1, time: Date.now(), prevHash: zero, txRoot: crypto.sha256(new Uint8Array([1])), txCount: 2, stateRoot: zero, validatorsHash: zero, nextValidatorsHash: zero };
  const commit = signCommit(crypto, 1, zero, [{ index: 0, privateKey: world.chain.gatewayKey.privateKey }]);
  store.commitBlock({ height: 1, hash: zero, time: header.time, txCount: 2, lightBlock: encodeLightBlock({ header, commit }) }, { accounts: [], blocked: [], unblocked: [] });
  const json = txJson(crypto, store, txId(crypto, wires[1]!))!;
  t.false(json.verified);
  t.regex(json.verifyError!, /^BAD_PROOF/);
  t.is(blockJson(store, 'latest')!.txIds.length, 2);
});
