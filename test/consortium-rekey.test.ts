// Re-keying a consortium (GOVERN REKEY, docs/protocol.md §5.8.2) over the in-memory chain stream:
// a 4-member FROST consortium takes a fifth member with a new group key, made by `botpeer member
// rekey` at the five members at once (the network key generation over an in-memory bus, the
// current four's approvals, the submission by one). The old group signs the block that announces the
// new set, the new group every block after it; the newcomer's share is needed once two originals
// stop; every member keeps one ledger; a light client from genesis and a device that was offline
// across the change (§8.3 over HEADER_RANGE) both follow. Also: an ECDSA consortium moves to
// FROST by REKEY, and ADD_MEMBER on the FROST chain is refused (BAD_VALIDATOR_SET).

import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode, GovernAction, type KeyPair, type LightBlock, type TrustedState, type ValidatorSet, applyHeader,
  bytesToHex, compareBytes, decodeLightBlock, hexToBytes, equalBytes, isFrostSet, makeTrustOptions, makeValidatorSet,
  trustFromGenesis, validatorSetHash, verifyHeader,
} from '../src/index.js';
import { type ConsortiumFiles, initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type FrostGroup, frostShareFile, generateFrostGroup, readFrostKeys, writeFrostKeys } from '../tools/gateway/consortium/frost-keys.js';
import { NONCE_JOURNAL_FILE } from '../tools/gateway/consortium/frost-nonce-journal.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import type { ProposalFile } from '../tools/cli/member-govern.js';
import { memberRekey } from '../tools/cli/member-rekey.js';
import { MemoryDkgBus } from './fakes/memory-dkg-bus.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { expectOk, govern, newMemberDir, offlineDevice, sameLedgers } from './support/consortium-fixture.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { waitUntil } from './support/desktop-fleet.js';

const TIMING = { intervalMs: 50, heartbeatMs: 150, takeoverMs: 300, maxBlockTxs: 64 };
const TRUST = makeTrustOptions({});

function consortium(t: ExecutionContext, frost: boolean): ConsortiumFiles {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-rekey-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return initConsortium(crypto, { dir, name: 'rekey', members: 4, threshold: 3, frost });
}

function starter(t: ExecutionContext, log: MemoryLog) {
  return async (dataDir: string): Promise<Member> => {
    const member = await startMember({ dataDir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1 });
    t.teardown(() => member.close());
    return member;
  };
}


const lightBlock = (member: Member, h: number): LightBlock => decodeLightBlock(member.store.block(h)!.lightBlock);

/** The new set's shares, written into each member folder at its index in the (sorted) new set. */
function writeShares(dirs: readonly { dir: string; key: Uint8Array }[], keys: readonly Uint8Array[], group: FrostGroup): void {
  for (const { dir, key } of dirs) writeFrostKeys(dir, group, keys.findIndex((k) => equalBytes(k, key)));
}

/** The height whose header first names `set` as the next one. */
function announcedAt(member: Member, set: ValidatorSet): number | undefined {
  const hash = bytesToHex(validatorSetHash(crypto, set));
  for (let h = 1; h <= member.height; h++) if (bytesToHex(lightBlock(member, h).header.nextValidatorsHash) === hash) return h;
  return undefined;
}

/**
 * A light client that trusted genesis walks every light block of `member` up to `height` (§8.3):
 * the commit of each block is checked against the set it claims, which changes at `changedAt + 1`.
 */
function followFromGenesis(t: ExecutionContext, member: Member, height: number, changedAt: number, before: ValidatorSet, after: ValidatorSet): void {
  let trusted: TrustedState = trustFromGenesis(crypto, member.chain.genesis);
  for (let h = 1; h <= height; h++) {
    const block = lightBlock(member, h);
    const set = h <= changedAt ? before : after;
    t.is(bytesToHex(block.header.validatorsHash), bytesToHex(validatorSetHash(crypto, set)), `block ${h} is signed by the ${h <= changedAt ? 'old' : 'new'} set`);
    if (isFrostSet(set)) t.is(block.commit.groupSignature?.length, 64, `block ${h}: one group signature`);
    else t.is(block.commit.signatures.length, set.threshold, `block ${h}: ${set.threshold} ECDSA signatures`);
    t.is(block.validators !== undefined, h === changedAt + 1, `only block ${changedAt + 1} carries the set`);
    trusted = applyHeader(trusted, expectOk(t, verifyHeader(crypto, trusted, block, Date.now(), TRUST), `block ${h}`));
  }
  t.is(bytesToHex(trusted.validatorsHash), bytesToHex(validatorSetHash(crypto, after)));
}

