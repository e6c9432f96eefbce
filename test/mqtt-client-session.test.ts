// The MQTT client's state machine, deterministically (test layer): the scripted fake
// broker, an in-memory network and a manual clock from test/xs/mqtt-fakes.ts. Covers
// what real brokers cannot be made to do on cue: exact backoff delays, keep-alive
// timeouts, quotas, packet ids, unexpected packets and handler failures.

import test from 'ava';
import { BotError, ErrorCode, LogLevel } from '../src/index.js';
import { Inflight, MAX_PACKET_ID } from '../src/mqtt/client/inflight.js';
import { type MqttClientOptions, createMqttClient } from '../src/mqtt/client/mqtt-client.js';
import type { ProtocolVersion } from '../src/mqtt/client/mqtt-codec.js';
import type { MqttSession } from '../src/mqtt/session.js';
import type { RandomSource } from '../src/ports/index.js';
import { FakeBroker, type FakeBrokerOptions, FakeNetwork, ManualClock, seededRandom } from './xs/mqtt-fakes.js';

const CLIENT_ID = 'a1b2c3d4e5f60718';
const UP = 'bot/0102030405060708/up';
const ACK = `bot/0102030405060708/d/${CLIENT_ID}/ack`;

interface Rig {
  network: FakeNetwork;
  clock: ManualClock;
  broker: FakeBroker;
  client: MqttSession;
  /** Client callbacks, one line each. */
  events: string[];
  logs: { level: number; message: string }[];
  /** Packets the client wrote, over all connections, as described by the fake broker. */
  sent(): string[];
}

const constantRandom = (byte: number): RandomSource => (n) => new Uint8Array(n).fill(byte);

function rig(broker: Partial<FakeBrokerOptions> & { version?: ProtocolVersion } = {}, options: Partial<MqttClientOptions> = {}, start = true): Rig {
  const network = new FakeNetwork();
  const clock = new ManualClock(network);
  const fake = new FakeBroker(network, { version: 4, ...broker });
  const events: string[] = [];
  const logs: { level: number; message: string }[] = [];
  const client = createMqttClient({
    transport: fake.transport, clock, random: seededRandom(), clientId: CLIENT_ID, protocolVersion: fake.options.version,
    log: (level, message) => logs.push({ level, message }),
    ...options,
  });
  if (start) {
    client.start({
      onConnect: (sp) => events.push(`connect sp=${sp ? 1 : 0}`),
      onMessage: (topic, payload, retained) => events.push(`message ${topic} ${Array.from(payload).join(',')}${retained ? ' retained' : ''}`),
      onDisconnect: (reason) => events.push(`disconnect ${reason}`),
      onRefused: (code) => events.push(`refused ${code}`),
    });
  }
  return { network, clock, broker: fake, client, events, logs, sent: () => fake.log.filter((l) => / > /.test(l)) };
}

const payload = (n: number) => new Uint8Array([n]);

test('connects, subscribes, and reports onConnect only after SUBACK', (t) => {
  const r = rig({}, {}, false);
  r.client.subscribe([{ topic: ACK, qos: 1 }]);
  r.client.start({
    onConnect: (sp) => r.events.push(`connect sp=${sp ? 1 : 0} seen=${r.broker.log.length}`),
    onMessage: () => {},
    onDisconnect: () => {},
    onRefused: () => {},
  });
  t.false(r.client.connected);
  r.network.run();
  t.true(r.client.connected);
  t.deepEqual(r.broker.log, [
    `c0 > CONNECT id=${CLIENT_ID} clean=0 ka=30`,
    'c0 < CONNACK sp=0 code=0',
    `c0 > SUBSCRIBE id=1 ${ACK}@1`,
    'c0 < SUBACK id=1 granted=1',
  ]);
  t.deepEqual(r.events, ['connect sp=0 seen=4'], 'onConnect ran after the SUBACK arrived');
});

test('MQTT 5 CONNECT asks the broker to keep the session; clean: true does not', (t) => {
  const kept = rig({ version: 5 });
  kept.network.run();
  t.is(kept.sent()[0], `c0 > CONNECT id=${CLIENT_ID} clean=0 ka=30 expiry=604800`);
  const clean = rig({ version: 5 }, { clean: true, sessionExpirySeconds: 60, keepAliveSeconds: 5 });
  clean.network.run();
  t.is(clean.sent()[0], `c0 > CONNECT id=${CLIENT_ID} clean=1 ka=5`);
});

