// The gateway's durable ledger store on SQLite (tools layer, Node only): implements the
// LedgerStore port of ledger-store.ts with better-sqlite3. One database file holds the
// pending pool, the blocks, the ledger's transactions and the contract state; every
// LedgerStore method is one SQLite transaction, committed with a WAL fsync before it returns.
//
// Layout choices:
// - Rows are appended under an integer key (the rowid) and hashes are indexed separately:
//   a random 32-byte primary key inserts at random B-tree positions (~20x slower), while an
//   increasing rowid always appends at the right edge, and the integer also records order.
// - Tables are STRICT and columns NOT NULL, so a wrongly typed value (a fraction, a string
//   for a blob) is refused by SQLite instead of being stored silently.
// - accounts and blocked are looked up only by id and their rows are small, so they are
//   WITHOUT ROWID: the id B-tree is the table, no separate rowid tree plus index.

import { createRequire } from 'node:module';
import { types } from 'node:util';
import type {
  AccountRow,
  BlockedRow,
  LedgerStore,
  PendingTx,
  StateChanges,
  StoredBlock,
  StoredTx,
} from './ledger-store.js';

/** Schema version kept in PRAGMA user_version; bump it and add a migration when the schema changes. */
export const SCHEMA_VERSION = 1;

// The project has no @types/better-sqlite3, so the few parts used here are declared locally
// and the CommonJS module is loaded with require.
interface RunResult {
  readonly changes: number;
}
interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Transaction<A extends unknown[]> {
  (...args: A): void;
  /** BEGIN IMMEDIATE: takes the write lock up front, so it never fails half-way on an upgrade. */
  immediate(...args: A): void;
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[]>(fn: (...args: A) => void): Transaction<A>;
  close(): void;
}
type DatabaseConstructor = new (path: string, options?: { timeout?: number }) => Database;

const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;

/** How long a writer waits for another connection's lock (e.g. an inspecting CLI) before failing. */
const BUSY_TIMEOUT_MS = 5000;

