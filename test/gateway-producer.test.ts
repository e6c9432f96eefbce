// The block producer's cadence (test layer, Node only): a pool that fills in many small
// admissions is cut into full blocks, never into a trail of small or empty ones, and what is
// left waits for the interval, which counts from the previous block. Real store, state, crypto
// and signatures; only the bus is a recorder.

import test from 'ava';
import {
  AccountRole, AccountStatus, ErrorCode, LedgerState, Quantity, TxKind, applyHeader, decodeCheckpoint, decodeLightBlock, encodeTx,
  genesisHash, keyId, readingsBody, signTx, trustFromGenesis, txId, verifyCheckpoint, verifyHeader,
} from '../src/index.js';
import { BlockProducer, DEFAULT_PRODUCER_OPTIONS } from '../tools/gateway/block-producer.js';
import type { Bus } from '../tools/gateway/bus.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import type { PoolEntry } from '../tools/gateway/ingest.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { chainTopics } from '../src/index.js';
import { makeChainDir } from './support/gateway-fixture.js';

const crypto = createNativeCrypto();

const recorderBus = (published: { topic: string; payload: Uint8Array }[]): Bus => ({
  url: 'mqtt://recorder', enforcesBlocklist: false,
  onMessage: async () => {},
  publish: async (topic, payload) => void published.push({ topic, payload }),
  disconnect: () => {},
  close: async () => {},
});

test('a pool filled by many small admissions is cut into full blocks; the rest waits for the interval', async (t) => {
  const { chain, remove } = makeChainDir('producer');
  t.teardown(remove);
  const store = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  const deviceKey = { privateKey: crypto.sha256(Uint8Array.of(1, 2, 3)) };
  const publicKey = crypto.publicKey(deviceKey.privateKey);
  const sender = keyId(crypto, publicKey);
  const committed = LedgerState.fromEntries(
    [{ id: sender, key: publicKey, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 0 }],
    [],
    { chainId: chain.chainId, permission: chain.genesis.permission, current: chain.genesis.validators, next: chain.genesis.validators },
  );
  const published: { topic: string; payload: Uint8Array }[] = [];
  const heights: number[] = [];
  let fullBlocks: () => void = () => {};
  const threeBlocks = new Promise<void>((resolve) => (fullBlocks = resolve));
  const intervalMs = 1000;
  // The producer's time is the test's: its timer is not started, the test calls tick().
  let now = chain.genesis.time + 1000;
  const producer = new BlockProducer(
    {
      crypto, chainId: chain.chainId, topics: chainTopics(chain.chainId), store, bus: recorderBus(published), validators: chain.genesis.validators,
      keys: [chain.gatewayKey], now: () => now,
      onBlock: (height, count) => {
        heights.push(count);
        if (heights.length === 3) fullBlocks();
      },
    },
    { ...DEFAULT_PRODUCER_OPTIONS, maxBlockTxs: 10, intervalMs, heartbeatMs: 60_000 },
    committed,
    { height: 0, hash: genesisHash(crypto, chain.genesis), time: chain.genesis.time },
    [],
  );
  const entries: PoolEntry[] = Array.from({ length: 35 }, (_, i) => {
    const tx = signTx(crypto, chain.chainId, { kind: TxKind.READINGS, sender, seq: i + 1, time: Math.floor(now / 1000), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [i] }]) }, deviceKey.privateKey);
    const wire = encodeTx(tx);
    return { tx, wire, id: txId(crypto, wire) };
  });
  // Seven admissions of five in one turn of the event loop, each durable first as ingest does it.
  for (let i = 0; i < 35; i += 5) {
    const batch = entries.slice(i, i + 5);
    store.appendPending(batch.map(({ tx, wire, id }) => ({ wire, txId: id, sender: tx.sender, seq: tx.seq, kind: tx.kind, time: tx.time, receivedAt: now })));
    producer.add(batch);
  }
  await threeBlocks;
  await new Promise<void>((resolve) => setImmediate(resolve)); // one more turn: a fourth full cut would have run by now
  t.deepEqual(heights, [10, 10, 10], 'three full blocks at once, no small or empty ones');
  t.is(producer.pendingCount, 5);
  now += intervalMs / 2;
  t.is(producer.tick(), undefined);
  t.deepEqual(heights, [10, 10, 10], 'the rest waits: the interval counts from the last block');
  now += intervalMs / 2;
  t.is(producer.tick(), 4);
  t.deepEqual(heights, [10, 10, 10, 5]);
  await new Promise<void>((resolve) => setImmediate(resolve)); // proofs go out once the header's publish resolved
  t.is(store.txCount(), 35);
  t.deepEqual(store.blockTxIds(4), entries.slice(30).map((e) => e.id));
  t.is(decodeLightBlock(store.block(4)!.lightBlock).header.txCount, 5);
  t.is(published.filter((p) => p.topic.endsWith('/proof')).length, 35, 'a proof for every transaction');
});

