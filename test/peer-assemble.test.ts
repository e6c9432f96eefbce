// assemblePeer (src/peer/assemble-peer.ts), where every host turns its ports into a light
// peer: the device key is derived once per boot (made on the first), the MQTT client
// connects with the device id as its client id and a persistent session, and sensors and
// log may be made for the device id.

import test from 'ava';
import { type CryptoProvider, Quantity, bytesToHex, createNobleCrypto } from '../src/index.js';
import { assemblePeer } from '../src/peer/assemble-peer.js';
import { makePeerConfig } from '../src/peer/index.js';
import type { TransportFactory, TransportHandlers } from '../src/ports/index.js';
import { FakeGateway } from './fakes/fake-gateway.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { MemoryKeyValueStore, MemoryOutbox } from './fakes/memory-store.js';
import { seededRandom } from './fakes/seeded-random.js';
import { VirtualClock } from './fakes/virtual-clock.js';

/** The noble provider, counting public-key derivations (the costly part of loading a key). */
function countingCrypto(): { crypto: CryptoProvider; derivations: () => number } {
  const noble = createNobleCrypto();
  let n = 0;
  const crypto: CryptoProvider = { ...noble, publicKey: (privateKey) => (n++, noble.publicKey(privateKey)) };
  return { crypto, derivations: () => n };
}

/** A transport that opens at once and keeps what the client writes. */
function capturingTransport(): { factory: TransportFactory; written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  const factory: TransportFactory = (handlers: TransportHandlers) => {
    queueMicrotask(() => handlers.onOpen());
    return { write: (bytes) => void written.push(bytes.slice()), close: () => {} };
  };
  return { factory, written };
}

test('the key is derived once per boot, made on the first; the client id is the device id; sensors and log made for it', async (t) => {
  const clock = new VirtualClock(1_700_000_000_000);
  const { crypto, derivations } = countingCrypto();
  const gateway = new FakeGateway({ crypto: createNobleCrypto(), clock });
  const config = makePeerConfig(gateway.genesis, { outboxCapacity: 8 });
  const store = new MemoryKeyValueStore();
  const boot = () => {
    const transport = capturingTransport();
    const madeFor: string[] = [];
    const assembled = assemblePeer(config, {
      crypto, clock, random: seededRandom(7), store, outbox: new MemoryOutbox(8), transport: transport.factory,
      device: (deviceId, deviceIdHex) => {
        madeFor.push(`${bytesToHex(deviceId)} ${deviceIdHex}`);
        return { sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100)], log: () => {} };
      },
    }, { keepAliveSeconds: 15 });
    return { ...assembled, transport, madeFor };
  };

  const before = derivations();
  const first = boot();
  t.true(first.firstBoot);
  t.is(derivations() - before, 1, 'one derivation on the first boot');
  t.is(first.deviceIdHex, bytesToHex(first.peer.deviceId));
  t.deepEqual(first.madeFor, [`${first.deviceIdHex} ${first.deviceIdHex}`]);

  first.peer.start();
  await new Promise<void>((resolve) => queueMicrotask(resolve));
  const connect = first.transport.written[0]!;
  t.is(connect[0], 0x10, 'CONNECT');
  const text = new TextDecoder().decode(connect);
  t.true(text.includes(first.deviceIdHex), 'client id = device id');
  // Variable header of MQTT 3.1.1: "MQTT", level 4, flags, keep-alive.
  const at = text.indexOf('MQTT') + 4;
  t.is(connect[at], 4, 'MQTT 3.1.1');
  t.is(connect[at + 1]! & 0x02, 0, 'persistent session (clean session off)');
  t.is((connect[at + 2]! << 8) | connect[at + 3]!, 15, 'keep-alive from the settings');
  first.peer.stop();

  const mid = derivations();
  const second = boot();
  t.false(second.firstBoot);
  t.is(derivations() - mid, 1, 'one derivation on a later boot: the key is loaded once');
  t.is(second.deviceIdHex, first.deviceIdHex, 'the same key');
});
