// Builds and runs a TypeScript entry as a Moddable x-cli-lin app (test layer, Node only).
//
// The entry is bundled with esbuild like tools/xs/xs-runner.ts does for xsnap (neutral
// platform, nothing from Node), except that the project's Moddable modules stay
// Moddable modules: imports of the native crypto module and of the x-cli-lin host are
// left as their manifest names, so mcconfig builds them from their own manifests (C,
// TypeScript and all) exactly as the firmware does. Needs $MODDABLE with the SDK's Linux
// tools built; `moddableMissing()` says what is missing so tests can skip cleanly.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, build } from 'esbuild';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
// One work folder per checkout (two clones testing at once must not share objects), and in it one
// output folder per app: ava runs the test files in parallel, and two builds writing the same XS
// library objects into one shared `lib/` at once corrupt each other.
const WORK = path.join(os.tmpdir(), `botpeer-moddable-${createHash('sha256').update(REPO).digest('hex').slice(0, 8)}`);

/**
 * Repo files that are Moddable modules in their own right (native code, Moddable-only
 * imports). Their manifests name every module "botpeer/" + its repo path, so relative
 * imports between them resolve the same way under XS as on disk.
 */
const MODDABLE_MODULES = /^(modules\/|hosts\/x-cli-lin\/host$)/;

/** Why Moddable apps cannot be built here, or undefined when they can. */
export function moddableMissing(): string | undefined {
  const moddable = process.env.MODDABLE;
  if (!moddable) return '$MODDABLE is not set (see docs/firmware.md: build the Moddable SDK tools and export MODDABLE)';
  const mcconfig = path.join(moddable, 'build/bin/lin/release/mcconfig');
  if (!fs.existsSync(mcconfig)) return `${mcconfig} not found: build the SDK's Linux tools (cd $MODDABLE/build/makefiles/lin && make)`;
  return undefined;
}

const moddableModules: Plugin = {
  name: 'moddable-modules',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith('.')) return undefined;
      const file = path.relative(REPO, path.resolve(args.resolveDir, args.path)).replace(/\.js$/, '');
      return MODDABLE_MODULES.test(file) ? { path: `botpeer/${file}`, external: true } : undefined;
    });
  },
};

export interface AppOptions {
  /** App name: the binary's name and its build folder. */
  readonly name: string;
  /** TypeScript entry, run as the app's "main" module. */
  readonly entry: string;
  /** Extra manifests to include (absolute or repo-relative). */
  readonly include?: readonly string[];
  /** XS creation settings (Moddable manifest "creation"). */
  readonly creation?: Record<string, unknown>;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): void {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
}

