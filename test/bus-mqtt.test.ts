// The external-broker bus under a burst (test layer, Node only), over a real Mosquitto: a
// block's worth of proofs and more published in one turn all arrive, in order, while the
// bus's own flow control keeps mqtt.js from piling a 'drain' listener per packet onto the
// socket (which made every drain cost O(n²)).

import test from 'ava';
import mqtt from 'mqtt';
import type { Socket } from 'node:net';
import { startMqttBus } from '../tools/gateway/bus-mqtt.js';
import { mosquittoAvailable, startMosquitto } from './support/mosquitto.js';

(mosquittoAvailable() ? test : test.skip)('20000 publications in one turn arrive in order, with at most one drain listener', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const bus = await startMqttBus({ url: broker.url, clientId: 'botpeer-gw-test' });
  t.teardown(() => bus.close());
  const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'fedcba9876543210', clean: true, reconnectPeriod: 0 });
  t.teardown(() => subscriber.endAsync(true));
  const topic = 'bot/0123456789abcdef/d/fedcba9876543210/proof';
  const received: number[] = [];
  subscriber.on('message', (_topic, payload) => received.push(payload.readUInt32BE(0)));
  await subscriber.subscribeAsync(topic, { qos: 1 });

  // The bus's socket: the one mqtt.js writes to (reached through the bus's own client).
  const sockets = new Set<Socket>();
  const seen = (s: Socket) => sockets.add(s);
  let mostDrainListeners = 0;
  const COUNT = 20_000;
  const payload = (i: number) => {
    const b = new Uint8Array(300);
    new DataView(b.buffer).setUint32(0, i);
    return b;
  };
  const sent: Promise<void>[] = [];
  for (let i = 0; i < COUNT; i++) sent.push(bus.publish(topic, payload(i), { qos: i % 2 === 0 ? 0 : 1 }));
  // Sample the listener count while the burst drains.
  const probe = setInterval(() => {
    for (const s of sockets) mostDrainListeners = Math.max(mostDrainListeners, s.listenerCount('drain'));
  }, 1);
  // The bus exposes no socket; find it among the process's active handles.
  for (const handle of (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()) {
    const s = handle as Socket;
    if (typeof s?.listenerCount === 'function' && s.remotePort === Number(new URL(broker.url).port) && s.localPort !== undefined) seen(s);
  }
  await Promise.all(sent);
  for (let waited = 0; received.length < COUNT && waited < 20_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  clearInterval(probe);
  t.is(received.length, COUNT);
  t.true(received.every((v, i) => v === i), 'in publication order');
  t.true(sockets.size >= 1, 'found the sockets to the broker');
  t.true(mostDrainListeners <= 3, `at most a few 'drain' listeners at once (saw ${mostDrainListeners})`);
});
