// The consortium through the command line (test layer): `botpeer init --consortium` and its
// multi-machine forms, `botpeer gateway --nats` refusing the wrong chain, and `botpeer start
// --members 4` as a user runs it — a child process with its own 3-node NATS cluster, watched
// until every member stores blocks and the fleet's transactions are final, then Ctrl-C.

import test from 'ava';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Permission, bytesToHex, decodeGenesis, decodeLightBlock } from '../src/index.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { startMember } from '../tools/gateway/consortium/member.js';
import { NATS_INSTALL_HINT, findNatsServer } from '../tools/nats/nats-cluster.js';
import { BOTPEER, finalsIn, runBotpeer } from './support/run-botpeer.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { waitUntil } from './support/desktop-fleet.js';
import { crypto } from './support/gateway-fixture.js';


function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-cli-consortium-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const genesisIn = (dir: string) => decodeGenesis(new Uint8Array(readFileSync(join(dir, 'genesis.cbor'))));

test('init --consortium writes a folder per member, the operator key and consortium.json', async (t) => {
  const data = join(tempDir(t), 'c');
  const run = await runBotpeer(['init', '--consortium', '--members', '4', '--threshold', '3', '--name', 'coop', '--data', data]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /consortium chain [0-9a-f]{16} "coop"/);
  t.regex(run.stdout, /members \(3 of 4 sign each block\)/);
  t.regex(run.stdout, /botpeer gateway --data \S+member-4 --nats /);
  const manifest = JSON.parse(readFileSync(join(data, 'consortium.json'), 'utf8')) as { threshold: number; members: { dir: string; key: string; id: string }[] };
  t.is(manifest.threshold, 3);
  t.is(manifest.members.length, 4);
  t.true(existsSync(join(data, 'operator.key')));
  const chains = new Set<string>();
  for (const [i, m] of manifest.members.entries()) {
    const dir = join(data, `member-${i + 1}`);
    t.is(m.dir, `member-${i + 1}`);
    t.true(existsSync(join(dir, 'keys', 'gateway.key')));
    t.false(existsSync(join(dir, 'keys', 'operator.key')), 'the operator key stays off the members');
    const genesis = genesisIn(dir);
    t.is(genesis.permission, Permission.CONSORTIUM);
    t.true(genesis.validators.keys.some((k) => bytesToHex(k) === m.key));
    t.regex(run.stdout, new RegExp(`member-${i + 1}  ${m.id}  ${m.key}`));
    chains.add(readFileSync(join(dir, 'genesis.cbor')).toString('hex'));
  }
  t.is(chains.size, 1, 'one genesis for all');

  const again = await runBotpeer(['init', '--consortium', '--data', data]);
  t.is(again.code, 1);
  t.regex(again.stderr, /already holds a consortium; pass --force/);
  const forced = await runBotpeer(['init', '--consortium', '--members', '3', '--force', '--data', data]);
  t.is(forced.code, 0, forced.stderr);
  t.regex(forced.stdout, /members \(3 of 3 sign each block\)/, 'the default threshold is floor(2n/3)+1');
  t.is(JSON.parse(readFileSync(join(data, 'consortium.json'), 'utf8')).members.length, 3);
  t.false(existsSync(join(data, 'member-4')), 'the old fourth member is gone with the old chain');
});

