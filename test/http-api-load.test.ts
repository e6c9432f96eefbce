// The gateway's HTTP API under a flood of reads (test layer), against a real gateway in
// this process: ingest keeps acknowledging while readings requests wait their turn, and
// the error messages for a bad limit or height name the range the API accepts.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Permission, Quantity, TxKind, bytesToHex, createNobleCrypto, enrollBody, readingsBody } from '../src/index.js';
import { initChain } from '../tools/gateway/data-dir.js';
import { type Gateway, startGateway } from '../tools/gateway/gateway.js';
import { connectDevice, type MqttDevice } from './support/mqtt-device.js';
import { testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const now = () => Math.floor(Date.now() / 1000);
const READS = 100; // below the API's queue bound (128), so every one is answered

let world: { dir: string; gw: Gateway; url: string; op: MqttDevice; dev: MqttDevice } | undefined;

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-http-load-'));
  const chain = initChain(crypto, { dir, name: 'http-load', permission: Permission.PRIVATE, otherValidators: [] });
  const gw = await startGateway({ dataDir: dir, mqttPort: 0, httpPort: 0, producer: { intervalMs: 50 } });
  const op = await connectDevice(gw.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  const key = testKey(crypto, 'http-load-device');
  await op.send({ kind: TxKind.ENROLL, sender: op.id, seq: 1, time: now(), body: enrollBody(key.publicKey) });
  await op.waitFor(() => op.proofs.has(1), 'enrolment in a block');
  const dev = await connectDevice(gw.mqttUrl, crypto, chain.chainId, key);
  // 1000 readings, so that each readings?limit=1000 request is real work.
  for (let seq = 1; seq <= 4; seq++) {
    await dev.send({
      kind: TxKind.READINGS, sender: dev.id, seq, time: now() - 100 + seq,
      body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 1, values: Array.from({ length: 250 }, (_, i) => 2000 + i) }]),
    });
  }
  await dev.waitFor(() => dev.proofs.has(4), 'readings in blocks', 20_000);
  world = { dir, gw, url: gw.httpUrl!, op, dev };
});

test.after.always(async () => {
  if (!world) return;
  await world.dev.close();
  await world.op.close();
  await world.gw.close();
  rmSync(world.dir, { recursive: true, force: true });
});

/** GET /status on a connection of its own (fetch would queue it behind the reads in its own pool). */
function status(): Promise<{ httpReads?: { queued: number; served: number; refused: number } }> {
  return new Promise((resolve, reject) => {
    get(`${world!.url}/status`, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}

test.serial('ingest keeps acknowledging while readings requests wait their turn', async (t) => {
  const { url, dev } = world!;
  const before = (await status()).httpReads;
  t.truthy(before, '/status reports the read queue');
  let answered = 0;
  const reads = Array.from({ length: READS }, () =>
    fetch(`${url}/devices/${bytesToHex(dev.id)}/readings?limit=1000`).then(async (r) => {
      const body = (await r.json()) as { count: number };
      answered++;
      return { status: r.status, count: body.count };
    }));
  // Some requests wait in the gateway's queue.
  for (;;) {
    const q = (await status()).httpReads!;
    if (q.queued > 0) break;
    if (answered === READS) return t.fail('every read was answered before any had to wait');
  }
  await dev.sendReadings(5, [1234]);
  await dev.waitFor(() => dev.acks.has(5), 'the ack of a transaction sent while the reads wait', 60_000);
  const answeredAtAck = answered;
  t.is(dev.acks.get(5)!.code, 0);
  t.true(answeredAtAck < READS, `acknowledged with ${READS - answeredAtAck} readings requests not answered yet`);
  t.log(`ack with ${READS - answeredAtAck} of ${READS} readings requests still unanswered`);
  const results = await Promise.all(reads);
  t.true(results.every((r) => r.status === 200 && r.count === 1000), 'every read is answered in full');
});

test.serial('a full queue answers 503 BUSY with Retry-After instead of queuing without bound', async (t) => {
  const { url, dev } = world!;
  const before = (await status()).httpReads!;
  const results = await Promise.all(Array.from({ length: 300 }, () =>
    fetch(`${url}/devices/${bytesToHex(dev.id)}/readings?limit=1000`).then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: (await r.json()) as any }))));
  const busy = results.filter((r) => r.status === 503);
  t.true(results.every((r) => r.status === 200 || r.status === 503));
  t.is(busy.length, (await status()).httpReads!.refused - before.refused, 'each refusal counted by /status');
  for (const r of busy) {
    t.is(r.body.code, 'BUSY');
    t.is(r.retry, '1');
  }
});

test('a bad limit or height is refused with the range the API accepts', async (t) => {
  const { url, dev } = world!;
  for (const bad of ['0', 'abc', '1001']) {
    const r = await fetch(`${url}/devices/${bytesToHex(dev.id)}/readings?limit=${bad}`);
    t.is(r.status, 400);
    t.regex(((await r.json()) as any).error, /^limit must be an integer from 1 to 1000, got /, `limit=${bad}`);
  }
  const word = await fetch(`${url}/blocks/abc`);
  t.is(word.status, 400);
  t.regex(((await word.json()) as any).error, /^a block height must be an integer from 1 to \d+, got "abc"/);
  const zero = await fetch(`${url}/blocks/0`);
  t.is(zero.status, 400);
  t.regex(((await zero.json()) as any).error, /heights start at 1/);
});
