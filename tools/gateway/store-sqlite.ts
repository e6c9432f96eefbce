// The gateway's durable ledger store on SQLite (tools layer, Node only): implements the
// LedgerStore port of ledger-store.ts with better-sqlite3. One database file holds the
// transactions (pending and in blocks), the blocks and the contract state; every
// LedgerStore method is one SQLite transaction, committed with a WAL fsync before it returns.
//
// Layout choices:
// - Each transaction is written once, when it is admitted, into `txs` under an increasing
//   integer key n (its rowid: admission order = ledger order). A block then names a range of
//   n: its transactions are n in [first_n, first_n + tx_count), leaf index = n - first_n, and
//   every n past the newest block's range is pending. (Schema 1 copied every transaction from
//   a pending table into the ledger at block time and deleted it there.)
// - `txs` itself has no secondary index, so an append only adds rows at the right edge of one
//   B-tree. The lookups by id and by (sender, seq) are separate WITHOUT ROWID tables filled for
//   a whole block at once when it is committed: each entry lands at a random place in its tree,
//   and one commit of a thousands-transaction block rewrites each touched page once, where
//   indexing at every admission batch (a few hundred) would rewrite many of them again and
//   again (about twice the CPU per transaction, measured). Pending transactions, at most a
//   block interval's worth, are found by scanning their range.
// - Rows are appended under an integer key and hashes are indexed separately: a random
//   32-byte primary key for `txs` would insert at random B-tree positions (~20x slower).
// - Tables are STRICT and columns NOT NULL, so a wrongly typed value (a fraction, a string
//   for a blob) is refused by SQLite instead of being stored silently.
// - accounts and blocked are looked up only by id and their rows are small, so they are
//   WITHOUT ROWID: the id B-tree is the table, no separate rowid tree plus index.
// - contract_entries holds every other contract's key-value entries (schema 4), keyed by
//   (namespace, key) WITHOUT ROWID like accounts: a block upserts or deletes exactly the entries
//   it touched, and a restart reads them all back into the state (and its tree root).
// - chain_meta holds the few values of the state that are not rows: the current and next
//   validator sets (canonical CBOR, §6.1), written in the commitBlock of a block that changed them.

import { createRequire } from 'node:module';
import { types } from 'node:util';
import { type ContractEntry, decodeValidatorSet, encodeValidatorSet } from '../../src/index.js';
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
export const SCHEMA_VERSION = 4;

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

/** Rows per multi-row INSERT in appendPending (7 parameters each, far below SQLite's limit of 32766). */
const INSERT_CHUNK = 32;

/** How long a writer waits for another connection's lock (e.g. an inspecting CLI) before failing. */
const BUSY_TIMEOUT_MS = 5000;

/** Schema 3 adds it; a schema 2 ledger has no set rows and falls back to the genesis set, which no block had changed. */
const CHAIN_META = `
  CREATE TABLE chain_meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

/** Schema 4 adds it; an older ledger had no contract entries but the registry's and blocklist's rows. */
const CONTRACT_ENTRIES = `
  CREATE TABLE contract_entries (
    namespace BLOB NOT NULL,
    key BLOB NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (namespace, key)
  ) STRICT, WITHOUT ROWID;
