// `botpeer member propose | approve | submit` as an operator runs it (test layer): the CLI in a
// child process against four consortium members running in this process over the in-memory
// chain stream (test/fakes/memory-ordering.ts). A proposal file goes from member to member,
// is refused while short of approvals, by a non-member and once the set has changed, and
// once submitted the members' next set holds the new key. `propose rekey` on a FROST
// consortium (no members running: the set comes from the genesis).

import test from 'ava';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, equalBytes, validatorSetHash } from '../src/index.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { generateFrostGroup } from '../tools/gateway/consortium/frost-keys.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import type { ProposalFile } from '../tools/cli/member-govern.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { waitUntil } from './support/desktop-fleet.js';
import { runBotpeer } from './support/run-botpeer.js';

const TIMING = { intervalMs: 50, heartbeatMs: 300, takeoverMs: 300, maxBlockTxs: 64 };

test('propose, approve and submit a new member; short, foreign and stale proposals are refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-cli-member-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = initConsortium(crypto, { dir, name: 'cli-member', members: 4, threshold: 3 });
  const log = new MemoryLog();
  const members: Member[] = [];
  for (const m of files.members) {
    const member = await startMember({ dataDir: m.dir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1 });
    t.teardown(() => member.close());
    members.push(member);
  }
  await waitUntil(() => members.every((m) => m.height >= 1), 'a first block', 30_000);
  const [d1, d2, d3] = files.members.map((m) => m.dir);
  const newKey = newDeviceKey();
  const outsider = join(dir, 'outsider');
  mkdirSync(join(outsider, 'keys'), { recursive: true });
  for (const f of ['genesis.cbor', 'genesis.json']) copyFileSync(join(d1!, f), join(outsider, f));
  writeFileSync(join(outsider, 'keys', 'gateway.key'), bytesToHex(newKey.privateKey) + '\n');

  const add = join(dir, 'add.json');
  const stale = join(dir, 'stale.json');
  const ok = async (args: string[], pattern: RegExp) => {
    const run = await runBotpeer(args);
    t.is(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    t.regex(run.stdout, pattern);
  };
  const fails = async (args: string[], code: number, pattern: RegExp) => {
    const run = await runBotpeer(args);
    t.is(run.code, code, `${args.join(' ')}: ${run.stdout}`);
    t.regex(run.stderr, pattern);
  };

  await ok(['member', 'propose', 'add', bytesToHex(newKey.publicKey), '--out', add, '--data', d1!], /proposal written to .*add member [0-9a-f]{66}.*3 of 4 must approve/);
  const written = JSON.parse(readFileSync(add, 'utf8')) as ProposalFile;
  t.is(written.chainId, bytesToHex(files.members[0]!.chainId));
  t.is(written.validatorsHash, bytesToHex(validatorSetHash(crypto, files.members[0]!.genesis.validators)));
  t.deepEqual(written.proposal, { action: 'add', key: bytesToHex(newKey.publicKey) });
  t.deepEqual(written.approvals, []);
  await ok(['member', 'propose', 'threshold', '4', '--out', stale, '--data', d2!], /set the threshold to 4/);

  // Usage errors.
  await fails(['member', 'propose', 'add', 'abcd', '--out', add, '--data', d1!], 2, /compressed public key/);
  await fails(['member', 'propose', 'frob', '--out', add, '--data', d1!], 2, /unknown proposal "frob"/);
  await fails(['member', 'propose', 'threshold', '3', '--data', d1!], 2, /--out FILE/);
  await fails(['member', 'submit', add, '--data', d1!], 2, /--mqtt URL/);

  await fails(['member', 'approve', add, '--data', outsider], 1, /not a member/);
  await ok(['member', 'approve', add, '--data', d1!], /approved as member \d: .*1 of 3 approvals/);
  await ok(['member', 'approve', add, '--data', d1!], /1 of 3 approvals/); // approving twice counts once
  await ok(['member', 'approve', add, '--data', d2!], /2 of 3 approvals/);
  await fails(['member', 'submit', add, '--data', d2!, '--mqtt', members[1]!.mqttUrl], 1, /too few approvals: 2 in .*needs 3/);
  await fails(['member', 'submit', add, '--data', outsider, '--mqtt', members[1]!.mqttUrl], 1, /not a member/);
  for (const d of [d1!, d2!, d3!]) await ok(['member', 'approve', stale, '--data', d], /approvals/);
  await ok(['member', 'approve', add, '--data', d3!], /3 of 3 approvals/);
  // A forged approval is caught before anything is sent.
  const forged = JSON.parse(readFileSync(add, 'utf8')) as ProposalFile;
  const forgedPath = join(dir, 'forged.json');
  writeFileSync(forgedPath, JSON.stringify({ ...forged, approvals: forged.approvals.map((a, i) => (i === 0 ? { ...a, signature: '11'.repeat(64) } : a)) }));
  await fails(['member', 'submit', forgedPath, '--data', d2!, '--mqtt', members[1]!.mqttUrl], 1, /does not verify/);

  await ok(['member', 'submit', add, '--data', d2!, '--mqtt', members[1]!.mqttUrl], /GOVERN [0-9a-f]{64} is final: add member/);
  await waitUntil(() => members.every((m) => m.working().validators()!.keys.some((k) => equalBytes(k, newKey.publicKey))), 'every member signs with the new set next', 30_000);
  // The threshold proposal was approved in the old set: refused, by the CLI and before any signature is made.
  await fails(['member', 'submit', stale, '--data', d1!, '--mqtt', members[0]!.mqttUrl], 1, /the set changed since the proposal was made/);
  await fails(['member', 'approve', stale, '--data', files.members[3]!.dir], 1, /the set changed since the proposal was made/);
});

