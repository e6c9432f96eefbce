// Child processes of the benchmarks (tools layer, Node only): TypeScript scripts of this
// folder started with tsx, their stderr kept to explain a failure, IPC messages awaited,
// and every child killed when the benchmark exits.

import { type ChildProcess, spawn } from 'node:child_process';
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
