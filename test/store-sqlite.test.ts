// The gateway's SQLite ledger store (test layer, Node only): ordering and atomicity of
// commitBlock, state upserts, reopening, the schema version guard, and durability under
// SIGKILL of a writing child process. Real database files in a temp dir, no mocks.

import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccountRole, AccountStatus } from '../src/index.js';
import type { LedgerStore, PendingTx, StateChanges, StoredBlock, StoredTx } from '../tools/gateway/ledger-store.js';
import { SCHEMA_VERSION, openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { crashAccountId, crashTx, crashTxId } from './support/store-crash-child.js';

const NO_CHANGES: StateChanges = { accounts: [], blocked: [], unblocked: [] };

function tempDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'ledger.db');
}

/** Opens a store that the test closes at teardown (closing twice is harmless). */
function open(t: ExecutionContext, path: string): LedgerStore {
  const store = openSqliteStore(path);
  t.teardown(() => store.close());
  return store;
}

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

function tx(i: number, sender = 1): PendingTx {
  return {
    wire: Uint8Array.of(0x86, i & 0xff, i >> 8, sender),
    txId: Uint8Array.from({ length: 32 }, (_, k) => (i * 31 + k * 7 + sender) & 0xff),
    sender: bytes(20, sender),
    seq: i + 1,
    kind: 1 + (i % 3),
    time: 1_700_000_000 + i,
    receivedAt: 1_700_000_000_123 + i,
  };
}

function block(height: number, txCount: number): StoredBlock {
  return {
    height,
    hash: bytes(32, 0x80 + height),
    time: 1_700_000_100_000 + height,
    txCount,
    lightBlock: bytes(100 + height, height),
  };
}

/** How a pending transaction reads back once in the ledger. */
function inLedger(p: PendingTx, height: number, index: number): StoredTx {
  const { receivedAt: _, ...rest } = p;
  return { ...rest, height, index };
}

const account = { id: bytes(20, 1), key: bytes(33, 2), role: AccountRole.VALIDATOR, status: AccountStatus.ACTIVE, lastSeq: 5, enrolledAt: 1 };
const blockedRow = { id: bytes(20, 3), reason: 1, reporter: bytes(20, 4), height: 1 };
const SOME_CHANGES: StateChanges = { accounts: [account], blocked: [blockedRow], unblocked: [] };

/** Everything a reader can see, for before/after comparisons. */
function snapshot(s: LedgerStore) {
  const latest = s.latestBlock();
  const blocks = [];
  for (let h = 1; h <= (latest?.height ?? 0); h++) blocks.push({ block: s.block(h), txIds: s.blockTxIds(h) });
  return { latest, blocks, txCount: s.txCount(), pending: s.pending(), accounts: s.accounts(), blocked: s.blocked() };
}

test('append then commit moves exactly the oldest N pending in order, with leaf indexes', (t) => {
  const s = open(t, tempDb(t));
  const txs = Array.from({ length: 10 }, (_, i) => tx(i));
  s.appendPending(txs.slice(0, 4));
  s.appendPending(txs.slice(4));
  t.deepEqual(s.pending(), txs);
  t.is(s.latestBlock(), undefined);

  s.commitBlock(block(1, 3), NO_CHANGES);
  t.deepEqual(s.pending(), txs.slice(3));
  t.deepEqual(s.blockTxIds(1), txs.slice(0, 3).map((x) => x.txId));
  t.is(s.txCount(), 3);

  s.commitBlock(block(2, 0), NO_CHANGES); // empty blocks are legal
  t.deepEqual(s.blockTxIds(2), []);
  s.commitBlock(block(3, 5), NO_CHANGES);
  t.deepEqual(s.pending(), txs.slice(8));
  t.deepEqual(s.blockTxIds(3), txs.slice(3, 8).map((x) => x.txId));
  t.is(s.txCount(), 8);
  t.deepEqual(s.latestBlock(), block(3, 5));
  t.deepEqual(s.block(1), block(1, 3));
  t.is(s.block(4), undefined);

  t.deepEqual(s.txById(txs[5]!.txId), inLedger(txs[5]!, 3, 2));
  t.deepEqual(s.txBySenderSeq(txs[0]!.sender, 1), inLedger(txs[0]!, 1, 0));
  t.is(s.txById(txs[9]!.txId), undefined, 'still pending, not in the ledger');
  t.is(s.txBySenderSeq(txs[0]!.sender, 99), undefined);
  t.deepEqual(
    s.txsBySender(txs[0]!.sender, 3).map((x) => x.seq),
    [8, 7, 6],
    'newest first, limited',
  );
  t.deepEqual(s.txsBySender(bytes(20, 9), 10), []);
});