test('a device off for longer than its trust period re-anchors on the checkpoint of a chain of heartbeat blocks', (t) => {
  const { chain, remove } = makeChainDir('producer-checkpoint');
  t.teardown(remove);
  const store = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  const published: { topic: string; payload: Uint8Array }[] = [];
  const topics = chainTopics(chain.chainId);
  let now = chain.genesis.time + 1000;
  const heartbeatMs = 60_000;
  const producer = new BlockProducer(
    {
      crypto, chainId: chain.chainId, topics, store, bus: recorderBus(published), validators: chain.genesis.validators,
      keys: [chain.gatewayKey], operatorPrivateKey: chain.operatorKey!.privateKey, now: () => now,
    },
    { ...DEFAULT_PRODUCER_OPTIONS, heartbeatMs },
    LedgerState.fromGenesis(crypto, chain.genesis),
    { height: 0, hash: genesisHash(crypto, chain.genesis), time: chain.genesis.time },
    [],
  );
  const options = { trustPeriodMs: 3_600_000, maxClockDriftMs: 10_000 };
  // The device verified block 1, then was off for three trust periods while the chain kept going.
  now += heartbeatMs;
  t.is(producer.tick(), 1);
  const block1 = decodeLightBlock(store.block(1)!.lightBlock);
  const genesisTrust = trustFromGenesis(crypto, chain.genesis);
  const first = verifyHeader(crypto, genesisTrust, block1, now, options);
  t.true(first.ok);
  const trusted = applyHeader(genesisTrust, first.ok ? first.value : (undefined as never));
  const until = now + 3 * options.trustPeriodMs;
  while (now < until) {
    now += heartbeatMs;
    producer.tick();
  }
  const latest = decodeLightBlock(store.block(producer.height)!.lightBlock);
  const expired = verifyHeader(crypto, trusted, latest, now, options);
  t.false(expired.ok);
  t.is(expired.ok ? 0 : expired.code, ErrorCode.TRUST_EXPIRED);
  // What a device finds on the retained checkpoint topic, and what CHECKPOINT answers.
  const retained = published.filter((p) => p.topic === topics.checkpoint).at(-1)!;
  const checkpoint = decodeCheckpoint(retained.payload);
  t.deepEqual(producer.latestCheckpoint(), checkpoint);
  t.true(latest.header.time - checkpoint.header.time < DEFAULT_PRODUCER_OPTIONS.checkpointIntervalMs, `refreshed (height ${checkpoint.header.height} of ${producer.height})`);
  const anchored = verifyCheckpoint(crypto, { chainId: chain.chainId, operatorKey: chain.genesis.operatorKey }, trusted, checkpoint, now, options);
  t.true(anchored.ok, anchored.ok ? '' : `re-anchored: ${anchored.reason}`);
  if (!anchored.ok) return;
  const caughtUp = verifyHeader(crypto, anchored.value, latest, now, options);
  t.true(caughtUp.ok || caughtUp.code === ErrorCode.NOT_NEWER, 'and verifies the newest header from there');

  // A restart over the same ledger holds (and publishes) a checkpoint of the newest block at once.
  const afterRestart: { topic: string; payload: Uint8Array }[] = [];
  const newest = store.latestBlock()!;
  const restarted = new BlockProducer(
    {
      crypto, chainId: chain.chainId, topics, store, bus: recorderBus(afterRestart), validators: chain.genesis.validators,
      keys: [chain.gatewayKey], operatorPrivateKey: chain.operatorKey!.privateKey, now: () => now,
    },
    { ...DEFAULT_PRODUCER_OPTIONS, heartbeatMs },
    producer.committedState(),
    { height: newest.height, hash: newest.hash, time: newest.time },
    [],
  );
  restarted.start();
  restarted.stop();
  t.is(restarted.latestCheckpoint()?.header.height, newest.height, 'the restarted gateway holds a checkpoint before its next block');
  t.is(afterRestart.filter((p) => p.topic === topics.checkpoint).length, 1, 'and published it retained');
});
