// The README's run command works (test layer): `npm start` is `botpeer start`, the
// gateway and a small fleet of simulated light peers in one process. Run here as a
// user runs it, in a child process, on a fresh data folder and free ports, briefly.

import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { tempDir } from './support/desktop-fleet.js';
import { runBotpeer, finalsIn } from './support/run-botpeer.js';

const botpeer = (args: readonly string[]) => runBotpeer(args);

test('npm start (botpeer start): creates a chain, runs the gateway and a fleet, readings become final, exits 0', async (t) => {
  const data = join(tempDir(t, 'botpeer-start-'), 'data');
  const args = ['start', '--data', data, '--devices', '3', '--duration', '4', '--mqtt-port', '0', '--http-port=-1'];
  const first = await botpeer(args);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /created chain [0-9a-f]{16}/);
  t.regex(first.stdout, /enrolled 3 device\(s\)/);
  t.true(finalsIn(first.stdout) > 0, first.stdout);
  t.regex(first.stdout, /headers: [1-9]\d* verified, 0 rejected; proofs rejected: 0/);
  t.true(existsSync(join(data, 'ledger.sqlite')));
  t.deepEqual(readdirSync(join(data, 'fleet')).filter((n) => n.startsWith('device-')).sort(), ['device-0001', 'device-0002', 'device-0003']);

  // A second run continues the same chain and devices: no new chain, no new enrolment.
  // (with HTTP on a free port this time: the explorer's address is printed)
  const second = await botpeer([...args.filter((a) => a !== '--http-port=-1'), '--http-port', '0']);
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /explorer: open http:\/\/127\.0\.0\.1:\d+\/ in a browser/);
  t.notRegex(second.stdout, /created chain/);
  t.notRegex(second.stdout, /enrolled/);
  t.true(finalsIn(second.stdout) > 0, second.stdout);

  const store = openSqliteStore(join(data, 'ledger.sqlite'));
  try {
    t.true(store.txCount() >= 3 + finalsIn(first.stdout) + finalsIn(second.stdout), 'enrolments and every final reading are in the ledger');
  } finally {
    store.close();
  }
});

test('npm start: a bad argument gets a clear message and exit code 2, and creates nothing', async (t) => {
  const data = join(tempDir(t, 'botpeer-start-'), 'data');
  const run = await botpeer(['start', '--data', data, '--devices', 'many']);
  t.is(run.code, 2);
  t.regex(run.stderr, /^botpeer: --devices must be an integer from 1 to 10000, got "many"/);
  t.regex(run.stderr, /see botpeer start --help/);
  t.false(existsSync(data));
  const batch = await botpeer(['start', '--data', data, '--batch', '2', '--interval', '1500']);
  t.is(batch.code, 2);
  t.regex(batch.stderr, /whole seconds/);
  t.false(existsSync(data));
  const unknown = await botpeer(['start', '--frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /Unknown option '--frobnicate'/);
});

test('start and sim have --help and are listed', async (t) => {
  const top = await botpeer(['--help']);
  t.regex(top.stdout, /^  start /m);
  t.regex(top.stdout, /^  sim /m);
  for (const command of ['start', 'sim']) {
    const help = await botpeer([command, '--help']);
    t.is(help.code, 0);
    t.regex(help.stdout, new RegExp(`^usage: botpeer ${command}`));
    t.regex(help.stdout, /--no-fsync/);
  }
});
