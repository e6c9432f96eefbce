// The embedded broker under a burst: a block's worth of proofs queued to a
// device, then a burst of messages on a topic without subscribers (as `up` is:
// the gateway reads it from the broker's publish event) must not overflow the
// stack — mqemitter drains its queue recursively past its concurrency limit.

import test from 'ava';
import mqtt from 'mqtt';
import { startAedesBus } from '../tools/gateway/bus-aedes.js';

test('4096 queued proofs then 20000 messages in one tick are all delivered', async (t) => {
  const chainHex = '0123456789abcdef';
  const device = 'fedcba9876543210';
  const bus = await startAedesBus({ host: '127.0.0.1', port: 0, chainHex, isBlocked: () => false });
  const client = await mqtt.connectAsync(bus.url, { clientId: device });
  t.teardown(async () => {
    await client.endAsync();
    await bus.close();
  });
  let proofs = 0;
  client.on('message', () => proofs++);
  await client.subscribeAsync(`bot/${chainHex}/d/${device}/proof`, { qos: 1 });
  await bus.onMessage(`bot/${chainHex}/up`, () => {}); // the gateway's ingest listener, as in production
  const crashes: string[] = [];
  const onCrash = (error: unknown) => crashes.push(String(error));
  process.on('uncaughtException', onCrash);
  t.teardown(() => process.off('uncaughtException', onCrash));

  const payload = new Uint8Array(100);
  const sent: Promise<void>[] = [];
  for (let i = 0; i < 4096; i++) sent.push(bus.publish(`bot/${chainHex}/d/${device}/proof`, payload, { qos: 1 }));
  for (let i = 0; i < 20_000; i++) sent.push(bus.publish(`bot/${chainHex}/up`, payload, { qos: 1 }));
  const settled = Promise.all(sent).then(() => 'done');
  const outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
  t.deepEqual(crashes, []);
  t.is(outcome, 'done');
  while (proofs < 4096 && crashes.length === 0) await new Promise((r) => setTimeout(r, 20));
  t.is(proofs, 4096);
});
