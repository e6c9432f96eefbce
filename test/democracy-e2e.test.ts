// Device democracy end to end (test layer, Node): desktop devices over TCP. Device A reports its
// temperature to the real solo gateway; device B has the watch rule "A above 30 °C → relay on,
// else off" and a simulated relay. Over the real gateway B's relay follows A's readings, each
// switch only after B verified the header of the reading's block. Behind a lying broker (aedes
// in this process, the test answering as the gateway: real headers, forged readings, a forged
// header) B never switches, though A's real temperature is over the threshold; the same broker
// answering honestly then gets B to switch, so the lies were what stopped it.

import test from 'ava';
import { startLyingBroker } from './support/lying-broker.js';
import { join } from 'node:path';
import {
  Method, Quantity, TxKind, bytesToHex, decodeLightBlock, decodeTx, encodeLightBlock, encodeReadingsAnswer, encodeTx, errorName,
  inclusionProof, readingsBody, signTx,
} from '../src/index.js';
import type { PeerEvent } from '../src/peer/index.js';
import type { Sensor } from '../src/ports/index.js';
import { createSimRelay } from '../hosts/desktop/actuator-relay-node.js';
import { type Device, openDevice } from '../hosts/desktop/device.js';
import { openFleet } from '../hosts/desktop/fleet.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { enrolledBy, enrollKeys } from '../tools/cli/fleet-enroll.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import type { ChainFiles } from '../tools/gateway/data-dir.js';
import { testKey } from './support/chain-fixture.js';
import { tempDir, waitUntil } from './support/desktop-fleet.js';
import { makeChainDir, startTestGateway } from './support/gateway-fixture.js';

const crypto = createNativeCrypto();
const MANUAL = 3_600_000;
const quiet = () => () => {};

/** A temperature the test sets, in tenths of a degree. */
function settable(value: number): Sensor & { value: number } {
  const sensor = { quantity: Quantity.TEMPERATURE_C, scale: -1, value, sample: () => sensor.value };
  return sensor;
}

