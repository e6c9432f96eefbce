// Placeholder replaced by the HTTP API (tools layer).
import type { CryptoProvider, LedgerState } from '../../src/index.js';
import type { ChainFiles } from './data-dir.js';
import type { LedgerStore } from './ledger-store.js';

export interface HttpApiOptions {
  readonly crypto: CryptoProvider;
  readonly chain: ChainFiles;
  readonly store: LedgerStore;
  readonly host: string;
  readonly port: number;
  readonly status: () => { height: number; pending: number; ingest: { received: number; accepted: number; rejected: Record<string, number> } };
  readonly working: () => LedgerState;
  readonly committed: () => LedgerState;
}

export interface HttpApi {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpApi(_options: HttpApiOptions): Promise<HttpApi> {
  throw new Error('HTTP API not built yet');
}
