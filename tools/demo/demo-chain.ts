// What every demo stands on (tools layer, Node only): a private chain in a temporary folder with
// a real gateway (embedded broker on a free port, SQLite, HTTP), removed afterwards whatever
// happens, also when the gateway does not start; and fresh account keys.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type CryptoProvider, type KeyPair, Permission, generateKeyPair } from '../../src/index.js';
import { type ChainFiles, initChain } from '../gateway/data-dir.js';
import { type Gateway, startGateway } from '../gateway/gateway.js';

/** Runs `demo` on a throw-away chain named `name`; the gateway is closed and the folder removed after. */
export async function withDemoChain<T>(
  crypto: CryptoProvider, name: string, demo: (chain: ChainFiles, gateway: Gateway) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `botpeer-${name.replace(/[^a-z]+/g, '-')}-`));
  try {
    const chain = initChain(crypto, { dir, name, permission: Permission.PRIVATE, otherValidators: [] });
    const gateway = await startGateway({ dataDir: dir, mqttPort: 0, httpPort: 0, producer: { intervalMs: 200 } });
    try {
      return await demo(chain, gateway);
    } finally {
      await gateway.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new account key pair from the OS's randomness. */
export function newAccountKey(crypto: CryptoProvider): KeyPair {
  return generateKeyPair(crypto, (n) => new Uint8Array(randomBytes(n)));
}
