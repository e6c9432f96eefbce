// The block producer's cadence (test layer, Node only): a pool that fills in many small
// admissions is cut into full blocks, never into a trail of small or empty ones, and what is
// left waits for the interval, which counts from the previous block. Real store, state, crypto
// and signatures; only the bus is a recorder.

import test from 'ava';
import {
  AccountRole, AccountStatus, LedgerState, Quantity, TxKind, decodeLightBlock, encodeTx, genesisHash, keyId, readingsBody, signTx, txId,
} from '../src/index.js';
import { BlockProducer, DEFAULT_PRODUCER_OPTIONS } from '../tools/gateway/block-producer.js';
import type { Bus } from '../tools/gateway/bus.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import type { PoolEntry } from '../tools/gateway/ingest.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { chainTopics } from '../src/index.js';
import { makeChainDir } from './support/gateway-fixture.js';

const crypto = createNativeCrypto();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test('a pool filled by many small admissions is cut into full blocks; the rest waits for the interval', async (t) => {
  const { chain, remove } = makeChainDir('producer');
  t.teardown(remove);
  const store = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  const deviceKey = { privateKey: crypto.sha256(Uint8Array.of(1, 2, 3)) };
  const publicKey = crypto.publicKey(deviceKey.privateKey);
  const sender = keyId(crypto, publicKey);
  const committed = LedgerState.fromEntries([{ id: sender, key: publicKey, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 0 }], []);
  const published: string[] = [];
  const bus: Bus = {
    url: 'mqtt://recorder', enforcesBlocklist: false,
    onMessage: async () => {},
    publish: async (topic) => void published.push(topic),
    disconnect: () => {},
    close: async () => {},
  };
  const heights: number[] = [];
  const intervalMs = 1000;
  const producer = new BlockProducer(
    {
      crypto, chainId: chain.chainId, topics: chainTopics(chain.chainId), store, bus, validators: chain.genesis.validators,
      signers: [{ index: 0, privateKey: chain.gatewayKey.privateKey }], now: Date.now,
      onBlock: (height, count) => heights.push(count),
    },
    { ...DEFAULT_PRODUCER_OPTIONS, maxBlockTxs: 10, intervalMs, heartbeatMs: 60_000 },
    committed,
    { height: 0, hash: genesisHash(crypto, chain.genesis), time: chain.genesis.time },
    [],
  );
  t.teardown(() => producer.stop());
  const entries: PoolEntry[] = Array.from({ length: 35 }, (_, i) => {
    const tx = signTx(crypto, chain.chainId, { kind: TxKind.READINGS, sender, seq: i + 1, time: Math.floor(Date.now() / 1000), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [i] }]) }, deviceKey.privateKey);
    const wire = encodeTx(tx);
    return { tx, wire, id: txId(crypto, wire) };
  });
  producer.start();
  // Seven admissions of five in one turn of the event loop, each durable first as ingest does it.
  for (let i = 0; i < 35; i += 5) {
    const batch = entries.slice(i, i + 5);
    store.appendPending(batch.map(({ tx, wire, id }) => ({ wire, txId: id, sender: tx.sender, seq: tx.seq, kind: tx.kind, time: tx.time, receivedAt: Date.now() })));
    producer.add(batch);
  }
  await sleep(20);
  t.deepEqual(heights, [10, 10, 10], 'three full blocks at once, no small or empty ones');
  t.is(producer.pendingCount, 5);
  await sleep(intervalMs / 2);
  t.deepEqual(heights, [10, 10, 10], 'the rest waits: the interval counts from the last block');
  await sleep(intervalMs * 1.5);
  t.deepEqual(heights, [10, 10, 10, 5]);
  t.is(store.txCount(), 35);
  t.deepEqual(store.blockTxIds(4), entries.slice(30).map((e) => e.id));
  t.is(decodeLightBlock(store.block(4)!.lightBlock).header.txCount, 5);
  t.is(published.filter((topic) => topic.endsWith('/proof')).length, 35, 'a proof for every transaction');
});
