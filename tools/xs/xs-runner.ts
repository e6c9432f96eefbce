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
import { build } from 'esbuild';

export interface XsRun<T> {
  readonly result: T;
  /** Size of the bundled JavaScript evaluated by XS. */
  readonly bundleBytes: number;
}

/** Bundles `entry` for XS: neutral platform, ES2022, one IIFE, nothing external. */
export async function bundleForXs(entry: string): Promise<string> {
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
  });
  return out.outputFiles[0]!.text;
}

export async function runInXs<T>(entry: string): Promise<XsRun<T>> {
  const code = await bundleForXs(entry);
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
