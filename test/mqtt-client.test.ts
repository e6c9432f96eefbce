// The light peer's MQTT client against real brokers (test layer): the embedded
// broker (aedes, MQTT 3.1.1 only) and Mosquitto (3.1.1 and 5), over node:net with
// the desktop TCP transport. Another party is played by mqtt.js. Connections are cut
// and brokers killed through a byte-forwarding proxy (test/mqtt-client-support.ts);
// every packet the client writes and reads is recorded to check DUP flags and ids.

import test from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import type { ProtocolVersion } from '../src/mqtt/client/mqtt-codec.js';
import {
  type TestDevice, makeDevice, sleep, startAedes, startGarbageServer, startProxy, waitFor,
} from './support/mqtt-client-support.js';
import { INSTALL_HINT, mosquittoAvailable, startMosquitto } from './support/mosquitto.js';

interface RunningBroker {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

interface BrokerKind {
  readonly name: string;
  readonly versions: readonly ProtocolVersion[];
  readonly available: boolean;
  start(): Promise<RunningBroker>;
  /** A broker that refuses every client, and the CONNACK code it answers with per version. */
  startRefusing(): Promise<RunningBroker>;
  readonly refusedCode: Record<number, number>;
}

const KINDS: readonly BrokerKind[] = [
  {
    name: 'aedes',
    versions: [4],
    available: true,
    start: () => startAedes(),
    startRefusing: () => startAedes({ refuse: () => 5 }),
    refusedCode: { 4: 5 },
  },
  {
    name: 'mosquitto',
    versions: [4, 5],
    available: mosquittoAvailable(),
    start: () => startMosquitto(),
    // The later line wins over the generated `allow_anonymous true`.
    startRefusing: () => startMosquitto({ extraConfig: ['allow_anonymous false'] }),
    refusedCode: { 4: 5, 5: 0x87 },
  },
];

const CHAIN = 'bot/0102030405060708';
const UP = `${CHAIN}/up`;
const HEADER = `${CHAIN}/header`;
const newId = () => randomBytes(8).toString('hex');
const bytes = (...values: number[]) => new Uint8Array(values);

async function observer(url: string, version: ProtocolVersion, subscribeTo?: string): Promise<{ client: MqttClient; got: number[] }> {
  const client = await mqtt.connectAsync(url, { protocolVersion: version, clientId: `observer-${newId()}`, clean: true, reconnectPeriod: 0 });
  const got: number[] = [];
  client.on('message', (topic, payload) => {
    if (topic === subscribeTo) got.push(payload[0]!);
  });
  if (subscribeTo !== undefined) await client.subscribeAsync(subscribeTo, { qos: 1 });
  return { client, got };
}

function stopAll(device: TestDevice | undefined, ...closers: (() => unknown)[]): () => Promise<void> {
  return async () => {
    device?.client.stop();
    for (const close of closers) await close();
  };
}

function brokerTest(kind: BrokerKind, version: ProtocolVersion, title: string, body: (t: import('ava').ExecutionContext, kind: BrokerKind, version: ProtocolVersion) => Promise<void>): void {
  const name = `${kind.name}, MQTT ${version === 5 ? '5' : '3.1.1'}: ${title}`;
  if (!kind.available) test.skip(`${name} (skipped: ${INSTALL_HINT})`, () => {});
  else test(name, (t) => body(t, kind, version));
}

for (const kind of KINDS) {
  for (const version of kind.versions) {
    brokerTest(kind, version, 'connect, subscribe, QoS 0 and 1 both ways, retained message on subscribe', async (t, k, v) => {
      const broker = await k.start();
      const other = await observer(broker.url, v, UP);
      const id = newId();
      const mine = `${CHAIN}/d/${id}`;
      await other.client.publishAsync(HEADER, Buffer.from([0xaa, 0xbb]), { qos: 1, retain: true });
      const device = makeDevice(broker.port, { clientId: id, protocolVersion: v }, false);
      t.teardown(stopAll(device, () => other.client.endAsync(true), broker.stop));
      const { events } = device;
      device.client.subscribe([{ topic: `${mine}/#`, qos: 1 }, { topic: HEADER, qos: 0 }]);
      device.client.start({
        onConnect: (sp) => events.connects.push(sp),
        onMessage: (topic, payload, retained) => events.messages.push({ topic, payload, retained }),
        onDisconnect: (r) => events.disconnects.push(r),
        onRefused: (c) => events.refusals.push(c),
      });
      await waitFor(() => events.connects.length === 1 && events.messages.length === 1, 'connect and the retained header');
      t.deepEqual(events.connects, [false]);
      t.true(device.client.connected);
      t.deepEqual(events.messages[0], { topic: HEADER, payload: bytes(0xaa, 0xbb), retained: true });
      t.deepEqual(device.packets('in', 'suback')[0]?.granted, [1, 0]);

      const delivered: number[] = [];
      device.client.publish(UP, bytes(1), 1, () => delivered.push(1));
      device.client.publish(UP, bytes(0), 0);
      await waitFor(() => delivered.length === 1 && other.got.length === 2, 'both publishes at the other party');
      t.deepEqual(other.got.sort(), [0, 1]);
      t.deepEqual(device.packets('out', 'publish').map((p) => `${p.qos}${p.dup ? ' dup' : ''}`), ['1', '0']);

      await other.client.publishAsync(`${mine}/ack`, Buffer.from([0x21]), { qos: 1 });
      await other.client.publishAsync(`${mine}/proof`, Buffer.from([0x20]), { qos: 0 });
      await waitFor(() => events.messages.length === 3, 'both messages at the device');
      t.deepEqual(events.messages.slice(1), [
        { topic: `${mine}/ack`, payload: bytes(0x21), retained: false },
        { topic: `${mine}/proof`, payload: bytes(0x20), retained: false },
      ]);
      const incoming = device.packets('in', 'publish').filter((p) => p.topic?.startsWith(mine));
      t.deepEqual(incoming.map((p) => p.qos), [1, 0]);
      await waitFor(() => device.packets('out', 'puback').length === 1, 'the PUBACK');
      t.is(device.packets('out', 'puback')[0]?.messageId, incoming[0]?.messageId);

      device.client.stop();
      t.false(device.client.connected);
      t.is(device.wire.at(-1)?.packet.cmd, 'disconnect', 'DISCONNECT is the last thing written');
    });

    brokerTest(kind, version, 'keep-alive pings keep an idle connection open', async (t, k, v) => {
      const broker = await k.start();
      const device = makeDevice(broker.port, { clientId: newId(), protocolVersion: v, keepAliveSeconds: 1 });
      t.teardown(stopAll(device, broker.stop));
      await waitFor(() => device.events.connects.length === 1, 'connect');
      const since = Date.now();
      // Two keep-alive periods went by with pings (waited for, however busy the machine), none too many.
      await waitFor(() => device.packets('out', 'pingreq').length >= 2 && device.packets('in', 'pingresp').length >= 1, 'two PINGREQs');
      const pings = device.packets('out', 'pingreq').length;
      const seconds = (Date.now() - since) / 1000;
      t.true(pings <= seconds + 1, `${pings} PINGREQs in ${seconds.toFixed(1)} s with a 1 s keep-alive`);
      t.true(device.packets('in', 'pingresp').length >= pings - 1);
      t.deepEqual(device.events.disconnects, []);
      t.is(device.events.connects.length, 1);
    });

    brokerTest(kind, version, 'connection cut: reconnect with backoff, unacknowledged QoS 1 re-sent with DUP in order, nothing lost either way', async (t, k, v) => {
      const broker = await k.start();
      const proxy = await startProxy(broker.port);
      const other = await observer(broker.url, v, UP);
      const id = newId();
      const mine = `${CHAIN}/d/${id}`;
      const device = makeDevice(proxy.port, { clientId: id, protocolVersion: v, backoff: { minMs: 100, maxMs: 800 } }, false);
      t.teardown(stopAll(device, () => other.client.endAsync(true), () => proxy.close(), broker.stop));
      const { events } = device;
      device.client.subscribe([{ topic: `${mine}/#`, qos: 1 }]);
      device.client.start({
        onConnect: (sp) => events.connects.push(sp),
        onMessage: (topic, payload, retained) => events.messages.push({ topic, payload, retained }),
        onDisconnect: (r) => events.disconnects.push(r),
        onRefused: (c) => events.refusals.push(c),
      });
      await waitFor(() => events.connects.length === 1, 'first connect');

      proxy.muted = true; // the broker gets the publishes; its PUBACKs never reach the device
      const delivered: number[] = [];
      for (const n of [1, 2, 3]) device.client.publish(UP, bytes(n), 1, () => delivered.push(n));
      await waitFor(() => other.got.length >= 3, 'the broker forwarding 1..3');
      t.deepEqual(delivered, []);

      proxy.down = true;
      proxy.cut();
      await waitFor(() => events.disconnects.length === 1, 'the device noticing the cut');
      t.false(device.client.connected);
      for (const n of [4, 5]) device.client.publish(UP, bytes(n), 1, () => delivered.push(n)); // offline
      await other.client.publishAsync(`${mine}/ack`, Buffer.from([0x99]), { qos: 1 }); // kept by the broker for the device
      const downSince = Date.now();
      await waitFor(() => proxy.refused >= 1, 'a reconnect attempt while the broker is down');
      await sleep(1500); // how often it retries over a while: a rate, so a busy machine only lowers it
      const refusedWhileDown = proxy.refused;
      const downSeconds = (Date.now() - downSince) / 1000;
      t.true(refusedWhileDown <= 10 * downSeconds, `${refusedWhileDown} attempts in ${downSeconds.toFixed(1)} s: retrying, not hammering`);

      proxy.muted = false;
      proxy.down = false;
      await waitFor(() => events.connects.length === 2 && delivered.length === 5 && events.messages.length === 1, 'reconnect, acks, queued message');
      t.deepEqual(events.connects, [false, true], 'the broker kept the session');
      t.deepEqual(delivered, [1, 2, 3, 4, 5], 'each onDelivered exactly once, in order');
      t.deepEqual(events.messages[0], { topic: `${mine}/ack`, payload: bytes(0x99), retained: false });

      const firstIds = device.packets('out', 'publish', 0).map((p) => p.messageId);
      const lastConn = Math.max(...device.wire.filter((w) => w.packet.cmd === 'connack').map((w) => w.conn));
      const resent = device.packets('out', 'publish', lastConn).map((p) => `${p.messageId}${p.dup ? ' dup' : ''} ${p.payload![0]}`);
      t.deepEqual(resent.slice(0, 3), firstIds.map((mid, i) => `${mid} dup ${i + 1}`), 'same ids, DUP, original order');
      t.deepEqual(resent.slice(3).map((s) => s.replace(/^\d+ /, '')), ['4', '5'], 'then the offline ones, without DUP');
      await waitFor(() => new Set(other.got).size === 5, 'every message at the other party');
      t.deepEqual([...new Set(other.got)].sort(), [1, 2, 3, 4, 5], 'nothing lost (1..3 may arrive twice: QoS 1)');
    });

    brokerTest(kind, version, 'broker killed and a new one started: the device reconnects and re-sends what was not acknowledged', async (t, k, v) => {
      const first = await k.start();
      const proxy = await startProxy(first.port);
      const device = makeDevice(proxy.port, { clientId: newId(), protocolVersion: v, backoff: { minMs: 100, maxMs: 500 } });
      let second: RunningBroker | undefined;
      let other: Awaited<ReturnType<typeof observer>> | undefined;
      t.teardown(stopAll(device, () => proxy.close(), first.stop, () => other?.client.endAsync(true), () => second?.stop()));
      await waitFor(() => device.events.connects.length === 1, 'connect');
      proxy.muted = true;
      const delivered: number[] = [];
      device.client.publish(UP, bytes(1), 1, () => delivered.push(1));
      await waitFor(() => device.packets('out', 'publish').length === 1, 'the publish written');
      await sleep(100);
      await first.stop();
      await waitFor(() => device.events.disconnects.length === 1, 'the device noticing');
      device.client.publish(UP, bytes(2), 1, () => delivered.push(2));
      second = await k.start();
      other = await observer(second.url, v, UP);
      proxy.muted = false;
      proxy.target = second.port;
      await waitFor(() => delivered.length === 2 && other!.got.length === 2, 'both delivered through the new broker');
      t.deepEqual(device.events.connects, [false, false], 'a new broker has no session');
      t.deepEqual(delivered, [1, 2]);
      t.deepEqual(other.got, [1, 2]);
      const lastConn = Math.max(...device.wire.filter((w) => w.packet.cmd === 'connack').map((w) => w.conn));
      t.deepEqual(device.packets('out', 'publish', lastConn).map((p) => `${p.dup ? 'dup ' : ''}${p.payload![0]}`), ['dup 1', '2']);
    });

    brokerTest(kind, version, 'a refused CONNACK reaches onRefused, and the next attempt waits the longest backoff', async (t, k, v) => {
      const broker = await k.startRefusing();
      const device = makeDevice(broker.port, { clientId: newId(), protocolVersion: v, backoff: { minMs: 50, maxMs: 700 } });
      t.teardown(stopAll(device, broker.stop));
      await waitFor(() => device.events.refusals.length >= 2, 'two refusals');
      const code = k.refusedCode[v]!;
      t.deepEqual(device.events.refusals.slice(0, 2), [code, code]);
      t.deepEqual(device.events.connects, []);
      t.false(device.client.connected);
      const connects = device.wire.filter((w) => w.dir === 'out' && w.packet.cmd === 'connect').map((w) => w.at);
      t.true(connects[1]! - connects[0]! >= 650, `${connects[1]! - connects[0]!} ms between attempts (maxMs 700)`);
    });
  }
}

test('aedes refuses MQTT 5 (it speaks 3.1.1 only): the client reports the CONNACK code 1', async (t) => {
  const broker = await startAedes();
  const device = makeDevice(broker.port, { clientId: newId(), protocolVersion: 5, backoff: { minMs: 50, maxMs: 5000 } });
  t.teardown(stopAll(device, broker.stop));
  await waitFor(() => device.events.refusals.length === 1, 'refusal');
  t.deepEqual(device.events.refusals, [1]);
  t.deepEqual(device.events.connects, []);
});

test('garbage from a fake server instead of a CONNACK: closed, logged, retried', async (t) => {
  const server = await startGarbageServer([bytes(0xff, 0xff, 0xff, 0xff, 0xff)]);
  const device = makeDevice(server.port, { clientId: newId(), backoff: { minMs: 20, maxMs: 100 } });
  t.teardown(stopAll(device, server.close));
  await waitFor(() => server.connections() >= 3, 'three attempts');
  t.true(device.events.logs.some((l) => /^3 mqtt: malformed packet from the broker/.test(l)), device.events.logs.join('\n'));
  t.deepEqual(device.events.connects, []);
  t.deepEqual(device.events.disconnects, []);
});

test('garbage after a valid CONNACK: onConnect, then onDisconnect with the parse error, then a reconnect', async (t) => {
  // CONNACK accepted, then a PUBLISH whose topic length runs past the packet.
  const server = await startGarbageServer([bytes(0x20, 0x02, 0x00, 0x00), bytes(0x30, 0x05, 0xff, 0xff, 0x00, 0x00, 0x00)]);
  const device = makeDevice(server.port, { clientId: newId(), backoff: { minMs: 20, maxMs: 100 } });
  t.teardown(stopAll(device, server.close));
  await waitFor(() => device.events.disconnects.length >= 2, 'two rounds');
  t.true(device.events.connects.length >= 2);
  t.regex(device.events.disconnects[0]!, /^malformed packet: MQTT_MALFORMED: Cannot parse topic/);
  t.true(server.connections() >= 2);
});