test('reads return plain Uint8Arrays, not Buffers', (t) => {
  const s = open(t, ':memory:');
  s.appendPending([tx(0)]);
  s.commitBlock(block(1, 1), SOME_CHANGES);
  s.appendPending([tx(1)]);
  const all = [
    ...Object.values(s.latestBlock()!),
    ...Object.values(s.txById(tx(0).txId)!),
    ...Object.values(s.pending()[0]!),
    ...Object.values(s.accounts()[0]!),
    ...Object.values(s.blocked()[0]!),
    ...s.blockTxIds(1),
  ].filter((v) => typeof v === 'object');
  t.is(all.length, 13);
  for (const v of all) t.is(Object.getPrototypeOf(v), Uint8Array.prototype);
});

test('commitBlock with a wrong height or too few pending throws and changes nothing', (t) => {
  const s = open(t, tempDb(t));
  s.appendPending([tx(0), tx(1), tx(2)]);
  const changes = SOME_CHANGES;
  const empty = snapshot(s);
  t.throws(() => s.commitBlock(block(2, 1), changes), {
    message: /height 2 does not follow the latest block 0 \(expected 1\)/,
  });
  t.throws(() => s.commitBlock(block(0, 1), changes), { message: /expected 1/ });
  t.throws(() => s.commitBlock(block(1, 4), changes), { message: /4 transactions but only 3 are pending/ });
  t.throws(() => s.commitBlock(block(1, -1), changes), { instanceOf: RangeError });
  t.throws(() => s.commitBlock(block(1, 1.5), changes), { instanceOf: RangeError });
  t.deepEqual(snapshot(s), empty);

  s.commitBlock(block(1, 2), changes);
  const after = snapshot(s);
  t.throws(() => s.commitBlock(block(1, 0), NO_CHANGES), { message: /height 1 does not follow the latest block 1/ });
  t.throws(() => s.commitBlock(block(3, 0), NO_CHANGES), { message: /expected 2/ });
  t.throws(() => s.commitBlock(block(2, 2), changes), { message: /only 1 are pending/ });
  // A failure late in the transaction (duplicate block hash, after the height and pending
  // checks passed and the state upserts were queued) must roll back everything too.
  const late = { ...block(2, 1), hash: block(1, 0).hash };
  t.throws(() => s.commitBlock(late, { ...changes, unblocked: [blockedRow.id] }), {
    message: /commitBlock: block 2 not stored: UNIQUE constraint failed: blocks\.hash/,
  });
  // A wrongly typed value is refused by the STRICT tables.
  t.throws(() => s.commitBlock(block(2, 1), { ...changes, accounts: [{ ...account, lastSeq: 1.5 }] }), {
    message: /commitBlock: block 2 not stored: cannot store REAL value in INTEGER column accounts\.last_seq/,
  });
  t.throws(() => s.appendPending([tx(5), { ...tx(6), txId: 'nope' as unknown as Uint8Array }]), {
    message: /appendPending: 2 transactions not stored/,
  });
  t.deepEqual(snapshot(s), after);
});

test('a batch of many rows (several multi-row INSERT chunks and a remainder) is stored in order, or not at all', (t) => {
  const s = open(t, tempDb(t));
  const txs = Array.from({ length: 75 }, (_, i) => tx(i));
  // A wrongly typed row inside the second chunk: nothing of the batch is stored.
  t.throws(() => s.appendPending(txs.map((p, i) => (i === 40 ? { ...p, seq: 1.5 } : p))), { message: /appendPending: 75 transactions not stored/ });
  t.deepEqual(s.pending(), []);
  s.appendPending(txs.slice(0, 70));
  s.appendPending(txs.slice(70));
  t.deepEqual(s.pending(), txs);
  s.commitBlock(block(1, 75), NO_CHANGES);
  t.deepEqual(s.blockTxIds(1), txs.map((p) => p.txId));
  t.deepEqual(s.txById(txs[33]!.txId), inLedger(txs[33]!, 1, 33));
});

