// State proofs to a light peer (issue 12, §9.4 STATE_PROOF) over the real gateway: a light peer
// proves "device A is enrolled" and "A is not blocked" against headers it verified itself, then,
// after a BLOCK_REPORT, "A is blocked". Behind a lying broker (aedes in this process, the test
// answering as the gateway with real headers), every forged answer is refused with its code and
// the same broker answering honestly is believed.

import test from 'ava';
import { startLyingBroker } from './support/lying-broker.js';
import {
  BlockReason, BotError, ContractId, ErrorCode, Method, Quantity, TxKind, accountLeaf, blockReportBody, bytesToHex, contractNamespace,
  decodeCbor, encodeStateAnswer, encodeTx, errorName, SMALL_LIMITS, keyId, signTx, invokeBody, balanceKey, decodeBalance, publishArgs,
  PUBLISH_REWARD, TransportMethod,
} from '../src/index.js';
import { type LightPeer, type PeerConfig, createLightPeer, makePeerConfig } from '../src/peer/index.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { connectPassword } from './support/mqtt-device.js';
import { mqttJsSession, realClock, until } from './support/mqtt-js-session.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { MemoryKeyValueStore, MemoryOutbox } from './fakes/memory-store.js';
import { seededRandom } from './fakes/seeded-random.js';

const REGISTRY = contractNamespace(ContractId.REGISTRY);
const BLOCKLIST = contractNamespace(ContractId.BLOCKLIST);

function bootPeer(t: { teardown(fn: () => unknown): void }, url: string, chainId: Uint8Array, config: PeerConfig, keys: ReturnType<typeof newDeviceKey>): LightPeer {
  const kv = new MemoryKeyValueStore();
  const hex = bytesToHex(keyId(crypto, keys.publicKey));
  const session = mqttJsSession(url, hex, () => connectPassword(crypto, chainId, keys));
  const sensor = rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 1);
  const peer = createLightPeer(config, { crypto, clock: realClock(), random: seededRandom(7), store: kv, outbox: new MemoryOutbox(config.outboxCapacity), sensors: [sensor], session, log: () => {} }, keys);
  peer.start();
  t.teardown(async () => {
    peer.stop();
    await session.close();
  });
  return peer;
}

async function reportBlocked(gateway: Gateway, chain: { chainId: Uint8Array; gatewayKey: { publicKey: Uint8Array; privateKey: Uint8Array } }, id: Uint8Array): Promise<void> {
  const gatewayId = keyId(crypto, chain.gatewayKey.publicKey);
  const report = signTx(crypto, chain.chainId, { kind: TxKind.BLOCK_REPORT, sender: gatewayId, seq: 1, time: Math.floor(Date.now() / 1000), body: blockReportBody(id, BlockReason.COMPROMISED) }, chain.gatewayKey.privateKey);
  gateway.ingest.handle(encodeTx(report), undefined);
  await until(() => gateway.producer.committedState().blockEntry(id) !== undefined, 'the report in a block');
}

