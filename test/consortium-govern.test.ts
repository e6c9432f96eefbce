// Governance on a running consortium over the in-memory chain stream (test/fakes/memory-ordering.ts):
// four members (threshold 3) add a fifth, which starts from an empty folder, replays the stream and
// votes from the block after the change; the threshold goes to 4; an original member is removed and
// keeps running unheard. Every ledger stays identical; each change's light block carries the new set
// (docs/protocol.md §6.5); a light peer that was offline across the changes catches up over HEADER_RANGE
// by the §8.3 rules, and a set change signed by too few old members, or with forged signatures, is refused.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode, GovernAction, type LightBlock, applyHeader, bytesToHex,
  decodeLightBlock, decodeVote, equalBytes, headerHash, makeTrustOptions, makeValidatorSet,
  signCommit, trustFromGenesis, validatorSetHash, verifyHeader,
} from '../src/index.js';
import { encodeVote, signVote, verifyVote } from '../src/chain/vote.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { expectOk, govern, indexIn, newMemberDir, offlineDevice, sameLedgers } from './support/consortium-fixture.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { waitUntil } from './support/desktop-fleet.js';

const TIMING = { intervalMs: 50, heartbeatMs: 400, takeoverMs: 300, maxBlockTxs: 64 };
const TRUST = makeTrustOptions({});

function lightBlock(member: Member, h: number): LightBlock {
  return decodeLightBlock(member.store.block(h)!.lightBlock);
}

