// Child process for the desktop file adapters' kill -9 test (test layer, Node only):
//
//   node --import=tsx test/support/desktop-store-child.ts <dir> <durable 0|1>
//
// Loops forever over <dir>/kv (store-file-node) and <dir>/outbox (outbox-file-node):
// step n sets key "v" to valueOf(n), removes seq n - 8 from the outbox and appends seq n.
// After each completed call it prints one line ("set n", "append n", "remove n") with
// writeSync, so the line has left the process before the next write starts. The parent
// SIGKILLs it at a random moment and checks what the reopened folder holds against
// the last lines it saw. The first run starts at n = 1; a rerun continues after the
// newest seq in the outbox.

import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { createFileOutbox } from '../../hosts/desktop/outbox-file-node.js';
import { createFileStore } from '../../hosts/desktop/store-file-node.js';

export const VALUE_BYTES = 4096;
export const OUTBOX_KEEP = 8;

/** Step n's value: a 4-byte big-endian n, then n's low byte repeated (a torn write shows as a mix). */
export function valueOf(n: number, bytes = VALUE_BYTES): Uint8Array {
  const value = new Uint8Array(bytes).fill(n & 0xff);
  new DataView(value.buffer).setUint32(0, n);
  return value;
}

/** Outbox entry n: 100 + n % 50 bytes of n's low byte. */
export const entryOf = (n: number): Uint8Array => new Uint8Array(100 + (n % 50)).fill((n * 7) & 0xff);

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [dir, durable] = process.argv.slice(2);
  if (!dir) throw new Error('usage: desktop-store-child.ts <dir> <durable 0|1>');
  const store = createFileStore(join(dir, 'kv'), { durable: durable === '1' });
  const outbox = createFileOutbox(join(dir, 'outbox'), { capacity: OUTBOX_KEEP, durable: durable === '1' });
  let n = 0;
  for (const [seq] of outbox.entries()) n = Math.max(n, seq);
  const say = (line: string) => writeSync(1, line + '\n');
  for (;;) {
    n++;
    store.set('v', valueOf(n));
    say(`set ${n}`);
    if (n > OUTBOX_KEEP) {
      outbox.remove(n - OUTBOX_KEEP);
      say(`remove ${n - OUTBOX_KEEP}`);
    }
    outbox.append(n, entryOf(n));
    say(`append ${n}`);
  }
}
