// The block producer's cadence (test layer, Node only): a pool that fills in many small
// admissions is cut into full blocks, never into a trail of small or empty ones, and what is
// left waits for the interval, which counts from the previous block. Real store, state, crypto
// and signatures; only the bus is a recorder.

import test from 'ava';
import {
  AccountRole, AccountStatus, ErrorCode, GovernAction, LedgerState, type Proposal, Quantity, TxKind, admitTx, applyHeader, decodeCheckpoint,
  decodeLightBlock, decodeTx, encodeTx, equalBytes, genesisHash, governBody, keyId, keyPairFromPrivate, makeValidatorSet, readingsBody,
  signApprovals, signTx, trustFromGenesis, txId, validatorSetHash, verifyCheckpoint, verifyHeader,
} from '../src/index.js';
import { BlockProducer, DEFAULT_PRODUCER_OPTIONS } from '../tools/gateway/block-producer.js';
import type { Bus } from '../tools/gateway/bus.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import type { PoolEntry } from '../tools/gateway/ingest.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { chainTopics, decodeProofMessage } from '../src/index.js';
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
  const proofMessages = published.filter((p) => p.topic.endsWith('/proof')).map((p) => decodeProofMessage(p.payload));
  t.is(proofMessages.reduce((n, m) => n + m.proofs.length, 0), 35, 'a proof for every transaction');
  t.is(proofMessages.length, 4, 'one proof message per device and block');
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