test.serial('a FROST consortium of four re-keys to five: the old group announces the new one, the new group signs on, everyone follows', async (t) => {
  const files = consortium(t, true);
  const log = new MemoryLog();
  const start = starter(t, log);
  const originals = await Promise.all(files.members.map((m) => start(m.dir)));
  const oldSet = files.members[0]!.genesis.validators;
  const dirs = files.members.map((m) => m.dir);

  // A light peer that trusts an early header, then is offline across the change.
  const { trustedBefore, reopen } = await offlineDevice(t, join(files.dir, 'device'), originals, originals[1]!);

  // The fifth member starts before the change: it replays and, with no share of the old group, signs nothing.
  const fifth = newMemberDir(files, 'member-5');
  const newcomer = await start(fifth.dir);
  // `botpeer member rekey --add <fifth>` at all five members at once: the key generation among
  // them (over an in-memory bus standing in for NATS), the approvals of the current four, and
  // the submission by the approving member with the lowest index (through its broker).
  const newKeys = [...oldSet.keys, fifth.key.publicKey].sort(compareBytes);
  const dkgBus = new MemoryDkgBus();
  const approvalBus = new MemoryDkgBus();
  const channels = async () => ({ dkg: dkgBus.transport(), approvals: approvalBus.transport(), close: async () => {} });
  const out: string[] = [];
  const brokers = [...originals.map((m) => m.mqttUrl), newcomer.mqttUrl];
  await Promise.all([...dirs, fifth.dir].map((dir, i) => memberRekey(crypto, {
    data: dir, add: bytesToHex(fifth.key.publicKey), out: join(files.dir, `rekey-${i}.json`), mqtt: brokers[i], timeout: '30000',
  }, (l) => out.push(`${i}: ${l}`), channels)));
  const written = JSON.parse(readFileSync(join(files.dir, 'rekey-0.json'), 'utf8')) as ProposalFile;
  t.is(written.approvals.length, 4, 'every current member approved');
  const group = { groupKey: hexToBytes((written.proposal as { groupKey: string }).groupKey) };
  const newSet = makeValidatorSet(3, newKeys, group.groupKey);
  for (const [i, dir] of [...dirs, fifth.dir].entries()) {
    t.is(statSync(join(dir, frostShareFile(group.groupKey))).mode & 0o777, 0o600);
    t.is(readFrostKeys(dir, group.groupKey)?.id, newKeys.findIndex((k) => equalBytes(k, i < 4 ? files.members[i]!.gatewayKey.publicKey : fifth.key.publicKey)), 'the new share is found by its group key, at the member\'s index');
    t.deepEqual(JSON.parse(readFileSync(join(files.dir, `rekey-${i}.json`), 'utf8')).proposal, written.proposal, 'every member wrote the same proposal');
  }
  t.truthy(readFrostKeys(dirs[0]!, oldSet.groupKey!), 'beside the old one');
  t.is(readFrostKeys(fifth.dir, oldSet.groupKey!), undefined, 'the newcomer has no share of the old group');
  t.regex(out.join('\n'), /rekey to 3 of 5 members under FROST group key [0-9a-f]{64}/);
  t.is(out.filter((l) => / is final: /.test(l)).length, 1, 'one member submitted the GOVERN');

  await waitUntil(() => announcedAt(originals[0]!, newSet) !== undefined, 'the block announcing the new set', 30_000);
  const changedAt = announcedAt(originals[0]!, newSet)!;
  const all = [...originals, newcomer];
  await waitUntil(() => all.every((m) => m.height >= changedAt + 4), 'four blocks under the new group at every member', 60_000);
  t.true(newcomer.frost.stats.noncesMade > 0, 'the newcomer signs with its new share');
  sameLedgers(t, all, changedAt + 4);

  // Two originals stop: with 3 of 5 left, the newcomer's share is needed for every block.
  const reached = Math.max(...all.map((m) => m.height));
  await originals[1]!.close();
  await originals[2]!.close();
  const running = [originals[0]!, originals[3]!, newcomer];
  await waitUntil(() => running.every((m) => m.height >= reached + 4), 'four blocks signed with the newcomer', 60_000);
  t.true(newcomer.frost.stats.partialsSent > 0);
  const height = Math.min(...running.map((m) => m.height));
  sameLedgers(t, running, height);
  for (let h = 1; h <= height; h++) {
    const reference = bytesToHex(running[0]!.store.block(h)!.lightBlock);
    for (const m of running.slice(1)) t.is(bytesToHex(m.store.block(h)!.lightBlock), reference, `light block ${h} at ${m.name}`);
  }
  followFromGenesis(t, newcomer, height, changedAt, oldSet, newSet);
  t.true(running.every((m) => m.votes.disagreements.length === 0), 'no evidence against anyone');
  // The left-behind members' old-group nonces are never asked for after the change.
  t.true(originals[0]!.frost.participation.filter((p) => p.height > changedAt).every((p) => p.signers.length === 3));

  // The device caught up from its old header over HEADER_RANGE, across the change (§8.3).
  t.true(trustedBefore < changedAt);
  const device = reopen(newcomer);
  device.start();
  await waitUntil(() => device.status().trustedHeight > changedAt + 1, 'the device trusts a header signed by the new group', 30_000);
});

