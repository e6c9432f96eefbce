// Tagged hashing helper shared by every signed or hashed structure (core layer).

import { concatBytes } from '../codec/bytes.js';
import type { CryptoProvider } from './crypto-port.js';
import type { DomainTag } from './domain.js';

export function taggedHash(crypto: CryptoProvider, tag: DomainTag, ...parts: Uint8Array[]): Uint8Array {
  return crypto.sha256(concatBytes(tag, ...parts));
}