test('dropPending(keep) replaces the pending pool with keep in one write: a failed write drops nothing', (t) => {
  const s = open(t, tempDb(t));
  const txs = Array.from({ length: 5 }, (_, i) => tx(i));
  s.appendPending(txs);
  s.commitBlock(block(1, 1), NO_CHANGES);
  // A bad row among the kept ones: the old pool stays whole, nothing is lost.
  t.throws(() => s.dropPending([txs[1]!, { ...txs[3]!, seq: 1.5 }]), { message: /dropPending/ });
  t.deepEqual(s.pending(), txs.slice(1));
  s.dropPending([txs[1]!, txs[3]!]);
  t.deepEqual(s.pending(), [txs[1]!, txs[3]!]);
  s.commitBlock(block(2, 2), NO_CHANGES);
  t.deepEqual(s.blockTxIds(2), [txs[1]!.txId, txs[3]!.txId]);
  s.dropPending();
  t.deepEqual(s.pending(), []);
});

test('a transaction already in the ledger, or twice in one block, cannot be committed', (t) => {
  const s = open(t, ':memory:');
  s.appendPending([tx(0)]);
  s.commitBlock(block(1, 1), NO_CHANGES);
  s.appendPending([tx(0)]);
  const before = snapshot(s);
  t.throws(() => s.commitBlock(block(2, 1), NO_CHANGES), {
    message: /commitBlock: block 2 not stored: UNIQUE constraint failed: tx_seqs\.sender, tx_seqs\.seq/,
  });
  t.deepEqual(snapshot(s), before);

  const other = open(t, ':memory:');
  other.appendPending([tx(0), tx(1), { ...tx(2), seq: tx(1).seq }]);
  const pending = snapshot(other);
  t.throws(() => other.commitBlock(block(1, 3), NO_CHANGES), { message: /UNIQUE constraint failed: tx_seqs\.sender, tx_seqs\.seq/ });
  t.deepEqual(snapshot(other), pending);
  other.commitBlock(block(1, 2), NO_CHANGES); // the two distinct ones are fine
  t.is(other.txCount(), 2);
});

test('pendingBySenderSeq finds a pending transaction, not one in a block', (t) => {
  const s = open(t, ':memory:');
  s.appendPending([tx(0), tx(1), tx(2, 2)]);
  s.commitBlock(block(1, 1), NO_CHANGES);
  t.is(s.pendingBySenderSeq(tx(0).sender, 1), undefined, 'in block 1');
  t.deepEqual(s.pendingBySenderSeq(tx(1).sender, 2), tx(1));
  t.deepEqual(s.pendingBySenderSeq(tx(2, 2).sender, 3), tx(2, 2));
  t.is(s.pendingBySenderSeq(tx(2, 2).sender, 2), undefined, 'another sender');
  t.is(s.txBySenderSeq(tx(1).sender, 2), undefined, 'pending is not in the ledger');
  s.commitBlock(block(2, 2), NO_CHANGES);
  t.is(s.pendingBySenderSeq(tx(1).sender, 2), undefined);
  t.deepEqual(s.txBySenderSeq(tx(1).sender, 2), inLedger(tx(1), 2, 0));
});

test('blocks hold contiguous ranges: empty blocks between full ones, lookups at every edge', (t) => {
  const s = open(t, ':memory:');
  const txs = Array.from({ length: 7 }, (_, i) => tx(i));
  s.commitBlock(block(1, 0), NO_CHANGES); // empty before anything was appended
  s.appendPending(txs.slice(0, 3));
  s.commitBlock(block(2, 0), NO_CHANGES);
  s.commitBlock(block(3, 2), NO_CHANGES);
  s.commitBlock(block(4, 0), NO_CHANGES);
  s.appendPending(txs.slice(3));
  s.commitBlock(block(5, 4), NO_CHANGES);
  s.commitBlock(block(6, 0), NO_CHANGES);
  const where = txs.map((x) => s.txById(x.txId)).map((x) => x && [x.height, x.index]);
  t.deepEqual(where, [[3, 0], [3, 1], [5, 0], [5, 1], [5, 2], [5, 3], undefined]);
  t.deepEqual([1, 2, 3, 4, 5, 6].map((h) => s.blockTxIds(h).length), [0, 0, 2, 0, 4, 0]);
  t.is(s.txCount(), 6);
  t.deepEqual(s.pending(), txs.slice(6));
  t.deepEqual(s.txsBySender(txs[0]!.sender, 10).map((x) => x.seq), [6, 5, 4, 3, 2, 1], 'the pending one is not listed');
  // The id lookup keys on a prefix: an id sharing it but differing later is not found.
  const lookalike = txs[0]!.txId.slice();
  lookalike[31]! ^= 1;
  t.is(s.txById(lookalike), undefined);
  t.is(s.txById(txs[0]!.txId.subarray(0, 8)), undefined, 'nor the prefix itself');
});

