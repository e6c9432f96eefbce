// The light peer's configuration, identity and small persistent parts, one
// rule at a time: every bad setting is a typed error, the key is made once and
// never replaced, the seq ceiling is durable before use, and readings are
// batched without gaps.

import test from 'ava';
import { BotError, MAX_SEQ_JUMP, Quantity, encodeCbor, errorName } from '../src/index.js';
import { GATEWAY_MAX_SEQ_JUMP, StoreKey, createLightPeer, loadOrCreateKeyPair, makePeerConfig } from '../src/peer/index.js';
import type { PeerOptions } from '../src/peer/index.js';
import { ReadingBatcher, type SealedBatch } from '../src/peer/reading-batcher.js';
import { SeqReservation } from '../src/peer/seq-reservation.js';
import { FakeGateway } from './fakes/fake-gateway.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { MemoryKeyValueStore, MemoryOutbox } from './fakes/memory-store.js';
import { START_MS, testCrypto } from './fakes/scenario.js';
import { seededRandom } from './fakes/seeded-random.js';
import { VirtualClock } from './fakes/virtual-clock.js';

const crypto = testCrypto();
const gateway = new FakeGateway({ crypto, clock: new VirtualClock(START_MS), blockIntervalMs: 0 });

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof BotError ? errorName(error.code) : `not a BotError: ${String(error)}`;
  }
  return 'no error';
};

test('makePeerConfig fills the documented defaults', (t) => {
  const c = makePeerConfig(gateway.genesis);
  t.like(c, { samplingIntervalMs: 1000, batchSize: 1, outboxCapacity: 64, seqReserve: 64, maxInFlight: 8 });
  t.true(Object.isFrozen(c));
  t.is(c.trust.trustPeriodMs, 14 * 24 * 3600 * 1000);
});

test('every bad setting is a typed error', (t) => {
  const rows: [string, PeerOptions, string][] = [
    ['batchSize 0', { batchSize: 0 }, 'BAD_PEER_CONFIG'],
    ['batchSize beyond a transaction', { batchSize: 257 }, 'BAD_PEER_CONFIG'],
    ['fractional interval', { samplingIntervalMs: 1.5 }, 'BAD_PEER_CONFIG'],
    ['sub-second spacing inside a batch', { batchSize: 2, samplingIntervalMs: 1500 }, 'BAD_PEER_CONFIG'],
    ['interval over a day', { samplingIntervalMs: 86_400_001 }, 'BAD_PEER_CONFIG'],
    ['no outbox', { outboxCapacity: 0 }, 'BAD_PEER_CONFIG'],
    ['reserve the gateway would refuse as a gap', { seqReserve: 4096 }, 'BAD_PEER_CONFIG'],
    ['reserve 0', { seqReserve: 0 }, 'BAD_PEER_CONFIG'],
    ['no window', { maxInFlight: 0 }, 'BAD_PEER_CONFIG'],
    ['negative timeout', { proofTimeoutMs: -1 }, 'BAD_PEER_CONFIG'],
    ['not a number', { proofTimeoutMs: '5' as unknown as number }, 'BAD_PEER_CONFIG'],
    ['trust period 0', { trust: { trustPeriodMs: 0 } }, 'BAD_TRUST_OPTIONS'],
    ['drift beyond the period', { trust: { trustPeriodMs: 1000, maxClockDriftMs: 1000 } }, 'BAD_TRUST_OPTIONS'],
  ];
  for (const [reason, options, expected] of rows) t.is(codeOf(() => makePeerConfig(gateway.genesis, options)), expected, reason);
  t.is(codeOf(() => makePeerConfig({ ...gateway.genesis, operatorKey: new Uint8Array(33) })), 'BAD_PEER_CONFIG', 'operator key');
  t.is(codeOf(() => makePeerConfig(gateway.genesis, { batchSize: 2, samplingIntervalMs: 2000 })), 'no error');
});

test('the peer and the gateway agree on the largest sequence jump', (t) => {
  t.is(GATEWAY_MAX_SEQ_JUMP, MAX_SEQ_JUMP);
});