const SCHEMA = `
  -- Admitted transactions not yet in a block; n is the admission order.
  CREATE TABLE pending (
    n INTEGER PRIMARY KEY,
    wire BLOB NOT NULL,
    tx_id BLOB NOT NULL,
    sender BLOB NOT NULL,
    seq INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    time INTEGER NOT NULL,
    received_at INTEGER NOT NULL
  ) STRICT;

  -- The ledger's transactions; n is the ledger order, idx the leaf index within the block.
  CREATE TABLE txs (
    n INTEGER PRIMARY KEY,
    height INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    tx_id BLOB NOT NULL,
    sender BLOB NOT NULL,
    seq INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    time INTEGER NOT NULL,
    wire BLOB NOT NULL
  ) STRICT;
  -- UNIQUE: a transaction is in the ledger at most once, and a sender's seq strictly increases,
  -- so a block repeating either is a producer bug that must fail rather than be stored.
  CREATE UNIQUE INDEX txs_tx_id ON txs (tx_id);
  CREATE UNIQUE INDEX txs_sender_seq ON txs (sender, seq);
  -- Increasing keys, so appends stay at the right edge; serves blockTxIds.
  CREATE UNIQUE INDEX txs_height_idx ON txs (height, idx);

  CREATE TABLE blocks (
    height INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    time INTEGER NOT NULL,
    tx_count INTEGER NOT NULL,
    light_block BLOB NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX blocks_hash ON blocks (hash);

  CREATE TABLE accounts (
    id BLOB PRIMARY KEY,
    key BLOB NOT NULL,
    role INTEGER NOT NULL,
    status INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    enrolled_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE blocked (
    id BLOB PRIMARY KEY,
    reason INTEGER NOT NULL,
    reporter BLOB NOT NULL,
    height INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

interface PendingRecord {
  wire: Uint8Array;
  tx_id: Uint8Array;
  sender: Uint8Array;
  seq: number;
  kind: number;
  time: number;
  received_at: number;
}
interface TxRecord {
  wire: Uint8Array;
  tx_id: Uint8Array;
  height: number;
  idx: number;
  sender: Uint8Array;
  seq: number;
  kind: number;
  time: number;
}
interface BlockRecord {
  height: number;
  hash: Uint8Array;
  time: number;
  tx_count: number;
  light_block: Uint8Array;
}
interface AccountRecord {
  id: Uint8Array;
  key: Uint8Array;
  role: number;
  status: number;
  last_seq: number;
  enrolled_at: number;
}
interface BlockedRecord {
  id: Uint8Array;
  reason: number;
  reporter: Uint8Array;
  height: number;
}

/**
 * better-sqlite3 returns blobs as Buffers; callers get plain Uint8Arrays so that byte
 * comparisons (deepEqual, ===-by-constructor checks) behave the same everywhere. Each blob
 * comes back in its own exactly-sized allocation, so a view copies nothing and exposes nothing else.
 */
function bytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function toPending(r: PendingRecord): PendingTx {
  return {
    wire: bytes(r.wire),
    txId: bytes(r.tx_id),
    sender: bytes(r.sender),
    seq: r.seq,
    kind: r.kind,
    time: r.time,
    receivedAt: r.received_at,
  };
}

function toTx(r: TxRecord): StoredTx {
  return {
    wire: bytes(r.wire),
    txId: bytes(r.tx_id),
    height: r.height,
    index: r.idx,
    sender: bytes(r.sender),
    seq: r.seq,
    kind: r.kind,
    time: r.time,
  };
}

function toBlock(r: BlockRecord): StoredBlock {
  return { height: r.height, hash: bytes(r.hash), time: r.time, txCount: r.tx_count, lightBlock: bytes(r.light_block) };
}

function toAccount(r: AccountRecord): AccountRow {
  return {
    id: bytes(r.id),
    key: bytes(r.key),
    role: r.role as AccountRow['role'],
    status: r.status as AccountRow['status'],
    lastSeq: r.last_seq,
    enrolledAt: r.enrolled_at,
  };
}

function toBlocked(r: BlockedRecord): BlockedRow {
  return { id: bytes(r.id), reason: r.reason, reporter: bytes(r.reporter), height: r.height };
}

function requireCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  }
}

/**
 * better-sqlite3 throws SqliteError, which is not a native Error (ava's t.throws, for one,
 * rejects it), so SQLite's own failures (a UNIQUE or type constraint, disk full, I/O error)
 * are rethrown as a plain Error saying which call failed, with the SqliteError (and its code) as cause.
 */
function rethrow(what: string, e: unknown): never {
  if (types.isNativeError(e)) throw e;
  const message = e instanceof Error ? e.message : String(e);
  throw new Error(`${what}: ${message}`, { cause: e });
}

/** Creates the schema in a fresh database, or checks an existing one's version. */
function prepareSchema(db: Database, path: string): void {
  const check = (): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return true;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `ledger store ${path} has schema version ${version}, newer than this gateway's ` +
          `${SCHEMA_VERSION}: upgrade the gateway`,
      );
    }
    if (version !== 0) throw new Error(`ledger store ${path} has unknown schema version ${version}`);
    const tables = db.prepare(`SELECT count(*) AS c FROM sqlite_schema WHERE type = 'table'`).get() as { c: number };
    if (tables.c !== 0) throw new Error(`${path} is not a ledger store (it has tables but no schema version)`);
    return false;
  };
  if (check()) return;
  // Re-checked under the write lock in case another process created the schema meanwhile.
  db.transaction(() => {
    if (check()) return;
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Opens (creating if needed) the ledger store at `path`; ':memory:' gives a throwaway store for tests. */
export function openSqliteStore(path: string): LedgerStore {
  const db = new BetterSqlite3(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // The version is checked before anything else so a newer store is refused untouched.
    prepareSchema(db, path);
    // WAL: a commit is one sequential append + fsync of the log, and readers (queries, an
    // inspecting CLI) never block the writer. FULL: the WAL is fsynced at every commit, so a
    // method returns only once its writes survive power loss, not just a process kill. The
    // gateway batches many transactions into each call (group commit), which amortises the fsync.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // No foreign keys are declared: commitBlock keeps blocks, txs and pending consistent
    // within one transaction, so per-row FK checks would only cost time.
    db.pragma('foreign_keys = OFF');
  } catch (e) {
    db.close();
    throw e;
  }

  const insertPending = db.prepare(
    `INSERT INTO pending (wire, tx_id, sender, seq, kind, time, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectPending = db.prepare(`SELECT * FROM pending ORDER BY n`);
  const latestHeight = db.prepare(`SELECT max(height) AS h FROM blocks`);
  // The n of the txCount-th oldest pending row: the rows with n up to it are the ones to move.
  const nthPending = db.prepare(`SELECT n FROM pending ORDER BY n LIMIT 1 OFFSET ?`);
  const insertBlock = db.prepare(
    `INSERT INTO blocks (height, hash, time, tx_count, light_block) VALUES (?, ?, ?, ?, ?)`,
  );
  // Ordered by n, so txs' rowids (and idx) follow admission order.
  const movePending = db.prepare(
    `INSERT INTO txs (height, idx, tx_id, sender, seq, kind, time, wire)
     SELECT ?, row_number() OVER (ORDER BY n) - 1, tx_id, sender, seq, kind, time, wire
     FROM pending WHERE n <= ? ORDER BY n`,
  );
  const deletePending = db.prepare(`DELETE FROM pending WHERE n <= ?`);
  const upsertAccount = db.prepare(
    `INSERT INTO accounts (id, key, role, status, last_seq, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET key = excluded.key, role = excluded.role, status = excluded.status,
       last_seq = excluded.last_seq, enrolled_at = excluded.enrolled_at`,
  );
  const upsertBlocked = db.prepare(
    `INSERT INTO blocked (id, reason, reporter, height) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET reason = excluded.reason, reporter = excluded.reporter, height = excluded.height`,
  );
  const deleteBlocked = db.prepare(`DELETE FROM blocked WHERE id = ?`);
  const selectLatestBlock = db.prepare(`SELECT * FROM blocks ORDER BY height DESC LIMIT 1`);
  const selectBlock = db.prepare(`SELECT * FROM blocks WHERE height = ?`);
  const selectBlockTxIds = db.prepare(`SELECT tx_id FROM txs WHERE height = ? ORDER BY idx`);
  const selectTxById = db.prepare(`SELECT * FROM txs WHERE tx_id = ?`);
  const selectTxBySenderSeq = db.prepare(`SELECT * FROM txs WHERE sender = ? AND seq = ?`);
  // A sender's seq strictly increases in ledger order, so seq order is age order and the
  // (sender, seq) index yields the newest rows first without a sort.
  const selectTxsBySender = db.prepare(`SELECT * FROM txs WHERE sender = ? ORDER BY seq DESC LIMIT ?`);
  // max(n) rather than count(*): O(log n) instead of a scan; equal because txs rows are never deleted.
  const selectTxCount = db.prepare(`SELECT coalesce(max(n), 0) AS c FROM txs`);
  const selectAccounts = db.prepare(`SELECT * FROM accounts ORDER BY id`);
  const selectBlocked = db.prepare(`SELECT * FROM blocked ORDER BY id`);

  const appendTx = db.transaction((txs: readonly PendingTx[]) => {
    for (const tx of txs) {
      insertPending.run(tx.wire, tx.txId, tx.sender, tx.seq, tx.kind, tx.time, tx.receivedAt);
    }
  });

  const commitTx = db.transaction((block: StoredBlock, changes: StateChanges) => {
    const latest = (latestHeight.get() as { h: number | null }).h ?? 0;
    if (block.height !== latest + 1) {
      throw new Error(
        `commitBlock: height ${block.height} does not follow the latest block ${latest} (expected ${latest + 1})`,
      );
    }
    let lastN = 0;
    if (block.txCount > 0) {
      const row = nthPending.get(block.txCount - 1) as { n: number } | undefined;
      if (row === undefined) {
        const { c } = db.prepare(`SELECT count(*) AS c FROM pending`).get() as { c: number };
        throw new Error(
          `commitBlock: block ${block.height} has ${block.txCount} transactions but only ${c} are pending`,
        );
      }
      lastN = row.n;
    }
    insertBlock.run(block.height, block.hash, block.time, block.txCount, block.lightBlock);
    if (block.txCount > 0) {
      movePending.run(block.height, lastN);
      deletePending.run(lastN);
    }
    for (const a of changes.accounts) upsertAccount.run(a.id, a.key, a.role, a.status, a.lastSeq, a.enrolledAt);
    for (const b of changes.blocked) upsertBlocked.run(b.id, b.reason, b.reporter, b.height);
    for (const id of changes.unblocked) deleteBlocked.run(id);
  });

  return {
    appendPending(txs) {
      if (txs.length === 0) return; // nothing to make durable: skip the fsync
      try {
        appendTx.immediate(txs);
      } catch (e) {
        rethrow(`appendPending: ${txs.length} transactions not stored`, e);
      }
    },
    pending() {
      return (selectPending.all() as PendingRecord[]).map(toPending);
    },
    commitBlock(block, changes) {
      requireCount(block.height, 'commitBlock: block height');
      requireCount(block.txCount, 'commitBlock: block txCount');
      // Any throw inside rolls the whole transaction back: nothing of the block is stored.
      try {
        commitTx.immediate(block, changes);
      } catch (e) {
        rethrow(`commitBlock: block ${block.height} not stored`, e);
      }
    },
    latestBlock() {
      const r = selectLatestBlock.get() as BlockRecord | undefined;
      return r && toBlock(r);
    },
    block(height) {
      const r = selectBlock.get(height) as BlockRecord | undefined;
      return r && toBlock(r);
    },
    blockTxIds(height) {
      return (selectBlockTxIds.all(height) as { tx_id: Uint8Array }[]).map((r) => bytes(r.tx_id));
    },
    txById(txId) {
      const r = selectTxById.get(txId) as TxRecord | undefined;
      return r && toTx(r);
    },
    txBySenderSeq(sender, seq) {
      const r = selectTxBySenderSeq.get(sender, seq) as TxRecord | undefined;
      return r && toTx(r);
    },
    txsBySender(sender, limit) {
      requireCount(limit, 'txsBySender: limit');
      return (selectTxsBySender.all(sender, limit) as TxRecord[]).map(toTx);
    },
    txCount() {
      return (selectTxCount.get() as { c: number }).c;
    },
    accounts() {
      return (selectAccounts.all() as AccountRecord[]).map(toAccount);
    },
    blocked() {
      return (selectBlocked.all() as BlockedRecord[]).map(toBlocked);
    },
    close() {
      db.close();
    },
  };
}
