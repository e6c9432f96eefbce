// `botpeer … | head` (test layer): when the reader of stdout goes away early, every
// command stops quietly with exit code 0, without an EPIPE stack trace.

import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOTPEER } from './support/run-botpeer.js';

/** Runs the CLI with its stdout pipe closed by the reader before the CLI writes anything. */
function runWithClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BOTPEER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // as `head` does once it has its lines; the CLI is still loading then
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('init and help into a closed pipe: exit 0, nothing on stderr', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-epipe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'chain');
  const init = await runWithClosedStdout(['init', '--data', data]);
  t.is(init.stderr, '', 'init');
  t.is(init.code, 0, 'init');
  // init did its work before the pipe mattered: the chain is there.
  t.true(existsSync(join(data, 'genesis.cbor')));
  for (const args of [['--help'], ['device', '--help'], ['init', '--data', data, '--force']]) {
    const run = await runWithClosedStdout(args);
    t.is(run.stderr, '', args.join(' '));
    t.is(run.code, 0, args.join(' '));
  }
});