test('propose rekey on a FROST consortium: the new set from --keys, --threshold and --group-key; add is refused there; bad input is a usage error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-cli-rekey-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = initConsortium(crypto, { dir, name: 'cli-rekey', members: 4, threshold: 3, frost: true });
  const [d0, d1, d2, d3] = files.members.map((m) => m.dir) as [string, string, string, string];
  const set = files.members[0]!.genesis.validators;
  const fifth = newDeviceKey();
  const keys = [...set.keys, fifth.publicKey].map(bytesToHex);
  const group = generateFrostGroup(5, 3);
  const groupKey = bytesToHex(group.groupKey);
  const file = join(dir, 'rekey.json');
  const run = async (args: string[], code: number, stream: 'stdout' | 'stderr', pattern: RegExp) => {
    const r = await runBotpeer(args);
    t.is(r.code, code, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
    t.regex(r[stream], pattern);
  };
  const propose = (...extra: string[]) => ['member', 'propose', 'rekey', '--out', file, '--data', d0, ...extra];

  await run(propose('--threshold', '3', '--group-key', groupKey), 2, 'stderr', /--keys K1,K2/);
  await run(propose('--keys', keys.join(','), '--group-key', groupKey), 2, 'stderr', /--threshold T/);
  await run(propose('--keys', keys.join(','), '--threshold', '6', '--group-key', groupKey), 2, 'stderr', /--threshold must be an integer from 1 to 5/);
  await run(propose('--keys', [...keys, keys[0]!].join(','), '--threshold', '3', '--group-key', groupKey), 2, 'stderr', /twice/);
  await run(propose('--keys', keys.join(','), '--threshold', '3', '--group-key', 'eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34'), 2, 'stderr', /x-only public key on the curve/);
  await run(['member', 'propose', 'threshold', '2', '--keys', keys.join(','), '--out', file, '--data', d0], 2, 'stderr', /go with `propose rekey` only/);
  await run(['member', 'propose', 'add', bytesToHex(fifth.publicKey), '--out', file, '--data', d0], 1, 'stderr', /FROST set .* changes only by `member propose rekey`/);

  // Keys in any order; the proposal holds them sorted. Member 0 has no share yet: a note says so.
  await run(propose('--keys', [...keys].reverse().join(','), '--threshold', '3', '--group-key', groupKey), 0, 'stdout', /rekey to 3 of 5 members under FROST group key [0-9a-f]{64}[\s\S]*holds no share for group key/);
  const written = JSON.parse(readFileSync(file, 'utf8')) as ProposalFile;
  t.deepEqual(written.proposal, { action: 'rekey', threshold: 3, keys: [...keys].sort(), groupKey });
  t.is(written.validators.groupKey, bytesToHex(set.groupKey!), 'the FROST set the approvals count in');
  for (const [d, n] of [[d1, 1], [d2, 2], [d3, 3]] as const) await run(['member', 'approve', file, '--data', d], 0, 'stdout', new RegExp(`${n} of 3 approvals`));
  t.is((JSON.parse(readFileSync(file, 'utf8')) as ProposalFile).approvals.length, 3);
});

test('member rekey: usage errors before any key generation (no --out, no --nats, a member added twice, a leaving member)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-cli-rekey-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = initConsortium(crypto, { dir, name: 'cli-rekey', members: 4, threshold: 3 });
  const data = files.members[0]!.dir;
  const first = bytesToHex(files.members[0]!.gatewayKey.publicKey);
  const second = bytesToHex(files.members[1]!.gatewayKey.publicKey);
  const cases: [string[], RegExp][] = [
    [['member', 'rekey', '--data', data, '--nats', 'nats://127.0.0.1:1'], /give --out FILE/],
    [['member', 'rekey', '--data', data, '--out', join(dir, 'p.json')], /give --nats URL/],
    [['member', 'rekey', '--data', data, '--out', join(dir, 'p.json'), '--nats', 'nats://127.0.0.1:1', '--add', second], /already a member/],
    [['member', 'rekey', '--data', data, '--out', join(dir, 'p.json'), '--nats', 'nats://127.0.0.1:1', '--remove', first], /is not in the new set/],
    [['member', 'rekey', '--data', data, '--out', join(dir, 'p.json'), '--nats', 'nats://127.0.0.1:1', '--threshold', '5'], /--threshold/],
  ];
  for (const [args, message] of cases) {
    const run = await runBotpeer(args);
    t.not(run.code, 0, args.join(' '));
    t.regex(run.stderr, message, args.join(' '));
  }
});
