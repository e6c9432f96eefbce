// Who made each group signature a consortium member committed (tools layer, Node only): for every
// height it commits under a FROST set, the member records the coordinator, the signers (set index
// and member key) and the group signature, in a table of its own ledger.sqlite (docs/protocol.md
// §12.3.1 rule 5). The light block cannot say who signed; this is what `botpeer block` shows.
//
// The table sits beside the ledger store's tables but outside its schema (store-sqlite.ts): it is
// created on the first write (IF NOT EXISTS, so any ledger schema version is left alone) and a
// store that never recorded (a non-member, a single gateway) simply has none. It is written just
// before the block (a crash between the two writes leaves a record the next commit of that height
// replaces); a record that could not be written is unknown, never wrong.

import { createRequire } from 'node:module';
import { bytesToHex, hexToBytes } from '../../../src/index.js';

export interface FrostSigner {
  /** Index in the set that signs the height (the FROST identifier). */
  readonly index: number;
  /** That member's key (compressed). */
  readonly key: Uint8Array;
}

export interface GroupCommitRecord {
  readonly height: number;
  readonly headerHash: Uint8Array;
  readonly coordinator: number;
  /** Ascending by index, `threshold` of them. */
  readonly signers: readonly FrostSigner[];
  readonly groupSignature: Uint8Array;
}

export interface ParticipationStore {
  /** Durably records (or replaces) the record of its height. */
  record(r: GroupCommitRecord): void;
  /** The record of a height, if this store has one. */
  get(height: number): GroupCommitRecord | undefined;
  close(): void;
}

// Only what is used of better-sqlite3 (the project has no types for it), as in store-sqlite.ts.
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(source: string): unknown;
  close(): void;
}
const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as new (path: string, options?: { timeout?: number }) => Database;

const TABLE = `
  CREATE TABLE IF NOT EXISTS frost_participation (
    height INTEGER PRIMARY KEY,
    header_hash BLOB NOT NULL,
    coordinator INTEGER NOT NULL,
    -- JSON [[index, "keyhex"]…]: readable with the sqlite3 shell by an auditor.
    signers TEXT NOT NULL,
    group_signature BLOB NOT NULL
  ) STRICT;
`;

interface Row {
  height: number;
  header_hash: Uint8Array;
  coordinator: number;
  signers: string;
  group_signature: Uint8Array;
}

const copy = (b: Uint8Array) => new Uint8Array(b);

/**
 * The participation records in the SQLite file at `path` (a member's ledger.sqlite). Opened for
 * reading (the CLI), it creates nothing: a file without the table has no records.
 */
export function openParticipationStore(path: string, mode: 'write' | 'read' = 'write'): ParticipationStore {
  const db = new BetterSqlite3(path, { timeout: 5000 });
  let insert: Statement | undefined;
  let select: Statement | undefined;
  try {
    db.pragma('busy_timeout = 5000');
    // Each record is fsynced before it is reported written, like the ledger's own writes.
    db.pragma('synchronous = FULL');
    if (mode === 'write') db.exec(TABLE);
  } catch (error) {
    db.close();
    throw error;
  }
  const hasTable = () => db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'frost_participation'`).get() !== undefined;
  return {
    record(r) {
      insert ??= db.prepare(`INSERT OR REPLACE INTO frost_participation (height, header_hash, coordinator, signers, group_signature) VALUES (?, ?, ?, ?, ?)`);
      insert.run(r.height, r.headerHash, r.coordinator, JSON.stringify(r.signers.map((s) => [s.index, bytesToHex(s.key)])), r.groupSignature);
    },
    get(height) {
      if (!select) {
        if (!hasTable()) return undefined;
        select = db.prepare(`SELECT * FROM frost_participation WHERE height = ?`);
      }
      const row = select.get(height) as Row | undefined;
      if (!row) return undefined;
      const signers = (JSON.parse(row.signers) as [number, string][]).map(([index, key]) => ({ index, key: hexToBytes(key) }));
      return { height: row.height, headerHash: copy(row.header_hash), coordinator: row.coordinator, signers, groupSignature: copy(row.group_signature) };
    },
    close() {
      db.close();
    },
  };
}
