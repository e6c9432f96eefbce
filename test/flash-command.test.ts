// `botpeer flash` as a user runs it (`node tools/cli/botpeer.mjs flash …` in a child
// process), on a machine with neither the Moddable SDK nor ESP-IDF: each test builds
// the environment it needs, with a fake MODDABLE folder, a fake IDF_PATH, and fake
// `mcconfig` / `idf.py` scripts written to a temp folder. The fake mcconfig records its
// arguments, working folder and environment so the test can check what was run.

import test from 'ava';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Permission, bytesToHex, createNobleCrypto } from '../src/index.js';
import { initChain } from '../tools/gateway/data-dir.js';
import { runBotpeer } from './support/run-botpeer.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));

const botpeer = (args: readonly string[], env: NodeJS.ProcessEnv) => runBotpeer(args, { env });

/** The environment without any real SDK or ESP-IDF the machine might have. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MODDABLE;
  delete env.IDF_PATH;
  delete env.BOTPEER_DEBUG;
  return env;
}

/** PATH without any folder that holds a real mcconfig or idf.py (this machine may have them). */
function pathWithoutTools(): string {
  return (process.env.PATH ?? '').split(delimiter).filter((dir) => !['mcconfig', 'idf.py'].some((tool) => existsSync(join(dir, tool)))).join(delimiter);
}

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

interface Fixture {
  root: string;
  data: string;
  genesisHex: string;
  moddable: string;
  idf: string;
  bin: string;
  log: string;
  /** MODDABLE and IDF_PATH set, fake mcconfig and idf.py first on PATH. */
  env: NodeJS.ProcessEnv;
}

/** A chain, a fake SDK and ESP-IDF, and a fake mcconfig that logs what it got (NUL-separated) and exits with $FAKE_MCCONFIG_EXIT. */
function fixture(t: { teardown(fn: () => void): void }): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'botpeer-flash-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const data = join(root, 'chain');
  initChain(createNobleCrypto(), { dir: data, name: 'flash-test', permission: Permission.PRIVATE, otherValidators: [] });
  const moddable = join(root, 'moddable');
  const idf = join(root, 'esp-idf');
  const bin = join(root, 'bin');
  for (const dir of [moddable, idf, bin]) mkdirSync(dir);
  const log = join(root, 'mcconfig.log');
  script(join(bin, 'mcconfig'), [
    `log=${JSON.stringify(log)}`,
    'for a in "$@"; do printf "%s\\0" "$a"; done > "$log.args"',
    'printf "%s\\0" "$(pwd)" "$MODDABLE" "$IDF_PATH" "$(command -v tsc)" > "$log.env"',
    'echo "fake mcconfig ran"',
    'exit ${FAKE_MCCONFIG_EXIT:-0}',
  ].join('\n'));
  script(join(bin, 'idf.py'), 'exit 0');
  const env = { ...bareEnv(), MODDABLE: moddable, IDF_PATH: idf, PATH: [bin, pathWithoutTools()].join(delimiter) };
  return { root, data, genesisHex: bytesToHex(readFileSync(join(data, 'genesis.cbor'))), moddable, idf, bin, log, env };
}

const fields = (path: string) => readFileSync(path, 'utf8').split('\0').slice(0, -1);

test('without $MODDABLE (nor ESP-IDF) it says what is missing and how to get it, runs nothing, exit 1', async (t) => {
  const f = fixture(t);
  const env = { ...bareEnv(), PATH: [f.bin, pathWithoutTools()].join(delimiter) }; // mcconfig on PATH, but no SDK
  const run = await botpeer(['flash', '--gateway', '192.168.1.20', '--data', f.data], env);
  t.is(run.code, 1, run.stderr);
  t.regex(run.stderr, /\$MODDABLE is not set/);
  t.regex(run.stderr, /Moddable%20SDK%20-%20Getting%20Started\.md/);
  t.regex(run.stderr, /ESP-IDF is missing: \$IDF_PATH is not set/);
  t.regex(run.stderr, /documentation\/devices\/esp32\.md/);
  t.throws(() => readFileSync(`${f.log}.args`), undefined, 'mcconfig was not run');
});

