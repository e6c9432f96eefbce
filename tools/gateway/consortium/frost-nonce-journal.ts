// The FROST nonce journal of a consortium member (tools layer, Node only): how a member never
// reuses a nonce, across a crash and restart included.
//
// The secret nonce lives in memory only and is zeroed by Sign. Before a pubnonce leaves the
// member, a line `height pubnonceHex` is appended to <data>/frost-nonces.journal and fsynced. At
// start every journaled nonce is spent: the member has no secnonce for it anyway (memory only),
// and it refuses any request naming one; for a new request it generates new nonces. A nonce that
// fails to be journaled is never published. The file grows by one line (~140 bytes) per nonce;
// at start it is rewritten with the newest MAX_KEPT lines (older ones are spent all the same).
// The file is opened (created) at the first nonce, so a member of an ECDSA set has none, and one
// that receives its first share by a REKEY while running journals from its first nonce on.

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '../../../src/index.js';

export const NONCE_JOURNAL_FILE = 'frost-nonces.journal';
const MAX_KEPT = 100_000;

export class NonceJournal {
  private fd: number | undefined;
  private readonly path: string;
  /** Pubnonces (hex) journaled by an earlier run of this member: spent. */
  readonly spentAtStart: ReadonlySet<string>;

  constructor(dataDir: string) {
    const path = join(dataDir, NONCE_JOURNAL_FILE);
    this.path = path;
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => /^\d+ [0-9a-f]{132}$/.test(l)) : [];
    this.spentAtStart = new Set(lines.map((l) => l.split(' ')[1]!));
    if (lines.length > MAX_KEPT) {
      const tmp = `${path}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      writeSync(fd, lines.slice(-MAX_KEPT).join('\n') + '\n');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, path);
    }
  }

  /** Durably records that `pubnonce` is handed out; only then may it be published. */
  issue(height: number, pubnonce: Uint8Array): void {
    this.fd ??= openSync(this.path, 'a', 0o600);
    writeSync(this.fd, `${height} ${bytesToHex(pubnonce)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Every journaled record (height, pubnonce hex) in `dataDir`, oldest first (tests, audits). */
export function readNonceJournal(dataDir: string): { height: number; pubnonce: string }[] {
  const path = join(dataDir, NONCE_JOURNAL_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => {
    const [h, p] = l.split(' ');
    return { height: Number(h), pubnonce: p! };
  });
}