test.serial('an ECDSA consortium moves to FROST by REKEY; ADD_MEMBER is then refused (BAD_VALIDATOR_SET)', async (t) => {
  const files = consortium(t, false);
  const log = new MemoryLog();
  const start = starter(t, log);
  const members = await Promise.all(files.members.map((m) => start(m.dir)));
  const oldSet = files.members[0]!.genesis.validators;
  t.false(isFrostSet(oldSet));
  await waitUntil(() => members.every((m) => m.height >= 2), 'two ECDSA blocks', 30_000);
  t.false(files.members.some((m) => existsSync(join(m.dir, NONCE_JOURNAL_FILE))), 'no nonce journal while the set is ECDSA');

  // Shares written while the members run: they look them up when the FROST set first signs.
  const group = generateFrostGroup(4, 3);
  const frostSet = makeValidatorSet(3, oldSet.keys, group.groupKey);
  writeShares(files.members.map((m) => ({ dir: m.dir, key: m.gatewayKey.publicKey })), oldSet.keys, group);
  const keys: KeyPair[] = files.members.map((m) => m.gatewayKey);
  const changedAt = await govern(members[1]!, oldSet, { action: GovernAction.REKEY, threshold: 3, keys: oldSet.keys, groupKey: group.groupKey }, keys.slice(0, 3));
  await waitUntil(() => members.every((m) => m.height >= changedAt + 4), 'four FROST blocks', 60_000);
  t.is(announcedAt(members[0]!, frostSet), changedAt);
  const height = Math.min(...members.map((m) => m.height));
  sameLedgers(t, members, height);
  followFromGenesis(t, members[2]!, height, changedAt, oldSet, frostSet);
  t.true(files.members.every((m) => existsSync(join(m.dir, NONCE_JOURNAL_FILE))), 'each member journals its nonces from its first one');

  // A FROST set changes only by REKEY: ADD_MEMBER cannot carry a group key.
  const error = await t.throwsAsync(govern(members[0]!, frostSet, { action: GovernAction.ADD_MEMBER, key: newDeviceKey().publicKey }, keys.slice(0, 3)));
  t.regex(error!.message, new RegExp(`code ${ErrorCode.BAD_VALIDATOR_SET}\\b`));
  t.deepEqual(members[0]!.working().nextValidators(), frostSet, 'the set is unchanged');
});