/** Bundles the entry, writes the app's manifest and builds it for x-cli-lin; returns the binary's path. */
export async function buildModdableApp(options: AppOptions): Promise<string> {
  const moddable = process.env.MODDABLE!;
  const appDir = path.join(WORK, 'apps', options.name);
  const outDir = path.join(WORK, 'build', options.name);
  fs.mkdirSync(appDir, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  const bundle = await build({
    entryPoints: [options.entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    logLevel: 'silent',
    plugins: [moddableModules],
  });
  fs.writeFileSync(path.join(appDir, 'main.js'), bundle.outputFiles[0]!.text);
  const manifest = {
    include: [
      path.join(REPO, 'hosts/x-cli-lin/manifest_host.json'),
      path.join(REPO, 'modules/crypto-secp256k1/manifest.json'),
      path.join(REPO, 'modules/random-hw/manifest.json'),
      ...(options.include ?? []).map((m) => path.resolve(REPO, m)),
    ],
    modules: { '*': './main' },
    creation: {
      // Desktop-sized by default: these apps measure, they are not the device budget.
      static: 0,
      chunk: { initial: 4 << 20, incremental: 1 << 20 },
      heap: { initial: 65536, incremental: 16384 },
      stack: 4096,
      keys: { initial: 1024, incremental: 512, name: 1021, symbol: 127 },
      main: 'main',
      ...options.creation,
    },
    platforms: { 'x-cli-lin': {}, '...': { error: 'test apps build for x-cli-lin only' } },
  };
  fs.writeFileSync(path.join(appDir, 'manifest.json'), `${JSON.stringify(manifest, null, '\t')}\n`);
  const env = {
    ...process.env,
    MODDABLE: moddable,
    // mcconfig compiles .ts modules with the `tsc` on PATH: use the project's TypeScript.
    PATH: [path.join(moddable, 'build/bin/lin/release'), path.join(REPO, 'node_modules/.bin'), process.env.PATH].join(path.delimiter),
  };
  run('mcconfig', ['-p', 'x-cli-lin', '-o', outDir], env, appDir);
  // Moddable's x-cli makefile asks for unlimited parallel jobs; this machine is shared, so cap it.
  const makefile = path.join(outDir, 'tmp/lin/release', options.name, 'makefile');
  run('nice', ['make', '-f', makefile, 'MAKEFLAGS=-j2 --silent'], env, appDir);
  const binary = path.join(outDir, 'bin/lin/release', options.name);
  if (!fs.existsSync(binary)) throw new Error(`build produced no ${binary}`);
  return binary;
}

export interface AppRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Builds the firmware from the repo's own manifest.json for x-cli-lin (what a user runs:
 * `mcconfig -m -p x-cli-lin` in the repo) into a build folder outside the repo; returns the binary.
 */
export function buildFirmware(): string {
  const moddable = process.env.MODDABLE!;
  const outDir = path.join(WORK, 'firmware');
  fs.mkdirSync(outDir, { recursive: true });
  const env = {
    ...process.env,
    MODDABLE: moddable,
    PATH: [path.join(moddable, 'build/bin/lin/release'), path.join(REPO, 'node_modules/.bin'), process.env.PATH].join(path.delimiter),
  };
  run('mcconfig', ['-p', 'x-cli-lin', '-o', outDir], env, REPO);
  const name = path.basename(path.resolve(REPO));
  run('nice', ['make', '-f', path.join(outDir, 'tmp/lin/release', name, 'makefile'), 'MAKEFLAGS=-j2 --silent'], env, REPO);
  const binary = path.join(outDir, 'bin/lin/release', name);
  if (!fs.existsSync(binary)) throw new Error(`build produced no ${binary}`);
  return binary;
}

/**
 * Builds an app for x-cli-lin from a manifest given here (modules named and preloaded as the
 * firmware's manifest.json does, .ts modules compiled by mcconfig's tsc); returns the binary
 * and the folder of the compiled modules (their .xsb files give byte-code sizes).
 */
export function buildManifestApp(name: string, manifest: Record<string, unknown>): { binary: string; modulesDir: string } {
  const moddable = process.env.MODDABLE!;
  const appDir = path.join(WORK, 'apps', name);
  const outDir = path.join(WORK, 'build', name);
  fs.mkdirSync(appDir, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(appDir, 'manifest.json'), `${JSON.stringify(manifest, null, '\t')}\n`);
  const env = {
    ...process.env,
    MODDABLE: moddable,
    PATH: [path.join(moddable, 'build/bin/lin/release'), path.join(REPO, 'node_modules/.bin'), process.env.PATH].join(path.delimiter),
  };
  run('mcconfig', ['-p', 'x-cli-lin', '-o', outDir], env, appDir);
  const tmp = path.join(outDir, 'tmp/lin/release', name);
  run('nice', ['make', '-f', path.join(tmp, 'makefile'), 'MAKEFLAGS=-j2 --silent'], env, appDir);
  const binary = path.join(outDir, 'bin/lin/release', name);
  if (!fs.existsSync(binary)) throw new Error(`build produced no ${binary}`);
  return { binary, modulesDir: path.join(tmp, 'modules') };
}

/** Byte-code size of each compiled module under `modulesDir`, by module name (its path without .xsb). */
export function byteCodeSizes(modulesDir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.xsb')) sizes.set(path.relative(modulesDir, file).slice(0, -4), fs.statSync(file).size);
    }
  };
  walk(modulesDir);
  return sizes;
}

/** Runs a built app to its end (or kills it after `timeoutMs`). */
export function runModdableApp(binary: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<AppRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { cwd: options.cwd ?? os.tmpdir(), env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON after `BOTPEER-RESULT ` in an app's output. */
export function resultOf<T>(run: AppRun): T {
  const line = run.stdout.split('\n').find((l) => l.startsWith('BOTPEER-RESULT '));
  if (!line) throw new Error(`no result (exit ${run.code}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  return JSON.parse(line.slice('BOTPEER-RESULT '.length)) as T;
}