function brokerOf(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

async function enroll(gateway: Gateway, chain: ChainFiles, keys: Uint8Array[], firstSeq = 1): Promise<void> {
  const codes = await enrollKeys({ crypto, chainId: chain.chainId, operator: chain.operatorKey!, brokerUrl: gateway.mqttUrl, firstSeq, timeoutMs: 10_000 }, keys);
  if (!codes.every(enrolledBy)) throw new Error(`enrolment failed: ${codes.join(', ')}`);
}

/** A's heater and B's rule, as a two-device fleet on the real gateway. */
async function startSource(t: import('ava').ExecutionContext, gateway: Gateway, chain: ChainFiles, temperature: Sensor) {
  const fleet = openFleet({
    dir: join(tempDir(t), 'a'), count: 1, genesis: chain.genesis, broker: brokerOf(gateway.mqttUrl), crypto, durable: false,
    peer: { samplingIntervalMs: 200 }, mqtt: { backoff: { minMs: 50, maxMs: 500 } }, stagger: false, log: quiet,
    sensorsOf: () => [temperature],
  });
  t.teardown(() => fleet.stop());
  return fleet.devices[0]!;
}

function watcher(t: import('ava').ExecutionContext, chain: ChainFiles, broker: string, source: Device) {
  const relay = createSimRelay({ name: 'relay' });
  const events: PeerEvent[] = [];
  const b = openDevice({
    dir: join(tempDir(t), 'b'), genesis: chain.genesis, broker: brokerOf(broker), crypto, durable: false, log: () => {},
    peer: {
      samplingIntervalMs: MANUAL, requestTimeoutMs: 2000,
      rules: [{ source: source.id, quantity: 'TEMPERATURE_C', comparison: 'above', threshold: '30', actuator: 'relay', then: true, otherwise: false }],
    },
    mqtt: { backoff: { minMs: 50, maxMs: 500 } },
    actuators: [relay],
  });
  b.onEvent((e) => events.push(e));
  t.teardown(() => b.stop());
  return { b, relay, events };
}

test('over the real gateway: B\'s relay follows A\'s proven readings, each switch after B verified the block\'s header', async (t) => {
  const { dir, chain, remove } = makeChainDir('democracy-e2e');
  t.teardown(remove);
  const gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  const temperature = settable(250);
  const a = await startSource(t, gateway, chain, temperature);
  const { b, relay, events } = watcher(t, chain, gateway.mqttUrl, a);
  await enroll(gateway, chain, [a.publicKey, b.publicKey]);
  a.markEnrolled();
  a.start();
  b.start();

  await waitUntil(() => relay.on === false, 'B verified A\'s 25.0 °C and set its relay off');
  t.false(events.some((e) => e.type === 'actuated' && e.on), 'not on at 25.0 °C');
  temperature.value = 312;
  await waitUntil(() => relay.on === true, 'B switched its relay on');
  temperature.value = 280;
  await waitUntil(() => relay.on === false && relay.history.length === 3, 'and off again');
  t.deepEqual(relay.history.map((h) => h.on), [false, true, false]);

  const actuated = events.filter((e): e is Extract<PeerEvent, { type: 'actuated' }> => e.type === 'actuated');
  t.deepEqual(actuated.map((e) => e.on), [false, true, false]);
  for (const e of actuated) {
    const at = events.indexOf(e);
    t.true(events.slice(0, at).some((h) => h.type === 'header' && h.height >= e.height), `switch at height ${e.height} came after B verified a header that high`);
    const stored = gateway.store.txBySenderSeq(a.id, e.seq)!;
    t.is(stored.height, e.height, 'the reading is A\'s transaction in that very block');
    const body = decodeTx(stored.wire).body as number[][];
    t.is((body[0]![3] as unknown as number[]).at(-1), e.mantissa, 'with that value');
  }
  t.is(actuated[1]!.mantissa, 312);
  t.is(b.status().counters.readingsRefused, 0, 'an honest gateway is never refused');
  t.log(`relay ${relay.history.map((h) => (h.on ? 'on' : 'off')).join(' → ')}; on at height ${actuated[1]!.height} (A's seq ${actuated[1]!.seq})`);
});

test('behind a lying broker B never switches, whatever it is offered; the same broker honest gets it to switch', async (t) => {
  const { dir, chain, remove } = makeChainDir('democracy-liar');
  t.teardown(remove);
  const gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  const temperature = settable(312); // really above the threshold all along
  const a = await startSource(t, gateway, chain, temperature);
  await enroll(gateway, chain, [a.publicKey]);
  a.markEnrolled();
  a.start();
  await waitUntil(() => a.status().counters.final >= 2, 'A\'s readings are in blocks');

  // The lying broker: the test answers as its gateway.
  let honest = false;
  let asked = 0;
  const { url: liarUrl, topics, publish } = await startLyingBroker(t, gateway, chain.chainId, (request) => {
    if (request.method !== Method.LATEST_READINGS) return undefined;
    return honest ? encodeReadingsAnswer(honestAnswer()) : lies[asked++ % lies.length]!();
  });

  // Real headers, relayed as the chain grows (the blocks so far, then each new one); one forged (a commit signature flipped) now and then.
  let relayed = 0;
  let forgedHeaders = 0;
  const relayHeaders = () => {
    const latest = gateway.store.latestBlock();
    if (!latest || latest.height <= relayed) return;
    relayed = latest.height;
    publish(topics.header, latest.lightBlock, true);
    if (relayed % 3 === 0) {
      const block = decodeLightBlock(latest.lightBlock);
      const forged = { ...block, header: { ...block.header, height: block.header.height + 1, time: block.header.time + 1 } };
      publish(topics.header, encodeLightBlock(forged), false);
      forgedHeaders++;
    }
  };
  relayHeaders();
  t.teardown(gateway.onBlock(relayHeaders));

  const attacker = testKey(crypto, 'democracy attacker');
  const honestAnswer = () => {
    const tx = gateway.store.txsBySender(a.id, 16).find((s) => s.kind === TxKind.READINGS)!;
    return { wire: tx.wire, height: tx.height, seq: tx.seq, proof: inclusionProof(crypto, gateway.store.blockTxIds(tx.height), tx.index), key: a.publicKey };
  };
  const hot = (wire: Uint8Array) => encodeTx({ ...decodeTx(wire), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -1, interval: 0, values: [450] }]) });
  const lies: (() => Uint8Array[])[] = [
    () => { const h = honestAnswer(); return encodeReadingsAnswer({ ...h, wire: hot(h.wire) }); },
    () => {
      const h = honestAnswer();
      const forged = encodeTx(signTx(crypto, chain.chainId, { ...decodeTx(hot(h.wire)), seq: h.seq + 1 }, attacker.privateKey));
      return encodeReadingsAnswer({ ...h, wire: forged, seq: h.seq + 1, key: attacker.publicKey });
    },
    () => {
      const h = honestAnswer();
      const wire = encodeTx({ ...decodeTx(hot(h.wire)), seq: 1_000_000 });
      return encodeReadingsAnswer({ ...h, wire, seq: 1_000_000, height: 1_000_000, proof: { index: 0, size: 1, path: [] } });
    },
  ];

  const { b, relay, events } = watcher(t, chain, liarUrl, a);
  b.start();
  const refused = () => new Set(events.flatMap((e) => (e.type === 'reading-refused' ? [errorName(e.code)] : [])));
  await waitUntil(() => ['BAD_PROOF', 'WRONG_SOURCE', 'UNVERIFIED_HEADER'].every((c) => refused().has(c)), 'B refused every kind of lie', 30_000);
  await waitUntil(() => events.some((e) => e.type === 'header-rejected') && forgedHeaders > 0, 'and a forged header');
  t.deepEqual(relay.history, [], 'B never switched');
  t.false(events.some((e) => e.type === 'reading' || e.type === 'actuated'), 'no reading counted as verified');
  t.true(b.status().counters.headersVerified > 0, 'B verified the real headers it was relayed');
  const lieCount = asked;

  honest = true;
  await waitUntil(() => relay.on === true, 'the honest answer switches B\'s relay on');
  const on = events.find((e): e is Extract<PeerEvent, { type: 'actuated' }> => e.type === 'actuated')!;
  t.is(on.mantissa, 312);
  t.is(on.source, bytesToHex(a.id));
  t.log(`${lieCount} forged answers and ${forgedHeaders} forged headers refused (${[...refused()].join(', ')}); then on at height ${on.height}`);
});
