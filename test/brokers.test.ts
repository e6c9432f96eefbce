// A real Mosquitto, started by test/support/mosquitto.ts on a free loopback port, carries
// QoS-1 and retained messages for the npm mqtt client, and stops cleanly. Without Mosquitto
// these tests are skipped on a developer's machine and fail under CI (CI set): install it with
// `sudo bash tools/brokers/install-brokers.sh`.

import test from 'ava';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { createConnection } from 'node:net';
import { INSTALL_HINT, MosquittoStartError, mosquittoAvailable, startMosquitto } from './support/mosquitto.js';

const ci = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());
const available = mosquittoAvailable();

if (!available && ci) {
  test('mosquitto is installed (required under CI)', (t) => {
    t.fail(`${INSTALL_HINT} — .ci/run must call tools/brokers/install-brokers.sh before the tests`);
  });
}
const brokerTest = available ? test : test.skip;
const skipNote = available ? '' : ` (skipped: ${INSTALL_HINT})`;

interface Received {
  topic: string;
  payload: string;
  packet: IPublishPacket;
}

/** The next message the client gets on `topic`, or a rejection after `ms`. */
function nextMessage(client: MqttClient, topic: string, ms = 5000): Promise<Received> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${ms} ms`));
    }, ms);
    const onMessage = (got: string, payload: Buffer, packet: IPublishPacket) => {
      if (got !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic: got, payload: payload.toString('utf8'), packet });
    };
    client.on('message', onMessage);
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

brokerTest(`Mosquitto round-trips a QoS-1 message and a retained message${skipNote}`, async (t) => {
  const broker = await startMosquitto();
  const clients: MqttClient[] = [];
  try {
    t.regex(broker.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    t.not(broker.port, 1883, 'never the system broker port');
    const connect = async (clientId: string) => {
      const client = await connectAsync(broker.url, { clientId, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });
      clients.push(client);
      return client;
    };

    // QoS 1: the subscriber gets it at QoS 1; mqtt.js resolves a QoS-1 publish (with the packet
    // it sent) only once the broker's PUBACK is in.
    const subscriber = await connect('botpeer-test-sub');
    const granted = await subscriber.subscribeAsync('botpeer/test/qos1', { qos: 1 });
    t.is(granted[0]?.qos, 1);
    const publisher = await connect('botpeer-test-pub');
    const arrival = nextMessage(subscriber, 'botpeer/test/qos1');
    const sent = await publisher.publishAsync('botpeer/test/qos1', 'reading 42', { qos: 1 });
    t.like(sent, { cmd: 'publish', qos: 1 });
    const qos1 = await arrival;
    t.is(qos1.payload, 'reading 42');
    t.is(qos1.packet.qos, 1);
    t.false(qos1.packet.retain);

    // Retained: a client that subscribes only afterwards still gets the last value, flagged retained.
    await publisher.publishAsync('botpeer/test/retained', 'last header', { qos: 1, retain: true });
    const late = await connect('botpeer-test-late');
    const retainedArrival = nextMessage(late, 'botpeer/test/retained');
    await late.subscribeAsync('botpeer/test/retained', { qos: 1 });
    const retained = await retainedArrival;
    t.is(retained.payload, 'last header');
    t.true(retained.packet.retain);
    t.is(retained.packet.qos, 1);

    t.regex(broker.log(), /mosquitto version \S+ running/);
  } finally {
    await Promise.all(clients.map((client) => client.endAsync()));
    await broker.stop();
  }
  t.false(await portOpen(broker.port), 'the port is closed once stop() resolves');
  await broker.stop(); // a second stop is harmless
});

brokerTest(`a broker that cannot start fails fast with its own log${skipNote}`, async (t) => {
  const error = await t.throwsAsync(startMosquitto({ extraConfig: ['no_such_option true'] }), { instanceOf: MosquittoStartError });
  t.regex(error?.message ?? '', /exited with code \d+ before listening/);
  t.regex(error?.message ?? '', /no_such_option/);
});

test('a missing binary gets an error that says how to install Mosquitto', async (t) => {
  await t.throwsAsync(startMosquitto({ bin: '/nonexistent/mosquitto' }), { message: /tools\/brokers\/install-brokers\.sh/ });
});