test('createLightPeer refuses ports that do not match the configuration', (t) => {
  const ports = (outbox: number, sensors = [rampSensor(Quantity.TEMPERATURE_C, -2, 0)]) => ({
    crypto, clock: new VirtualClock(START_MS), random: seededRandom(9), store: new MemoryKeyValueStore(),
    outbox: new MemoryOutbox(outbox), sensors, session: gateway.session('x'), log: () => {},
  });
  const config = makePeerConfig(gateway.genesis, { outboxCapacity: 8, batchSize: 64 });
  t.is(codeOf(() => createLightPeer(config, ports(9))), 'BAD_PEER_CONFIG', 'outbox capacity differs');
  t.is(codeOf(() => createLightPeer(config, ports(8, []))), 'BAD_PEER_CONFIG', 'no sensor');
  const five = Array.from({ length: 5 }, () => rampSensor(Quantity.TEMPERATURE_C, -2, 0));
  t.is(codeOf(() => createLightPeer(config, ports(8, five))), 'BAD_PEER_CONFIG', '5 × 64 readings exceed a transaction');
  t.is(codeOf(() => createLightPeer(config, ports(8, [rampSensor(Quantity.TEMPERATURE_C, 10, 0)]))), 'BAD_PEER_CONFIG', 'scale');
  t.is(codeOf(() => createLightPeer(config, ports(8, [rampSensor(99 as Quantity, 0, 0)]))), 'BAD_PEER_CONFIG', 'quantity');
  t.is(codeOf(() => createLightPeer(config, ports(8))), 'no error');
});

test('the key is made on first boot from the random port, then loaded; a corrupt one is never replaced', (t) => {
  const store = new MemoryKeyValueStore();
  const first = loadOrCreateKeyPair(crypto, store, seededRandom(42));
  const again = loadOrCreateKeyPair(crypto, store, () => {
    throw new Error('a second boot must not draw a new key');
  });
  t.deepEqual(again.publicKey, first.publicKey);
  t.is(store.writes.get(StoreKey.KEY), 1);
  store.set(StoreKey.KEY, new Uint8Array(32)); // zero is not a valid scalar
  t.is(codeOf(() => loadOrCreateKeyPair(crypto, store, seededRandom(1))), 'STORAGE');
  t.deepEqual(store.get(StoreKey.KEY), new Uint8Array(32), 'left for the operator to decide');
});

test('sequence reservation: the ceiling is durable before use and a reboot continues above it', (t) => {
  const store = new MemoryKeyValueStore();
  const a = new SeqReservation(store, 10, 0);
  t.deepEqual([a.take(), a.take(), a.take()], [1, 2, 3]);
  t.is(store.writes.get(StoreKey.SEQ_CEILING), 1);
  const b = new SeqReservation(store, 10, 0); // reboot
  t.is(b.take(), 11, 'the unused rest of the block is skipped');
  t.is(store.writes.get(StoreKey.SEQ_CEILING), 2);
  const c = new SeqReservation(store, 10, 25); // the outbox holds 25: never below it
  t.is(c.take(), 26);
  // A failing store: nothing is taken, the same seq is offered again.
  const d = new SeqReservation(store, 10, 0);
  store.failWrites = true;
  const next = d.next;
  t.throws(() => d.take());
  t.is(d.next, next);
  store.failWrites = false;
  store.set(StoreKey.SEQ_CEILING, encodeCbor([1]));
  t.is(codeOf(() => new SeqReservation(store, 10, 0)), 'STORAGE', 'an unreadable ceiling stops the peer rather than risk a reuse');
});

test('batching: a change in which sensors answer seals the batch, so a series never has a gap', (t) => {
  const temp = rampSensor(Quantity.TEMPERATURE_C, -2, 2000);
  const hum = rampSensor(Quantity.RELATIVE_HUMIDITY_PCT, 0, 50);
  const batcher = new ReadingBatcher([temp, hum], 3, 10);
  const sealed: SealedBatch[] = [];
  const seal = (b: SealedBatch) => sealed.push(b);
  batcher.sample(1_000_000, seal);
  batcher.sample(1_010_000, seal);
  hum.on = false;
  batcher.sample(1_020_000, seal); // humidity gone: the two full rounds are sealed
  batcher.sample(1_030_000, seal);
  batcher.sample(1_040_000, seal); // three temperature-only rounds
  temp.on = false;
  batcher.sample(1_050_000, seal); // nobody answers: nothing buffered, nothing sealed
  t.deepEqual(sealed.map((b) => [b.time, b.readings, b.series.map((s) => [s.quantity, s.interval, s.values])]), [
    [1000, 4, [[Quantity.TEMPERATURE_C, 10, [2000, 2001]], [Quantity.RELATIVE_HUMIDITY_PCT, 10, [50, 51]]]],
    [1020, 3, [[Quantity.TEMPERATURE_C, 10, [2002, 2003, 2004]]]],
  ]);
  t.is(batcher.buffered, 0);
  const odd = new ReadingBatcher([{ quantity: Quantity.COUNT, scale: 0, sample: () => 2 ** 40 }], 1, 0);
  t.is(odd.sample(0, seal), 0, 'a value outside the wire range is not a reading');
});
