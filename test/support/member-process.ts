// A consortium member in a child process (test support, Node only), for kill -9 tests: runs
// test/support/member-child.ts on a member folder over a NATS cluster, resolves once the child
// reports ready, follows the heights it reports, and kills any child left at exit.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const memberScript = fileURLToPath(new URL('./member-child.ts', import.meta.url));
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface MemberProcess {
  readonly child: ChildProcess;
  readonly mqttUrl: string;
  height: number;
  readonly exited: Promise<void>;
}

/** The member of `dir` (its broker on `port`, 0 for any) in a child process, resolved once it reports ready. */
export function startMemberProcess(dir: string, port: number, natsUrls: readonly string[], timing: object, readyTimeoutMs = 60_000): Promise<MemberProcess> {
  const child = spawn(process.execPath, ['--import=tsx', memberScript, dir, String(port), natsUrls.join(','), JSON.stringify(timing)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    children.delete(child);
    resolve();
  }));
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => void (errors = (errors + d.toString()).slice(-8000)));
  return new Promise((resolve, reject) => {
    let handle: MemberProcess | undefined;
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`member child not ready:\n${errors}`)), readyTimeoutMs);
    void exited.then(() => handle || reject(new Error(`member child exited:\n${errors}`)));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffered.slice(0, nl)) as { event: string; mqttUrl?: string; height: number };
        buffered = buffered.slice(nl + 1);
        if (event.event === 'ready') {
          clearTimeout(timer);
          handle = { child, mqttUrl: event.mqttUrl!, height: event.height, exited };
          resolve(handle);
        } else if (event.event === 'height' && handle) handle.height = event.height;
      }
    });
  });
}