test('a schema 1 store is migrated: ledger, pending pool and blocks read back the same', (t) => {
  const path = tempDb(t);
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => {
    prepare(sql: string): { run(...params: unknown[]): unknown };
    exec(sql: string): void;
    pragma(s: string): unknown;
    close(): void;
  };
  // Schema 1 as the first gateway wrote it: a pending table, and txs with height and idx.
  const db = new Database(path);
  db.exec(`
    CREATE TABLE pending (n INTEGER PRIMARY KEY, wire BLOB NOT NULL, tx_id BLOB NOT NULL, sender BLOB NOT NULL,
      seq INTEGER NOT NULL, kind INTEGER NOT NULL, time INTEGER NOT NULL, received_at INTEGER NOT NULL) STRICT;
    CREATE TABLE txs (n INTEGER PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL, tx_id BLOB NOT NULL,
      sender BLOB NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL, time INTEGER NOT NULL, wire BLOB NOT NULL) STRICT;
    CREATE UNIQUE INDEX txs_tx_id ON txs (tx_id);
    CREATE UNIQUE INDEX txs_sender_seq ON txs (sender, seq);
    CREATE UNIQUE INDEX txs_height_idx ON txs (height, idx);
    CREATE TABLE blocks (height INTEGER PRIMARY KEY, hash BLOB NOT NULL, time INTEGER NOT NULL, tx_count INTEGER NOT NULL,
      light_block BLOB NOT NULL) STRICT;
    CREATE UNIQUE INDEX blocks_hash ON blocks (hash);
    CREATE TABLE accounts (id BLOB PRIMARY KEY, key BLOB NOT NULL, role INTEGER NOT NULL, status INTEGER NOT NULL,
      last_seq INTEGER NOT NULL, enrolled_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
    CREATE TABLE blocked (id BLOB PRIMARY KEY, reason INTEGER NOT NULL, reporter BLOB NOT NULL, height INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  `);
  const txs = Array.from({ length: 8 }, (_, i) => tx(i));
  const layout = [[1, 3], [2, 0], [3, 2]] as const; // height, txCount; 3 stay pending
  let at = 0;
  for (const [height, count] of layout) {
    const b = block(height, count);
    db.prepare('INSERT INTO blocks VALUES (?, ?, ?, ?, ?)').run(b.height, b.hash, b.time, b.txCount, b.lightBlock);
    for (let idx = 0; idx < count; idx++, at++) {
      const x = txs[at]!;
      // Inserted out of ledger order on purpose: the migration must order by height and idx, not n.
      db.prepare('INSERT INTO txs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(100 - at, height, idx, x.txId, x.sender, x.seq, x.kind, x.time, x.wire);
    }
  }
  for (const x of txs.slice(at)) {
    db.prepare('INSERT INTO pending (wire, tx_id, sender, seq, kind, time, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(x.wire, x.txId, x.sender, x.seq, x.kind, x.time, x.receivedAt);
  }
  db.prepare('INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)').run(account.id, account.key, account.role, account.status, account.lastSeq, account.enrolledAt);
  db.pragma('user_version = 1');
  db.close();

  const s = open(t, path);
  t.deepEqual(s.latestBlock(), block(3, 2));
  t.deepEqual(s.blockTxIds(1), txs.slice(0, 3).map((x) => x.txId));
  t.deepEqual(s.blockTxIds(2), []);
  t.deepEqual(s.blockTxIds(3), txs.slice(3, 5).map((x) => x.txId));
  t.deepEqual(s.txById(txs[4]!.txId), inLedger(txs[4]!, 3, 1));
  t.is(s.txCount(), 5);
  t.deepEqual(s.pending(), txs.slice(5));
  t.deepEqual(s.accounts(), [account]);
  // And the chain goes on.
  s.commitBlock(block(4, 3), NO_CHANGES);
  t.deepEqual(s.blockTxIds(4), txs.slice(5).map((x) => x.txId));
  t.is(s.txCount(), 8);
});

test('state changes upsert accounts and blocked rows and delete unblocked ids', (t) => {
  const s = open(t, tempDb(t));
  const a = { id: bytes(20, 1), key: bytes(33, 2), role: AccountRole.VALIDATOR, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 1 };
  const b = { id: bytes(20, 5), key: bytes(33, 6), role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 1 };
  const x = { id: bytes(20, 7), reason: 1, reporter: bytes(20, 9), height: 1 };
  const y = { id: bytes(20, 8), reason: 2, reporter: bytes(20, 9), height: 1 };
  s.commitBlock(block(1, 0), { accounts: [b, a], blocked: [y, x], unblocked: [] });
  t.deepEqual(s.accounts(), [a, b], 'ordered by id');
  t.deepEqual(s.blocked(), [x, y]);

  const a2 = { ...a, key: bytes(33, 3), status: AccountStatus.REVOKED, lastSeq: 7 };
  const x2 = { ...x, reason: 3, height: 2 };
  s.commitBlock(block(2, 0), { accounts: [a2], blocked: [x2], unblocked: [y.id, bytes(20, 0x42)] });
  t.deepEqual(s.accounts(), [a2, b]);
  t.deepEqual(s.blocked(), [x2], 'unblocking an id that is not blocked is a no-op');
});

test('reopening after close keeps everything', (t) => {
  const path = tempDb(t);
  const s = openSqliteStore(path);
  s.appendPending(Array.from({ length: 6 }, (_, i) => tx(i)));
  s.commitBlock(block(1, 4), SOME_CHANGES);
  const before = snapshot(s);
  s.close();

  const again = open(t, path);
  t.deepEqual(snapshot(again), before);
  again.commitBlock(block(2, 2), NO_CHANGES);
  t.deepEqual(again.pending(), []);
  t.is(again.txCount(), 6);
});

test('a store with a newer schema version, or a foreign database, is refused untouched', (t) => {
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => {
    pragma(s: string, o?: { simple: boolean }): unknown;
    exec(sql: string): void;
    close(): void;
  };
  const path = tempDb(t);
  openSqliteStore(path).close();
  let db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.pragma('journal_mode = DELETE');
  db.close();
  t.throws(() => openSqliteStore(path), {
    message: new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this gateway's ${SCHEMA_VERSION}`),
  });
  db = new Database(path);
  t.is(db.pragma('journal_mode', { simple: true }), 'delete', 'the refused file was not switched to WAL');
  db.close();

  const foreign = join(path, '..', 'other.db');
  db = new Database(foreign);
  db.exec('CREATE TABLE notes (x)');
  db.close();
  t.throws(() => openSqliteStore(foreign), { message: /not a ledger store/ });
});

interface Report {
  appended: number;
  height: number;
  txCount: number;
}

const childScript = fileURLToPath(new URL('./support/store-crash-child.ts', import.meta.url));

/** Runs the child on `path` until it has printed `lines` reports, SIGKILLs it, returns the last report. */
function runAndKill(path: string, lines: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', childScript, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let seen = 0;
    let last: Report | undefined;
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        // Only complete lines count: a report is made after the call it describes returned.
        last = JSON.parse(out.slice(0, nl)) as Report;
        out = out.slice(nl + 1);
        if (++seen >= lines && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && last) resolve(last);
      else reject(new Error(`child exited with code ${code} signal ${signal}: ${err}`));
    });
  });
}

