// Attacks on the embedded broker by someone who can reach its port (issue 9 §1) and
// the CONNECT rule of docs/protocol.md §9.6: without a device's key no client can
// connect as that device, kick it off or take its proofs; a recorded CONNECT is
// refused; a wrong client id gets a CONNACK code it can see; an oversized packet
// closes its connection before it is buffered; no client stores retained messages.

import test from 'ava';
import mqtt from 'mqtt';
import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { ErrorCode, type KeyPair, bytesToHex, chainTopics, makeConnectToken } from '../src/index.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { type MqttDevice, connectDevice, connectPassword } from './support/mqtt-device.js';

const { dir, chain, remove } = makeChainDir('broker-auth');
let gateway: Gateway;
let victimKey: KeyPair;
let victim: MqttDevice;
let seq = 0;

test.before(async () => {
  gateway = await startTestGateway(dir);
  victimKey = newDeviceKey();
  await enroll(gateway.mqttUrl, chain, [victimKey]);
  victim = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, victimKey);
});

test.after.always(async () => {
  await victim?.close();
  await gateway?.close();
  remove();
});

/** Connects with raw options; resolves with the CONNACK return code (0 when accepted, the client then closed). */
async function connackCode(options: mqtt.IClientOptions): Promise<number> {
  try {
    const client = await mqtt.connectAsync(gateway.mqttUrl, { clean: true, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    await client.endAsync();
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** The victim still works: nothing kicked it off. */
async function victimStillConnected(t: import('ava').ExecutionContext): Promise<void> {
  t.true(victim.client.connected, 'the device was not kicked off');
  await victim.sendReadings(++seq, [100 + seq]);
  await victim.waitFor(() => victim.acks.get(seq)?.code === ErrorCode.OK, 'the device\'s transaction accepted');
}

const hex = () => bytesToHex(victim.id);

test.serial('attack: a client without the key cannot connect as a device, nor kick it off', async (t) => {
  let kicked = false;
  victim.client.on('close', () => (kicked = true));
  t.is(await connackCode({ clientId: hex() }), 4, 'no credentials');
  t.is(await connackCode({ clientId: hex(), username: hex(), password: 'not a token' }), 4, 'garbage password');
  const other = newDeviceKey();
  const forgedToken = bytesToHex(makeConnectToken(crypto, chain.chainId, other, Date.now())); // signed by another key
  t.is(await connackCode({ clientId: hex(), username: hex(), password: forgedToken }), 4, 'token signed by another key');
  // A token by the right key, for another chain, does not work either.
  t.is(await connackCode({ clientId: hex(), username: hex(), password: bytesToHex(makeConnectToken(crypto, new Uint8Array(8), victimKey, Date.now() + 1)) }), 4);
  // Nor can an observer read the device's topics.
  const observer = await mqtt.connectAsync(gateway.mqttUrl, { clientId: 'observer-1', clean: true, reconnectPeriod: 0 });
  t.teardown(() => observer.endAsync());
  const refused = await t.throwsAsync(observer.subscribeAsync(`bot/${bytesToHex(chain.chainId)}/d/${hex()}/proof`, { qos: 1 }));
  t.regex(String(refused?.message), /Subscribe error/, 'an observer may not subscribe to a device\'s proofs');
  await victimStillConnected(t);
  t.false(kicked);
});

test.serial('attack: a recorded CONNECT is refused, and an old token too', async (t) => {
  const password = connectPassword(crypto, chain.chainId, victimKey);
  // The first use (the device's own reconnection) takes over the session, as MQTT says…
  const first = await mqtt.connectAsync(gateway.mqttUrl, { clientId: hex(), username: hex(), password, clean: true, reconnectPeriod: 0 });
  await first.endAsync();
  // …a replay of the same bytes never works.
  t.is(await connackCode({ clientId: hex(), username: hex(), password }), 4, 'replayed');
  const old = bytesToHex(makeConnectToken(crypto, chain.chainId, victimKey, Date.now() - 10 * 60_000));
  t.is(await connackCode({ clientId: hex(), username: hex(), password: old }), 4, 'outside the window');
  victim = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, victimKey);
  await victimStillConnected(t);
});

test.serial('a client id that is not the device id gets a CONNACK code it can see', async (t) => {
  t.is(await connackCode({ clientId: 'my-sensor', username: hex(), password: connectPassword(crypto, chain.chainId, victimKey) }), 2, 'client id not a device id');
  t.is(await connackCode({ clientId: 'aaaaaaaaaaaaaaaa', username: hex(), password: connectPassword(crypto, chain.chainId, victimKey) }), 2, 'client id not the username');
  const stranger = newDeviceKey();
  const id = bytesToHex(crypto.sha256(stranger.publicKey).slice(0, 8)); // any id, not enrolled
  t.is(await connackCode({ clientId: id, username: id, password: 'aa' }), 5, 'not enrolled');
  t.is(await connackCode({ clientId: 'observer-2' }), 0, 'an observer without identity');
});

test.serial('an observer may publish nothing, and no client may store a retained message', async (t) => {
  const topics = chainTopics(chain.chainId);
  const received = gateway.ingest.stats.received;
  const observer = await mqtt.connectAsync(gateway.mqttUrl, { clientId: 'observer-3', clean: true, reconnectPeriod: 0 });
  const closed = new Promise<void>((resolve) => observer.once('close', () => resolve()));
  observer.publish(topics.up, Buffer.from([0x80]), { qos: 1 });
  await closed; // aedes closes an MQTT 3.1.1 client whose publication it refuses
  t.log('observer closed');
  observer.end(true);
  // A retained message from an authenticated device: refused too.
  const device = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, victimKey);
  victim = device;
  const dropped = new Promise<void>((resolve) => device.client.once('close', () => resolve()));
  device.client.publish(topics.up, Buffer.alloc(1024), { qos: 1, retain: true });
  await dropped;
  t.log('device closed');
  device.client.end(true);
  victim = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, victimKey);
  await victimStillConnected(t);
  t.is(gateway.ingest.stats.received, received + 1, 'only the device\'s own transaction reached ingest');
});

test.serial('attack: an oversized packet closes its connection once its length is read', async (t) => {
  const url = new URL(gateway.mqttUrl);
  const before = process.memoryUsage().rss;
  const sockets = await Promise.all([0, 1, 2].map(() => new Promise<number>((resolve) => {
    let written = 0;
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `big-${Math.random()}`, keepalive: 30 }));
      // A PUBLISH announcing 256 MiB - 1, then its bytes as fast as the socket takes them.
      socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (!socket.destroyed && written < 256 * 1024 * 1024 && socket.write(chunk)) written += chunk.length;
      };
      socket.on('drain', pump);
      pump();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(written));
  })));
  for (const written of sockets) t.true(written < 64 * 1024 * 1024, `closed after ${written} bytes, far below the 256 MiB announced`);
  const grown = process.memoryUsage().rss - before;
  t.log(`rss grew ${(grown / 1048576).toFixed(1)} MiB for three 256 MiB packets`);
  await victimStillConnected(t);
});
