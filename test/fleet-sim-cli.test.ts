// `botpeer sim` as a user runs it (test layer): a child process against a real gateway
// (embedded broker and HTTP API on free ports) on a chain in a temp folder. The first
// run enrols the devices with the operator key; a second run reuses their folders;
// Ctrl-C stops cleanly and loses nothing.

import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { keyId, keyPairFromPrivate } from '../src/index.js';
import { StoreKey } from '../src/peer/index.js';
import { createFileOutbox } from '../hosts/desktop/outbox-file-node.js';
import { ledgerTxs, sleep, tempDir, waitUntil } from './support/desktop-fleet.js';
import { crypto, makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { freePort } from './support/mosquitto.js';
import { BOTPEER, finalsIn, runBotpeer } from './support/run-botpeer.js';

const botpeer = (args: readonly string[]) => runBotpeer(args);

test('sim enrols its devices, runs them against the gateway, and a second run reuses them', async (t) => {
  const { dir, remove } = makeChainDir('sim-cli');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => gateway.close());
  const fleetDir = join(tempDir(t), 'fleet');
  const args = ['sim', '--data', dir, '--broker', gateway.mqttUrl, '--http', gateway.httpUrl!, '--devices', '4', '--interval', '200', '--duration', '3', '--fleet-dir', fleetDir];
  const first = await botpeer(args);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /enrolled 4 device\(s\) with the operator key \(seq 1…4\)/);
  t.true(finalsIn(first.stdout) > 0, first.stdout);

  const second = await botpeer(args);
  t.is(second.code, 0, second.stderr);
  t.notRegex(second.stdout, /enrolled/);
  t.true(finalsIn(second.stdout) > 0, second.stdout);
  t.regex(second.stdout, /stopped after \d+\.\d s \(3 s\): 4 device\(s\)/);
  t.true(gateway.store.txCount() >= 4 + finalsIn(first.stdout) + finalsIn(second.stdout));
});

test('sim: clear errors and exit codes (no chain 1, unreachable broker 1, bad arguments 2)', async (t) => {
  const empty = tempDir(t);
  const noChain = await botpeer(['sim', '--data', empty]);
  t.is(noChain.code, 1);
  t.regex(noChain.stderr, /^botpeer: no chain in /);

  const { dir, remove } = makeChainDir('sim-errors');
  t.teardown(remove);
  const port = await freePort();
  const unreachable = await botpeer(['sim', '--data', dir, '--broker', `mqtt://127.0.0.1:${port}`, '--http', `http://127.0.0.1:${port}`, '--devices', '1', '--timeout', '2000', '--fleet-dir', join(tempDir(t), 'fleet')]);
  t.is(unreachable.code, 1);
  t.regex(unreachable.stderr, /^botpeer: cannot (ask the gateway|connect to the broker)/);

  for (const [args, message] of [
    [['--devices', '0'], /--devices must be an integer from 1 to 10000/],
    [['--broker', 'http://x'], /--broker must be a mqtt: or tcp: URL/],
    [['--interval', 'fast'], /--interval must be an integer/],
    [['--batch', '100'], /--batch must be an integer from 1 to 85/],
    [['stray'], /unexpected argument "stray"/],
  ] as const) {
    const run = await botpeer(['sim', '--data', dir, ...args]);
    t.is(run.code, 2, args.join(' '));
    t.regex(run.stderr, message, args.join(' '));
  }
});

test('sim stopped with Ctrl-C, twice (no waiting for finality): exits 0, and every signed transaction is in the ledger or in an outbox', async (t) => {
  const { dir, remove } = makeChainDir('sim-sigint');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => gateway.close());
  const fleetDir = join(tempDir(t), 'fleet');
  const child = spawn(process.execPath, [BOTPEER, 'sim', '--data', dir, '--broker', gateway.mqttUrl, '--http', gateway.httpUrl!, '--devices', '3', '--interval', '50', '--fleet-dir', fleetDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const deadline = Date.now() + 30_000;
  while (!/enrolled 3 device/.test(stdout) && Date.now() < deadline) await sleep(50);
  // Runs until the gateway holds more than 10 of its readings (3 enrolments before them), however busy the machine.
  await waitUntil(() => gateway.store.txCount() + gateway.producer.pendingCount > 3 + 10, 'more than 10 readings at the gateway');
  child.kill('SIGINT');
  await sleep(30);
  child.kill('SIGINT'); // the second one: stop now, do not wait for what is in flight
  t.is(await exited, 0, stderr);
  const signed = Number(/transactions: (\d+) signed/.exec(stdout)?.[1] ?? -1);
  t.true(signed > 10, stdout);
  t.regex(stdout, /stopped after \d+\.\d s \(SIGINT\)/);

  // What each device signed is in the ledger (once the gateway's pending pool is in a block) or still in its outbox.
  await waitUntil(() => gateway.producer.pendingCount === 0, 'the pending pool in a block');
  let covered = 0;
  for (const name of readdirSync(fleetDir).filter((n) => n.startsWith('device-'))) {
    const keys = keyPairFromPrivate(crypto, new Uint8Array(readFileSync(join(fleetDir, name, 'state', StoreKey.KEY))));
    const seqs = new Set(ledgerTxs(gateway.store, keyId(crypto, keys.publicKey)).map((tx) => tx.seq));
    for (const [seq] of createFileOutbox(join(fleetDir, name, 'outbox'), { durable: false, capacity: 4096 }).entries()) seqs.add(seq);
    covered += seqs.size;
  }
  t.is(covered, signed, 'ledger ∪ outboxes = every transaction signed');
});