test('each missing part is named: mcconfig not built, ESP-IDF not exported, IDF_PATH not a folder', async (t) => {
  const f = fixture(t);
  const noTools = await botpeer(['flash', '--gateway', 'gw.local', '--data', f.data], { ...f.env, PATH: pathWithoutTools() });
  t.is(noTools.code, 1);
  t.regex(noTools.stderr, new RegExp(`mcconfig not found in ${join(f.moddable, 'build/bin/lin/release')} nor on PATH`));
  t.regex(noTools.stderr, /idf\.py is not on PATH: run `source \$IDF_PATH\/export\.sh`/);
  t.notRegex(noTools.stderr, /\$MODDABLE is not set/);

  const badIdf = await botpeer(['flash', '--gateway', 'gw.local', '--data', f.data], { ...f.env, IDF_PATH: join(f.root, 'nowhere') });
  t.is(badIdf.code, 1);
  t.regex(badIdf.stderr, /\$IDF_PATH \(.*nowhere\) is not a folder/);
  t.throws(() => readFileSync(`${f.log}.args`), undefined, 'mcconfig was not run');
});

test('--dry-run prints the exact command with the chain\'s genesis hex and the environment, runs nothing, exit 0', async (t) => {
  const f = fixture(t);
  const run = await botpeer(['flash', '--dry-run', '--data', f.data, '--board', 'esp32/m5stack', '--ssid', 'My Wi-Fi', '--password', "it's secret",
    '--gateway', '192.168.1.20', '--port', '1884', '--interval', '5000', '--batch', '3'], f.env);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.deepEqual(lines, [
    `cd ${REPO.replace(/\/$/, '')}`,
    `export MODDABLE=${f.moddable}`,
    `export IDF_PATH=${f.idf}`,
    `export PATH=${[join(f.moddable, 'build/bin/lin/release'), join(REPO, 'node_modules/.bin'), f.env.PATH].join(delimiter)}`,
    `${join(f.bin, 'mcconfig')} -d -m -p esp32/m5stack 'ssid=My Wi-Fi' 'password=it'\\''s secret' gateway=192.168.1.20 port=1884 ` +
      `genesis=${f.genesisHex} interval=5000 batch=3`,
  ]);
  t.true(f.genesisHex.length > 100, 'the genesis is really there');
  t.throws(() => readFileSync(`${f.log}.args`), undefined, 'mcconfig was not run');
});

test('defaults: board nodemcu, port 1883, interval 10000, batch 6; --release drops -d; outbox and sntp pass through', async (t) => {
  const f = fixture(t);
  const run = await botpeer(['flash', '--dry-run', '--data', f.data, '--gateway', 'gw.example', '--release', '--outbox', '20', '--sntp', 'time.example'], f.env);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout.trimEnd().split('\n').at(-1),
    `${join(f.bin, 'mcconfig')} -m -p esp32/nodemcu gateway=gw.example port=1883 genesis=${f.genesisHex} interval=10000 batch=6 outbox=20 sntp=time.example`);
});

test('without --dry-run the fake mcconfig is run in the repository with the expected arguments and environment', async (t) => {
  const f = fixture(t);
  const run = await botpeer(['flash', '--data', f.data, '--ssid', 'lab', '--password', 'pw', '--gateway', '10.0.0.2', '--batch', '4'], f.env);
  t.is(run.code, 0, run.stdout + run.stderr);
  t.regex(run.stdout, /fake mcconfig ran/);
  t.deepEqual(fields(`${f.log}.args`), ['-d', '-m', '-p', 'esp32/nodemcu', 'ssid=lab', 'password=pw', 'gateway=10.0.0.2', 'port=1883',
    `genesis=${f.genesisHex}`, 'interval=10000', 'batch=4']);
  const [cwd, moddable, idf, tsc] = fields(`${f.log}.env`);
  t.is(cwd, REPO.replace(/\/$/, ''), 'run where manifest.json is');
  t.is(moddable, f.moddable);
  t.is(idf, f.idf);
  t.is(tsc, join(REPO, 'node_modules/.bin/tsc'), 'mcconfig compiles the .ts modules with the project\'s tsc');
});

