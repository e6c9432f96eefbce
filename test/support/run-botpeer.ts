// Runs the `botpeer` command line as a user does, in a child process (test layer).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BOTPEER = fileURLToPath(new URL('../../tools/cli/botpeer.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (never throws on a non-zero exit). */
export function runBotpeer(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BOTPEER, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The count of final transactions in the summary `botpeer start` and `botpeer sim` print. */
export const finalsIn = (stdout: string): number =>
  Number(/transactions: \d+ signed \(\d+ readings\), \d+ acked, (\d+) final/.exec(stdout)?.[1] ?? -1);
