// A fleet of desktop devices against a real gateway (test layer): the light peer
// with the desktop host's adapters (file store and outbox in temp folders, the MQTT
// client over TCP to the gateway's embedded broker), enrolled with the operator key.
// Readings go up, blocks come back, each device verifies the headers and its own
// inclusion proofs; every reading is final exactly once, checked against the ledger.
// Through the embedded broker, and through a real Mosquitto.

import test from 'ava';
import { join } from 'node:path';
import { bytesToHex } from '../src/index.js';
import { type Fleet, openFleet } from '../hosts/desktop/fleet.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { enrolledBy, enrollKeys } from '../tools/cli/fleet-enroll.js';
import { type Gateway } from '../tools/gateway/gateway.js';
import type { ChainFiles } from '../tools/gateway/data-dir.js';
import { EventLog, checkExactlyOnce, sleep, tempDir, waitUntil } from './support/desktop-fleet.js';
import { makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { mosquittoAvailable, startMosquitto } from './support/mosquitto.js';

const crypto = createNativeCrypto();
/** Sampling is driven by the test (sampleNow), so the counts are exact. */
const MANUAL = 3_600_000;
/** The devices' own logs stay out of the test output (their events are what is checked). */
const quiet = () => () => {};

async function enrollFleet(gateway: Gateway, chain: ChainFiles, fleet: Fleet): Promise<void> {
  const codes = await enrollKeys({
    crypto, chainId: chain.chainId, operator: chain.operatorKey!, brokerUrl: gateway.mqttUrl, firstSeq: 1, timeoutMs: 10_000,
  }, fleet.devices.map((d) => d.publicKey));
  for (const [i, code] of codes.entries()) {
    if (!enrolledBy(code)) throw new Error(`enrolment of ${fleet.devices[i]!.idHex} failed: ${code}`);
    fleet.devices[i]!.markEnrolled();
  }
}

function brokerOf(gateway: Gateway) {
  const url = new URL(gateway.mqttUrl);
  return { host: url.hostname, port: Number(url.port) };
}

test('fleet → gateway → blocks → proofs verified on the devices: every reading final exactly once', async (t) => {
  const { dir, chain, remove } = makeChainDir('fleet-e2e');
  t.teardown(remove);
  const gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  const fleet = openFleet({
    dir: join(tempDir(t), 'fleet'), count: 5, genesis: chain.genesis, broker: brokerOf(gateway), crypto, durable: false,
    peer: { samplingIntervalMs: MANUAL }, mqtt: { backoff: { minMs: 50, maxMs: 500 } }, stagger: false, log: quiet,
  });
  t.teardown(() => fleet.stop());
  await enrollFleet(gateway, chain, fleet);
  const events = new EventLog();
  for (const device of fleet.devices) events.attach(device);

  fleet.start();
  await waitUntil(() => fleet.devices.every((d) => d.status().state === 'online'), 'every device online');
  const ROUNDS = 12;
  for (let round = 0; round < ROUNDS; round++) {
    for (const device of fleet.devices) device.peer.sampleNow();
    await sleep(15);
  }
  const signed = () => events.count('signed');
  // Draining: sampling stops, the peers keep running until every outbox is empty.
  const signedBeforeDrain = signed();
  t.true(await fleet.drain(30_000), 'every outbox emptied');
  t.is(signed(), signedBeforeDrain, 'nothing new was signed while draining');
  t.is(events.count('final'), signed());
  fleet.stop();

  const totals = fleet.totals();
  t.is(signed(), totals.counters.signed);
  t.true(signed() >= fleet.devices.length * ROUNDS, `${signed()} transactions signed for ${ROUNDS} samplings of 5 devices`);
  t.is(totals.counters.final, signed());
  t.is(totals.counters.proofsRejected, 0);
  t.is(totals.counters.headersRejected, 0);
  t.true(totals.counters.headersVerified > 0, 'the devices verified headers themselves');
  for (const device of fleet.devices) {
    const heights = events.of(device.idHex, 'final').map((e) => e.height);
    t.true(heights.every((h) => h >= 1 && h <= gateway.producer.height), `${device.idHex}: finals at real heights`);
    t.true(device.status().trustedHeight >= Math.max(...heights), `${device.idHex}: trusts a header at least as new as its finals`);
  }
  const { txs, readings } = checkExactlyOnce(t, gateway.store, fleet.devices, events);
  t.is(txs, signed());
  // Three channels (temperature, humidity, battery), one reading each per sampling.
  t.is(readings, totals.counters.sampled);
  t.is(totals.latency.count, signed());
  t.log(`${txs} transactions, ${readings} readings, ${gateway.producer.height} blocks; sampling → final p50 ${totals.latency.percentile(50)} ms`);
  t.is(bytesToHex(fleet.chainId), bytesToHex(chain.chainId));
});

test('a fleet sampling on its own timer: stopped mid-flight, reopened over the same folders, nothing lost or doubled', async (t) => {
  const { dir, chain, remove } = makeChainDir('fleet-timer');
  t.teardown(remove);
  const gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  const fleetDir = join(tempDir(t), 'fleet');
  const options = {
    dir: fleetDir, count: 4, genesis: chain.genesis, broker: brokerOf(gateway), crypto,
    mqtt: { backoff: { minMs: 50, maxMs: 500 } }, log: quiet,
  };
  const first = openFleet({ ...options, peer: { samplingIntervalMs: 100 } });
  await enrollFleet(gateway, chain, first);
  const events = new EventLog();
  for (const device of first.devices) events.attach(device);
  first.start();
  await waitUntil(() => first.totals().counters.final >= 20, 'some finals', 30_000);
  first.stop(); // mid-flight: some signed transactions are not final yet
  const inFlight = first.totals().outbox;
  t.log(`stopped with ${inFlight} transactions in the outboxes`);

  // The same folders, new peers: keys, seq reservations and outboxes come from disk.
  const second = openFleet({ ...options, peer: { samplingIntervalMs: MANUAL } });
  t.teardown(() => second.stop());
  t.deepEqual(second.devices.map((d) => d.idHex), first.devices.map((d) => d.idHex), 'same devices');
  t.true(second.devices.every((d) => d.enrolled), 'the enrolment marker survived');
  t.is(second.totals().outbox, inFlight, 'the outboxes were kept');
  for (const device of second.devices) events.attach(device);
  second.start();
  for (const device of second.devices) device.peer.sampleNow();
  await waitUntil(() => second.totals().outbox === 0 && events.count('final') === events.count('signed'), 'the outboxes drained', 30_000);
  second.stop();
  checkExactlyOnce(t, gateway.store, second.devices, events);
});

// Without Mosquitto this is skipped here; CI installs it, and test/brokers.test.ts fails there if it is missing.
(mosquittoAvailable() ? test : test.skip)('a fleet through Mosquitto (the gateway a client of it, like any deployment broker): every reading final once', async (t) => {
  const broker = await startMosquitto();
  const { dir, chain, remove } = makeChainDir('fleet-mosquitto');
  const gateway = await startTestGateway(dir, { brokerUrl: broker.url });
  t.teardown(async () => {
    await gateway.close();
    await broker.stop();
    remove();
  });
  const fleet = openFleet({
    dir: join(tempDir(t), 'fleet'), count: 3, genesis: chain.genesis, broker: { host: '127.0.0.1', port: broker.port }, crypto, durable: false,
    peer: { samplingIntervalMs: MANUAL }, mqtt: { backoff: { minMs: 50, maxMs: 500 } }, stagger: false, log: quiet,
  });
  t.teardown(() => fleet.stop());
  const codes = await enrollKeys({ crypto, chainId: chain.chainId, operator: chain.operatorKey!, brokerUrl: broker.url, firstSeq: 1, timeoutMs: 10_000 }, fleet.devices.map((d) => d.publicKey));
  t.true(codes.every(enrolledBy), `enrolments: ${codes.join(',')}`);
  const events = new EventLog();
  for (const device of fleet.devices) events.attach(device);
  fleet.start();
  await waitUntil(() => fleet.devices.every((d) => d.status().state === 'online'), 'every device online');
  for (let round = 0; round < 8; round++) {
    for (const device of fleet.devices) device.peer.sampleNow();
    await sleep(15);
  }
  t.true(await fleet.drain(30_000), 'every outbox emptied');
  fleet.stop();
  const { txs } = checkExactlyOnce(t, gateway.store, fleet.devices, events);
  t.is(txs, 24);
  t.true(fleet.totals().counters.headersVerified > 0);
});
