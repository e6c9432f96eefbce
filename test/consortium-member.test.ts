// Consortium members over an in-memory chain stream (test/fakes/memory-ordering.ts): four
// member gateways in one process, threshold 3, devices on every member's own broker. The
// same members over a real NATS JetStream cluster are tested in consortium-nats.test.ts.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode, TxKind, bytesToHex, decodeLightBlock, decodeTx, deviceBody, equalBytes, headerHash, keyId, txId,
  verifyTxInclusion,
} from '../src/index.js';
import { encodeVote, signVote } from '../src/chain/vote.js';
import { type ConsortiumFiles, initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import type { RateLimits } from '../tools/gateway/rate-limiter.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { enrolAt, known, sameLedgers } from './support/consortium-fixture.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { type MqttDevice, connectDevice } from './support/mqtt-device.js';
import { waitUntil } from './support/desktop-fleet.js';

const TIMING = { intervalMs: 50, heartbeatMs: 60_000, takeoverMs: 300, maxBlockTxs: 64 };

function consortium(t: ExecutionContext, members = 4, threshold = 3): ConsortiumFiles {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-consortium-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return initConsortium(crypto, { dir, name: 'test', members, threshold });
}

async function startAll(t: ExecutionContext, files: ConsortiumFiles, log: MemoryLog, which = files.members.map((_, i) => i)): Promise<Member[]> {
  const members = await Promise.all(which.map((i) => start(t, files, log, i)));
  return members;
}

async function start(t: ExecutionContext, files: ConsortiumFiles, log: MemoryLog, i: number, rateLimits?: Partial<RateLimits>): Promise<Member> {
  const member = await startMember({ dataDir: files.members[i]!.dir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1, ...(rateLimits ? { rateLimits } : {}) });
  t.teardown(() => member.close());
  return member;
}

test('four members, threshold 3: every acknowledged transaction is in one block, and all ledgers are identical', async (t) => {
  const files = consortium(t);
  const log = new MemoryLog();
  const members = await startAll(t, files, log);
  const keys = Array.from({ length: 8 }, () => newDeviceKey());
  await enrolAt(members[0]!, keys.slice(0, 4), 1);
  await enrolAt(members[1]!, keys.slice(4), 1);
  await known(members, keys);
  // Each device talks to a different member's broker.
  const devices: MqttDevice[] = [];
  for (let i = 0; i < keys.length; i++) {
    const m = members[i % members.length]!;
    devices.push(await connectDevice(m.mqttUrl, crypto, m.chain.chainId, keys[i]!));
  }
  t.teardown(() => Promise.all(devices.map((d) => d.close())));
  for (let seq = 1; seq <= 5; seq++) await Promise.all(devices.map((d) => d.sendReadings(seq, [2000 + seq])));
  for (const d of devices) await d.waitFor(() => d.proofs.size === 5, 'proofs', 30_000);
  for (const d of devices) {
    t.true([...d.acks.values()].every((a) => a.code === ErrorCode.OK));
    // Each proof checks against a header the device received, and that header is every member's.
    for (const [seq, proof] of d.proofs) {
      const header = d.headers.find((b) => b.header.height === proof.height)?.header ?? decodeLightBlock(members[0]!.store.block(proof.height)!.lightBlock).header;
      t.true(verifyTxInclusion(crypto, header, txId(crypto, d.sent.get(seq)!), proof.proof).ok, `proof of ${seq}`);
    }
  }
  const height = Math.min(...members.map((m) => m.height));
  sameLedgers(t, members, height);
  // Exactly once: 8 devices × 5 readings, plus the 8 enrolments.
  let total = 0;
  for (let h = 1; h <= members[0]!.height; h++) total += members[0]!.store.blockTxIds(h).length;
  t.is(total, 48);
});

test('a member that is down does not stop the chain; back, it catches up to identical state', async (t) => {
  const files = consortium(t);
  const log = new MemoryLog();
  const members = await startAll(t, files, log);
  const key = newDeviceKey();
  await enrolAt(members[0]!, [key], 1);
  await members[3]!.close();
  const device = await connectDevice(members[0]!.mqttUrl, crypto, members[0]!.chain.chainId, key);
  t.teardown(() => device.close());
  for (let seq = 1; seq <= 10; seq++) await device.sendReadings(seq, [seq]);
  await device.waitFor(() => device.proofs.size === 10, 'proofs with 3 of 4 members', 30_000);
  const reached = members[0]!.height;
  const back = await start(t, files, log, 3);
  await waitUntil(() => back.height >= reached, 'the restarted member catches up', 30_000);
  sameLedgers(t, [members[0]!, members[1]!, back], reached);
  // And it goes on with the others: the next block is signed and stored by all three.
  await device.sendReadings(11, [11]);
  await device.waitFor(() => device.proofs.size === 11, 'a proof after the restart', 30_000);
  const next = members[0]!.height;
  await waitUntil(() => back.height >= next, 'the restarted member stores the new block', 30_000);
  sameLedgers(t, [members[0]!, back], next);
});

test('a Byzantine member voting for another header, with forged votes of others, is not counted', async (t) => {
  const files = consortium(t);
  const log = new MemoryLog();
  const honest = await startAll(t, files, log, [0, 1, 2]);
  const byzantine = files.members[3]!;
  const key = newDeviceKey();
  // For the heights to come: a vote of its own and forged votes "of" members 0 and 1, all for a header of its choosing.
  const fake = crypto.sha256(new TextEncoder().encode('another header'));
  const index = byzantine.genesis.validators.keys.findIndex((k) => bytesToHex(k) === bytesToHex(byzantine.gatewayKey.publicKey));
  for (let h = 1; h <= 6; h++) {
    log.appendVote(encodeVote(signVote(crypto, h, fake, index, byzantine.gatewayKey.privateKey)));
    for (const other of [0, 1]) log.appendVote(encodeVote({ height: h, headerHash: fake, validatorIndex: other, signature: new Uint8Array(64).fill(7) }));
  }
  await enrolAt(honest[0]!, [key], 1);
  await known(honest, [key]);
  const device = await connectDevice(honest[1]!.mqttUrl, crypto, honest[1]!.chain.chainId, key);
  t.teardown(() => device.close());
  for (let seq = 1; seq <= 3; seq++) await device.sendReadings(seq, [seq]);
  await device.waitFor(() => device.proofs.size === 3, 'proofs from the honest members', 30_000);
  sameLedgers(t, honest, Math.min(...honest.map((m) => m.height)));
  // Every stored commit is signed by honest members only, for the honest header.
  for (let h = 1; h <= honest[0]!.height; h++) {
    const block = decodeLightBlock(honest[0]!.store.block(h)!.lightBlock);
    t.is(bytesToHex(block.commit.headerHash), bytesToHex(headerHash(crypto, block.header)));
    t.false(block.commit.signatures.some((s) => s.index === index));
  }
  t.true(honest[0]!.votes.disagreements.some((d) => d.index === index && d.reason === 'other header'));
});

test('a member that starts more than a vote window (1024 blocks) behind catches up without losing the votes it needs', async (t) => {
  const files = consortium(t);
  const log = new MemoryLog();
  // Empty blocks as fast as the members can make them.
  const fast = { intervalMs: 1, heartbeatMs: 1, takeoverMs: 50, maxBlockTxs: 64 };
  const early = await Promise.all([0, 1, 2].map(async (i) => {
    const member = await startMember({ dataDir: files.members[i]!.dir, ordering: async () => log.port(), mqttPort: 0, timing: fast, verifyWorkers: 1 });
    t.teardown(() => member.close());
    return member;
  }));
  await waitUntil(() => early.every((m) => m.height >= 1200), 'three members make 1200 blocks', 120_000);
  const late = await start(t, files, log, 3);
  const target = early[0]!.height;
  await waitUntil(() => late.height >= target, 'the late member catches up', 120_000);
  sameLedgers(t, [early[0]!, late], target);
});

test('a member reports a flooder once per episode: again after a lift, and after its own restart with the next seq', async (t) => {
  const files = consortium(t);
  const log = new MemoryLog();
  // Five in a burst, a flood at the 20th refusal in a window of 300 ms (short, so that a new
  // episode starts a new window while the device keeps flooding).
  const limits: RateLimits = { perSecond: 5, burst: 5, floodRejections: 20, floodWindowMs: 300 };
  const members = await Promise.all([0, 1, 2, 3].map((i) => start(t, files, log, i, limits)));
  const key = newDeviceKey();
  await enrolAt(members[0]!, [key], 1);
  await known(members, [key]);
  const id = keyId(crypto, key.publicKey);
  const memberA = keyId(crypto, files.members[0]!.gatewayKey.publicKey);
  const blockedEverywhere = (blocked: boolean) => () => members.every((m) => (m.working().blockEntry(id) !== undefined) === blocked);

  /** Floods member A (30 signed transactions every 50 ms) until every member holds the block entry. */
  const flood = async (at: Member) => {
    const device = await connectDevice(at.mqttUrl, crypto, at.chain.chainId, key);
    let seq = at.working().account(id)!.lastSeq;
    let stop = false;
    const pump = (async () => {
      while (!stop && device.client.connected) {
        for (let i = 0; i < 30; i++) device.sendReadings(++seq, [seq]).catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitUntil(blockedEverywhere(true), 'every member blocks the flooder', 20_000).finally(() => void (stop = true));
    await pump;
    // Forced: a graceful end would wait for PUBACKs of publishes the broker refused.
    await device.client.endAsync(true);
  };
  const lift = async () => {
    const operator = await connectDevice(members[1]!.mqttUrl, crypto, members[1]!.chain.chainId, files.operatorKey);
    const seq = members[1]!.working().account(operator.id)!.lastSeq + 1;
    await operator.send({ kind: TxKind.BLOCK_LIFT, sender: operator.id, seq, time: Math.floor(Date.now() / 1000), body: deviceBody(id) });
    await operator.waitFor(() => operator.proofs.has(seq), 'the lift final', 20_000);
    await operator.close();
    await waitUntil(blockedEverywhere(false), 'every member lifts the block', 20_000);
  };
  /** Member A's reports in the stream, by seq. */
  const reports = () => log.chain.filter((m) => m.kind === 'tx').map((m) => decodeTx(m.data))
    .filter((tx) => tx.kind === TxKind.BLOCK_REPORT && equalBytes(tx.sender, memberA)).map((tx) => tx.seq);

  await flood(members[0]!);
  t.deepEqual(reports(), [2], 'one report (member A enrolled with seq 1)');
  await lift();
  await flood(members[0]!);
  t.deepEqual(reports(), [2, 3], 'reported again after the lift');
  await lift();
  // Restarted, member A takes its next seq from its state (stored blocks, then the replayed stream).
  await members[0]!.close();
  const restarted = await start(t, files, log, 0, limits);
  members[0] = restarted;
  await waitUntil(() => restarted.executedHeight >= members[1]!.executedHeight && restarted.working().account(memberA)!.lastSeq === 3, 'member A replays the stream', 20_000);
  await flood(restarted);
  t.deepEqual(reports(), [2, 3, 4], 'reported after the restart with the next seq');
  for (const m of members) {
    t.is(m.stats.replayRefused[ErrorCode.REPLAY] ?? 0, 0, `${m.name}: no report refused as a replay`);
    t.is(m.working().account(memberA)!.lastSeq, 4, `${m.name}: the three reports admitted`);
  }
});
