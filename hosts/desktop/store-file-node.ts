// KeyValueStore port on Node files (desktop host layer): one file per key in a
// folder. `set` writes a temp file, fsyncs it, renames it over the old file and
// fsyncs the folder, so after a crash or power cut a key holds its old value or
// its new one, never a torn mix (rename is atomic on POSIX file systems).
//
// `durable: false` skips both fsyncs. Writes stay atomic against a killed process
// (the kernel still has the data; rename is still atomic), but a power cut may lose
// the newest writes. A simulated fleet of thousands of devices on one disk wants
// this: a thousand fsyncs a second measure the disk, not the protocol.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import type { KeyValueStore } from '../../src/ports/index.js';

export interface FileStoreOptions {
  /** fsync the file and its folder on every write (default true). */
  readonly durable?: boolean;
  /**
   * Test hook: called after the temp file is written (and synced) and before the
   * rename. A throw here is a crash at the worst moment; the old value must survive.
   */
  readonly beforeRename?: (key: string) => void;
}

/** Keys are short ASCII names (the port says ≤ 15 characters for NVS); no path separators, no dot files. */
const KEY_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;
const TEMP_SUFFIX = '.tmp';

export function checkKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.endsWith(TEMP_SUFFIX)) throw new RangeError(`invalid store key ${JSON.stringify(key)}`);
}

/** Writes `bytes` to `path` atomically: temp file (+ fsync), rename, folder fsync. */
export function writeFileAtomic(dir: string, name: string, bytes: Uint8Array, durable: boolean, beforeRename?: () => void): void {
  const temp = join(dir, `.${name}${TEMP_SUFFIX}`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  beforeRename?.();
  renameSync(temp, join(dir, name));
  if (durable) syncDir(dir);
}

/** Makes a rename or unlink in `dir` durable (the directory entry lives in the folder's own blocks). */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes temp files a crash left behind: they never replaced anything, so they hold nothing committed. */
export function removeStrayTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) rmSync(join(dir, name), { force: true });
  }
}

/** An I/O failure as the core sees it: BotError(STORAGE), naming the operation and the OS error. */
export function storageError(what: string, error: unknown): BotError {
  if (error instanceof BotError) return error;
  return new BotError(ErrorCode.STORAGE, `${what}: ${error instanceof Error ? error.message : String(error)}`);
}

export function createFileStore(dir: string, options: FileStoreOptions = {}): KeyValueStore {
  const durable = options.durable ?? true;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStrayTemps(dir);
  } catch (error) {
    throw storageError(`opening the store ${dir}`, error);
  }
  return {
    get(key) {
      checkKey(key);
      try {
        return new Uint8Array(readFileSync(join(dir, key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw storageError(`reading ${key}`, error);
      }
    },
    set(key, value) {
      checkKey(key);
      try {
        writeFileAtomic(dir, key, value, durable, options.beforeRename && (() => options.beforeRename!(key)));
      } catch (error) {
        throw storageError(`writing ${key}`, error);
      }
    },
    delete(key) {
      checkKey(key);
      try {
        rmSync(join(dir, key), { force: true });
        if (durable) syncDir(dir);
      } catch (error) {
        throw storageError(`deleting ${key}`, error);
      }
    },
  };
}
