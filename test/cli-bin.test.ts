// `npx botpeer …` from a clone (test layer): the CLI is the bin of an npm workspace
// (tools/cli), which `npm install` links into node_modules/.bin, so npx runs it without
// asking the registry; and what the CLI prints for the user to run next is in that form.
// Running `npx botpeer` itself needs that link: skipped when node_modules predates the
// workspace (run `npm install`), and a failure under CI (CI set).

import test from 'ava';
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBotpeer } from './support/run-botpeer.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(join(REPO, path), 'utf8'));
const ci = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());
const linked = existsSync(join(REPO, 'node_modules/.bin/botpeer'));

function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

test('the CLI is the bin of the tools/cli workspace, an executable script, locked as a link', (t) => {
  t.deepEqual(json('package.json').workspaces, ['tools/cli']);
  const cli = json('tools/cli/package.json');
  t.deepEqual(cli.bin, { botpeer: 'botpeer.mjs' });
  t.is(cli.type, 'module', 'the .ts files of tools/cli stay ES modules');
  const bin = join(REPO, 'tools/cli/botpeer.mjs');
  t.true(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'));
  t.notThrows(() => accessSync(bin, constants.X_OK));
  const lock = json('package-lock.json');
  t.deepEqual(lock.packages['node_modules/botpeer'], { resolved: 'tools/cli', link: true });
  t.deepEqual(lock.packages['tools/cli'].bin, { botpeer: 'botpeer.mjs' });
});

test('the bin runs as an executable, as npm links it', async (t) => {
  const help = await run(join(REPO, 'tools/cli/botpeer.mjs'), ['--help'], tmpdir());
  t.is(help.code, 0, help.stderr);
  t.regex(help.stdout, /^usage: botpeer <command>/);
  t.regex(help.stdout, /run it as `npx botpeer <command>`/);
});

if (!linked && ci) {
  test('npm install linked node_modules/.bin/botpeer (required under CI)', (t) => t.fail('node_modules/.bin/botpeer is missing: npm install did not link the tools/cli workspace'));
}
(linked ? test : test.skip)(`npx botpeer --help runs the repository's CLI, from a subfolder too, with no registry${linked ? '' : ' (skipped: run npm install to link the workspace bin)'}`, async (t) => {
  // An unreachable registry: npx must find the linked bin and never ask.
  const env = { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true' };
  for (const cwd of [REPO, join(REPO, 'docs')]) {
    const r = await run('npx', ['botpeer', '--help'], cwd, env);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^usage: botpeer <command>/, cwd);
  }
});

test('what the CLI tells the user to run is in the npx botpeer form', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-cli-bin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'chain');
  const noChain = await runBotpeer(['verify', '--data', data]);
  t.is(noChain.code, 1);
  t.regex(noChain.stderr, new RegExp(`run \`npx botpeer init --data ${data}\` first`));
  const init = await runBotpeer(['init', '--data', data]);
  t.is(init.code, 0, init.stderr);
  t.regex(init.stdout, new RegExp(`^next: +npx botpeer gateway --data ${data}$`, 'm'));
  const noLedger = await runBotpeer(['block', 'latest', '--data', data]);
  t.regex(noLedger.stderr, new RegExp(`\`npx botpeer gateway --data ${data}\` first starts`));
});