test('init --consortium usage errors', async (t) => {
  const data = join(tempDir(t), 'c');
  for (const [args, message] of [
    [['--members', '4'], /--members needs --consortium/],
    [['--consortium', '--members', '4', '--threshold', '5'], /--threshold must be an integer from 1 to 4/],
    [['--consortium', '--members', '0'], /--members must be an integer from 1 to 64/],
    [['--consortium', '--public'], /exclude each other/],
    [['--consortium', '--member-keys', 'abc'], /--member-keys takes 33-byte compressed public keys/],
    [['--member-key', '--name', 'x'], /--member-key only makes this member's key/],
  ] as const) {
    const run = await runBotpeer(['init', ...args, '--data', data]);
    t.is(run.code, 2, args.join(' '));
    t.regex(run.stderr, message, args.join(' '));
  }
  t.false(existsSync(data), 'nothing written');
});

test('multi-machine: each member makes its key, one assembles the genesis from the public keys', async (t) => {
  const root = tempDir(t);
  const keys: string[] = [];
  for (const m of ['a', 'b', 'c']) {
    const run = await runBotpeer(['init', '--member-key', '--data', join(root, m)]);
    t.is(run.code, 0, run.stderr);
    keys.push(/^ {2}key {2}([0-9a-f]{66})$/m.exec(run.stdout)![1]!);
    t.false(existsSync(join(root, m, 'genesis.cbor')));
  }
  const kept = await runBotpeer(['init', '--member-key', '--data', join(root, 'a')]);
  t.regex(kept.stdout, new RegExp(`kept this member's key[\\s\\S]*${keys[0]}`), 'a second run keeps the key');
  const run = await runBotpeer(['init', '--consortium', '--member-keys', `${keys[1]},${keys[2]}`, '--threshold', '2', '--data', join(root, 'a')]);
  t.is(run.code, 0, run.stderr);
  const genesis = genesisIn(join(root, 'a'));
  t.is(genesis.permission, Permission.CONSORTIUM);
  t.is(genesis.validators.threshold, 2);
  t.deepEqual(genesis.validators.keys.map(bytesToHex).sort(), [...keys].sort());
  t.regex(run.stdout, new RegExp(`${keys[0]}  \\(this member\\)`));
  t.true(existsSync(join(root, 'a', 'keys', 'operator.key')));
});

test('gateway --nats runs only a consortium chain, and a consortium chain only with --nats', async (t) => {
  const root = tempDir(t);
  t.is((await runBotpeer(['init', '--data', join(root, 'solo')])).code, 0);
  t.is((await runBotpeer(['init', '--consortium', '--members', '2', '--data', join(root, 'c')])).code, 0);
  const solo = await runBotpeer(['gateway', '--data', join(root, 'solo'), '--nats', 'nats://127.0.0.1:1', '--http-port', '-1']);
  t.is(solo.code, 1);
  t.regex(solo.stderr, /^botpeer: --nats runs a consortium member, and the chain in \S+ is private/);
  const noNats = await runBotpeer(['gateway', '--data', join(root, 'c', 'member-1'), '--mqtt-port', '0', '--http-port', '-1']);
  t.is(noNats.code, 1);
  t.regex(noNats.stderr, /^botpeer: the chain in \S+ is a consortium's: run this member with --nats/);
  for (const [args, message] of [
    [['--nats', 'http://x'], /--nats must be a nats: or tls: URL/],
    [['--nats-mqtt', 'mqtt://127.0.0.1:1883'], /--nats-mqtt goes with --nats/],
    [['--nats', 'nats://127.0.0.1:1', '--broker', 'mqtt://127.0.0.1:1883'], /--broker is for a solo gateway/],
  ] as const) {
    const run = await runBotpeer(['gateway', '--data', join(root, 'c', 'member-1'), ...args]);
    t.is(run.code, 2, args.join(' '));
    t.regex(run.stderr, message, args.join(' '));
  }
  const unreachable = await runBotpeer(['gateway', '--data', join(root, 'c', 'member-1'), '--nats', 'nats://127.0.0.1:1', '--mqtt-port', '0', '--http-port', '-1']);
  t.is(unreachable.code, 1);
  t.regex(unreachable.stderr, /the member did not start: .*is the NATS cluster at nats:\/\/127.0.0.1:1 up/s);
});

const MEMBERS_LINE = /^m1 h\d+ s(\d+) p\d+ · m2 h\d+ s(\d+) p\d+ · m3 h\d+ s(\d+) p\d+ · m4 h\d+ s(\d+) p\d+ \|.*\| final (\d+)/m;

test('start --members 4: NATS cluster, four members, a fleet; every member stores blocks with final transactions; Ctrl-C stops it all', async (t) => {
  if (findNatsServer() === undefined) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  const data = join(tempDir(t), 'consortium');
  const child = spawn(process.execPath, [BOTPEER, 'start', '--members', '4', '--devices', '5', '--duration', '300', '--mqtt-port', '0', '--http-port', '-1', '--block-interval', '300', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const ready = (): boolean => {
    for (const line of stdout.split('\n')) {
      const m = MEMBERS_LINE.exec(line);
      if (m && m.slice(1, 5).every((s) => Number(s) >= 2) && Number(m[5]) > 0) return true;
    }
    return false;
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no progress line with every member at height 2 and final transactions in time:\n${stdout}\n${stderr}`)), 120_000);
    child.stdout.on('data', (c) => {
      stdout += c;
      if (ready()) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`start exited (${code}) early:\n${stdout}\n${stderr}`));
    });
  });
  t.regex(stdout, /created consortium chain [0-9a-f]{16} "botpeer" in .*: 4 members, 3 sign each block/);
  t.regex(stdout, /nats: 3 nodes/);
  t.regex(stdout, /enrolled 5 device\(s\)/);
  t.regex(stdout, /\(1 on the NATS MQTT listener mqtt:/);
  child.kill('SIGINT');
  t.is(await exited, 0, stderr);
  t.regex(stdout, /stopped after [\d.]+ s \(SIGINT\)/);
  t.true(finalsIn(stdout) > 0);
  t.regex(stdout, /members stopped at m1 h\d+ s\d+ p\d+ · /);
  t.regex(stdout, /NATS stopped/);
});

test('block on a FROST consortium: a member shows the group signature, its coordinator and signers with their keys; a store without the record says the signers are unknown', async (t) => {
  const dir = tempDir(t);
  const files = initConsortium(crypto, { dir, name: 'frost', members: 4, threshold: 3, frost: true });
  const log = new MemoryLog();
  const timing = { intervalMs: 50, heartbeatMs: 100, takeoverMs: 300, maxBlockTxs: 64 };
  const members = await Promise.all(files.members.map((m) => startMember({ dataDir: m.dir, ordering: async () => log.port(), mqttPort: 0, timing, verifyWorkers: 1 })));
  t.teardown(() => Promise.all(members.map((m) => m.close())));
  await waitUntil(() => members.every((m) => m.height >= 3), 'three blocks at every member', 30_000);
  const commit = decodeLightBlock(members[1]!.store.block(2)!.lightBlock).commit;
  await Promise.all(members.map((m) => m.close()));
  const set = members[0]!.chain.genesis.validators;
  const data = files.members[1]!.dir;
  const shown = await runBotpeer(['block', '2', '--data', data]);
  t.is(shown.code, 0, shown.stderr);
  const block = JSON.parse(shown.stdout);
  t.is(block.groupSignature, bytesToHex(commit.groupSignature!));
  t.is(block.signers.length, 3);
  for (const s of block.signers) t.is(s.key, bytesToHex(set.keys[s.index]!));
  t.true(Number.isInteger(block.coordinator));
  // The same block from a copy of the ledger without the members' records (as a non-member's store would be).
  const copy = join(dir, 'copy');
  mkdirSync(copy);
  copyFileSync(join(data, 'ledger.sqlite'), join(copy, 'ledger.sqlite'));
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(join(copy, 'ledger.sqlite'));
  db.exec('DROP TABLE frost_participation');
  db.close();
  const unknown = JSON.parse((await runBotpeer(['block', '2', '--data', copy])).stdout);
  t.is(unknown.groupSignature, block.groupSignature);
  t.regex(unknown.signers, /^unknown/);
  t.is(unknown.coordinator, undefined);
});