test('a gateway holding two validator keys follows GOVERN: the set changes at the next block, devices follow, a restart keeps it', (t) => {
  const { chain, remove } = makeChainDir('producer-govern');
  t.teardown(remove);
  const store = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  const topics = chainTopics(chain.chainId);
  const k1 = chain.gatewayKey;
  const k2 = keyPairFromPrivate(crypto, crypto.sha256(Uint8Array.of(4, 5, 6)));
  const s0 = chain.genesis.validators;
  const s1 = makeValidatorSet(1, [k1.publicKey, k2.publicKey]);
  const s2 = makeValidatorSet(2, [k1.publicKey, k2.publicKey]);
  let now = chain.genesis.time + 1000;
  const deps = { crypto, chainId: chain.chainId, topics, store, bus: recorderBus([]), validators: s0, now: () => now };
  const producer = new BlockProducer(
    { ...deps, keys: [k1, k2] }, DEFAULT_PRODUCER_OPTIONS, LedgerState.fromGenesis(crypto, chain.genesis),
    { height: 0, hash: genesisHash(crypto, chain.genesis), time: chain.genesis.time }, [],
  );
  /** A GOVERN by k1's account, approved by k1 alone (threshold 1), admitted on the committed state and pooled as ingest would. */
  const govern = (seq: number, proposal: Proposal) => {
    const state = producer.committedState();
    const set = state.validators()!;
    const approvals = signApprovals(crypto, chain.chainId, validatorSetHash(crypto, set), proposal, [{ index: set.keys.findIndex((k) => equalBytes(k, k1.publicKey)), privateKey: k1.privateKey }]);
    const tx = signTx(crypto, chain.chainId, { kind: TxKind.GOVERN, sender: keyId(crypto, k1.publicKey), seq, time: Math.floor(now / 1000), body: governBody(proposal, approvals) }, k1.privateKey);
    const wire = encodeTx(tx);
    const verdict = admitTx(crypto, state, decodeTx(wire), Math.floor(now / 1000));
    t.true(verdict.ok, verdict.ok ? '' : verdict.reason);
    store.appendPending([{ wire, txId: txId(crypto, wire), sender: tx.sender, seq, kind: tx.kind, time: tx.time, receivedAt: now }]);
    producer.add([{ tx: decodeTx(wire), wire, id: txId(crypto, wire) }]);
  };
  const block = (height: number) => decodeLightBlock(store.block(height)!.lightBlock);
  const next = () => {
    now += 1000;
    return producer.produce();
  };

  govern(1, { action: GovernAction.ADD_MEMBER, key: k2.publicKey });
  t.is(next(), 1);
  t.deepEqual(block(1).header.validatorsHash, validatorSetHash(crypto, s0), 'block 1 is signed by the genesis set');
  t.deepEqual(block(1).header.nextValidatorsHash, validatorSetHash(crypto, s1), 'and names the set with k2 as the next');
  t.is(block(1).validators, undefined, 'the genesis set is no change');
  govern(2, { action: GovernAction.SET_THRESHOLD, threshold: 2 });
  t.is(next(), 2);
  t.deepEqual(block(2).validators, s1, 'block 2 is the first under s1 and carries it');
  t.deepEqual(block(2).header.nextValidatorsHash, validatorSetHash(crypto, s2));
  t.is(next(), 3);
  t.deepEqual(block(3).validators, s2);
  t.is(block(3).commit.signatures.length, 2, 'both keys sign the 2-of-2 set');
  t.is(next(), 4);
  t.is(block(4).validators, undefined, 'an unchanged set is not carried again');
  t.deepEqual(store.validatorSets(), { current: s2, next: s2 }, 'the store holds the sets the newest block left');

  // A device trusting the genesis follows header by header.
  let trusted = trustFromGenesis(crypto, chain.genesis);
  for (let h = 1; h <= 4; h++) {
    const verified = verifyHeader(crypto, trusted, block(h), now, { trustPeriodMs: 3_600_000, maxClockDriftMs: 10_000 });
    t.true(verified.ok, verified.ok ? '' : `block ${h}: ${verified.reason}`);
    if (verified.ok) trusted = applyHeader(trusted, verified.value);
  }
  t.deepEqual(trusted.validators, s2);

  // Restarted from the store with only k1: the 2-of-2 set needs k2 too, so it says so and makes no block.
  const sets = store.validatorSets()!;
  const restored = LedgerState.fromEntries(store.accounts(), store.blocked(), { chainId: chain.chainId, permission: chain.genesis.permission, ...sets });
  t.deepEqual(restored.root(crypto), producer.committedState().root(crypto));
  const halts: string[] = [];
  const newest = store.latestBlock()!;
  const alone = new BlockProducer(
    { ...deps, keys: [k1], onHalt: (reason) => halts.push(reason) }, DEFAULT_PRODUCER_OPTIONS, restored,
    { height: newest.height, hash: newest.hash, time: newest.time }, [],
  );
  now += 1000;
  t.is(alone.produce(), undefined);
  t.regex(alone.halted ?? '', /holds 1 of the 2 signatures/);
  t.deepEqual(halts, [alone.halted]);
  t.is(store.latestBlock()!.height, 4, 'no block was written');
  // With both keys it goes on under s2, and the light block carries no set: block 4 had it already.
  const both = new BlockProducer({ ...deps, keys: [k1, k2] }, DEFAULT_PRODUCER_OPTIONS, restored, { height: newest.height, hash: newest.hash, time: newest.time }, []);
  t.is(both.produce(), 5);
  t.is(block(5).validators, undefined);
  t.deepEqual(block(5).header.validatorsHash, validatorSetHash(crypto, s2));
});

test('a gateway whose key left the set stops producing and says it is no longer a validator', (t) => {
  const { chain, remove } = makeChainDir('producer-removed');
  t.teardown(remove);
  const store = openSqliteStore(':memory:');
  t.teardown(() => store.close());
  const other = keyPairFromPrivate(crypto, crypto.sha256(Uint8Array.of(7, 8, 9)));
  const set = makeValidatorSet(1, [other.publicKey]);
  const state = LedgerState.fromEntries([], [], { chainId: chain.chainId, permission: chain.genesis.permission, current: set, next: set });
  const halts: string[] = [];
  const producer = new BlockProducer(
    { crypto, chainId: chain.chainId, topics: chainTopics(chain.chainId), store, bus: recorderBus([]), validators: chain.genesis.validators, keys: [chain.gatewayKey], now: () => chain.genesis.time + 1000, onHalt: (r) => halts.push(r) },
    DEFAULT_PRODUCER_OPTIONS, state, { height: 0, hash: genesisHash(crypto, chain.genesis), time: chain.genesis.time }, [],
  );
  t.is(producer.produce(), undefined);
  t.is(producer.tick(), undefined, 'nor on later ticks');
  t.is(halts.length, 1);
  t.regex(halts[0]!, /no longer in the validator set: it is not a validator any more/);
  t.is(store.latestBlock(), undefined);
});