test('QoS 1 publishes made offline are queued and sent on connect; onDelivered runs on PUBACK', (t) => {
  const r = rig({}, {}, false);
  const delivered: number[] = [];
  r.client.publish(UP, payload(1), 1, () => delivered.push(1));
  r.client.publish(UP, payload(2), 1, () => delivered.push(2));
  r.client.publish(UP, payload(3), 0); // QoS 0 offline: dropped
  r.client.start({ onConnect: () => {}, onMessage: () => {}, onDisconnect: () => {}, onRefused: () => {} });
  r.network.run();
  t.deepEqual(r.sent().slice(1), [
    `c0 > PUBLISH id=1 qos=1 topic=${UP} payload=01`,
    `c0 > PUBLISH id=2 qos=1 topic=${UP} payload=02`,
  ]);
  t.deepEqual(delivered, [1, 2]);
  r.client.publish(UP, payload(4), 0);
  r.network.run();
  t.is(r.sent().at(-1), `c0 > PUBLISH qos=0 topic=${UP} payload=04`);
});

test('after a reconnect, unacknowledged QoS 1 publishes are re-sent with DUP in their order, then the queued ones', (t) => {
  const r = rig({ autoPuback: false }, { backoff: { minMs: 100, maxMs: 1000 } });
  r.network.run();
  const delivered: number[] = [];
  for (const n of [1, 2, 3]) r.client.publish(UP, payload(n), 1, () => delivered.push(n));
  r.network.run();
  r.broker.last.send({ cmd: 'puback', messageId: 2 }); // only the middle one is acknowledged
  r.network.run();
  t.deepEqual(delivered, [2]);
  r.broker.last.drop();
  r.network.run();
  t.false(r.client.connected);
  t.deepEqual(r.events, ['connect sp=0', 'disconnect closed by the broker']);
  for (const n of [4, 5]) r.client.publish(UP, payload(n), 1, () => delivered.push(n)); // offline
  r.broker.options.autoPuback = true;
  r.clock.advance(1000);
  t.is(r.broker.connections.length, 2);
  t.deepEqual(r.broker.connections[1]!.received.filter((p) => p.cmd === 'publish').map((p) => `${p.messageId}${p.dup ? ' dup' : ''} ${p.payload![0]}`), [
    '1 dup 1', '3 dup 3', '4 4', '5 5',
  ]);
  t.deepEqual(delivered, [2, 1, 3, 4, 5], 'every message delivered exactly once to its callback');
  t.deepEqual(r.events, ['connect sp=0', 'disconnect closed by the broker', 'connect sp=0']);
});

test('incoming QoS 1 is delivered then acknowledged; a DUP redelivery is delivered again; QoS 0 needs no ack', (t) => {
  const r = rig();
  r.network.run();
  const pub = { cmd: 'publish', topic: ACK, payload: new Uint8Array([7, 8]), qos: 1, dup: false, retain: false, messageId: 9 } as const;
  r.broker.last.send(pub);
  r.broker.last.send({ ...pub, dup: true });
  r.broker.last.send({ cmd: 'publish', topic: 'bot/0102030405060708/header', payload: new Uint8Array([1]), qos: 0, dup: false, retain: true });
  r.network.run();
  t.deepEqual(r.events.slice(1), [`message ${ACK} 7,8`, `message ${ACK} 7,8`, 'message bot/0102030405060708/header 1 retained']);
  t.deepEqual(r.sent().filter((l) => l.includes('PUBACK')), ['c0 > PUBACK id=9', 'c0 > PUBACK id=9']);
});