test('an mcconfig in $MODDABLE\'s build folder is preferred to one on PATH; its failure is exit 1', async (t) => {
  const f = fixture(t);
  const sdkBin = join(f.moddable, 'build/bin/lin/release');
  mkdirSync(sdkBin, { recursive: true });
  script(join(sdkBin, 'mcconfig'), `echo "sdk mcconfig" ; printf x > ${JSON.stringify(`${f.log}.sdk`)}; exit 3`);
  const run = await botpeer(['flash', '--data', f.data, '--gateway', '10.0.0.2'], f.env);
  t.is(run.code, 1);
  t.regex(run.stdout, /sdk mcconfig/);
  t.is(readFileSync(`${f.log}.sdk`, 'utf8'), 'x');
  t.regex(run.stderr, /mcconfig failed \(exit 3\)/);
  t.throws(() => readFileSync(`${f.log}.args`), undefined, 'the one on PATH was not run');
});

test('bad arguments: exit 2 with a hint to --help, nothing run', async (t) => {
  const f = fixture(t);
  const cases: [string[], RegExp, string][] = [
    [[], /--gateway HOST is required/, 'no gateway'],
    [['--gateway', '10.0.0.2', '--port', '0'], /--port must be an integer from 1 to 65535/, 'port out of range'],
    [['--gateway', '10.0.0.2', '--port', 'abc'], /--port must be an integer/, 'port not a number'],
    [['--gateway', '10.0.0.2', '--interval', '0'], /--interval must be an integer/, 'interval out of range'],
    [['--gateway', '10.0.0.2', '--batch', '257'], /--batch must be an integer from 1 to 256/, 'batch too large'],
    [['--gateway', '10.0.0.2', '--board', 'My Board'], /--board must be an ESP32 board/, 'board not a target name'],
    [['--gateway', '10.0.0.2', '--password', 'pw'], /--password needs --ssid/, 'password without a network'],
    [['--gateway', 'a host'], /--gateway must be a host name/, 'gateway with a space'],
    [['--gateway', '10.0.0.2', '--ssid', 'a\nb'], /--ssid must be non-empty text without control characters/, 'control character'],
    [['--gateway', '10.0.0.2', '--bogus'], /Unknown option '--bogus'/, 'unknown option'],
    [['--gateway', '10.0.0.2', 'extra'], /unexpected argument "extra"/, 'positional'],
  ];
  for (const [args, message, why] of cases) {
    const run = await botpeer(['flash', '--data', f.data, ...args], f.env);
    t.is(run.code, 2, `${why}: ${run.stderr}`);
    t.regex(run.stderr, message, why);
    t.regex(run.stderr, /see botpeer flash --help/, why);
  }
  t.throws(() => readFileSync(`${f.log}.args`), undefined, 'mcconfig was not run');
});

test('an unknown board is refused when the SDK lists its targets; a data folder without a chain is exit 1', async (t) => {
  const f = fixture(t);
  mkdirSync(join(f.moddable, 'build/devices/esp32/targets/nodemcu'), { recursive: true });
  const unknown = await botpeer(['flash', '--dry-run', '--data', f.data, '--gateway', '10.0.0.2', '--board', 'nosuchboard'], f.env);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no ESP32 board "nosuchboard" in the Moddable SDK/);
  const known = await botpeer(['flash', '--dry-run', '--data', f.data, '--gateway', '10.0.0.2', '--board', 'nodemcu'], f.env);
  t.is(known.code, 0, known.stderr);

  const noChain = await botpeer(['flash', '--dry-run', '--data', join(f.root, 'empty'), '--gateway', '10.0.0.2'], f.env);
  t.is(noChain.code, 1);
  t.regex(noChain.stderr, /no chain in .*empty: run `npx botpeer init/);
});

test('flash is listed in botpeer --help and has its own help', async (t) => {
  const top = await botpeer(['--help'], bareEnv());
  t.is(top.code, 0);
  t.regex(top.stdout, /^ {2}flash {2,}build the firmware for an ESP32 board/m);
  const help = await botpeer(['flash', '--help'], bareEnv());
  t.is(help.code, 0);
  t.regex(help.stdout, /^usage: botpeer flash --gateway HOST/);
  t.regex(help.stdout, /default nodemcu/);
});
