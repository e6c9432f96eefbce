// The consortium on a real NATS JetStream cluster (Debian's nats-server, started here): three
// NATS nodes, four member gateways (threshold 3), devices on the members' own brokers and on a
// NATS node's MQTT listener. One cluster serves the file's tests, each on a chain of its own.

import test, { type ExecutionContext } from 'ava';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlockReason, ContractId, ErrorCode, GovernAction, type KeyPair, SupplyChainMethod, TransportMethod, TxKind, balanceKey, bytesToHex, decodeBalance,
  decodeItem, decodeLightBlock, deviceBody, equalBytes, errorName, invokeBody, itemKey, keyId, makeValidatorSet, mintArgs, registerItemArgs,
  transferArgs, transferCustodyArgs, validatorSetHash, contractNamespace,
} from '../src/index.js';
import { type ConsortiumFiles, initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import { connectNatsOrdering } from '../tools/gateway/consortium/nats-ordering.js';
import { type NatsCluster, NATS_INSTALL_HINT, findNatsServer, startNatsCluster } from '../tools/nats/nats-cluster.js';
import { openDevice, type Device } from '../hosts/desktop/device.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { brokerAddress } from '../tools/cli/fleet-run.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import type { LedgerStore } from '../tools/gateway/ledger-store.js';
import type { RateLimits } from '../tools/gateway/rate-limiter.js';
import { waitUntil } from './support/desktop-fleet.js';
import { startMemberProcess } from './support/member-process.js';
import { enrolAt, govern, indexIn, known, sameLedgers, submitInvoke } from './support/consortium-fixture.js';
import { TOKEN } from './support/deployed-fixture.js';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { callBody, deployBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { type MqttDevice, connectDevice } from './support/mqtt-device.js';

const TIMING = { intervalMs: 100, heartbeatMs: 60_000, takeoverMs: 500, maxBlockTxs: 256 };
const missing = findNatsServer() === undefined;
let cluster: NatsCluster | undefined;
const root = mkdtempSync(join(tmpdir(), 'botpeer-nats-consortium-'));

test.before(async () => {
  if (missing) return;
  cluster = await startNatsCluster({ nodes: 3, dir: join(root, 'nats') });
});
test.after.always(async () => {
  await cluster?.close();
  rmSync(root, { recursive: true, force: true });
});

function consortium(name: string): ConsortiumFiles {
  return initConsortium(crypto, { dir: join(root, name), name, members: 4, threshold: 3 });
}

async function startAt(
  t: ExecutionContext, files: ConsortiumFiles, i: number | string, listener?: string,
  { timing = TIMING, rateLimits }: { timing?: typeof TIMING; rateLimits?: Partial<RateLimits> } = {},
): Promise<Member> {
  const member = await startMember({
    dataDir: typeof i === 'string' ? i : files.members[i]!.dir, mqttPort: 0, timing, verifyWorkers: 1,
    ...(listener ? { listenerUrl: listener } : {}),
    ...(rateLimits ? { rateLimits } : {}),
    ordering: (chainHex, name) => connectNatsOrdering({ urls: cluster!.urls, chainHex, name }),
  });
  t.teardown(() => member.close());
  return member;
}

/** Each acknowledged transaction of each device is in the ledger exactly once. */
function exactlyOnce(t: ExecutionContext, member: Member, devices: readonly MqttDevice[]): number {
  let found = 0;
  for (const d of devices) {
    for (const [seq, ack] of d.acks) {
      if (ack.code !== ErrorCode.OK) continue;
      const stored = member.store.txBySenderSeq(d.id, seq);
      t.truthy(stored, `${bytesToHex(d.id)} seq ${seq} is in a block`);
      t.is(bytesToHex(crypto.sha256(stored!.wire)), bytesToHex(crypto.sha256(d.sent.get(seq)!)), 'the same bytes');
      found++;
    }
  }
  return found;
}

test.serial('three NATS nodes, four members: devices on the members and on the MQTT listener, one ledger', async (t) => {
  if (missing) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  const files = consortium('one-ledger');
  const listener = cluster!.mqttUrls[2]!;
  const members = await Promise.all([0, 1, 2, 3].map((i) => startAt(t, files, i, listener)));
  const keys = Array.from({ length: 8 }, () => newDeviceKey());
  await enrolAt(members[0]!, keys.slice(0, 4), 1);
  await enrolAt(members[2]!, keys.slice(4), 1);
  await known(members, keys);
  // Six devices on four members' brokers, two straight on a NATS node's MQTT listener.
  const devices: MqttDevice[] = [];
  for (let i = 0; i < keys.length; i++) {
    const url = i >= 6 ? listener : members[i % 4]!.mqttUrl;
    devices.push(await connectDevice(url, crypto, members[0]!.chain.chainId, keys[i]!));
  }
  t.teardown(() => Promise.all(devices.map((d) => d.close())));
  for (let seq = 1; seq <= 6; seq++) await Promise.all(devices.map((d) => d.sendReadings(seq, [seq])));
  await waitUntil(() => devices.every((d) => d.proofs.size === 6), 'every proof', 60_000).catch((e) => {
    t.log(devices.map((d, i) => `${i}: ${d.proofs.size} proofs, acks ${JSON.stringify([...d.acks])}`).join('\n'));
    t.log(members.map((m) => `${m.name}: height ${m.height}, executed ${m.executedHeight}`).join('\n'));
    throw e;
  });
  await waitUntil(() => members.every((m) => m.height >= members[0]!.height), 'every member stores the newest block', 30_000);
  sameLedgers(t, members, members[0]!.height);
  t.is(exactlyOnce(t, members[3]!, devices), 48);
});

test.serial('contracts over JetStream: a deploy and calls, custody and credits, from members\' brokers and the MQTT listener: every member, one state root', async (t) => {
  if (missing) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  const files = consortium('contracts');
  const listener = cluster!.mqttUrls[2]!;
  const members = await Promise.all([0, 1, 2, 3].map((i) => startAt(t, files, i, listener)));
  const chainId = members[0]!.chain.chainId;
  const keys = [newDeviceKey(), newDeviceKey()];
  await enrolAt(members[0]!, keys, 1);
  await known(members, keys);
  const self = await connectDevice(members[1]!.mqttUrl, crypto, chainId, members[1]!.chain.gatewayKey);
  // One device on a member's broker, one straight on a NATS node's MQTT listener.
  const [a, b] = [await connectDevice(members[2]!.mqttUrl, crypto, chainId, keys[0]!), await connectDevice(listener, crypto, chainId, keys[1]!)];
  t.teardown(() => Promise.all([self, a, b].map((d) => d.close())));
  const [aHex, bHex] = [bytesToHex(a.id), bytesToHex(b.id)];
  const hash = contractHash(TOKEN);
  const item = new TextEncoder().encode('crate-nats');
  const steps: [string, MqttDevice, number, unknown, number][] = [
    ['a member deploys', self, 1, deployBody(TOKEN), ErrorCode.OK],
    ['it mints to a', self, 2, callBody(hash, 'mint', { to: aHex, amount: 50 }), ErrorCode.OK],
    ['a transfers to b', a, 1, callBody(hash, 'transfer', { to: bHex, amount: 20 }), ErrorCode.OK],
    ['b, on the listener, loops: stopped by the meter', b, 1, callBody(hash, 'loop', null), ErrorCode.CONTRACT_OUT_OF_GAS],
    ['a registers an item travelling with b', a, 2, invokeBody(ContractId.SUPPLY_CHAIN, SupplyChainMethod.REGISTER_ITEM, registerItemArgs(item, [b.id])), ErrorCode.OK],
    ['a hands it to b', a, 3, invokeBody(ContractId.SUPPLY_CHAIN, SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(item, b.id)), ErrorCode.OK],
    ['a, no longer the holder, cannot hand it on', a, 4, invokeBody(ContractId.SUPPLY_CHAIN, SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(item, a.id)), ErrorCode.NOT_HOLDER],
    ['the member mints credits to b', self, 3, invokeBody(ContractId.TRANSPORT_CREDITS, TransportMethod.MINT, mintArgs(b.id, 7)), ErrorCode.OK],
    ['b pays a 3', b, 1, invokeBody(ContractId.TRANSPORT_CREDITS, TransportMethod.TRANSFER, transferArgs(a.id, 3)), ErrorCode.OK],
  ];
  for (const [what, device, seq, body, expect] of steps) t.is(errorName(await submitInvoke(device, seq, body)), errorName(expect), what);
  const target = Math.max(...members.map((m) => m.height));
  await waitUntil(() => members.every((m) => m.height >= target), 'every member stores the newest block', 30_000);
  sameLedgers(t, members, target);
  const roots = members.map((m) => bytesToHex(m.committed().root(crypto)));
  t.true(roots.every((r) => r === roots[0]), 'one state root');
  const credits = contractNamespace(ContractId.TRANSPORT_CREDITS);
  for (const m of members) {
    t.is(decodeBalance(m.committed().entry(credits, balanceKey(b.id))!), 4, `${m.name}: b's credits`);
    t.is(decodeItem(m.committed().entry(contractNamespace(ContractId.SUPPLY_CHAIN), itemKey(item))!).holder.join(), b.id.join(), `${m.name}: b holds the item`);
  }
});

test.serial('DDoS end to end: a device flooding member A is reported, refused at every member and in every replay, until a lift through member C', async (t) => {
  if (missing) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  const files = consortium('ddos');
  const listener = cluster!.mqttUrls[2]!;
  // Low limits: 5 transactions in a burst, a flood at the 20th refusal within 10 s.
  const limits: RateLimits = { perSecond: 5, burst: 5, floodRejections: 20, floodWindowMs: 10_000 };
  const members = await Promise.all([0, 1, 2, 3].map((i) => startAt(t, files, i, listener, { rateLimits: limits })));
  const [a, b, c, d] = members as [Member, Member, Member, Member];
  const chainId = a.chain.chainId;
  const key = newDeviceKey();
  const bystander = newDeviceKey();
  await enrolAt(a, [key, bystander], 1);
  await known(members, [key, bystander]);
  const id = keyId(crypto, key.publicKey);
  const reporter = keyId(crypto, a.chain.gatewayKey.publicKey);
  const opened: MqttDevice[] = [];
  // Forced: a graceful end would wait for PUBACKs of publishes a broker refused.
  t.teardown(() => Promise.all(opened.map((x) => x.client.endAsync(true))));
  const open = async (url: string, keys: KeyPair) => {
    const device = await connectDevice(url, crypto, chainId, keys);
    opened.push(device);
    return device;
  };
  const closedOf = (device: MqttDevice) => new Promise<void>((resolve) => device.client.once('close', () => resolve()));

  // The device is also connected, idle, to B, C and D.
  const idle = await Promise.all([b, c, d].map((m) => open(m.mqttUrl, key)));
  const idleClosed = Promise.all(idle.map(closedOf));
  const flooder = await open(a.mqttUrl, key);
  const flooderClosed = closedOf(flooder);
  // 100 valid signed transactions at once, 20 times the burst.
  for (let seq = 1; seq <= 100; seq++) flooder.sendReadings(seq, [seq]).catch(() => {});
  await waitUntil(() => members.every((m) => m.working().blockEntry(id) !== undefined), 'every member admits the report', 20_000);
  for (const m of members) {
    const entry = m.working().blockEntry(id)!;
    t.is(bytesToHex(entry.reporter), bytesToHex(reporter), `${m.name}: reported by member A`);
    t.is(entry.reason, BlockReason.FLOOD);
  }
  // (Its RATE_LIMITED acks may not reach it: the report can close the connection first.)
  t.true((a.stats.refused[String(ErrorCode.RATE_LIMITED)] ?? 0) > 0, 'rate limited at member A before the report');
  // Admitting the report, each member drops the device from its own broker.
  await flooderClosed;
  await idleClosed;
  t.pass('the device is disconnected from A, B, C and D');

  // A new connection is refused at CONNECT, with code 5, at every member.
  for (const m of members) {
    const error = await t.throwsAsync(connectDevice(m.mqttUrl, crypto, chainId, key));
    t.is((error as { code?: number } | undefined)?.code, 5, `${m.name}: CONNACK 5`);
  }

  // On NATS's MQTT listener it connects and publishes; every member's replay refuses it.
  const lastSeq = d.working().account(id)!.lastSeq;
  const blockedBefore = members.map((m) => m.stats.replayRefused[ErrorCode.BLOCKED] ?? 0);
  const onListener = await open(listener, key);
  const blockedSeqs = [lastSeq + 1, lastSeq + 2, lastSeq + 3];
  for (const seq of blockedSeqs) await onListener.sendReadings(seq, [seq]);
  await onListener.waitFor(() => blockedSeqs.every((s) => onListener.acks.get(s)?.code === ErrorCode.BLOCKED), 'BLOCKED acks on the listener', 20_000);
  await waitUntil(() => members.every((m, i) => (m.stats.replayRefused[ErrorCode.BLOCKED] ?? 0) >= blockedBefore[i]! + 3), 'every replay refuses them', 20_000);
  // A block after them, stored at every member, holds none of them.
  const other = await open(b.mqttUrl, bystander);
  await other.sendReadings(1, [1]);
  await other.waitFor(() => other.proofs.has(1), 'a later transaction final', 20_000);
  const after = other.proofs.get(1)!.height;
  await waitUntil(() => members.every((m) => m.height >= after), 'every member stores that block', 20_000);
  for (const m of members) {
    for (const seq of blockedSeqs) t.is(m.store.txBySenderSeq(id, seq), undefined, `${m.name}: seq ${seq} in no block`);
    t.is(m.working().account(id)!.lastSeq, lastSeq, `${m.name}: the device's account unchanged`);
    // One report, not one per flood signal: a second would have been refused (already blocked).
    t.is(m.stats.replayRefused[ErrorCode.NOT_PERMITTED] ?? 0, 0, `${m.name}: no second report`);
  }
  await onListener.close();

  // The operator lifts the block through member C.
  const operator = await open(c.mqttUrl, files.operatorKey);
  const liftSeq = c.working().account(operator.id)!.lastSeq + 1;
  await operator.send({ kind: TxKind.BLOCK_LIFT, sender: operator.id, seq: liftSeq, time: Math.floor(Date.now() / 1000), body: deviceBody(id) });
  await operator.waitFor(() => operator.proofs.has(liftSeq), 'the lift final', 20_000);
  await waitUntil(() => members.every((m) => m.working().blockEntry(id) === undefined), 'every member lifts it', 20_000);
  // The device connects again to every member, and its transactions are final there.
  let seq = lastSeq;
  for (const m of members) {
    const back = await open(m.mqttUrl, key);
    seq++;
    await back.sendReadings(seq, [seq]);
    await back.waitFor(() => back.proofs.has(seq), `final through ${m.name}`, 20_000);
    t.is(back.acks.get(seq)?.code, ErrorCode.OK);
  }
  const last = Math.max(...members.map((m) => m.height));
  await waitUntil(() => members.every((m) => m.height >= last), 'every member stores the newest block', 20_000);
  for (const m of members) {
    for (let s = lastSeq + 1; s <= seq; s++) t.truthy(m.store.txBySenderSeq(id, s), `${m.name}: seq ${s} in a block`);
  }
  sameLedgers(t, members, last);
});

// ---- a member in its own process, for kill -9 -------------------------------------------

const startChild = (dir: string, port: number) => startMemberProcess(dir, port, cluster!.urls, TIMING);

const portOf = (url: string) => Number(new URL(url).port);
const step = (line: string) => void (process.env.BOTPEER_DEBUG && console.error(`${new Date().toISOString()} ${line}`));

/** Light peers (the desktop host) that enrol through `member`, each connected to its own broker. */
function openPeers(t: ExecutionContext, dir: string, genesis: Member['chain']['genesis'], urls: readonly string[]): Device[] {
  const native = createNativeCrypto();
  const devices = urls.map((url, i) => openDevice({
    dir: join(dir, `device-${i}`), genesis, crypto: native, broker: brokerAddress(url), log: () => {},
    peer: { samplingIntervalMs: 150, batchSize: 1, recheckIntervalMs: 500, proofTimeoutMs: 3000, retryMaxMs: 2000 },
  }));
  t.teardown(() => devices.forEach((d) => d.stop()));
  return devices;
}

test.serial('kill -9 a NATS node, then a member, while devices publish: the chain goes on, nothing final is lost, the member catches up', async (t) => {
  if (missing) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  const files = consortium('crash');
  const listener = cluster!.mqttUrls[2]!;
  const members = await Promise.all([0, 1, 2].map((i) => startAt(t, files, i, listener)));
  let fourth = await startChild(files.members[3]!.dir, 0);
  const fourthPort = portOf(fourth.mqttUrl);
  t.teardown(() => void fourth.child.kill('SIGKILL'));
  // Five devices: on members 0, 1, 2, on the member that will be killed, and on a NATS node's MQTT listener.
  const urls = [members[0]!.mqttUrl, members[1]!.mqttUrl, members[2]!.mqttUrl, fourth.mqttUrl, listener];
  const devices = openPeers(t, join(root, 'crash-devices'), files.members[0]!.genesis, urls);
  await enrolAt(members[0]!, devices, 1);
  await known(members, devices);
  // The fourth member too (a device it refused at CONNECT would wait out its reconnect backoff).
  const enrolledBy = members[0]!.height;
  await waitUntil(() => fourth.height >= enrolledBy, 'the fourth member holds the enrolments', 30_000);
  const finals = devices.map(() => new Set<number>());
  devices.forEach((d, i) => d.onEvent((e) => void (e.type === 'final' && finals[i]!.add(e.seq))));
  devices.forEach((d) => d.start());
  const atLeast = (n: number, which: readonly number[]) => () => which.every((i) => finals[i]!.size >= n);
  const all = [0, 1, 2, 3, 4];
  const survivors = [0, 1, 2, 4];
  step('devices started');
  await waitUntil(atLeast(3, all), 'every device has final readings', 60_000);
  step(`finals ${finals.map((f) => f.size)}`);

  await cluster!.node(0).kill9();
  const before = Math.max(...finals.map((f) => f.size));
  step('NATS node 0 killed');
  await waitUntil(atLeast(before + 3, survivors), 'finality goes on without NATS node 0', 90_000);
  step(`finals ${finals.map((f) => f.size)}`);

  fourth.child.kill('SIGKILL');
  await fourth.exited;
  const afterKill = Math.max(...survivors.map((i) => finals[i]!.size));
  step('member 3 killed');
  await waitUntil(atLeast(afterKill + 3, survivors), 'finality goes on with 3 of 4 members', 90_000);
  step(`finals ${finals.map((f) => f.size)}`);

  await cluster!.node(0).restart();
  fourth = await startChild(files.members[3]!.dir, fourthPort);
  const reached = members[0]!.height;
  step(`member 3 restarted at ${fourth.height}, others at ${reached}`);
  await waitUntil(() => fourth.height >= reached, 'the killed member catches up', 90_000);
  step('member 3 caught up');
  const fourthFinals = finals[3]!.size;
  await waitUntil(atLeast(fourthFinals + 3, [3]), 'its device is served again', 90_000);

  // Stop the devices, then the member, and compare the four ledgers block for block.
  devices.forEach((d) => d.stop());
  const height = Math.min(...members.map((m) => m.height), fourth.height);
  fourth.child.kill('SIGTERM');
  await fourth.exited;
  const fourthStore: LedgerStore = openSqliteStore(join(files.members[3]!.dir, 'ledger.sqlite'));
  t.teardown(() => fourthStore.close());
  const stores = [...members.map((m) => m.store), fourthStore];
  for (let h = 1; h <= height; h++) {
    const hash = bytesToHex(stores[0]!.block(h)!.hash);
    for (const store of stores.slice(1)) t.is(bytesToHex(store.block(h)!.hash), hash, `block ${h}`);
  }
  // Every transaction a device saw final is in the ledger, once (a (sender, seq) is unique in the store).
  let final = 0;
  devices.forEach((d, i) => {
    for (const seq of finals[i]!) {
      t.truthy(members[0]!.store.txBySenderSeq(d.id, seq), `device ${i} seq ${seq}`);
      final++;
    }
  });
  t.log(`${final} final transactions, ${height} blocks identical at 4 members`);
});

// ---- governance ----------------------------------------------------------------------------

test.serial('governance over JetStream: a fifth member joins and replays, the threshold goes to 4, an original member is removed', async (t) => {
  if (missing) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  const files = consortium('govern');
  const timing = { ...TIMING, heartbeatMs: 500 };
  const originals = await Promise.all([0, 1, 2, 3].map((i) => startAt(t, files, i, undefined, { timing })));
  const keys = files.members.map((m) => m.gatewayKey);
  const genesisSet = files.members[0]!.genesis.validators;
  const fifthDir = join(files.dir, 'member-5');
  const fifthKey = newDeviceKey();
  mkdirSync(join(fifthDir, 'keys'), { recursive: true });
  for (const f of ['genesis.cbor', 'genesis.json']) copyFileSync(join(files.members[0]!.dir, f), join(fifthDir, f));
  writeFileSync(join(fifthDir, 'keys', 'gateway.key'), bytesToHex(fifthKey.privateKey) + '\n');

  const added = await govern(originals[0]!, genesisSet, { action: GovernAction.ADD_MEMBER, key: fifthKey.publicKey }, keys.slice(1, 4));
  const fiveSet = makeValidatorSet(3, [...genesisSet.keys, fifthKey.publicKey]);
  const fifth = await startAt(t, files, fifthDir, undefined, { timing });
  await waitUntil(() => fifth.height > added, 'the new member replays past its addition', 60_000);
  const raised = await govern(fifth, fiveSet, { action: GovernAction.SET_THRESHOLD, threshold: 4 }, [keys[0]!, keys[2]!, fifthKey]);
  const fiveSet4 = makeValidatorSet(4, fiveSet.keys);
  await waitUntil(() => originals[0]!.height > raised, 'the block after the threshold change', 60_000);
  const removed = await govern(originals[1]!, fiveSet4, { action: GovernAction.REMOVE_MEMBER, key: keys[3]!.publicKey }, [keys[0]!, keys[1]!, keys[2]!, fifthKey]);
  const finalSet = makeValidatorSet(4, fiveSet.keys.filter((k) => !equalBytes(k, keys[3]!.publicKey)));
  // The chain goes on with the four left (heartbeat blocks), all of whom must sign now.
  const all = [...originals, fifth];
  await waitUntil(() => all.every((m) => m.height >= removed + 3), 'three blocks after the removal at every member', 60_000);
  const height = Math.min(...all.map((m) => m.height));
  sameLedgers(t, all, height);
  for (const [h, set] of [[added, fiveSet], [raised, fiveSet4], [removed, finalSet]] as const) {
    const next = decodeLightBlock(originals[0]!.store.block(h + 1)!.lightBlock);
    t.is(bytesToHex(next.header.validatorsHash), bytesToHex(validatorSetHash(crypto, set)), `block ${h + 1} is signed by the new set`);
    t.is(bytesToHex(validatorSetHash(crypto, next.validators!)), bytesToHex(validatorSetHash(crypto, set)), `light block ${h + 1} carries it`);
  }
  // After the removal every commit holds the four remaining members' signatures (the removed one is not in the set).
  for (let h = removed + 1; h <= height; h++) {
    const commit = decodeLightBlock(originals[0]!.store.block(h)!.lightBlock).commit;
    t.deepEqual(commit.signatures.map((s) => s.index), [0, 1, 2, 3], `commit of ${h}`);
  }
  t.true(indexIn(finalSet, fifthKey.publicKey) >= 0 && indexIn(finalSet, keys[3]!.publicKey) < 0);
});
