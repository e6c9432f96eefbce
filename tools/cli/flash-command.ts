// `botpeer flash` (tools layer, Node only): builds the firmware for an ESP32 board and
// flashes it, by running Moddable's own `mcconfig -d -m -p esp32/<board> key=value…` in the
// repository (where manifest.json is) with the chain's genesis from the data folder. It only
// wraps mcconfig: the Moddable SDK and ESP-IDF do the building and flashing. When either is
// missing it says which, and how to get it, and runs nothing.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CryptoProvider, bytesToHex } from '../../src/index.js';
import { SETTING_DEFAULTS } from '../../hosts/moddable/firmware-settings.js';
import { CliError, UsageError, intOption, readGenesis } from './cli-support.js';

/** Moddable's plain ESP32 DevKit (ESP32-WROOM-32) target: the most common ESP32 board. */
export const DEFAULT_BOARD = 'nodemcu';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GETTING_STARTED = 'https://github.com/Moddable-OpenSource/moddable/blob/public/documentation/Moddable%20SDK%20-%20Getting%20Started.md';
const ESP32_GUIDE = 'https://github.com/Moddable-OpenSource/moddable/blob/public/documentation/devices/esp32.md';

export interface FlashCommandOptions {
  readonly data: string;
  readonly board?: string | undefined;
  readonly ssid?: string | undefined;
  readonly password?: string | undefined;
  readonly gateway?: string | undefined;
  readonly port?: string | undefined;
  readonly interval?: string | undefined;
  readonly batch?: string | undefined;
  readonly outbox?: string | undefined;
  readonly sntp?: string | undefined;
  readonly release?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
}