test('add a fifth member, raise the threshold, remove an original member: one ledger, and devices follow', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-govern-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = initConsortium(crypto, { dir, name: 'govern', members: 4, threshold: 3 });
  const log = new MemoryLog();
  const started: Member[] = [];
  const start = async (dataDir: string) => {
    const m = await startMember({ dataDir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1 });
    started.push(m);
    t.teardown(() => m.close());
    return m;
  };
  const originals = await Promise.all(files.members.map((m) => start(m.dir)));
  const keys = files.members.map((m) => m.gatewayKey);
  const genesisSet = files.members[0]!.genesis.validators;

  // A light peer that trusts an early header, then goes offline across every change.
  const { trustedBefore, reopen } = await offlineDevice(t, join(dir, 'device'), originals, originals[1]!);

  // (a) ADD_MEMBER, approved by 3 of 4, sent through member 0's broker by member 0.
  const fifth = newMemberDir(files, 'member-5');
  const added = await govern(originals[0]!, genesisSet, { action: GovernAction.ADD_MEMBER, key: fifth.key.publicKey }, keys.slice(1, 4));
  const fiveSet = makeValidatorSet(3, [...genesisSet.keys, fifth.key.publicKey]);
  await waitUntil(() => originals[0]!.height >= added + 1, 'the block after the change', 30_000);
  t.is(bytesToHex(lightBlock(originals[0]!, added).header.nextValidatorsHash), bytesToHex(validatorSetHash(crypto, fiveSet)), 'the change block names the new set');
  // The new member starts from an empty ledger and replays the stream from its start.
  const newcomer = await start(fifth.dir);
  await waitUntil(() => newcomer.height >= originals[0]!.height, 'the new member catches up', 30_000);

  // SET_THRESHOLD 4, approved by 3 of the five (the new member among them), sent through the new member.
  const raised = await govern(newcomer, fiveSet, { action: GovernAction.SET_THRESHOLD, threshold: 4 }, [keys[1]!, keys[2]!, fifth.key]);
  const fiveSet4 = makeValidatorSet(4, fiveSet.keys);
  // (b) REMOVE_MEMBER of original member 3, approved by 4 of the five, sent through member 2.
  await waitUntil(() => originals[0]!.height >= raised + 1, 'the block after the threshold change', 30_000);
  const removed = await govern(originals[2]!, fiveSet4, { action: GovernAction.REMOVE_MEMBER, key: keys[3]!.publicKey }, [keys[0]!, keys[1]!, keys[3]!, fifth.key]);
  const finalSet = makeValidatorSet(4, fiveSet.keys.filter((k) => !equalBytes(k, keys[3]!.publicKey)));
  // The removed member's vote, claiming its old index, for the blocks to come: not counted.
  const outIndex = indexIn(fiveSet4, keys[3]!.publicKey);
  const from = originals[0]!.executedHeight + 1;
  for (let h = from; h < from + 20; h++) log.appendVote(encodeVote(signVote(crypto, h, crypto.sha256(Uint8Array.of(h)), outIndex, keys[3]!.privateKey)));
  // The chain goes on without it: device transactions become final (the device now talks to the new member).
  const device = reopen(newcomer);
  const finals: number[] = [];
  device.onEvent((e) => void (e.type === 'final' && finals.push(e.height)));
  device.start();
  await waitUntil(() => finals.some((h) => h > removed + 1), 'a device transaction final after the removal', 30_000);
  const all = [...originals, newcomer];
  const height = Math.min(...all.map((m) => m.height));
  t.true(height > removed + 1);
  sameLedgers(t, all, height);

  // Each change: the block that makes it names the next set; the next block's light block carries it (§6.5).
  const changes = [[added, fiveSet], [raised, fiveSet4], [removed, finalSet]] as const;
  for (const [h, set] of changes) {
    const hash = bytesToHex(validatorSetHash(crypto, set));
    t.is(bytesToHex(lightBlock(originals[0]!, h).header.nextValidatorsHash), hash, `block ${h} announces the set`);
    const next = lightBlock(originals[0]!, h + 1);
    t.is(bytesToHex(next.header.validatorsHash), hash, `block ${h + 1} is signed by it`);
    t.truthy(next.validators, `light block ${h + 1} carries the set`);
    t.is(bytesToHex(validatorSetHash(crypto, next.validators!)), hash);
  }
  const carrying = Array.from({ length: height }, (_, i) => lightBlock(originals[0]!, i + 1)).filter((b) => b.validators).map((b) => b.header.height);
  t.deepEqual(carrying, changes.map(([h]) => h + 1), 'only the blocks after a change carry a set');

  // Votes: the new member votes from the block after its addition on (and never before); the
  // removed member stops voting after its removal, and its old-index votes were not counted.
  const votes = log.votes.map(decodeVote);
  const alone = makeValidatorSet(1, [fifth.key.publicKey]);
  const byNewcomer = votes.filter((v) => verifyVote(crypto, alone, { height: v.height, headerHash: v.headerHash }, { ...v, validatorIndex: 0 }).ok);
  t.true(byNewcomer.length > 0);
  t.true(byNewcomer.every((v) => v.height > added), 'no vote of the new member before it was in the set');
  for (let h = added + 1; h <= height; h++) {
    const set = h <= raised ? fiveSet : h <= removed ? fiveSet4 : finalSet;
    const index = indexIn(set, fifth.key.publicKey);
    const block = lightBlock(originals[0]!, h);
    t.true(votes.some((v) => v.height === h && v.validatorIndex === index && equalBytes(v.headerHash, headerHash(crypto, block.header))), `the new member voted for ${h}`);
    t.is(block.commit.signatures.length, set.threshold, `commit of ${h} has ${set.threshold} signatures`);
  }
  for (let h = removed + 1; h <= height; h++) {
    const block = lightBlock(originals[0]!, h);
    // Every commit entry verifies under the final set, which does not hold the removed key.
    t.is(indexIn(finalSet, keys[3]!.publicKey), -1);
    t.is(block.commit.signatures.length, 4);
  }
  t.true(originals[0]!.votes.disagreements.some((d) => d.index === outIndex && d.height >= from), 'the removed member\'s votes are evidence, not counted');
  t.true(originals[3]!.height >= removed + 1, 'the removed member keeps following the chain');

  // The device caught up from its old trusted header over HEADER_RANGE, through all three changes.
  t.true(trustedBefore < added);
  await waitUntil(() => device.status().trustedHeight > removed + 1, 'the light peer trusts a header after the removal', 30_000);

  // The same by hand: from genesis trust, the newest header cannot be reached by skipping; walking adjacent headers can.
  let trusted = trustFromGenesis(crypto, files.members[0]!.genesis);
  const now = Date.now() + 1000;
  trusted = applyHeader(trusted, expectOk(t, verifyHeader(crypto, trusted, lightBlock(originals[0]!, added), now, TRUST)));
  const skip = verifyHeader(crypto, trusted, lightBlock(originals[0]!, height), now, TRUST);
  t.is(skip.ok ? ErrorCode.OK : skip.code, ErrorCode.VALSET_CHANGED);
  for (let h = added + 1; h <= height; h++) trusted = applyHeader(trusted, expectOk(t, verifyHeader(crypto, trusted, lightBlock(originals[0]!, h), now, TRUST)));
  t.is(bytesToHex(trusted.validatorsHash), bytesToHex(validatorSetHash(crypto, finalSet)));

  // A set change signed by too few old members, or with forged signatures, is refused.
  const last = lightBlock(originals[0]!, height);
  const rogue = makeValidatorSet(1, [newDeviceKey().publicKey]);
  const forgedHeader = { ...last.header, height: height + 1, time: last.header.time + 1, prevHash: headerHash(crypto, last.header), nextValidatorsHash: validatorSetHash(crypto, rogue) };
  const forgedHash = headerHash(crypto, forgedHeader);
  const finalKeys = [keys[0]!, keys[1]!, keys[2]!, fifth.key].sort((a, b) => indexIn(finalSet, a.publicKey) - indexIn(finalSet, b.publicKey));
  const signers = (n: number) => finalKeys.slice(0, n).map((k) => ({ index: indexIn(finalSet, k.publicKey), privateKey: k.privateKey }));
  const tooFew = signCommit(crypto, height + 1, forgedHash, signers(3));
  const few = verifyHeader(crypto, trusted, { header: forgedHeader, commit: tooFew }, now, TRUST);
  t.is(few.ok ? ErrorCode.OK : few.code, ErrorCode.INSUFFICIENT_SIGNATURES, 'threshold − 1 of the old set');
  const full = signCommit(crypto, height + 1, forgedHash, signers(4));
  const forged = { ...full, signatures: full.signatures.map((s, i) => (i === 1 ? { ...s, signature: new Uint8Array(64).fill(9) } : s)) };
  const bad = verifyHeader(crypto, trusted, { header: forgedHeader, commit: forged }, now, TRUST);
  t.is(bad.ok ? ErrorCode.OK : bad.code, ErrorCode.BAD_COMMIT_SIGNATURE, 'a forged signature in the commit');
});

