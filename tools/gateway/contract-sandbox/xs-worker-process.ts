// One xsnap-worker child process and its pipe protocol (tools layer, Node only).
//
// Drives the XS binary that @agoric/xsnap 0.15.0 builds, without its JS driver: that
// driver needs SES's lockdown() of the whole Node process (through @endo/init), which
// the gateway must not pay for. The protocol (xsnap-worker.c) is netstrings on fd 3
// (to XS) and fd 4 (from XS): `e<js>` evaluates, `?<bytes>` calls globalThis.handleCommand
// (`q` would quit: the sandbox kills its workers instead); XS answers `.<meter json>\1<bytes>`
// (ok) or `!<text>` (uncaught exception), and sends `?<bytes>` when its code calls issueCommand, which we answer with `/<bytes>`.
//
// Budgets: `-l` makes XS abort the process (exit 17) when one crank's computation meter
// passes the limit; the data-segment rlimit (`ulimit -d`, set by the shell that execs the
// worker) makes malloc/mprotect fail, and XS aborts with exit 11; XS itself aborts at
// 2 GiB of allocation whatever the limit.

import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { NetstringReader, frameNetstring } from './netstring.js';

/** xsnap-worker's exit codes (@agoric/xsnap api.js). */
export const XsExitCode = Object.freeze({
  NOT_ENOUGH_MEMORY: 11,
  STACK_OVERFLOW: 12,
  UNHANDLED_EXCEPTION: 15,
  NO_MORE_KEYS: 16,
  TOO_MUCH_COMPUTATION: 17,
} as const);

export interface XsWorkerOptions {
  /** Computation meter limit of one crank (one evaluate or command); XS exits with 17 past it. */
  readonly meteringLimit: number;
  /** Data-segment limit of the process in bytes (RLIMIT_DATA); absent: none. */
  readonly memoryLimitBytes?: number;
  /** Answers the worker's synchronous issueCommand(bytes); its reply goes back as bytes. */
  readonly onCommand?: (request: Uint8Array) => Uint8Array;
  /** Largest message accepted from the worker. */
  readonly maxMessageBytes?: number;
}

/** XS's answer to one crank, with its meters (deterministic for the same code and heap). */
export interface XsReply {
  readonly reply: Uint8Array;
  /** Computation meter at the end of the crank. */
  readonly compute: number;
  /** Bytes XS has ever allocated for chunks and slots (its heap never shrinks). */
  readonly allocate: number;
  readonly heapCount: number;
}

/** The worker process ended (budget exceeded, crash or close) before answering. */
export class XsWorkerExit extends Error {
  override readonly name = 'XsWorkerExit';
  constructor(readonly exitCode: number | null, readonly signal: string | null) {
    super(`xsnap-worker exited (code ${exitCode}, signal ${signal})`);
  }
}

/** Code evaluated or a command handled threw (the worker lives on). */
export class XsUncaught extends Error {
  override readonly name = 'XsUncaught';
}

const OK = 0x2e; // '.'
const ERROR = 0x21; // '!'
const QUERY = 0x3f; // '?'
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Path of the xsnap-worker binary built by @agoric/xsnap's postinstall. */
export function xsnapWorkerBinary(): string {
  const platform = ({ Linux: 'lin', Darwin: 'mac' } as Record<string, string>)[os.type()];
  if (platform === undefined) throw new Error(`xsnap-worker: unsupported platform ${os.type()}`);
  const main = createRequire(import.meta.url).resolve('@agoric/xsnap/package.json');
  return path.join(path.dirname(main), 'xsnap-native', 'xsnap', 'build', 'bin', platform, 'release', 'xsnap-worker');
}

interface Pending {
  resolve(reply: XsReply): void;
  reject(error: Error): void;
}

export class XsWorkerProcess {
  private readonly child: ChildProcess;
  private readonly toXs: Writable;
  private readonly reader: NetstringReader;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private exitError: XsWorkerExit | undefined;
  private readonly exited: Promise<XsWorkerExit>;

  constructor(private readonly options: XsWorkerOptions) {
    const bin = xsnapWorkerBinary();
    const args = ['botpeer-contract', '-l', String(Math.max(1, Math.floor(options.meteringLimit)))];
    const stdio = ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore'] as const;
    if (options.memoryLimitBytes !== undefined) {
      // The shell sets the limit on itself, then becomes the worker (exec), so the limit binds XS only.
      const kib = Math.ceil(options.memoryLimitBytes / 1024);
      this.child = spawn('/bin/sh', ['-c', `ulimit -d ${kib} && exec "$0" "$@"`, bin, ...args], { stdio: [...stdio] });
    } else {
      this.child = spawn(bin, args, { stdio: [...stdio] });
    }
    this.toXs = this.child.stdio[3] as Writable;
    const fromXs = this.child.stdio[4] as Readable;
    this.reader = new NetstringReader(options.maxMessageBytes ?? 16 * 1024 * 1024);
    this.toXs.on('error', () => {}); // a dead worker's pipe: reported through 'exit'
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitError = new XsWorkerExit(code, signal);
        this.pending?.reject(this.exitError);
        this.pending = undefined;
        resolve(this.exitError);
      });
    });
    fromXs.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  get alive(): boolean {
    return this.exitError === undefined;
  }

  /** Evaluates a script in the worker's global scope; its result, if an ArrayBuffer, is the reply. */
  evaluate(code: string): Promise<XsReply> {
    return this.send([encoder.encode(`e${code}`)]);
  }

  /** Calls globalThis.handleCommand(ArrayBuffer) in the worker. */
  command(message: Uint8Array): Promise<XsReply> {
    return this.send([new Uint8Array([QUERY]), message]);
  }

  /** Kills the worker at once. */
  async terminate(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  private send(parts: Uint8Array[]): Promise<XsReply> {
    const run = this.queue.then(
      () =>
        new Promise<XsReply>((resolve, reject) => {
          if (this.exitError) return reject(this.exitError);
          this.pending = { resolve, reject };
          this.toXs.write(frameNetstring(parts));
        }),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  private onData(chunk: Buffer): void {
    let messages: Uint8Array[];
    try {
      messages = this.reader.push(chunk);
    } catch {
      this.child.kill('SIGKILL'); // a worker that breaks the framing is not trusted again
      return;
    }
    for (const message of messages) this.onMessage(message);
  }

  private onMessage(message: Uint8Array): void {
    const kind = message[0];
    if (kind === QUERY) {
      let answer: Uint8Array;
      try {
        answer = this.options.onCommand ? this.options.onCommand(message.subarray(1)) : new Uint8Array(0);
      } catch {
        answer = new Uint8Array(0);
      }
      this.toXs.write(frameNetstring([encoder.encode('/'), answer]));
      return;
    }
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) {
      this.child.kill('SIGKILL');
      return;
    }
    if (kind === OK) {
      const separator = message.indexOf(1, 1);
      let meters = { compute: 0, allocate: 0, currentHeapCount: 0 };
      if (separator >= 0) meters = JSON.parse(decoder.decode(message.subarray(1, separator)));
      pending.resolve({
        reply: message.slice(separator < 0 ? 1 : separator + 1),
        compute: meters.compute,
        allocate: meters.allocate,
        heapCount: meters.currentHeapCount,
      });
    } else if (kind === ERROR) {
      pending.reject(new XsUncaught(decoder.decode(message.subarray(1))));
    } else {
      pending.reject(new Error('xsnap-worker: unknown reply'));
      this.child.kill('SIGKILL');
    }
  }
}