test('backoff: full jitter under a doubling cap; it restarts from the bottom after a good connection', (t) => {
  const delays = (random: RandomSource) => {
    const r = rig({ down: true }, { random, backoff: { minMs: 500, maxMs: 8000 } });
    const seen: number[] = [];
    r.network.run();
    for (let i = 0; i < 7; i++) seen.push(r.clock.step()!);
    return seen;
  };
  t.deepEqual(delays(constantRandom(0xff)), [500, 1000, 2000, 4000, 8000, 8000, 8000], 'the top of the range is the cap');
  t.deepEqual(delays(constantRandom(0)), [0, 0, 0, 0, 0, 0, 0], 'the bottom of the range is 0');
  const jittered = delays(seededRandom(7));
  const caps = [500, 1000, 2000, 4000, 8000, 8000, 8000];
  t.true(jittered.every((d, i) => d >= 0 && d <= caps[i]!), jittered.join(','));
  t.true(new Set(jittered).size > 3, 'the seeded delays differ');

  const r = rig({ down: true }, { random: constantRandom(0xff), backoff: { minMs: 500, maxMs: 8000 } });
  r.network.run();
  r.clock.advance(500 + 1000); // two failed attempts: the next waits 2000
  t.deepEqual(r.clock.pending(), [2000]);
  r.broker.options.down = false;
  r.clock.advance(2000);
  t.true(r.client.connected);
  r.broker.last.drop();
  r.network.run();
  t.deepEqual(r.clock.pending(), [500], 'a lost connection that had worked retries from the first step');
});

test('a refused CONNACK reaches onRefused, closes, and the client retries at the longest backoff only', (t) => {
  for (const [version, code] of [[4, 5], [5, 0x87]] as const) {
    const r = rig({ version, refuseWith: code }, { backoff: { minMs: 100, maxMs: 5000 } });
    r.network.run();
    t.deepEqual(r.events, [`refused ${code}`]);
    t.false(r.client.connected);
    t.deepEqual(r.clock.pending(), [5000]);
    r.clock.advance(5000);
    t.is(r.broker.connections.length, 2);
    t.deepEqual(r.clock.pending(), [5000], 'still the longest backoff');
    t.deepEqual(r.events, [`refused ${code}`, `refused ${code}`], 'never onConnect or onDisconnect');
    t.true(r.broker.log.includes('c0 closed') || r.broker.log.includes('c0 dropped'));
    t.true(r.logs.some((l) => l.level === LogLevel.WARN && l.message.includes(`refused the connection (code ${code})`)));
  }
});

test('keep-alive: PINGREQ after an idle interval; no answer within another closes and reconnects', (t) => {
  const r = rig({ answerPings: false }, { keepAliveSeconds: 10, backoff: { minMs: 100, maxMs: 100 } });
  r.network.run();
  r.clock.advance(9_999);
  t.false(r.sent().includes('c0 > PINGREQ'));
  r.clock.advance(1);
  t.is(r.sent().at(-1), 'c0 > PINGREQ');
  r.clock.advance(9_999);
  t.true(r.client.connected);
  r.clock.advance(1);
  t.false(r.client.connected);
  t.deepEqual(r.events, ['connect sp=0', 'disconnect no answer to PINGREQ within 10 s']);
  r.broker.options.answerPings = true;
  r.clock.advance(100);
  t.true(r.client.connected, 'reconnected');
  r.clock.advance(10_000);
  r.clock.advance(10_000);
  r.clock.advance(10_000);
  t.true(r.client.connected, 'answered pings keep the connection');
  t.is(r.broker.connections[1]!.received.filter((p) => p.cmd === 'pingreq').length, 3);
});

test('keep-alive: no PINGREQ while the client keeps sending', (t) => {
  const r = rig({}, { keepAliveSeconds: 10 });
  r.network.run();
  for (let i = 0; i < 10; i++) {
    r.client.publish(UP, payload(i), 0);
    r.clock.advance(6_000);
  }
  t.false(r.sent().includes('c0 > PINGREQ'));
  t.true(r.client.connected);
});

