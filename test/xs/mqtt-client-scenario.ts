// A whole client session against the scripted fake broker (test layer), the same
// on Node and under XS: connect → subscribe → publish QoS 1 → PUBACK → incoming
// QoS 1 PUBLISH → PUBACK → keep-alive ping → stop. Returns one line per event, the
// client's callbacks and the packets on the wire interleaved in the order they happened.

import { createMqttClient } from '../../src/mqtt/client/mqtt-client.js';
import type { ProtocolVersion } from '../../src/mqtt/client/mqtt-codec.js';
import { FakeBroker, FakeNetwork, ManualClock, hex, seededRandom } from './mqtt-fakes.js';

export const SCENARIO_CLIENT_ID = '00112233aabbccdd';

export function runClientScenario(version: ProtocolVersion): string[] {
  const network = new FakeNetwork();
  const clock = new ManualClock(network);
  const broker = new FakeBroker(network, { version });
  const events = broker.log; // client callbacks go into the same list as the packets
  const client = createMqttClient({
    transport: broker.transport, clock, random: seededRandom(), clientId: SCENARIO_CLIENT_ID, protocolVersion: version, keepAliveSeconds: 30,
  });
  client.subscribe([{ topic: `bot/0102030405060708/d/${SCENARIO_CLIENT_ID}/#`, qos: 1 }, { topic: 'bot/0102030405060708/header', qos: 0 }]);
  client.start({
    onConnect: (sessionPresent) => events.push(`onConnect sp=${sessionPresent ? 1 : 0} connected=${client.connected}`),
    onMessage: (topic, payload, retained) => events.push(`onMessage ${topic} ${hex(payload)}${retained ? ' retained' : ''} plain=${Object.getPrototypeOf(payload) === Uint8Array.prototype}`),
    onDisconnect: (reason) => events.push(`onDisconnect ${reason}`),
    onRefused: (code) => events.push(`onRefused ${code}`),
  });
  network.run();
  client.publish('bot/0102030405060708/up', new Uint8Array([0x83, 1, 2, 3]), 1, () => events.push('onDelivered 1'));
  network.run();
  broker.last.send({
    cmd: 'publish', topic: `bot/0102030405060708/d/${SCENARIO_CLIENT_ID}/ack`, payload: new Uint8Array([0x82, 0x05, 0x00]), qos: 1, dup: false, retain: false, messageId: 42,
  });
  network.run();
  clock.advance(30_000); // idle for the keep-alive interval: PINGREQ, PINGRESP
  events.push(`timers after ping: ${clock.pending().join(',')}`);
  client.stop();
  network.run();
  events.push(`after stop: connected=${client.connected} timers=${clock.pending().length} connections=${broker.connections.length}`);
  return events;
}