test('after SIGKILL mid-run, everything reported durable is present exactly once and consistent', async (t) => {
  const path = tempDb(t);
  let rand = 7;
  for (let round = 1; round <= 4; round++) {
    rand = (rand * 48271) % 0x7fffffff;
    const lines = 40 + (rand % 400);
    const reported = await runAndKill(path, lines);

    const s = openSqliteStore(path);
    try {
      const latest = s.latestBlock()?.height ?? 0;
      const ledgerCount = s.txCount();
      const pending = s.pending();
      t.true(latest >= reported.height, `height ${latest} ≥ reported ${reported.height}`);
      t.true(ledgerCount >= reported.txCount, `txCount ${ledgerCount} ≥ reported ${reported.txCount}`);
      const appended = ledgerCount + pending.length;
      t.true(appended >= reported.appended, `appended ${appended} ≥ reported ${reported.appended}`);

      // Heights are contiguous from 1, each block's leaves are idx 0..n-1, and the ledger
      // followed by the pending pool is exactly the child's sequence 0, 1, 2, … (so nothing
      // is lost, duplicated or reordered).
      const ids: Uint8Array[] = [];
      let sum = 0;
      for (let h = 1; h <= latest; h++) {
        const b = s.block(h);
        if (!b) return t.fail(`block ${h} missing below latest ${latest}`);
        const leaves = s.blockTxIds(h);
        if (leaves.length !== b.txCount) return t.fail(`block ${h}: ${leaves.length} leaves, header says ${b.txCount}`);
        leaves.forEach((id, i) => {
          const stored = s.txById(id);
          if (stored?.height !== h || stored.index !== i) {
            t.fail(`tx ${i} of block ${h} stored at ${stored?.height}/${stored?.index}`);
          }
        });
        ids.push(...leaves);
        sum += b.txCount;
      }
      t.is(sum, ledgerCount);
      ids.push(...pending.map((p) => p.txId));
      t.deepEqual(pending, Array.from({ length: pending.length }, (_, i) => crashTx(ledgerCount + i)));
      const expected = Array.from({ length: ids.length }, (_, i) => crashTxId(i));
      t.true(
        ids.every((id, i) => Buffer.compare(id, expected[i]!) === 0),
        'ledger + pending = the child sequence, in order, without duplicates',
      );
      // The account row written with each block moved together with it.
      const acct = s.accounts().find((a) => Buffer.compare(a.id, crashAccountId) === 0);
      t.is(acct?.lastSeq ?? 0, latest);
      t.log(
        `round ${round}: killed after ${lines} reports; ` +
          `height ${latest}, ${ledgerCount} txs in blocks, ${pending.length} pending`,
      );
    } finally {
      s.close();
    }
  }
});

