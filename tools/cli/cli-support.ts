// Shared parts of the botpeer command line (tools layer, Node only): the two kinds
// of expected error, option parsing helpers, the data folder, and a progress line.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CryptoProvider, type Genesis, chainIdOf, decodeGenesis } from '../../src/index.js';
import type { LedgerStore } from '../gateway/ledger-store.js';
import { openSqliteStore } from '../gateway/store-sqlite.js';

/** Wrong use of the command line: exit code 2, with a hint to --help. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An expected failure (no chain, gateway unreachable, a rejected transaction…): exit code 1, message only. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export const DEFAULT_DATA_DIR = '.botpeer';

/** An integer option within [min, max], or a UsageError naming it. */
export function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** A URL option with one of the given protocols. */
export function urlOption(value: string, name: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} must be a URL like ${protocols[0]}//host:port, got ${JSON.stringify(value)}`);
  }
  if (!protocols.includes(url.protocol)) throw new UsageError(`${name} must be a ${protocols.join(' or ')} URL, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

export interface ChainGenesis {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly chainId: Uint8Array;
}

/** The chain's genesis alone (no gateway key needed: an operator's machine may hold only genesis and operator key). */
export function readGenesis(crypto: CryptoProvider, dir: string): ChainGenesis {
  const path = join(dir, 'genesis.cbor');
  if (!existsSync(path)) throw new CliError(`no chain in ${dir}: run \`npx botpeer init --data ${dir}\` first (or pass --data)`);
  let genesis: Genesis;
  try {
    genesis = decodeGenesis(new Uint8Array(readFileSync(path)));
  } catch (error) {
    throw new CliError(`${path} is not a valid genesis: ${(error as Error).message}`);
  }
  return { dir, genesis, chainId: chainIdOf(crypto, genesis) };
}

/** The ledger store of a data folder, for reading (the gateway may be running: SQLite WAL lets both in). */
export function openLedger(dir: string): LedgerStore {
  const path = join(dir, 'ledger.sqlite');
  if (!existsSync(path)) throw new CliError(`no ledger in ${dir} yet: it is created when \`npx botpeer gateway --data ${dir}\` first starts`);
  try {
    return openSqliteStore(path);
  } catch (error) {
    throw new CliError(`cannot open ${path}: ${(error as Error).message}`);
  }
}

/**
 * One status line: rewritten in place on a terminal, printed as a new line at most every
 * `plainEveryMs` otherwise (a log file gets a line every few seconds, not a flood).
 */
export class ProgressLine {
  readonly isTty: boolean;
  private lastPlain = 0;
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout, private readonly plainEveryMs = 5000) {
    this.isTty = stream.isTTY === true;
  }

  update(text: string, force = false): void {
    if (this.isTty) {
      const width = this.stream.columns ? this.stream.columns - 1 : 200;
      this.stream.write(`\r\x1b[2K${text.slice(0, width)}`);
      this.shown = true;
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastPlain < this.plainEveryMs) return;
    this.lastPlain = now;
    this.stream.write(text + '\n');
  }

  /** Ends the in-place line so that what follows starts on a fresh one. */
  done(): void {
    if (this.isTty && this.shown) this.stream.write('\n');
    this.shown = false;
  }

  /** Prints a normal line above the progress line. */
  log(line: string): void {
    if (this.isTty && this.shown) this.stream.write('\r\x1b[2K');
    this.stream.write(line + '\n');
    this.shown = false;
  }
}

/**
 * A progress bar for long work with a known total (enrolling many devices, verifying a long
 * chain), drawn on a ProgressLine. On a terminal: `label [#####-----] 42% 420/1000 350/s eta 2 s`,
 * rewritten in place at most every 100 ms. Elsewhere (a pipe, a log file, CI) it degrades to
 * plain lines `label: 420/1000 (42%), 350/s` at most every `plainEveryMs`, and always the last.
 */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private lastDrawn = 0;
  private lastDone = -1;

  constructor(
    private readonly line: ProgressLine,
    private readonly label: string,
    private readonly total: number,
    /** `rate: false` for a bar of elapsed time, where a rate says nothing. */
    private readonly options: { readonly width?: number; readonly rate?: boolean } = {},
  ) {}

  /** `done` of `total` finished; `extra` is shown after the figures. */
  update(done: number, extra = ''): void {
    const finished = done >= this.total;
    const now = Date.now();
    if (!finished && this.line.isTty && now - this.lastDrawn < 100) return;
    if (finished && done === this.lastDone) return;
    this.lastDrawn = now;
    this.lastDone = done;
    this.line.update(this.text(done, now, extra), finished);
  }

  /** Ends the bar's line (the next output starts on a fresh one). */
  done(): void {
    this.line.done();
  }

  text(done: number, now: number, extra = ''): string {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const seconds = (now - this.startedAt) / 1000;
    const rate = seconds > 0 && this.options.rate !== false ? done / seconds : 0;
    const width = this.options.width ?? 24;
    const percent = `${Math.floor(fraction * 100)}%`;
    const rateText = rate > 0 ? `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}/s` : '';
    const tail = extra ? `, ${extra}` : '';
    if (!this.line.isTty) return `${this.label}: ${done}/${this.total} (${percent})${rateText ? `, ${rateText}` : ''}${tail}`;
    const filled = Math.round(fraction * width);
    const eta = rate > 0 && done < this.total ? ` eta ${Math.ceil((this.total - done) / rate)} s` : '';
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${done}/${this.total}${rateText ? ` ${rateText}` : ''}${eta}${tail}`;
  }
}

/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM, so the caller closes in order; a second one
 * exits at once (130). `failed` may end the wait early with a failure instead.
 */
export function untilStopped(progress: ProgressLine, failed?: (fail: (error: unknown) => void) => void): Promise<unknown> {
  return new Promise<unknown>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        progress.log(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      stopping = true;
      resolve(undefined);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    failed?.((error) => resolve(error ?? new Error('failed')));
  });
}