test('malformed bytes from the broker: logged, closed, reconnected; never thrown', (t) => {
  const r = rig({}, { backoff: { minMs: 100, maxMs: 100 } });
  r.network.run();
  // A PUBLISH whose topic length (0xffff) runs past its 5-byte packet, in two chunks.
  r.broker.last.sendBytes(new Uint8Array([0x30, 0x05, 0xff]));
  r.broker.last.sendBytes(new Uint8Array([0xff, 0x00, 0x00, 0x00]));
  t.notThrows(() => r.network.run());
  t.false(r.client.connected);
  t.true(r.logs.some((l) => l.level === LogLevel.ERROR && l.message.startsWith('mqtt: malformed packet from the broker')), JSON.stringify(r.logs));
  t.regex(r.events[1]!, /^disconnect malformed packet: /);
  r.clock.advance(100);
  t.true(r.client.connected);
  t.is(r.broker.connections.length, 2);
});

test('garbage instead of a CONNACK: no onConnect/onDisconnect, the connection is closed and retried', (t) => {
  const r = rig({ answerConnect: false }, { backoff: { minMs: 100, maxMs: 100 } });
  r.network.run();
  r.broker.last.sendBytes(new Uint8Array([0x20, 0x02, 0x07, 0x00])); // CONNACK flags other than 0/1
  r.network.run();
  t.deepEqual(r.events, []);
  t.true(r.broker.log.includes('c0 closed'));
  r.broker.options.answerConnect = true;
  r.clock.advance(100);
  t.deepEqual(r.events, ['connect sp=0']);
});

test('packets out of place close the connection: PUBLISH before CONNACK, QoS 2 PUBLISH, a second CONNACK', (t) => {
  const cases: [string, (r: Rig) => void, string[]][] = [
    ['PUBLISH before CONNACK', (r) => r.broker.last.send({ cmd: 'publish', topic: ACK, payload: new Uint8Array(0), qos: 0, dup: false, retain: false }), []],
    ['QoS 2 PUBLISH', (r) => r.broker.last.sendBytes(new Uint8Array([0x34, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01])),
      ['connect sp=0', 'disconnect unexpected PUBLISH with QoS 2']],
    ['second CONNACK', (r) => r.broker.last.send({ cmd: 'connack', sessionPresent: false, returnCode: 0 }), ['connect sp=0', 'disconnect unexpected CONNACK']],
  ];
  for (const [name, act, events] of cases) {
    const r = rig({ answerConnect: events.length > 0 });
    r.network.run();
    act(r);
    r.network.run();
    t.true(r.broker.log.includes('c0 closed'), name);
    t.true(r.logs.some((l) => l.level === LogLevel.WARN && l.message.includes('unexpected')), name);
    t.deepEqual(r.events, events, name);
  }
});

test('no CONNACK within connectTimeoutMs: closed and retried', (t) => {
  const r = rig({ answerConnect: false }, { connectTimeoutMs: 3000, backoff: { minMs: 100, maxMs: 100 }, random: constantRandom(0xff) });
  r.network.run();
  r.clock.advance(2999);
  t.is(r.broker.connections.length, 1);
  r.clock.advance(1);
  t.true(r.broker.log.includes('c0 closed'));
  r.clock.advance(100);
  t.is(r.broker.connections.length, 2);
  t.true(r.logs.some((l) => l.message.includes('not connected within 3000 ms')));
});

test('stop(): DISCONNECT, transport closed, no timers, no more callbacks or reconnects', (t) => {
  const r = rig({ autoPuback: false });
  r.network.run();
  let delivered = false;
  r.client.publish(UP, payload(1), 1, () => (delivered = true));
  r.network.run();
  r.client.stop();
  r.client.stop(); // twice is harmless
  r.network.run();
  t.deepEqual(r.broker.log.slice(-2), ['c0 > DISCONNECT', 'c0 closed']);
  t.deepEqual(r.clock.pending(), []);
  t.false(r.client.connected);
  r.client.publish(UP, payload(2), 1);
  r.clock.advance(120_000);
  t.is(r.broker.connections.length, 1);
  t.false(delivered);
  t.deepEqual(r.events, ['connect sp=0'], 'no onDisconnect after stop()');
  t.throws(() => r.client.start({ onConnect() {}, onMessage() {}, onDisconnect() {}, onRefused() {} }), { message: /after stop/ });
});

test('stop() while waiting to reconnect cancels the reconnect', (t) => {
  const r = rig({ down: true });
  r.network.run();
  t.is(r.clock.pending().length, 1);
  r.client.stop();
  t.deepEqual(r.clock.pending(), []);
});