test('throughput of appendPending in batches of 256 and of commitBlock (printed, not asserted)', (t) => {
  const s = open(t, tempDb(t));
  const BATCH = 256;
  const BATCHES = 80;
  // Random-looking ids, as SHA-256 ids are: they land anywhere in the tx_id index.
  const id = (n: number) => new Uint8Array(createHash('sha256').update(`id ${n}`).digest());
  const make = (b: number): PendingTx[] =>
    Array.from({ length: BATCH }, (_, i) => {
      const n = b * BATCH + i;
      const sender = 1 + (n % 16);
      return { ...tx(n, sender), txId: id(n), seq: Math.floor(n / 16) + 1, wire: bytes(120, n & 0xff) };
    });
  s.appendPending(make(0)); // warm-up: creates the WAL
  s.commitBlock(block(1, BATCH), NO_CHANGES);
  const batches = Array.from({ length: BATCHES }, (_, b) => make(b + 1));
  const start = process.hrtime.bigint();
  for (const batch of batches) s.appendPending(batch);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = BATCH * BATCHES;
  const perBatch = ((seconds / BATCHES) * 1000).toFixed(2);
  const BLOCKS = 20;
  const commitStart = process.hrtime.bigint();
  for (let h = 2; h < 2 + BLOCKS; h++) s.commitBlock(block(h, rows / BLOCKS), NO_CHANGES);
  const commitMs = Number(process.hrtime.bigint() - commitStart) / 1e6 / BLOCKS;
  t.log(
    `appendPending: ${rows} rows in ${BATCHES} batches of ${BATCH}: ` +
      `${Math.round(rows / seconds)} rows/s, ${perBatch} ms per batch; commitBlock of ${rows / BLOCKS} transactions: ` +
      `${commitMs.toFixed(2)} ms (synchronous=FULL)`,
  );
  t.is(s.pending().length, 0);
  t.is(s.txCount(), rows + BATCH);
});
