// Runs a TypeScript entry point under the XS engine (tools layer, Node only).
//
// The entry is bundled with esbuild for a neutral platform (no Node built-ins,
// no Buffer: the same module graph as on a Moddable device) and evaluated in an
// @agoric/xsnap worker. The entry reports by calling `globalThis.report(value)`,
// which sends JSON back to Node; a thrown error or a missing report fails the run.

import '@endo/init';
import { xsnap } from '@agoric/xsnap';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, type Plugin, build } from 'esbuild';

export interface XsRun<T> {
  readonly result: T;
  /** Size of the bundled JavaScript evaluated by XS. */
  readonly bundleBytes: number;
}

const clientDir = fileURLToPath(new URL('../../src/mqtt/client/', import.meta.url));

/**
 * Node modules that npm code in the core (mqtt-packet) asks for, and what XS gets
 * instead. A firmware build must map the same names.
 */
export const XS_MODULE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  buffer: `${clientDir}buffer-shim.ts`,
  events: `${clientDir}events-shim.ts`,
});

/**
 * Modules that npm code calls as functions on require (`require('debug')(name)`,
 * `require('bl')()`), which an ES module cannot export: small CommonJS adapters.
 * bl's own BufferList throws under frozen built-ins, so XS gets the core's shim.
 * A firmware build must substitute the same.
 */
export const XS_CJS_ADAPTERS: Readonly<Record<string, string>> = Object.freeze({
  debug: 'module.exports = () => () => {};',
  bl: `const { BufferList } = require(${JSON.stringify(`${clientDir}buffer-list-shim.ts`)});
module.exports = (initial) => new BufferList(initial);`,
});

const cjsAdapters: Plugin = {
  name: 'xs-cjs-adapters',
  setup(b) {
    b.onResolve({ filter: /^(debug|bl)$/ }, (args) => ({ path: args.path, namespace: 'xs-cjs-adapter' }));
    b.onLoad({ filter: /.*/, namespace: 'xs-cjs-adapter' }, (args) => ({ contents: XS_CJS_ADAPTERS[args.path]!, loader: 'js', resolveDir: clientDir }));
  },
};

/** Bundles `entry` for XS: neutral platform, ES2022, one IIFE, nothing external. `extra` may minify or add plugins (run first). */
export async function bundleForXs(entry: string, extra: Pick<BuildOptions, 'minify' | 'plugins'> = {}): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    logLevel: 'silent',
    // Guard the "no Node in the core" rule at bundle time as well.
    external: [],
    alias: { ...XS_MODULE_ALIASES },
    minify: extra.minify ?? false,
    plugins: [...(extra.plugins ?? []), cjsAdapters],
  });
  return out.outputFiles[0]!.text;
}

/** Runs `entry` under XS; `extra` goes to bundleForXs (a plugin may hand the entry its input as a virtual module). */
export async function runInXs<T>(entry: string, extra: Pick<BuildOptions, 'minify' | 'plugins'> = {}): Promise<XsRun<T>> {
  const code = await bundleForXs(entry, extra);
  const decoder = new TextDecoder();
  let reported: { value?: T; error?: string } | undefined;
  const worker = await xsnap({
    os: os.type(),
    spawn,
    fs: { ...fs, ...fsp } as never,
    name: 'botpeer-xs',
    meteringLimit: 0, // long runs (benchmarks, many vectors) must not be cut off
    stdout: 'inherit',
    stderr: 'inherit',
    handleCommand: async (message: Uint8Array) => {
      reported = JSON.parse(decoder.decode(message));
      return new Uint8Array(0);
    },
  });
  try {
    await worker.evaluate(`
      globalThis.report = (value) => issueCommand(new TextEncoder().encode(JSON.stringify({ value })).buffer);
      globalThis.reportError = (error) => issueCommand(new TextEncoder().encode(JSON.stringify({ error: String(error && error.stack || error) })).buffer);
    `);
    await worker.evaluate(`try { ${code} } catch (error) { reportError(error); }`);
  } finally {
    await worker.close();
  }
  if (!reported) throw new Error('XS run ended without a report');
  if (reported.error !== undefined) throw new Error(`XS run failed: ${reported.error}`);
  return { result: reported.value as T, bundleBytes: Buffer.byteLength(code) };
}