test('a handler that throws is logged and does not break the session', (t) => {
  const r = rig({}, {}, false);
  r.client.subscribe([{ topic: ACK, qos: 1 }]);
  r.client.start({
    onConnect: () => { throw new Error('boom in onConnect'); },
    onMessage: () => { throw new Error('boom in onMessage'); },
    onDisconnect: () => {},
    onRefused: () => {},
  });
  r.network.run();
  r.broker.last.send({ cmd: 'publish', topic: ACK, payload: new Uint8Array([1]), qos: 1, dup: false, retain: false, messageId: 5 });
  r.network.run();
  t.true(r.client.connected);
  t.is(r.sent().at(-1), 'c0 > PUBACK id=5');
  t.deepEqual(r.logs.filter((l) => l.level === LogLevel.ERROR).map((l) => l.message), [
    'mqtt: onConnect handler threw: boom in onConnect',
    'mqtt: onMessage handler threw: boom in onMessage',
  ]);
});

test('subscribe() while connected sends a SUBSCRIBE at once, and every filter again on reconnect', (t) => {
  const r = rig({}, { backoff: { minMs: 10, maxMs: 10 } });
  r.network.run();
  r.client.subscribe([{ topic: ACK, qos: 1 }]);
  r.client.subscribe([{ topic: ACK, qos: 1 }]); // already there: nothing sent
  r.network.run();
  t.deepEqual(r.sent().filter((l) => l.includes('SUBSCRIBE')), [`c0 > SUBSCRIBE id=1 ${ACK}@1`]);
  r.client.subscribe([{ topic: 'bot/0102030405060708/header', qos: 0 }]);
  r.network.run();
  r.broker.last.drop();
  r.clock.advance(10);
  t.deepEqual(r.sent().filter((l) => l.includes('SUBSCRIBE')), [
    `c0 > SUBSCRIBE id=1 ${ACK}@1`, 'c0 > SUBSCRIBE id=2 bot/0102030405060708/header@0', `c1 > SUBSCRIBE id=3 ${ACK}@1,bot/0102030405060708/header@0`,
  ]);
});

test('MQTT 5: the broker\'s Receive Maximum caps QoS 1 messages in flight', (t) => {
  const r = rig({ version: 5, autoPuback: false, connackProperties: { receiveMaximum: 2 } });
  r.network.run();
  for (const n of [1, 2, 3, 4]) r.client.publish(UP, payload(n), 1);
  r.network.run();
  const publishes = () => r.broker.last.received.filter((p) => p.cmd === 'publish').map((p) => p.messageId);
  t.deepEqual(publishes(), [1, 2]);
  r.broker.last.send({ cmd: 'puback', messageId: 1, reasonCode: 0 });
  r.network.run();
  t.deepEqual(publishes(), [1, 2, 3]);
});

test('MQTT 5: a PUBACK with a failure reason does not count as delivered; a broker DISCONNECT reconnects', (t) => {
  const r = rig({ version: 5, autoPuback: false }, { backoff: { minMs: 10, maxMs: 10 } });
  r.network.run();
  let delivered = false;
  r.client.publish(UP, payload(1), 1, () => (delivered = true));
  r.network.run();
  r.broker.last.send({ cmd: 'puback', messageId: 1, reasonCode: 0x87 });
  r.network.run();
  t.false(delivered);
  t.true(r.logs.some((l) => l.level === LogLevel.WARN && l.message.includes('refused the publish')));
  r.broker.last.send({ cmd: 'disconnect', reasonCode: 0x8b });
  r.network.run();
  t.is(r.events.at(-1), 'disconnect broker sent DISCONNECT (reason 139)');
  r.clock.advance(10);
  t.true(r.client.connected);
});

test('a transport factory that throws is a failed attempt, not a crash', (t) => {
  const network = new FakeNetwork();
  const clock = new ManualClock(network);
  let calls = 0;
  const client = createMqttClient({
    transport: () => {
      calls++;
      throw new Error('no route to host');
    },
    clock, random: constantRandom(0xff), clientId: CLIENT_ID, backoff: { minMs: 100, maxMs: 1000 },
  });
  t.notThrows(() => client.start({ onConnect() {}, onMessage() {}, onDisconnect() {}, onRefused() {} }));
  clock.advance(100 + 200 + 400);
  t.is(calls, 4);
  t.deepEqual(clock.pending(), [800]);
  client.stop();
});

