// The identity of a deployed contract (tools layer): SHA-256 of its source's UTF-8 bytes,
// as lowercase hex. The ledger stores the source under this hash.

import { createHash } from 'node:crypto';

export function contractHash(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}