`;

const SCHEMA = `
  -- Admitted transactions, pending or in a block; n is the admission order, which is the ledger order.
  CREATE TABLE txs (
    n INTEGER PRIMARY KEY,
    tx_id BLOB NOT NULL,
    sender BLOB NOT NULL,
    seq INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    time INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    wire BLOB NOT NULL
  ) STRICT;

  -- Lookups of the transactions in blocks, written with each block. tx_seqs' PRIMARY KEY: a
  -- sender's seq strictly increases, so a block repeating one (or repeating a transaction: the
  -- same wire bytes have the same sender and seq) is a producer bug that must fail rather than be
  -- stored. tx_ids keys only the first 8 bytes of the id (the lookup compares the whole id in
  -- txs): entries of ~12 bytes instead of ~36 touch fewer pages, ~40 % less CPU per block.
  CREATE TABLE tx_ids (
    id_prefix BLOB NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (id_prefix, n)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE tx_seqs (
    sender BLOB NOT NULL,
    seq INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (sender, seq)
  ) STRICT, WITHOUT ROWID;

  -- A block's transactions are txs with n in [first_n, first_n + tx_count).
  CREATE TABLE blocks (
    height INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    time INTEGER NOT NULL,
    tx_count INTEGER NOT NULL,
    first_n INTEGER NOT NULL,
    light_block BLOB NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX blocks_hash ON blocks (hash);
  -- Finds the block holding a transaction n (an empty block has the first_n of the next one).
  CREATE INDEX blocks_first_n ON blocks (first_n);

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
` + CHAIN_META + CONTRACT_ENTRIES;

/**
 * Schema 1 → 2: the pending table and the ledger's txs (with height, idx) become one txs table
 * in ledger order then admission order, the ledger's lookups move to tx_ids and tx_seqs, and
 * each block gets the first n of its range. Runs in the caller's write transaction, so a crash
 * half-way leaves schema 1 untouched.
 */
const MIGRATE_1_TO_2 = `
  CREATE TABLE txs_v2 (
    n INTEGER PRIMARY KEY,
    tx_id BLOB NOT NULL,
    sender BLOB NOT NULL,
    seq INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    time INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    wire BLOB NOT NULL
  ) STRICT;
  -- Schema 1 did not keep received_at once a transaction was in a block (StoredTx has none): 0.
  INSERT INTO txs_v2 (tx_id, sender, seq, kind, time, received_at, wire)
    SELECT tx_id, sender, seq, kind, time, 0, wire FROM txs ORDER BY height, idx;
  INSERT INTO txs_v2 (tx_id, sender, seq, kind, time, received_at, wire)
    SELECT tx_id, sender, seq, kind, time, received_at, wire FROM pending ORDER BY n;
  CREATE TABLE blocks_v2 (
    height INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    time INTEGER NOT NULL,
    tx_count INTEGER NOT NULL,
    first_n INTEGER NOT NULL,
    light_block BLOB NOT NULL
  ) STRICT;
  INSERT INTO blocks_v2 (height, hash, time, tx_count, first_n, light_block)
    SELECT height, hash, time, tx_count,
      1 + coalesce(sum(tx_count) OVER (ORDER BY height ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0),
      light_block
    FROM blocks ORDER BY height;
  CREATE TABLE tx_ids (id_prefix BLOB NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (id_prefix, n)) STRICT, WITHOUT ROWID;
  CREATE TABLE tx_seqs (sender BLOB NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (sender, seq)) STRICT, WITHOUT ROWID;
  INSERT INTO tx_ids (id_prefix, n) SELECT substr(tx_id, 1, 8), n FROM txs_v2 WHERE n <= (SELECT count(*) FROM txs);
  INSERT INTO tx_seqs (sender, seq, n) SELECT sender, seq, n FROM txs_v2 WHERE n <= (SELECT count(*) FROM txs);
  DROP TABLE pending;
  DROP TABLE txs;
  DROP TABLE blocks;
  ALTER TABLE txs_v2 RENAME TO txs;
  ALTER TABLE blocks_v2 RENAME TO blocks;
  CREATE UNIQUE INDEX blocks_hash ON blocks (hash);
  CREATE INDEX blocks_first_n ON blocks (first_n);
`;

interface TxRecord {
  n: number;
  wire: Uint8Array;
  tx_id: Uint8Array;
  sender: Uint8Array;
  seq: number;
  kind: number;
  time: number;
  received_at: number;
}
interface BlockRecord {
  height: number;
  hash: Uint8Array;
  time: number;
  tx_count: number;
  first_n: number;
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

function toPending(r: TxRecord): PendingTx {
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

function toTx(r: TxRecord, block: { height: number; first_n: number }): StoredTx {
  return {
    wire: bytes(r.wire),
    txId: bytes(r.tx_id),
    height: block.height,
    index: r.n - block.first_n,
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

/** Creates the schema in a fresh database, migrates an older one, or checks an existing one's version. */
function prepareSchema(db: Database, path: string): void {
  // 'ready': current; 'empty': a fresh database; 1: schema 1, to migrate.
  const check = (): 'ready' | 'empty' | 1 | 2 | 3 => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return 'ready';
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `ledger store ${path} has schema version ${version}, newer than this gateway's ` +
          `${SCHEMA_VERSION}: upgrade the gateway`,
      );
    }
    if (version === 1 || version === 2 || version === 3) return version;
    if (version !== 0) throw new Error(`ledger store ${path} has unknown schema version ${version}`);
    const tables = db.prepare(`SELECT count(*) AS c FROM sqlite_schema WHERE type = 'table'`).get() as { c: number };
    if (tables.c !== 0) throw new Error(`${path} is not a ledger store (it has tables but no schema version)`);
    return 'empty';
  };
  if (check() === 'ready') return;
  // Re-checked under the write lock in case another process created or migrated the schema meanwhile.
  db.transaction(() => {
    const state = check();
    if (state === 'ready') return;
    db.exec(state === 'empty' ? SCHEMA : state === 1 ? MIGRATE_1_TO_2 + CHAIN_META + CONTRACT_ENTRIES : state === 2 ? CHAIN_META + CONTRACT_ENTRIES : CONTRACT_ENTRIES);
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

  const insertTx = db.prepare(
    `INSERT INTO txs (tx_id, sender, seq, kind, time, received_at, wire) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  // The same for INSERT_CHUNK rows in one statement: a batch of a few hundred rows is appended in
  // a few calls instead of one each (~0.7 against ~1.3 µs per row, measured). Rows keep their
  // order, so n still follows admission order.
  const insertTxChunk = db.prepare(
    `INSERT INTO txs (tx_id, sender, seq, kind, time, received_at, wire) VALUES ${Array(INSERT_CHUNK).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  );
  const chunkParams: unknown[] = new Array(INSERT_CHUNK * 7);
  const selectLatestBlock = db.prepare(`SELECT * FROM blocks ORDER BY height DESC LIMIT 1`);
  const selectLedgerEnd = db.prepare(`SELECT first_n + tx_count AS e FROM blocks ORDER BY height DESC LIMIT 1`);
  const selectPending = db.prepare(`SELECT * FROM txs WHERE n >= ? ORDER BY n`);
  // The n of the count-th pending row (OFFSET count - 1): with n contiguous it is end + count - 1.
  const nthPending = db.prepare(`SELECT n FROM txs WHERE n >= ? ORDER BY n LIMIT 1 OFFSET ?`);
  const firstPending = db.prepare(`SELECT n FROM txs WHERE n >= ? ORDER BY n LIMIT 1`);
  const countPending = db.prepare(`SELECT count(*) AS c FROM txs WHERE n >= ?`);
  const deletePending = db.prepare(`DELETE FROM txs WHERE n >= ?`);
  const insertBlock = db.prepare(
    `INSERT INTO blocks (height, hash, time, tx_count, first_n, light_block) VALUES (?, ?, ?, ?, ?, ?)`,
  );
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
  const selectBlock = db.prepare(`SELECT * FROM blocks WHERE height = ?`);
  // The block whose range holds n: the one with the largest first_n ≤ n that is not empty
  // (an empty block has the first_n of the next one) and whose range reaches n.
  const selectBlockOf = db.prepare(
    `SELECT height, first_n FROM blocks WHERE first_n <= ? AND first_n + tx_count > ? ORDER BY first_n DESC LIMIT 1`,
  );
  const selectRangeTxIds = db.prepare(`SELECT tx_id FROM txs WHERE n >= ? AND n < ? ORDER BY n`);
  const insertTxIds = db.prepare(`INSERT INTO tx_ids (id_prefix, n) SELECT substr(tx_id, 1, 8), n FROM txs WHERE n >= ? AND n < ?`);
  const insertTxSeqs = db.prepare(`INSERT INTO tx_seqs (sender, seq, n) SELECT sender, seq, n FROM txs WHERE n >= ? AND n < ?`);
  const selectTxById = db.prepare(`SELECT txs.* FROM tx_ids JOIN txs USING (n) WHERE tx_ids.id_prefix = substr(?, 1, 8) AND txs.tx_id = ?`);
  const selectTxBySenderSeq = db.prepare(`SELECT txs.* FROM tx_seqs JOIN txs USING (n) WHERE tx_seqs.sender = ? AND tx_seqs.seq = ?`);
  // A sender's seq strictly increases in ledger order, so seq order is age order and the
  // (sender, seq) key yields the newest rows first without a sort.
  const selectTxsBySender = db.prepare(
    `SELECT txs.* FROM tx_seqs JOIN txs USING (n) WHERE tx_seqs.sender = ? ORDER BY tx_seqs.seq DESC LIMIT ?`,
  );
  // Pending transactions are at most a few block intervals' worth: a scan of their rowid range.
  const selectPendingBySenderSeq = db.prepare(`SELECT * FROM txs WHERE n >= ? AND sender = ? AND seq = ?`);
  const selectTxCount = db.prepare(
    `SELECT (SELECT first_n + tx_count FROM blocks ORDER BY height DESC LIMIT 1) - (SELECT first_n FROM blocks ORDER BY height LIMIT 1) AS c`,
  );
  const selectAccounts = db.prepare(`SELECT * FROM accounts ORDER BY id`);
  const selectBlocked = db.prepare(`SELECT * FROM blocked ORDER BY id`);
  const upsertEntry = db.prepare(
    `INSERT INTO contract_entries (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`,
  );
  const deleteEntry = db.prepare(`DELETE FROM contract_entries WHERE namespace = ? AND key = ?`);
  const selectEntries = db.prepare(`SELECT * FROM contract_entries ORDER BY namespace, key`);
  const upsertMeta = db.prepare(`INSERT INTO chain_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`);
  const selectMeta = db.prepare(`SELECT value FROM chain_meta WHERE name = ?`);

  /** The n just past the newest block's range: every txs row from there on is pending. */
  const ledgerEnd = (): number => (selectLedgerEnd.get() as { e: number } | undefined)?.e ?? 1;

  /** A txs row as a ledger transaction, or undefined while it is pending. */
  const inBlock = (r: TxRecord | undefined): StoredTx | undefined => {
    if (r === undefined) return undefined;
    const block = selectBlockOf.get(r.n, r.n) as { height: number; first_n: number } | undefined;
    return block && toTx(r, block);
  };

  const appendTx = db.transaction((txs: readonly PendingTx[]) => {
    let i = 0;
    for (; i + INSERT_CHUNK <= txs.length; i += INSERT_CHUNK) {
      for (let j = 0; j < INSERT_CHUNK; j++) {
        const tx = txs[i + j]!;
        const at = 7 * j;
        chunkParams[at] = tx.txId;
        chunkParams[at + 1] = tx.sender;
        chunkParams[at + 2] = tx.seq;
        chunkParams[at + 3] = tx.kind;
        chunkParams[at + 4] = tx.time;
        chunkParams[at + 5] = tx.receivedAt;
        chunkParams[at + 6] = tx.wire;
      }
      insertTxChunk.run(chunkParams);
    }
    // Drop the references, so the arrays of the last batch are not kept alive until the next one.
    if (i > 0) chunkParams.fill(undefined);
    for (; i < txs.length; i++) {
      const tx = txs[i]!;
      insertTx.run(tx.txId, tx.sender, tx.seq, tx.kind, tx.time, tx.receivedAt, tx.wire);
    }
  });

  const commitTx = db.transaction((block: StoredBlock, changes: StateChanges) => {
    const latest = selectLatestBlock.get() as BlockRecord | undefined;
    const latestHeight = latest?.height ?? 0;
    if (block.height !== latestHeight + 1) {
      throw new Error(
        `commitBlock: height ${block.height} does not follow the latest block ${latestHeight} (expected ${latestHeight + 1})`,
      );
    }
    const firstN = latest ? latest.first_n + latest.tx_count : ((firstPending.get(0) as { n: number } | undefined)?.n ?? 1);
    if (block.txCount > 0) {
      const row = nthPending.get(firstN, block.txCount - 1) as { n: number } | undefined;
      if (row === undefined) {
        const { c } = countPending.get(firstN) as { c: number };
        throw new Error(
          `commitBlock: block ${block.height} has ${block.txCount} transactions but only ${c} are pending`,
        );
      }
      // Rows are never deleted and each insert takes max(n) + 1, so a gap means a damaged store.
      if (row.n !== firstN + block.txCount - 1) {
        throw new Error(`commitBlock: pending transactions are not contiguous from n = ${firstN}: the store is damaged`);
      }
    }
    insertBlock.run(block.height, block.hash, block.time, block.txCount, firstN, block.lightBlock);
    if (block.txCount > 0) {
      insertTxIds.run(firstN, firstN + block.txCount);
      insertTxSeqs.run(firstN, firstN + block.txCount);
    }
    for (const a of changes.accounts) upsertAccount.run(a.id, a.key, a.role, a.status, a.lastSeq, a.enrolledAt);
    for (const b of changes.blocked) upsertBlocked.run(b.id, b.reason, b.reporter, b.height);
    for (const id of changes.unblocked) deleteBlocked.run(id);
    for (const e of changes.entries ?? []) {
      if (e.value === undefined) deleteEntry.run(e.namespace, e.key);
      else upsertEntry.run(e.namespace, e.key, e.value);
    }
    if (changes.validators) {
      upsertMeta.run('validators', encodeValidatorSet(changes.validators.current));
      upsertMeta.run('next_validators', encodeValidatorSet(changes.validators.next));
    }
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
    dropPending(keep = []) {
      try {
        db.transaction(() => {
          deletePending.run(ledgerEnd());
          if (keep.length > 0) appendTx(keep);
        }).immediate();
      } catch (e) {
        rethrow('dropPending: pending transactions not dropped', e);
      }
    },
    pending() {
      return (selectPending.all(ledgerEnd()) as TxRecord[]).map(toPending);
    },
    pendingBySenderSeq(sender, seq) {
      const r = selectPendingBySenderSeq.get(ledgerEnd(), sender, seq) as TxRecord | undefined;
      return r && toPending(r);
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
      const b = selectBlock.get(height) as BlockRecord | undefined;
      if (!b || b.tx_count === 0) return [];
      return (selectRangeTxIds.all(b.first_n, b.first_n + b.tx_count) as { tx_id: Uint8Array }[]).map((r) => bytes(r.tx_id));
    },
    txById(txId) {
      return inBlock(selectTxById.get(txId, txId) as TxRecord | undefined);
    },
    txBySenderSeq(sender, seq) {
      return inBlock(selectTxBySenderSeq.get(sender, seq) as TxRecord | undefined);
    },
    txsBySender(sender, limit) {
      requireCount(limit, 'txsBySender: limit');
      return (selectTxsBySender.all(sender, limit) as TxRecord[]).map((r) => inBlock(r)!);
    },
    txCount() {
      // Blocks cover n contiguously, so the ledger holds the n from the first block's start to the newest one's end.
      return (selectTxCount.get() as { c: number | null }).c ?? 0;
    },
    accounts() {
      return (selectAccounts.all() as AccountRecord[]).map(toAccount);
    },
    blocked() {
      return (selectBlocked.all() as BlockedRecord[]).map(toBlocked);
    },
    contractEntries() {
      return (selectEntries.all() as { namespace: Uint8Array; key: Uint8Array; value: Uint8Array }[])
        .map((r): ContractEntry => ({ namespace: bytes(r.namespace), key: bytes(r.key), value: bytes(r.value) }));
    },
    validatorSets() {
      const read = (name: string) => (selectMeta.get(name) as { value: Uint8Array } | undefined)?.value;
      const current = read('validators');
      const next = read('next_validators');
      return current && next ? { current: decodeValidatorSet(bytes(current)), next: decodeValidatorSet(bytes(next)) } : undefined;
    },
    close() {
      db.close();
    },
  };
}