test('a transport whose write throws: the connection is lost and retried, queued messages kept, never a crash', (t) => {
  const network = new FakeNetwork();
  const clock = new ManualClock(network);
  const broker = new FakeBroker(network, { version: 4 });
  let failPublishes = true;
  const events: string[] = [];
  const client = createMqttClient({
    transport: (handlers) => {
      const inner = broker.transport(handlers);
      return {
        write: (bytes) => {
          if (failPublishes && (bytes[0]! >> 4) === 3) throw new Error('EPIPE');
          inner.write(bytes);
        },
        close: () => inner.close(),
      };
    },
    clock, random: constantRandom(0xff), clientId: CLIENT_ID, backoff: { minMs: 100, maxMs: 100 },
  });
  const delivered: number[] = [];
  client.publish(UP, payload(1), 1, () => delivered.push(1)); // queued before start: written while the connection opens
  client.start({
    onConnect: () => events.push('connect'), onMessage: () => {}, onDisconnect: (r) => events.push(`disconnect ${r}`), onRefused: () => {},
  });
  t.notThrows(() => network.run());
  t.deepEqual(events, [], 'the write failed before onConnect: neither onConnect nor onDisconnect');
  t.is(broker.connections.length, 1);
  failPublishes = false;
  clock.advance(100);
  t.deepEqual(events, ['connect']);
  t.deepEqual(delivered, [1]);
  t.false(broker.connections[1]!.received.find((p) => p.cmd === 'publish')!.dup, 'it never reached the wire before');
});

test('packet ids run 1..65535, wrap to 1, and skip ids still in use', (t) => {
  const inflight = new Inflight();
  const first = inflight.add(UP, payload(1), undefined); // id 1 stays unacknowledged
  t.is(first.id, 1);
  for (let id = 2; id <= MAX_PACKET_ID; id++) t.is(inflight.allocate(), id); // ids not kept
  t.is(inflight.allocate(), 2, 'after 65535 comes 1, which is in use, so 2');
  const sub = inflight.reserve();
  t.is(sub, 3);
  t.is(inflight.allocate(), 4);
  inflight.release(sub);
  inflight.markWritten(first);
  t.is(inflight.acknowledge(1), first);
  t.is(inflight.acknowledge(1), undefined, 'a second PUBACK for the same id is ignored');
});

test('all 65,535 packet ids in flight: publish throws OUTBOX_FULL', (t) => {
  const inflight = new Inflight();
  for (let i = 0; i < MAX_PACKET_ID; i++) inflight.add(UP, payload(0), undefined);
  const error = t.throws(() => inflight.allocate(), { instanceOf: BotError });
  t.is(error?.code, ErrorCode.OUTBOX_FULL);
});

test('bad options and arguments are refused at the call', (t) => {
  const network = new FakeNetwork();
  const base = { transport: new FakeBroker(network, { version: 4 }).transport, clock: new ManualClock(network), random: seededRandom(), clientId: CLIENT_ID };
  t.throws(() => createMqttClient({ ...base, clientId: '' }), { instanceOf: RangeError });
  t.throws(() => createMqttClient({ ...base, protocolVersion: 3 as never }), { instanceOf: RangeError });
  t.throws(() => createMqttClient({ ...base, keepAliveSeconds: 70_000 }), { instanceOf: RangeError });
  t.throws(() => createMqttClient({ ...base, backoff: { minMs: 10, maxMs: 5 } }), { instanceOf: RangeError });
  const client = createMqttClient(base);
  t.throws(() => client.publish('bot/+/up', payload(1), 1), { instanceOf: RangeError });
  t.throws(() => client.publish('', payload(1), 1), { instanceOf: RangeError });
  t.throws(() => client.publish(UP, payload(1), 2 as never), { instanceOf: RangeError });
  t.throws(() => client.subscribe([{ topic: ACK, qos: 2 as never }]), { instanceOf: RangeError });
});
