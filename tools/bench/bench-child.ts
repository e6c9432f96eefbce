// Child processes of the benchmarks (tools layer, Node only): TypeScript scripts of this
// folder started with tsx, their stderr kept to explain a failure, IPC messages awaited,
// and every child killed when the benchmark exits; and the pre-signing of the stock on every core.

import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** What a child wrote to stderr (the last 8 KiB), to explain a failure. */
const stderrOf = new WeakMap<ChildProcess, string>();

export function spawnTs(script: string, arg: unknown, nodeFlags: string[] = [], ipc = false): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import=tsx', here(script), JSON.stringify(arg)], {
    stdio: ['ignore', 'inherit', 'pipe', ...(ipc ? ['ipc' as const] : [])],
  });
  children.add(child);
  stderrOf.set(child, '');
  child.stderr!.on('data', (d: Buffer) => stderrOf.set(child, (stderrOf.get(child)! + d.toString()).slice(-8192)));
  child.on('error', () => {}); // e.g. IPC to a child that died: the exit handlers report it
  child.once('exit', () => children.delete(child));
  return child;
}

export function send(child: ChildProcess, message: unknown): void {
  if (!child.connected) throw new Error(`child ${child.spawnargs[2] ?? ''} is gone (exit ${child.exitCode ?? child.signalCode}): ${stderrOf.get(child)?.trim().split('\n').slice(0, 12).join('\n') ?? ''}`);
  child.send(message as never);
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The next IPC message of `type` (an {type:'error'} message or an early exit rejects). */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no '${type}' from ${child.spawnargs[2] ?? 'child'} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: { type?: string; message?: string }) => {
      if (message.type === type) finish(undefined, message as T);
      else if (message.type === 'error') finish(new Error(`${child.spawnargs[2] ?? 'child'}: ${message.message ?? 'failed'}`));
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`${child.spawnargs[2]?.split('/').pop() ?? 'child'} exited (code ${code}, signal ${signal}) before '${type}':\n${(stderrOf.get(child) ?? '').trim().split('\n').slice(0, 12).join('\n')}`));
    const finish = (error: Error | undefined, value?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Pre-signs `perDevice` readings of devices 0..devices-1 for one chain (gateway-bench-sign.ts), in
 * as many processes as there are cores (at most one per device); resolves with the stock files
 * (stock-<n>.bin in `dir`), one per signing process.
 */
export async function signStock(chainIdHex: string, dir: string, devices: number, perDevice: number, time: number): Promise<string[]> {
  const signers = Math.min(os.availableParallelism(), devices);
  const files: string[] = [];
  const signing: Promise<number | null>[] = [];
  for (let s = 0; s < signers; s++) {
    const from = Math.floor((s * devices) / signers);
    const to = Math.floor(((s + 1) * devices) / signers);
    const out = join(dir, `stock-${s}.bin`);
    files.push(out);
    signing.push(exitOf(spawnTs('gateway-bench-sign.ts', { chainIdHex, from, to, perDevice, time, out })));
  }
  const codes = await Promise.all(signing);
  if (codes.some((c) => c !== 0)) throw new Error(`a signing process failed (exit codes ${codes.join(', ')})`);
  return files;
}
