// The gateway's explorer and metrics routes over HTTP against a real gateway (no browser):
// /metrics parses as Prometheus text and its counters move with the traffic; the binary
// routes the page verifies from (genesis, light blocks, proofs) agree with the core; the
// event stream announces blocks; bad input on every route gets a clear 4xx, never a crash,
// and writes nothing.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import {
  Quantity, TxKind, bytesToHex, chainIdOf, decodeCheckpoint, decodeGenesis, makeTrustOptions, verifyCheckpoint, decodeLightBlock, decodeProof, hexToBytes, readingsBody, txId, verifyTxInclusion,
} from '../src/index.js';
import { connectAll, crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { waitUntil } from './support/desktop-fleet.js';

/** Prometheus text format (0.0.4), strictly: HELP/TYPE comments and samples; returns `name{labels}` → value. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const label = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*"';
  const sample = new RegExp(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:${label}(?:,${label})*)?\\})? (-?[0-9.]+(?:[eE][-+]?\\d+)?|NaN|[-+]Inf)(?: -?\\d+)?$`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!/^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/.test(line)) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    const m = sample.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

async function get(url: string, init: { method?: string; accept?: string } = {}): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.accept ? { Accept: init.accept } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const scrape = async (url: string) => parsePrometheus((await get(`${url}/metrics`)).body.toString('utf8'));
const now = () => Math.floor(Date.now() / 1000);

test('/metrics is Prometheus text whose counters move with the traffic; light blocks, proofs and events agree with the core', async (t) => {
  const { dir, chain, remove } = makeChainDir('metrics');
  t.teardown(remove);
  // A tight rate limit, so that the test can meet it with a few transactions.
  const gateway = await startTestGateway(dir, { httpPort: 0, rateLimits: { perSecond: 1, burst: 3 } });
  t.teardown(() => gateway.close());
  const url = gateway.httpUrl!;
  const keys = [newDeviceKey(), newDeviceKey()];
  await enroll(gateway.mqttUrl, chain, keys);
  const devices = await connectAll(gateway.mqttUrl, chain, keys);
  t.teardown(() => Promise.all(devices.map((d) => d.close())));

  // Event stream: the first event says where the chain stands; the next ones announce blocks.
  const events: { height: number; txCount: number | null }[] = [];
  const stream = request(`${url}/events`, (res) => {
    t.is(res.headers['content-type'], 'text/event-stream');
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      for (const m of chunk.matchAll(/event: block\ndata: (.*)\n\n/g)) events.push(JSON.parse(m[1]!) as { height: number; txCount: number | null });
    });
  });
  stream.end();
  t.teardown(() => stream.destroy());
  await waitUntil(() => events.length > 0, 'the first event');

  const before = await scrape(url);
  const type = (await get(`${url}/metrics`)).type;
  t.regex(type, /^text\/plain; version=0\.0\.4/);
  t.true(before.has('botpeer_block_height'));
  t.true((before.get('botpeer_broker_connections') ?? 0) >= 2, 'the two devices are connected');

  const [a, b] = devices as [typeof devices[0], typeof devices[0]];
  const readings = readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2150] }]);
  for (let seq = 1; seq <= 3; seq++) await a.send({ kind: TxKind.READINGS, sender: a.id, seq, time: now(), body: readings });
  await a.waitFor(() => a.acks.size === 3 && a.proofs.size === 3, 'acks and proofs');
  // Device b goes past its burst of 3 at once: refused by the rate limit.
  for (let seq = 1; seq <= 6; seq++) await b.send({ kind: TxKind.READINGS, sender: b.id, seq, time: now(), body: readings });
  await b.waitFor(() => b.acks.size >= 6, 'acks for b');
  await a.publishRaw(new Uint8Array([0xff, 0x00, 0x01])); // garbage: rejected by its code
  await waitUntil(() => gateway.ingest.stats.received >= 10, 'the garbage received');
  await waitUntil(() => gateway.producer.pendingCount === 0, 'every admitted transaction in a block');

  const after = await scrape(url);
  const grew = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  t.true((after.get('botpeer_state_tree_nodes') ?? 0) >= 1, 'the state tree\'s nodes in memory');
  t.is(grew('botpeer_ingest_received_total'), 10);
  t.true(grew('botpeer_ingest_accepted_total') >= 6, 'a\'s 3 and b\'s first 3 at least');
  t.is(grew('botpeer_ledger_transactions_total'), grew('botpeer_ingest_accepted_total'));
  t.true((after.get('botpeer_rate_limited_total{verdict="limited"}') ?? 0) >= 1, 'the rate limit was met');
  t.is(after.get('botpeer_rate_limited_devices_total'), 1);
  const rejectedCodes = [...after.keys()].filter((k) => k.startsWith('botpeer_ingest_rejected_total{code='));
  t.true(rejectedCodes.length >= 2, `rejects by code: ${rejectedCodes.join(' ')}`);
  t.true(grew('botpeer_blocks_total') >= 1);
  t.true(grew('botpeer_store_write_seconds_count{op="commit_block"}') >= 1);
  t.true(grew('botpeer_store_write_seconds_count{op="append_pending"}') >= 1);
  t.is(after.get('botpeer_block_height'), gateway.producer.height);
  t.is(after.get('botpeer_pending_transactions'), 0);
  t.true((after.get('botpeer_block_interval_seconds_count') ?? 0) >= 1);
  await waitUntil(() => events.some((e) => e.height === gateway.producer.height), 'the newest block announced');
  t.true(events.slice(1).every((e, i) => e.height > events[i]!.height), 'events in height order');

  // The sample Grafana dashboard queries only metrics the gateway exports.
  const dashboard = readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8');
  const exported = new Set([...after.keys()].map((k) => k.replace(/\{.*$/, '')));
  const queried = new Set([...dashboard.matchAll(/botpeer_[a-z_]+/g)].map((m) => m[0]));
  t.true(queried.size >= 10);
  for (const name of queried) t.true(exported.has(name), `the dashboard's ${name} is exported`);

  // What the page verifies from: the genesis, a light block and a proof, checked here with the core.
  const genesisBytes = (await get(`${url}/genesis.cbor`)).body;
  t.is(bytesToHex(chainIdOf(crypto, decodeGenesis(new Uint8Array(genesisBytes)))), bytesToHex(chain.chainId));
  const stored = gateway.store.txBySenderSeq(a.id, 1)!;
  const served = JSON.parse((await get(`${url}/tx/${bytesToHex(stored.txId)}/proof`)).body.toString()) as { height: number; wire: string; proof: string };
  t.is(served.height, stored.height);
  t.is(bytesToHex(txId(crypto, hexToBytes(served.wire))), bytesToHex(stored.txId));
  const checkpoint = decodeCheckpoint(new Uint8Array((await get(`${url}/checkpoint.cbor`)).body));
  t.true(verifyCheckpoint(crypto, { chainId: chain.chainId, operatorKey: chain.genesis.operatorKey }, undefined, checkpoint, Date.now(), makeTrustOptions()).ok);
  const light = await get(`${url}/blocks/${served.height}/light`);
  t.is(light.type, 'application/cbor');
  const { header } = decodeLightBlock(new Uint8Array(light.body));
  t.true(verifyTxInclusion(crypto, header, stored.txId, decodeProof(hexToBytes(served.proof))).ok);
});

test('bad input on every explorer route: a clear 4xx, no crash, nothing written', async (t) => {
  const { dir, chain, remove } = makeChainDir('routes');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0, producer: { intervalMs: 50, heartbeatMs: 3_600_000 } });
  t.teardown(() => gateway.close());
  const url = gateway.httpUrl!;
  await enroll(gateway.mqttUrl, chain, [newDeviceKey()]);
  await waitUntil(() => gateway.producer.height >= 1 && gateway.producer.pendingCount === 0, 'the enrolment in a block');
  const height = gateway.producer.height;
  const txs = gateway.store.txCount();

  const cases: [string, string, number, string][] = [
    ['GET', '/blocks/abc/light', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/0/light', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/-1/light', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/99999999999999999999/light', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/999/light', 404, 'NOT_FOUND'],
    ['GET', '/blocks/1/light/extra', 404, 'NOT_FOUND'],
    ['GET', '/tx/xyz/proof', 400, 'BAD_REQUEST'],
    ['GET', `/tx/${'0'.repeat(63)}/proof`, 400, 'BAD_REQUEST'],
    ['GET', `/tx/${'0'.repeat(64)}/proof`, 404, 'NOT_FOUND'],
    ['GET', `/tx/${'0'.repeat(64)}/proof/more`, 404, 'NOT_FOUND'],
    ['GET', '/genesis.cbor/x', 404, 'NOT_FOUND'],
    ['GET', '/checkpoint.cbor/x', 404, 'NOT_FOUND'],
    ['POST', '/checkpoint.cbor', 405, 'METHOD_NOT_ALLOWED'],
    ['GET', '/explorer.js/x', 404, 'NOT_FOUND'],
    ['GET', '/metrics/x', 404, 'NOT_FOUND'],
    ['GET', '/events/x', 404, 'NOT_FOUND'],
    ['GET', '/%ZZ', 400, 'BAD_REQUEST'],
    ['POST', '/metrics', 405, 'METHOD_NOT_ALLOWED'],
    ['POST', '/events', 405, 'METHOD_NOT_ALLOWED'],
    ['PUT', '/', 405, 'METHOD_NOT_ALLOWED'],
    ['DELETE', '/explorer.js', 405, 'METHOD_NOT_ALLOWED'],
    ['POST', '/genesis.cbor', 405, 'METHOD_NOT_ALLOWED'],
  ];
  for (const [method, path, status, code] of cases) {
    const reply = await get(`${url}${path}`, { method });
    t.is(reply.status, status, `${method} ${path}`);
    t.is((JSON.parse(reply.body.toString()) as { code: string }).code, code, `${method} ${path}`);
  }

  // Odd paths under every route: never a 5xx (the event stream itself is left out: it never ends).
  const prefixes = ['', '/blocks', '/blocks/1', '/tx', `/tx/${'a'.repeat(64)}`, '/devices', '/registry', '/blocklist', '/genesis.cbor', '/checkpoint.cbor', '/metrics', '/explorer.js', '/status', '/events'];
  const suffixes = ['/x', '/%00', '/..%2f..', `/${'f'.repeat(300)}`, '/latest/light', '/1/light', '/-0', '/proof', '/readings?limit=-1', '/light?x=%ZZ'];
  for (const prefix of prefixes) {
    for (const suffix of suffixes) {
      const reply = await get(`${url}${prefix}${suffix}`);
      t.true(reply.status >= 200 && reply.status < 500, `GET ${prefix}${suffix}: ${reply.status}`);
    }
  }

  // The index: JSON for API clients, the page for browsers; the script builds and is JavaScript.
  t.true(Array.isArray((JSON.parse((await get(`${url}/`)).body.toString()) as { endpoints: string[] }).endpoints));
  const page = await get(`${url}/`, { accept: 'text/html,application/xhtml+xml' });
  t.regex(page.type, /^text\/html/);
  t.regex(page.body.toString(), /<script type="module" src="\/explorer.js">/);
  const script = await get(`${url}/explorer.js?cache=1`);
  t.is(script.status, 200);
  t.regex(script.type, /^text\/javascript/);
  t.log(`explorer.js: ${(script.body.length / 1024).toFixed(1)} KiB minified`);
  t.is((await get(`${url}/events`, { method: 'HEAD' })).status, 200);

  t.is(gateway.producer.height, height, 'no block written');
  t.is(gateway.store.txCount(), txs, 'no transaction written');
  t.is(gateway.producer.pendingCount, 0, 'nothing pending');
  t.is((await get(`${url}/status`)).status, 200, 'the gateway still answers');
});