test('a light peer proves "enrolled", "not blocked", and after a BLOCK_REPORT "blocked", over the real gateway', async (t) => {
  const { dir, chain, remove } = makeChainDir('state-proof');
  const gateway = await startTestGateway(dir);
  t.teardown(async () => {
    await gateway.close();
    remove();
  });
  const a = newDeviceKey();
  const b = newDeviceKey();
  const idA = keyId(crypto, a.publicKey);
  await enroll(gateway.mqttUrl, chain, [a, b]);
  const peer = bootPeer(t, gateway.mqttUrl, chain.chainId, makePeerConfig(chain.genesis, { samplingIntervalMs: 60_000 }), b);
  await until(() => peer.status().trustedHeight >= 1, 'a verified header');

  const enrolled = await peer.proveState(REGISTRY, idA);
  t.true(enrolled.present, 'A is enrolled');
  t.is(bytesToHex(enrolled.value!), bytesToHex(accountLeaf(gateway.producer.committedState().account(idA)!)), 'its registry leaf');
  t.true(enrolled.height >= 1);
  const notBlocked = await peer.proveState(BLOCKLIST, idA);
  t.false(notBlocked.present, 'A is not blocked');
  t.is(notBlocked.value, undefined);

  await reportBlocked(gateway, chain, idA);
  const blocked = await peer.proveState(BLOCKLIST, idA);
  t.true(blocked.present, 'A is blocked now');
  const [id, reason] = decodeCbor(blocked.value!, SMALL_LIMITS) as [Uint8Array, number];
  t.deepEqual(id, idA);
  t.is(reason, BlockReason.COMPROMISED);
  t.true(blocked.height > notBlocked.height);
  // Bad input of the caller's own is refused before anything is sent.
  await t.throwsAsync(peer.proveState(new Uint8Array(33), idA), { instanceOf: BotError, message: /BAD_SHAPE/ });
  t.log(`enrolled at height ${enrolled.height}, not blocked at ${notBlocked.height}, blocked at ${blocked.height}`);
});

test('II.3: a producer\'s device proves its own credit balance with STATE_PROOF, before and after it publishes', async (t) => {
  const { dir, chain, remove } = makeChainDir('state-proof-balance');
  const gateway = await startTestGateway(dir);
  t.teardown(async () => {
    await gateway.close();
    remove();
  });
  const producer = newDeviceKey();
  const id = keyId(crypto, producer.publicKey);
  await enroll(gateway.mqttUrl, chain, [producer]);
  const peer = bootPeer(t, gateway.mqttUrl, chain.chainId, makePeerConfig(chain.genesis, { samplingIntervalMs: 60_000 }), producer);
  await until(() => peer.status().trustedHeight >= 1, 'a verified header');
  const CREDITS = contractNamespace(ContractId.TRANSPORT_CREDITS);

  const before = await peer.proveState(CREDITS, balanceKey(id));
  t.false(before.present, 'no balance yet: a proof of absence');
  // The producer publishes two observations (signed with its key; the peer itself sends only readings).
  for (const seq of [1, 2]) {
    const observation = crypto.sha256(Uint8Array.of(seq));
    const publish = signTx(crypto, chain.chainId, { kind: TxKind.INVOKE, sender: id, seq, time: Math.floor(Date.now() / 1000), body: invokeBody(ContractId.TRANSPORT_CREDITS, TransportMethod.PUBLISH, publishArgs(observation, 1, 3)) }, producer.privateKey);
    gateway.ingest.handle(encodeTx(publish), undefined);
  }
  await until(() => gateway.producer.committedState().entry(CREDITS, balanceKey(id)) !== undefined, 'the publications in a block');
  const after = await peer.proveState(CREDITS, balanceKey(id));
  t.true(after.present);
  t.is(decodeBalance(after.value!), 2 * PUBLISH_REWARD, 'one reward per accepted observation, proven against a header the device verified');
  t.true(after.height > before.height);
});

