// Child process for the ledger store's crash test (test layer, Node only): appends pending
// batches and commits blocks in an endless loop on the store at argv[2], and after every call
// prints one JSON line with what is durable at that moment. The parent kills it with SIGKILL
// and checks that everything reported is in the reopened store, exactly once.
//
// All content is a deterministic function of a transaction's ordinal, so the parent can
// recompute what any reported prefix must contain, and a restarted child resumes where the
// store says the last run stopped.

import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PendingTx, StoredBlock } from '../../tools/gateway/ledger-store.js';
import { openSqliteStore } from '../../tools/gateway/store-sqlite.js';

const sha256 = (s: string): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest());

/** Number of distinct senders; ordinal i is sender i % SENDERS with seq floor(i / SENDERS) + 1. */
export const SENDERS = 4;
export const crashSender = (s: number): Uint8Array => sha256(`sender ${s}`).subarray(0, 20);
export const crashTxId = (i: number): Uint8Array => sha256(`tx ${i}`);
export const crashAccountId = crashSender(0);
const crashKey = new Uint8Array(33).fill(2);

/** The ordinal-th transaction the child appends. */
export function crashTx(i: number): PendingTx {
  return {
    wire: new Uint8Array(80 + (i % 50)).fill(i & 0xff),
    txId: crashTxId(i),
    sender: crashSender(i % SENDERS),
    seq: Math.floor(i / SENDERS) + 1,
    kind: 1,
    time: 1_700_000_000 + i,
    receivedAt: 1_700_000_000_000 + i,
  };
}

export function crashBlock(height: number, txCount: number): StoredBlock {
  return {
    height,
    hash: sha256(`block ${height}`),
    time: 1_700_000_000_000 + height,
    txCount,
    lightBlock: new Uint8Array(300).fill(height & 0xff),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) run(process.argv[2]!);

function run(path: string): never {
  const store = openSqliteStore(path);
  let height = store.latestBlock()?.height ?? 0;
  let appended = store.txCount() + store.pending().length;
  let pending = store.pending().length;

  // Written with writeSync so a line leaves the process before the next store call starts.
  const report = (): void => {
    writeSync(1, `${JSON.stringify({ appended, height, txCount: store.txCount() })}\n`);
  };
  report();

  // A small deterministic generator varies the batch and block sizes.
  let rand = 0x2545f491 ^ appended;
  const next = (max: number): number => {
    rand = (Math.imul(rand, 1103515245) + 12345) >>> 0;
    return (rand >>> 8) % max;
  };

  for (;;) {
    const batch = 1 + next(64);
    store.appendPending(Array.from({ length: batch }, (_, i) => crashTx(appended + i)));
    appended += batch;
    pending += batch;
    report();

    const txCount = next(pending + 1);
    height += 1;
    store.commitBlock(crashBlock(height, txCount), {
      // Written with every block, so the parent can check it moved together with the block.
      accounts: [{ id: crashAccountId, key: crashKey, role: 1 as const, status: 0 as const, lastSeq: height, enrolledAt: 1 }],
      blocked: [],
      unblocked: [],
    });
    pending -= txCount;
    report();
  }
}