/** What would run: the program, its arguments, the environment it adds, and where. */
export interface FlashPlan {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

const hostBinDir = () => (process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'lin');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The SDK's tools and ESP-IDF, or a CliError naming each missing part and how to get it.
 * mcconfig is looked for where the SDK's build puts it, then on PATH.
 */
export function findToolchain(env: NodeJS.ProcessEnv): { moddable: string; mcconfig: string; binDir: string; idfPath: string } {
  const problems: string[] = [];
  const moddable = env.MODDABLE;
  let mcconfig: string | undefined;
  const binDir = moddable ? join(moddable, 'build', 'bin', hostBinDir(), 'release') : '';
  if (!moddable) {
    problems.push(`$MODDABLE is not set: clone the Moddable SDK, build its tools and export MODDABLE=<the clone> (${GETTING_STARTED})`);
  } else if (!existsSync(moddable) || !statSync(moddable).isDirectory()) {
    problems.push(`$MODDABLE (${moddable}) is not a folder: point it at a clone of the Moddable SDK (${GETTING_STARTED})`);
  } else {
    mcconfig = executable(join(binDir, 'mcconfig')) ? join(binDir, 'mcconfig') : onPath('mcconfig', env.PATH);
    if (!mcconfig) {
      problems.push(`mcconfig not found in ${binDir} nor on PATH: build the SDK's tools (cd $MODDABLE/build/makefiles/${hostBinDir()} && make) and put ${binDir} on PATH (${GETTING_STARTED})`);
    }
  }
  const idfPath = env.IDF_PATH;
  if (!idfPath) {
    problems.push(`ESP-IDF is missing: $IDF_PATH is not set; install ESP-IDF as Moddable's ESP32 guide says, export IDF_PATH and run \`source $IDF_PATH/export.sh\` (${ESP32_GUIDE})`);
  } else if (!existsSync(idfPath) || !statSync(idfPath).isDirectory()) {
    problems.push(`ESP-IDF is missing: $IDF_PATH (${idfPath}) is not a folder (${ESP32_GUIDE})`);
  } else if (!onPath('idf.py', env.PATH)) {
    // mcconfig's ESP32 makefile calls idf.py from PATH, which ESP-IDF's export.sh sets up.
    problems.push(`idf.py is not on PATH: run \`source $IDF_PATH/export.sh\` in this shell first (${ESP32_GUIDE})`);
  }
  if (problems.length > 0) {
    throw new CliError(`cannot build the firmware here:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return { moddable: moddable!, mcconfig: mcconfig!, binDir, idfPath: idfPath! };
}

/** `nodemcu` or `esp32/nodemcu` → `nodemcu`; anything else that is not a target name is a UsageError. */
function boardName(value: string | undefined): string {
  const board = (value ?? DEFAULT_BOARD).replace(/^esp32\//, '');
  if (!/^[a-z0-9_]+$/.test(board)) throw new UsageError(`--board must be an ESP32 board of the Moddable SDK such as ${DEFAULT_BOARD} or esp32/esp32s3, got ${JSON.stringify(value)}`, 'flash');
  return board;
}

/** A setting mc/config will hold: no control characters (they would not survive mcconfig's generated C and JSON). */
function settingText(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  if (value === '' || /[\u0000-\u001f\u007f]/.test(value)) throw new UsageError(`${name} must be non-empty text without control characters`, 'flash');
  return value;
}

/** Checks the options and the toolchain and reads the genesis: the exact mcconfig run. */
export function flashPlan(crypto: CryptoProvider, options: FlashCommandOptions, env: NodeJS.ProcessEnv): FlashPlan {
  // Usage first (exit 2), then what is missing on this machine or in the data folder (exit 1).
  const board = boardName(options.board);
  if (options.gateway === undefined) throw new UsageError('--gateway HOST is required: the address (IPv4 or name) where the board reaches the gateway\'s broker', 'flash');
  const gateway = settingText(options.gateway, '--gateway')!;
  if (/\s/.test(gateway)) throw new UsageError(`--gateway must be a host name or IPv4 address, got ${JSON.stringify(gateway)}`, 'flash');
  const port = intOption(options.port, '--port', SETTING_DEFAULTS.gatewayPort, 1, 65535);
  const interval = intOption(options.interval, '--interval', SETTING_DEFAULTS.samplingIntervalMs, 1, 86_400_000);
  const batch = intOption(options.batch, '--batch', SETTING_DEFAULTS.batchSize, 1, 256);
  const outbox = options.outbox === undefined ? undefined : intOption(options.outbox, '--outbox', SETTING_DEFAULTS.outboxCapacity, 1, 4096);
  const ssid = settingText(options.ssid, '--ssid');
  const password = settingText(options.password, '--password');
  const sntp = settingText(options.sntp, '--sntp');
  if (password !== undefined && ssid === undefined) throw new UsageError('--password needs --ssid', 'flash');

  const tools = findToolchain(env);
  const targets = join(tools.moddable, 'build', 'devices', 'esp32', 'targets');
  // Checked only where the SDK's list of targets is there to check against.
  if (existsSync(targets) && !existsSync(join(targets, board))) {
    throw new UsageError(`no ESP32 board "${board}" in the Moddable SDK (${targets} lists them)`, 'flash');
  }
  const { dir } = readGenesis(crypto, options.data);
  const genesisHex = bytesToHex(new Uint8Array(readFileSync(join(dir, 'genesis.cbor'))));

  const args = [
    ...(options.release ? [] : ['-d']), '-m', '-p', `esp32/${board}`,
    ...(ssid === undefined ? [] : [`ssid=${ssid}`]),
    ...(password === undefined ? [] : [`password=${password}`]),
    `gateway=${gateway}`, `port=${port}`, `genesis=${genesisHex}`, `interval=${interval}`, `batch=${batch}`,
    ...(outbox === undefined ? [] : [`outbox=${outbox}`]),
    ...(sntp === undefined ? [] : [`sntp=${sntp}`]),
  ];
  // mcconfig compiles the firmware's .ts modules with the `tsc` on PATH: the project's own.
  const path = [tools.binDir, join(REPO, 'node_modules', '.bin'), env.PATH ?? ''].join(delimiter);
  return { command: tools.mcconfig, args, env: { MODDABLE: tools.moddable, IDF_PATH: tools.idfPath, PATH: path }, cwd: resolve(REPO) };
}

/** POSIX shell quoting, for printing a command a user can paste. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function runFlash(crypto: CryptoProvider, options: FlashCommandOptions, out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const plan = flashPlan(crypto, options, env);
  const line = [plan.command, ...plan.args].map(shellQuote).join(' ');
  if (options.dryRun) {
    out(`cd ${shellQuote(plan.cwd)}`);
    for (const [name, value] of Object.entries(plan.env)) out(`export ${name}=${shellQuote(value)}`);
    out(line);
    return 0;
  }
  if (options.ssid === undefined) out('note: no --ssid: the board will not join a Wi-Fi network');
  out(`building and flashing: ${line}`);
  const code = await new Promise<number | null>((resolveExit, reject) => {
    const child = spawn(plan.command, plan.args, { cwd: plan.cwd, env: { ...env, ...plan.env }, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (status) => resolveExit(status));
  }).catch((error: Error) => {
    throw new CliError(`cannot run ${plan.command}: ${error.message}`);
  });
  if (code !== 0) throw new CliError(`mcconfig failed (exit ${code ?? 'by a signal'}); its output above says why`);
  out(`flashed: ${options.release ? 'the serial console (115200 baud)' : 'xsbug (debug build)'} shows the device id and, on first boot, the \`npx botpeer device enroll …\` line to run`);
  return 0;
}
