// The consortium on a real NATS JetStream cluster (Debian's nats-server, started here): three
// NATS nodes, four member gateways (threshold 3), devices on the members' own brokers and on a
// NATS node's MQTT listener. One cluster serves the file's tests, each on a chain of its own.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, type KeyPair, TxKind, bytesToHex, enrollBody, keyId } from '../src/index.js';
import { type ConsortiumFiles, initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import { connectNatsOrdering } from '../tools/gateway/consortium/nats-ordering.js';
import { type NatsCluster, NATS_INSTALL_HINT, findNatsServer, startNatsCluster } from '../tools/nats/nats-cluster.js';
import { waitUntil } from './support/desktop-fleet.js';
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

async function startAt(t: ExecutionContext, files: ConsortiumFiles, i: number, listener?: string): Promise<Member> {
  const member = await startMember({
    dataDir: files.members[i]!.dir, mqttPort: 0, timing: TIMING, verifyWorkers: 1,
    ...(listener ? { listenerUrl: listener } : {}),
    ordering: (chainHex, name) => connectNatsOrdering({ urls: cluster!.urls, chainHex, name }),
  });
  t.teardown(() => member.close());
  return member;
}

async function enrolAt(member: Member, keys: readonly KeyPair[], firstSeq: number): Promise<void> {
  const self = await connectDevice(member.mqttUrl, crypto, member.chain.chainId, member.chain.gatewayKey);
  try {
    for (let i = 0; i < keys.length; i++) {
      await self.send({ kind: TxKind.ENROLL, sender: self.id, seq: firstSeq + i, time: Math.floor(Date.now() / 1000), body: enrollBody(keys[i]!.publicKey) });
    }
    await self.waitFor(() => self.acks.size === keys.length, 'enrolments acknowledged', 30_000);
    for (const [seq, ack] of self.acks) if (ack.code !== ErrorCode.OK) throw new Error(`enrolment ${seq}: code ${ack.code}`);
  } finally {
    await self.close();
  }
}

async function known(members: readonly Member[], keys: readonly KeyPair[]): Promise<void> {
  const ids = keys.map((k) => keyId(crypto, k.publicKey));
  await waitUntil(() => members.every((m) => ids.every((id) => m.working().account(id) !== undefined)), 'every member knows the devices', 30_000);
}

function sameLedgers(t: ExecutionContext, members: readonly Member[], height: number): void {
  const reference = members[0]!.store;
  for (let h = 1; h <= height; h++) {
    const block = reference.block(h)!;
    const ids = reference.blockTxIds(h).map(bytesToHex).join();
    for (const m of members.slice(1)) {
      t.is(bytesToHex(m.store.block(h)!.hash), bytesToHex(block.hash), `block ${h} of ${m.name}`);
      t.is(m.store.blockTxIds(h).map(bytesToHex).join(), ids, `transactions of block ${h} at ${m.name}`);
    }
  }
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
