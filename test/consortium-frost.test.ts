// Consortium members on a FROST genesis (tools/gateway/consortium/frost-signing.ts) over the
// in-memory chain stream: each header is signed by one BIP-340 group signature that the members
// make together (nonces, a coordinator's request, partial signatures, aggregation), with a member
// down, a member sending bad partial signatures (named, left out), and a member restarted
// mid-signing (its journaled nonces never reused). Logs the commit latency beside ECDSA's.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode, type TrustedState, applyHeader, bytesToHex, equalBytes, hexToBytes, decodeLightBlock, isFrostSet, makeTrustOptions, trustFromGenesis, verifyHeader,
} from '../src/index.js';
import { type ConsortiumFiles, initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { frostShareFile, readFrostKeys } from '../tools/gateway/consortium/frost-keys.js';
import {
  type FrostMessage, FrostKind, type SignedFrostMessage, decodeFrostMessage, encodeFrostMessage, frostMessageDigest, isFrostMessage, signFrostMessage, verifyFrostMessage,
} from '../tools/gateway/consortium/frost-messages.js';
import { readNonceJournal } from '../tools/gateway/consortium/frost-nonce-journal.js';
import { openParticipationStore } from '../tools/gateway/consortium/frost-participation.js';
import { type Member, type MemberOptions, startMember } from '../tools/gateway/consortium/member.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { enrolAt, expectOk, known, sameLedgers } from './support/consortium-fixture.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';
import { waitUntil } from './support/desktop-fleet.js';

const TIMING = { intervalMs: 50, heartbeatMs: 150, takeoverMs: 300, maxBlockTxs: 64 };
const TRUST = makeTrustOptions({});

function consortium(t: ExecutionContext, members: number, threshold: number, frost = true): ConsortiumFiles {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-frost-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return initConsortium(crypto, { dir, name: 'frost', members, threshold, frost });
}

async function start(t: ExecutionContext, files: ConsortiumFiles, log: MemoryLog, i: number, extra: Partial<MemberOptions> = {}): Promise<Member> {
  const member = await startMember({ dataDir: files.members[i]!.dir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1, ...extra });
  t.teardown(() => member.close());
  return member;
}


/** A light client from genesis verifies every stored light block of `member` up to `height`: one group signature each. */
function lightClientFollows(t: ExecutionContext, member: Member, height: number): void {
  let trusted: TrustedState = trustFromGenesis(crypto, member.chain.genesis);
  t.true(isFrostSet(trusted.validators));
  for (let h = 1; h <= height; h++) {
    const block = decodeLightBlock(member.store.block(h)!.lightBlock);
    t.is(block.commit.groupSignature?.length, 64, `block ${h}: one group signature`);
    t.is(block.commit.signatures.length, 0);
    trusted = applyHeader(trusted, expectOk(t, verifyHeader(crypto, trusted, block, Date.now(), TRUST), `block ${h}`));
  }
}

/** Same light blocks (header and group signature), byte for byte, at every member. */
function sameLightBlocks(t: ExecutionContext, members: readonly Member[], height: number): void {
  sameLedgers(t, members, height);
  for (let h = 1; h <= height; h++) {
    const reference = bytesToHex(members[0]!.store.block(h)!.lightBlock);
    for (const m of members.slice(1)) t.is(bytesToHex(m.store.block(h)!.lightBlock), reference, `light block ${h} at ${m.name}`);
  }
}

/**
 * Every member recorded, for each height, who made the group signature it committed: `threshold`
 * signers with their set keys, and the same coordinator and signers as every other member (each
 * found the session by its nonce R, whichever member aggregated).
 */
function participationRecorded(t: ExecutionContext, members: readonly Member[], height: number, threshold: number): void {
  const set = members[0]!.chain.genesis.validators;
  for (let h = 1; h <= height; h++) {
    const records = members.map((m) => {
      const store = openParticipationStore(m.chain.ledgerPath, 'read');
      try {
        return store.get(h);
      } finally {
        store.close();
      }
    });
    const first = records[0];
    if (!first) return t.fail(`no participation recorded for block ${h}`);
    const commit = decodeLightBlock(members[0]!.store.block(h)!.lightBlock).commit;
    t.deepEqual(first.groupSignature, commit.groupSignature, `block ${h}: the committed signature`);
    t.deepEqual(first.headerHash, commit.headerHash);
    t.is(first.signers.length, threshold);
    t.true(first.signers.every((s) => equalBytes(s.key, set.keys[s.index]!)));
    t.true(first.coordinator < set.keys.length);
    for (const r of records.slice(1)) t.deepEqual(r, first, `block ${h}: every member says the same`);
  }
}

function latency(members: readonly Member[]): string {
  const all = members.map((m) => m.commitLatency);
  const blocks = all.reduce((a, l) => a + l.blocks, 0);
  const total = all.reduce((a, l) => a + l.totalMs, 0);
  return `${(total / Math.max(1, blocks)).toFixed(1)} ms mean, ${Math.max(...all.map((l) => l.maxMs))} ms max over ${blocks} member-blocks`;
}

test('FROST vote-stream messages: the bytes of docs/protocol.md §12.3.1, a 64-signer REQUEST, and no confusion with votes', (t) => {
  const hash = new Uint8Array(32).fill(0x11);
  const pubnonce = new Uint8Array(66).fill(0x22);
  pubnonce[0] = 2;
  const chainId = new Uint8Array(8).fill(0x33);
  const privateKey = new Uint8Array(32).fill(1);
  const sign = <M extends FrostMessage>(m: M) => signFrostMessage(crypto, chainId, m, privateKey);
  const content = { kind: FrostKind.NONCE, height: 1, headerHash: hash, index: 2, pubnonce } as const;
  // The example of §12.3.1, byte for byte: digest, signature, message.
  t.is(bytesToHex(frostMessageDigest(crypto, chainId, content)), '91753895285934d511a7ea48fe8068ee7246c27362bfdbd99ab7210c4cf76af0');
  const sig = '1807b2c680848a3c31dafc7f07d51ae3ea2812c173287db8158b49a8997abece4b17df05d75de6dc3eebf293d1cc897f0c37230c08a5859738d9ef7cdf7a6ba9';
  const nonce = encodeFrostMessage(sign(content));
  t.is(bytesToHex(nonce), `86000158${'20'}${'11'.repeat(32)}025842${bytesToHex(pubnonce)}5840${sig}`);
  t.deepEqual(decodeFrostMessage(nonce), { ...content, memberSignature: hexToBytes(sig) });
  const signers = Array.from({ length: 64 }, (_, index) => ({ index, pubnonce }));
  const request = sign({ kind: FrostKind.REQUEST, height: 70_000, headerHash: hash, coordinator: 63, session: 127, signers });
  t.true(encodeFrostMessage(request).length < 6144);
  t.deepEqual(decodeFrostMessage(encodeFrostMessage(request)), request);
  for (const m of [
    { kind: FrostKind.PARTIAL, height: 5, headerHash: hash, index: 1, session: 9, psig: new Uint8Array(32).fill(3) },
    { kind: FrostKind.SIGNATURE, height: 5, headerHash: hash, coordinator: 1, signature: new Uint8Array(64).fill(4) },
    { kind: FrostKind.RENONCE, height: 5, headerHash: hash, coordinator: 1, session: 13 },
  ] as const) {
    const bytes = encodeFrostMessage(sign(m));
    t.true(isFrostMessage(bytes));
    t.deepEqual(decodeFrostMessage(bytes), sign(m));
  }
  // Signers out of order, a message without its signature, and a vote (an array of 4), are refused.
  t.throws(() => decodeFrostMessage(encodeFrostMessage({ ...request, signers: [signers[1]!, signers[0]!, signers[2]!] })));
  t.throws(() => decodeFrostMessage(encodeFrostMessage(sign(content)).subarray(0, -66)));
  t.false(isFrostMessage(Uint8Array.of(0x84, 1, 2, 3, 4)));
  // Verification: by the key at the sender's index of the set, for this chain, over this content.
  const key = crypto.publicKey(privateKey);
  const other = crypto.publicKey(new Uint8Array(32).fill(2));
  const set = { threshold: 2, keys: [other, other, key] };
  t.true(verifyFrostMessage(crypto, chainId, set, sign(content)).ok);
  const code = (r: { ok: boolean }) => (r as { code?: number }).code;
  t.is(code(verifyFrostMessage(crypto, chainId, { ...set, keys: [key, key, other] }, sign(content))), ErrorCode.BAD_SIGNATURE, "another member's index");
  t.is(code(verifyFrostMessage(crypto, new Uint8Array(8).fill(0x44), set, sign(content))), ErrorCode.BAD_SIGNATURE, 'another chain');
  t.is(code(verifyFrostMessage(crypto, chainId, set, { ...sign(content), height: 2 })), ErrorCode.BAD_SIGNATURE, 'altered content');
  t.is(code(verifyFrostMessage(crypto, chainId, { ...set, keys: [key] }, sign(content))), ErrorCode.BAD_COMMIT, 'index outside the set');
});

for (const [n, threshold] of [[4, 3], [7, 5]] as const) {
  test.serial(`${n} members, threshold ${threshold}, FROST genesis: one group signature per header, the same at every member, verified by a light client`, async (t) => {
    const files = consortium(t, n, threshold);
    const genesisSet = files.members[0]!.genesis.validators;
    t.true(isFrostSet(genesisSet));
    for (const m of files.members) {
      t.is(statSync(join(m.dir, frostShareFile(genesisSet.groupKey!))).mode & 0o777, 0o600);
      t.deepEqual(readFrostKeys(m.dir, genesisSet.groupKey!)!.groupKey, genesisSet.groupKey);
    }
    const log = new MemoryLog();
    const members = await Promise.all(files.members.map((_, i) => start(t, files, log, i)));
    const keys = [newDeviceKey(), newDeviceKey()];
    await enrolAt(members[0]!, keys, 1);
    await known(members, keys);
    const device = await connectDevice(members[1]!.mqttUrl, crypto, members[1]!.chain.chainId, keys[0]!);
    t.teardown(() => device.close());
    for (let seq = 1; seq <= 5; seq++) await device.sendReadings(seq, [seq]);
    await device.waitFor(() => device.proofs.size === 5, 'proofs', 30_000);
    await waitUntil(() => members.every((m) => m.height >= 8), 'eight blocks at every member', 30_000);
    const height = Math.min(...members.map((m) => m.height));
    sameLightBlocks(t, members, height);
    lightClientFollows(t, members[0]!, height);
    // The device's headers are group-signed too.
    t.true(device.headers.length > 0 && device.headers.every((b) => b.commit.groupSignature !== undefined));
    // Accountability outside the light block: who signed (threshold members per signature).
    t.true(members[0]!.frost.participation.length > 0 && members[0]!.frost.participation.every((p) => p.signers.length === threshold));
    participationRecorded(t, members, height, threshold);
    t.deepEqual(members[0]!.votes.disagreements, []);
    t.log(`FROST ${threshold}-of-${n}: commit latency ${latency(members)}`);
  });
}

for (const [n, threshold] of [[4, 3], [7, 5]] as const) {
  test.serial(`${n} members, threshold ${threshold}, one member down: the others sign on`, async (t) => {
    const files = consortium(t, n, threshold);
    const log = new MemoryLog();
    const members = await Promise.all(Array.from({ length: n - 1 }, (_, i) => start(t, files, log, i)));
    // With the last index absent, every n-th height waits one takeover for the next coordinator.
    await waitUntil(() => members.every((m) => m.height >= 10), `ten blocks with ${n - 1} of ${n} members`, 60_000);
    const height = Math.min(...members.map((m) => m.height));
    sameLightBlocks(t, members, height);
    lightClientFollows(t, members[1]!, height);
    t.log(`${n - 1} of ${n} up: commit latency ${latency(members)}`);
  });
}

for (const [n, threshold] of [[4, 3], [7, 5]] as const) {
  test.serial(`${n} members, threshold ${threshold}: a member sending bad partial signatures is named in the evidence and left out; blocks are still signed`, async (t) => {
    const files = consortium(t, n, threshold);
    const log = new MemoryLog();
    const members = await Promise.all(Array.from({ length: n }, (_, i) => i).map((i) => start(t, files, log, i, i === 2 ? { badFrostPartials: true } : {})));
    const badIndex = readFrostKeys(files.members[2]!.dir, files.members[2]!.genesis.validators.groupKey!)!.id;
    await waitUntil(() => members.some((m) => m.votes.disagreements.some((d) => d.reason === 'bad partial signature')), 'a bad partial signature detected', 30_000);
    const reached = Math.max(...members.map((m) => m.height));
    await waitUntil(() => members.every((m) => m.height >= reached + 5), 'five more blocks', 30_000);
    const evidence = members.flatMap((m) => m.votes.disagreements);
    t.true(evidence.length > 0);
    t.true(evidence.every((d) => d.reason === 'bad partial signature' && d.index === badIndex), JSON.stringify(evidence.slice(0, 3)));
    const height = Math.min(...members.map((m) => m.height));
    sameLightBlocks(t, members, height);
    lightClientFollows(t, members[0]!, height);
    t.true(members.some((m) => m.frost.stats.retries > 0));
  });
}

test.serial('forged FROST messages on the vote stream (a non-member key; a member signing for another index) are dropped: no evidence, no nonce spent, signing goes on', async (t) => {
  const files = consortium(t, 4, 3);
  const log = new MemoryLog();
  const members = await Promise.all([0, 1, 2, 3].map((i) => start(t, files, log, i)));
  const set = members[0]!.chain.genesis.validators;
  const chainId = members[0]!.chain.chainId;
  const outsider = new Uint8Array(32).fill(7);
  const keyAt = (index: number) => members.find((m) => equalBytes(m.chain.gatewayKey.publicKey, set.keys[index]!))!.chain.gatewayKey.privateKey;
  const forge = (m: FrostMessage, privateKey: Uint8Array) => log.appendVote(encodeFrostMessage(signFrostMessage(crypto, chainId, m, privateKey)));
  // For each height, once three real nonces are out: what would hurt if it were believed.
  let scanned = 0;
  const nonces = new Map<number, Extract<SignedFrostMessage, { kind: typeof FrostKind.NONCE }>[]>();
  const forged = new Set<number>();
  let injected = 0;
  const timer = setInterval(() => {
    for (; scanned < log.votes.length; scanned++) {
      const bytes = log.votes[scanned]!;
      if (!isFrostMessage(bytes)) continue;
      const m = decodeFrostMessage(bytes);
      // Real nonces only (the forged ones are on the stream too), one per member.
      if (m.kind !== FrostKind.NONCE || !verifyFrostMessage(crypto, chainId, set, m).ok) continue;
      const list = nonces.get(m.height) ?? [];
      if (list.some((x) => x.index === m.index)) continue;
      list.push(m);
      nonces.set(m.height, list);
      if (list.length < 3 || forged.has(m.height)) continue;
      forged.add(m.height);
      const { height, headerHash } = m;
      const signers = list.slice(0, 3).map((x) => ({ index: x.index, pubnonce: x.pubnonce })).sort((a, b) => a.index - b.index);
      const coordinator = height % 4;
      // An outsider's REQUEST naming real nonces (believed, it would spend them) ...
      forge({ kind: FrostKind.REQUEST, height, headerHash, coordinator, session: 4 + coordinator, signers }, outsider);
      // ... member 0's key speaking for index 1: a nonce for another header, a bad share (each would be evidence naming 1) ...
      const other = new Uint8Array(32).fill(height & 0xff);
      forge({ kind: FrostKind.NONCE, height, headerHash: other, index: 1, pubnonce: signers[0]!.pubnonce }, keyAt(0));
      forge({ kind: FrostKind.PARTIAL, height, headerHash, index: 1, session: 4 + coordinator, psig: new Uint8Array(32).fill(9) }, keyAt(0));
      // ... and a bad group signature "from" coordinator 3, by index 2's key (evidence naming 3).
      forge({ kind: FrostKind.SIGNATURE, height, headerHash, coordinator: 3, signature: new Uint8Array(64).fill(5) }, keyAt(2));
      injected += 4;
    }
  }, 10);
  t.teardown(() => clearInterval(timer));
  await waitUntil(() => forged.size >= 6, 'six heights forged at', 60_000);
  clearInterval(timer);
  const target = Math.max(...forged) + 2;
  await waitUntil(() => members.every((m) => m.height >= target), 'blocks past the forged heights', 60_000);
  const height = Math.min(...members.map((m) => m.height));
  sameLightBlocks(t, members, height);
  lightClientFollows(t, members[0]!, height);
  participationRecorded(t, members, height, 3);
  t.deepEqual(members.flatMap((m) => m.votes.disagreements), [], 'no forged message is evidence');
  t.true(members.every((m) => m.frost.stats.rejected > 0), 'every member dropped forged messages');
  t.log(`${injected} forged messages; dropped per member: ${members.map((m) => m.frost.stats.rejected).join(', ')}; retries ${members.map((m) => m.frost.stats.retries).join(', ')}; commit latency ${latency(members)}`);
});

test.serial('a member restarted mid-signing never reuses a nonce: its journal holds every pubnonce it published, each used once', async (t) => {
  const files = consortium(t, 4, 3);
  const log = new MemoryLog();
  const members = await Promise.all([0, 1, 2, 3].map((i) => start(t, files, log, i)));
  await waitUntil(() => members.every((m) => m.height >= 4), 'four blocks', 30_000);
  const dir = files.members[1]!.dir;
  const id = readFrostKeys(dir, files.members[1]!.genesis.validators.groupKey!)!.id;
  // Mid-signing: stopped right after it published a nonce, before the signature for that height is in.
  const noncesBefore = () => log.votes.filter(isFrostMessage).map(decodeFrostMessage).filter((m) => m.kind === FrostKind.NONCE && m.index === id).length;
  const seen = noncesBefore();
  await waitUntil(() => noncesBefore() > seen, 'a fresh nonce out', 10_000);
  await members[1]!.close();
  const journalBefore = readNonceJournal(dir);
  t.true(journalBefore.length > 0);
  const restarted = await start(t, files, log, 1);
  members[1] = restarted;
  const reached = Math.max(...members.map((m) => m.height));
  await waitUntil(() => members.every((m) => m.height >= reached + 6) && restarted.frost.stats.partialsSent > 0, 'six more blocks, the restarted member signing', 60_000);

  const journal = readNonceJournal(dir);
  const messages = log.votes.filter(isFrostMessage).map(decodeFrostMessage);
  const published = messages.flatMap((m) => (m.kind === FrostKind.NONCE && m.index === id ? [bytesToHex(m.pubnonce)] : []));
  // Every pubnonce it published was journaled first, none twice, and the journal kept the first run's.
  const journaled = new Set(journal.map((r) => r.pubnonce));
  t.is(journaled.size, journal.length, 'no pubnonce journaled twice');
  t.true(published.every((p) => journaled.has(p)));
  t.true(journalBefore.every((r) => journaled.has(r.pubnonce)));
  t.true(journal.length > journalBefore.length);
  // Each of its nonces signed at most once: count its partial signatures per (height, pubnonce named for it).
  const requests = messages.flatMap((m) => (m.kind === FrostKind.REQUEST ? [m] : []));
  const partials = messages.flatMap((m) => (m.kind === FrostKind.PARTIAL && m.index === id ? [m] : []));
  const signedWith = new Map<string, number>();
  for (const p of partials) {
    const req = requests.find((r) => r.height === p.height && r.session === p.session && r.signers.some((s) => s.index === id));
    if (!req) continue;
    const nonce = bytesToHex(req.signers.find((s) => s.index === id)!.pubnonce);
    signedWith.set(nonce, (signedWith.get(nonce) ?? 0) + 1);
  }
  t.true(signedWith.size > 0);
  t.true([...signedWith.values()].every((c) => c === 1), 'one partial signature per nonce');
  // The first run's nonces, spent at the restart, never signed for the second run.
  const before = new Set(journalBefore.map((r) => r.pubnonce));
  t.true(restarted.frost.stats.partialsSent > 0);
  const height = Math.min(...members.map((m) => m.height));
  sameLightBlocks(t, members, height);
  lightClientFollows(t, restarted, height);
  t.log(`journal: ${journalBefore.length} nonces before the restart, ${journal.length} after; ${[...before].length} spent at start`);
});

test.serial('signing latency added per block: FROST commit beside ECDSA votes (4 members, threshold 3)', async (t) => {
  const results: string[] = [];
  for (const frost of [false, true]) {
    const files = consortium(t, 4, 3, frost);
    const log = new MemoryLog();
    const members = await Promise.all([0, 1, 2, 3].map((i) => start(t, files, log, i, { timing: { ...TIMING, heartbeatMs: 20 } })));
    await waitUntil(() => members.every((m) => m.height >= 40), '40 blocks', 60_000);
    results.push(`${frost ? 'FROST' : 'ECDSA'}: ${latency(members)}`);
    await Promise.all(members.map((m) => m.close()));
  }
  t.log(`commit latency (block executed → commit held): ${results.join('; ')}`);
  t.pass();
});
