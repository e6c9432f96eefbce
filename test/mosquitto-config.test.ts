// The Mosquitto configuration `botpeer broker config` writes, on a real Mosquitto
// (issue 9 §1, docs/protocol.md §9.7): a client that is not the gateway can neither
// forge a device's acks nor take the gateway's place (its incoming transactions);
// devices store no retained message; the gateway's listener wants its password.

import test from 'ava';
import mqtt from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMqttBus } from '../tools/gateway/bus-mqtt.js';
import { GATEWAY_BROKER_USER, type MosquittoConfig, mosquittoPasswordHash, writeMosquittoConfig } from '../tools/gateway/mosquitto-config.js';
import { freePort, mosquittoAvailable, startMosquitto } from './support/mosquitto.js';

const chainHex = '0123456789abcdef';
const base = `bot/${chainHex}`;
const victim = 'fedcba9876543210';
const attacker = 'aaaaaaaaaaaaaaaa';
const brokerTest = mosquittoAvailable() ? test.serial : test.serial.skip;

async function startConfigured(t: import('ava').ExecutionContext): Promise<MosquittoConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-broker-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const gatewayPort = await freePort();
  let config: MosquittoConfig | undefined;
  const broker = await startMosquitto({
    configFile: (port) => {
      config = writeMosquittoConfig({ chainHex, outDir: dir, devicesPort: port, devicesHost: '127.0.0.1', gatewayPort, extra: ['persistence false', 'log_dest stderr', ...(process.getuid?.() === 0 ? ['user root'] : [])] });
      return config.confPath;
    },
  });
  t.teardown(() => broker.stop());
  return config!;
}

const connect = (url: string, clientId: string, extra: mqtt.IClientOptions = {}) =>
  mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0, connectTimeout: 5000, ...extra });

test('the password hash is Mosquitto\'s $7$ format', (t) => {
  t.regex(mosquittoPasswordHash('secret'), /^\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$/);
});

brokerTest('attack: a client that is not the gateway cannot forge a device\'s acks', async (t) => {
  const config = await startConfigured(t);
  const bus = await startMqttBus({ url: config.gatewayUrl, clientId: 'botpeer-gw-test', devicesUrl: config.devicesUrl });
  t.teardown(() => bus.close());
  t.is(bus.url, config.devicesUrl, 'the password is never shown to devices');
  const device = await connect(config.devicesUrl, victim, { username: victim, password: 'a token' });
  t.teardown(() => device.endAsync(true));
  const received: string[] = [];
  device.on('message', (_topic, payload) => received.push(payload.toString('hex')));
  await device.subscribeAsync(`${base}/d/${victim}/ack`, { qos: 1 });
  const evil = await connect(config.devicesUrl, attacker);
  t.teardown(() => evil.endAsync(true));
  await evil.publishAsync(`${base}/d/${victim}/ack`, Buffer.from([0x82, 0x01, 0x18, 0xc8]), { qos: 1 }); // [1, BAD_SIGNATURE]
  // Even under the gateway's own client id, on the devices listener.
  const posing = await connect(config.devicesUrl, 'botpeer-gw-test');
  t.teardown(() => posing.endAsync(true));
  await posing.publishAsync(`${base}/d/${victim}/ack`, Buffer.from([0x82, 0x01, 0x18, 0xc8]), { qos: 1 });
  await bus.publish(`${base}/d/${victim}/ack`, Uint8Array.of(0x82, 0x01, 0x00), { qos: 1 });
  await new Promise<void>((resolve) => (received.length > 0 ? resolve() : device.once('message', () => resolve())));
  t.deepEqual(received, ['820100'], 'only the gateway\'s ack arrives');
});

brokerTest('attack: a client cannot take the gateway\'s incoming transactions, nor its listener', async (t) => {
  const config = await startConfigured(t);
  const bus = await startMqttBus({ url: config.gatewayUrl, clientId: 'botpeer-gw-test', devicesUrl: config.devicesUrl });
  t.teardown(() => bus.close());
  const got: string[] = [];
  await bus.onMessage(`${base}/up`, (_topic, payload) => got.push(Buffer.from(payload).toString('hex')));
  const thief = await connect(config.devicesUrl, 'botpeer-gw-test');
  t.teardown(() => thief.endAsync(true));
  const stolen: string[] = [];
  thief.on('message', () => stolen.push('x'));
  // Mosquitto 2.0 grants the subscription and checks the ACL at each delivery: nothing arrives.
  await thief.subscribeAsync([`${base}/up`, `${base}/d/+/req`], { qos: 1 });
  const device = await connect(config.devicesUrl, victim);
  t.teardown(() => device.endAsync(true));
  await device.publishAsync(`${base}/up`, Buffer.from([0x86, 0x01]), { qos: 1 });
  while (got.length === 0) await new Promise((resolve) => setImmediate(resolve));
  await thief.subscribeAsync(`${base}/header`, { qos: 1 }); // a round trip: anything sent to the thief before has arrived
  t.deepEqual(got, ['8601']);
  t.deepEqual(stolen, []);
  // The gateway's listener: not without its password.
  const gatewayUrl = new URL(config.gatewayUrl);
  const plain = `mqtt://${gatewayUrl.host}`;
  const noPassword = await t.throwsAsync(connect(plain, 'botpeer-gw-other'));
  t.regex(String(noPassword?.message), /Not authorized|Bad User Name or Password|refused/i);
  const wrong = await t.throwsAsync(connect(plain, 'botpeer-gw-other', { username: GATEWAY_BROKER_USER, password: 'guess' }));
  t.regex(String(wrong?.message), /Not authorized|Bad User Name or Password|refused/i);
});

brokerTest('a device cannot store a retained message', async (t) => {
  const config = await startConfigured(t);
  const device = await connect(config.devicesUrl, victim);
  const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
  device.publish(`${base}/up`, Buffer.alloc(100), { qos: 1, retain: true });
  await closed;
  device.end(true);
  t.pass();
});
