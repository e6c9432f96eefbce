// The light peer against the real gateway (tools/gateway: aedes, SQLite, native
// verification, its query handler) over real MQTT. The session here is a thin
// MqttSession over mqtt.js, written for this test only (the device's own client
// lives in src/mqtt/client). It proves the peer and the gateway agree on the
// protocol, including the PROOF answers a rebooted device relies on: the peer
// crashes with acknowledged transactions not yet in a block, and the next boot
// makes them final through REPLAY → PROOF.

import test from 'ava';
import { Method, Quantity, bytesToHex, keyId } from '../src/index.js';
import { type LightPeer, createLightPeer, loadOrCreateKeyPair, makePeerConfig } from '../src/peer/index.js';
import { crypto, enroll, makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { connectPassword } from './support/mqtt-device.js';
import { mqttJsSession, realClock, until } from './support/mqtt-js-session.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { MemoryKeyValueStore, MemoryOutbox } from './fakes/memory-store.js';
import { seededRandom } from './fakes/seeded-random.js';

test('the light peer against the real gateway: final on its own verification, also across a crash', async (t) => {
  const { dir, chain, remove } = makeChainDir('peer-gateway');
  const gateway = await startTestGateway(dir);
  t.teardown(async () => {
    await gateway.close();
    remove();
  });
  const kv = new MemoryKeyValueStore();
  const outbox = new MemoryOutbox(16);
  const keys = loadOrCreateKeyPair(crypto, kv, seededRandom(11));
  const hex = bytesToHex(keyId(crypto, keys.publicKey));
  await enroll(gateway.mqttUrl, chain, [keys]);
  const sensor = rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 3);
  const config = makePeerConfig(chain.genesis, { samplingIntervalMs: 100, outboxCapacity: 16, proofTimeoutMs: 1_000 });
  const finals: number[] = [];
  const boot = () => {
    const clock = realClock();
    const session = mqttJsSession(gateway.mqttUrl, hex, () => connectPassword(crypto, chain.chainId, keys));
    const peer: LightPeer = createLightPeer(config, { crypto, clock, random: seededRandom(11), store: kv, outbox, sensors: [sensor], session, log: () => {} });
    peer.onEvent((e) => {
      if (e.type === 'final') finals.push(e.seq);
    });
    peer.start();
    return { peer, clock, session };
  };

  // Boot 1: three readings acknowledged while the gateway holds blocks back, then a power cut.
  gateway.producer.stop();
  const first = boot();
  await until(() => first.peer.status().counters.acked === 3, 'three acks');
  t.deepEqual(finals, []);
  first.clock.kill();
  await first.session.close();
  gateway.producer.start();
  // The block holding them is made while the device is off, so its pushed proofs are lost.
  await until(() => gateway.store.txBySenderSeq(keyId(crypto, keys.publicKey), 3) !== undefined, 'the three in a block');

  // Boot 2: the outbox is resumed; the gateway answers REPLAY, the PROOF request brings each proof.
  sensor.limit = 5;
  const second = boot();
  t.teardown(async () => {
    second.peer.stop();
    await second.session.close();
  });
  await until(() => finals.length === 5, 'five finals');
  const s = second.peer.status();
  t.deepEqual([...finals].sort(), [1, 2, 3, 65, 66], 'the second boot continued above the reserved ceiling');
  t.is(outbox.size, 0);
  t.is(s.counters.rejected, 0);
  t.is(s.counters.headersRejected, 0);
  t.is(s.counters.proofsRejected, 0);
  t.is(s.state, 'online');
  t.true(s.trustedHeight >= 2);
  for (const seq of [1, 2, 3, 65, 66]) t.truthy(gateway.store.txBySenderSeq(keyId(crypto, keys.publicKey), seq), `seq ${seq} in the ledger`);
  const requests = second.session.published.filter((topic) => topic.endsWith('/req')).length;
  t.true(requests >= 3, `${requests} requests: the resumed transactions were settled by PROOF (method ${Method.PROOF})`);
  const ups = second.session.published.filter((topic) => topic.endsWith('/up')).length;
  t.is(ups, 5, 'boot 2 sent each of its five once');
});
