// OutboxStore port on Node files (desktop host layer): the device's signed but
// not yet final transactions, one file per entry in a folder, named by its
// sequence number (16 digits, so names sort as numbers). Each append is an
// atomic file write (store-file-node.ts: temp, fsync, rename, folder fsync) and
// each removal an unlink, so after kill -9 the folder holds exactly the entries
// appended and not removed before the kill. The entries are also kept in memory
// (a device's outbox is small), in ascending sequence order.
//
// Bounded: `append` on a full outbox throws BotError(OUTBOX_FULL). A folder that
// holds more than `capacity` entries (the capacity was lowered between runs) keeps
// them all: signed transactions are never dropped; appends wait until it drains.

import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import type { OutboxStore } from '../../src/ports/index.js';
import { removeStrayTemps, storageError, syncDir, writeFileAtomic } from './store-file-node.js';

export interface FileOutboxOptions {
  /** Most entries held (default 256). */
  readonly capacity?: number;
  /** fsync every append and removal (default true); see store-file-node.ts for what false gives up. */
  readonly durable?: boolean;
}

export const DEFAULT_OUTBOX_CAPACITY = 256;
const NAME_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits
const ENTRY_NAME = /^\d{16}$/;

const nameOf = (seq: number) => String(seq).padStart(NAME_DIGITS, '0');

export function createFileOutbox(dir: string, options: FileOutboxOptions = {}): OutboxStore {
  const capacity = options.capacity ?? DEFAULT_OUTBOX_CAPACITY;
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('outbox capacity must be a positive integer');
  const durable = options.durable ?? true;

  // Ascending seqs and their bytes; appends almost always come in order, so the array stays cheap.
  const seqs: number[] = [];
  const txs = new Map<number, Uint8Array>();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStrayTemps(dir);
    for (const name of readdirSync(dir)) {
      if (!ENTRY_NAME.test(name)) continue;
      const seq = Number(name);
      txs.set(seq, new Uint8Array(readFileSync(join(dir, name))));
      seqs.push(seq);
    }
  } catch (error) {
    throw storageError(`opening the outbox ${dir}`, error);
  }
  seqs.sort((a, b) => a - b);

  return {
    capacity,
    get size() {
      return seqs.length;
    },
    append(seq, tx) {
      if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`outbox seq must be a positive integer, got ${seq}`);
      if (seqs.length >= capacity) throw new BotError(ErrorCode.OUTBOX_FULL, `the outbox holds ${seqs.length} of ${capacity}`);
      // A seq is signed once: a second append of it is a caller bug, refused before anything is written.
      if (txs.has(seq)) throw new BotError(ErrorCode.STORAGE, `seq ${seq} is already in the outbox`);
      try {
        writeFileAtomic(dir, nameOf(seq), tx, durable);
      } catch (error) {
        throw storageError(`appending seq ${seq} to the outbox`, error);
      }
      const copy = tx.slice();
      txs.set(seq, copy);
      let at = seqs.length;
      while (at > 0 && seqs[at - 1]! > seq) at--;
      seqs.splice(at, 0, seq);
    },
    remove(seq) {
      if (!txs.has(seq)) return;
      try {
        rmSync(join(dir, nameOf(seq)), { force: true });
        if (durable) syncDir(dir);
      } catch (error) {
        throw storageError(`removing seq ${seq} from the outbox`, error);
      }
      txs.delete(seq);
      // Removals are mostly of the oldest entry (finality comes in order).
      const at = seqs[0] === seq ? 0 : seqs.indexOf(seq);
      seqs.splice(at, 1);
    },
    entries() {
      // A snapshot: the caller may remove entries while it iterates.
      return seqs.map((seq) => [seq, txs.get(seq)!] as const);
    },
  };
}