test('behind a lying broker every forged state proof is refused with its code; the same broker honest is believed', async (t) => {
  const { dir, chain, remove } = makeChainDir('state-proof-liar');
  t.teardown(remove);
  const gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  const a = newDeviceKey();
  const b = newDeviceKey();
  const idA = keyId(crypto, a.publicKey);
  const idB = keyId(crypto, b.publicKey);
  await enroll(gateway.mqttUrl, chain, [a, b]);

  let lie: { answer(): Uint8Array[] } | undefined;
  const { url: liarUrl, topics, publish } = await startLyingBroker(t, gateway, chain.chainId, (request) => {
    if (request.method !== Method.STATE_PROOF) return undefined;
    const [ns, key] = request.params as Uint8Array[];
    return lie ? lie.answer() : encodeStateAnswer(honest(ns!, key!));
  });
  // Real headers, relayed retained as the chain grows.
  const relay = () => {
    const latest = gateway.store.latestBlock();
    if (latest) publish(topics.header, latest.lightBlock, true);
  };
  relay();
  t.teardown(gateway.onBlock(relay));

  const honest = (ns: Uint8Array, key: Uint8Array) => {
    const height = gateway.store.latestBlock()!.height;
    const { value, proof } = gateway.producer.committedState().prove(crypto, ns, key);
    return { height, value, proof };
  };
  // Each lie answers a proveState(REGISTRY, idA) ("is A enrolled?") or (BLOCKLIST, idA) ("is A blocked?").
  const lies: { name: string; ns: Uint8Array; answer: () => Uint8Array[]; code: ErrorCode | (() => ErrorCode) }[] = [
    { name: 'a forged value', ns: REGISTRY, code: ErrorCode.BAD_PROOF, answer: () => { const h = honest(REGISTRY, idA); const value = Uint8Array.from(h.value!); value[value.length - 1] ^= 1; return encodeStateAnswer({ ...h, value }); } },
    { name: 'a membership proof offered as absence', ns: REGISTRY, code: ErrorCode.BAD_PROOF, answer: () => encodeStateAnswer({ ...honest(REGISTRY, idA), value: undefined }) },
    { name: 'a proof for another key (B\'s entry for "is A blocked?")', ns: BLOCKLIST, code: ErrorCode.BAD_PROOF, answer: () => encodeStateAnswer(honest(REGISTRY, idB)) },
    // Which check refuses it depends on where A's path ends, which the random keys decide: beside
    // another leaf, a value with that leaf is the wrong form (PROOF_SHAPE); at EMPTY the hashes miss.
    {
      name: 'absence offered as a value', ns: BLOCKLIST, code: () => (honest(BLOCKLIST, idA).proof.other ? ErrorCode.PROOF_SHAPE : ErrorCode.BAD_PROOF),
      answer: () => encodeStateAnswer({ ...honest(BLOCKLIST, idA), value: Uint8Array.of(1) }),
    },
    { name: 'a height the peer cannot verify', ns: REGISTRY, code: ErrorCode.UNVERIFIED_HEADER, answer: () => encodeStateAnswer({ ...honest(REGISTRY, idA), height: 1_000_000 }) },
    { name: 'an answer at an older height than its root', ns: REGISTRY, code: ErrorCode.BAD_PROOF, answer: () => encodeStateAnswer({ ...honest(REGISTRY, idA), height: 1 }) },
    { name: 'truncated CBOR', ns: REGISTRY, code: ErrorCode.MALFORMED_CBOR, answer: () => [Uint8Array.of(0x82, 0x01)] },
    { name: 'three payloads', ns: REGISTRY, code: ErrorCode.BAD_SHAPE, answer: () => [...encodeStateAnswer(honest(REGISTRY, idA)), Uint8Array.of(0)] },
  ];

  // The honest chain moves on past height 1 (B's state is in block 1 or 2), so "height 1" is an older root.
  await reportBlocked(gateway, chain, idB);
  relay();
  const peer = bootPeer(t, liarUrl, chain.chainId, makePeerConfig(chain.genesis, { samplingIntervalMs: 60_000, requestTimeoutMs: 1500 }), b);
  await until(() => peer.status().trustedHeight >= gateway.store.latestBlock()!.height, 'the newest header verified');

  const outcomes: string[] = [];
  for (const l of lies) {
    lie = l;
    const error = await t.throwsAsync(peer.proveState(l.ns, idA), { instanceOf: BotError }, l.name);
    t.is(error?.code, typeof l.code === 'function' ? l.code() : l.code, `${l.name}: ${error?.message}`);
    outcomes.push(`${l.name} → ${errorName(error?.code ?? ErrorCode.OK)}`);
  }
  lie = undefined;
  const fact = await peer.proveState(REGISTRY, idA);
  t.true(fact.present, 'the honest answer is believed');
  t.false((await peer.proveState(BLOCKLIST, idA)).present, 'A is not blocked (B is)');
  t.true((await peer.proveState(BLOCKLIST, idB)).present, 'B is');
  t.log(outcomes.join('\n'));
});
