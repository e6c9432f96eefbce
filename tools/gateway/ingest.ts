// Transaction ingest (tools layer): the gateway's front door. For every
// message on bot/<chain>/up, in this order (cheapest and DoS-safe first):
//
//   decode (strict, bounded) → sender lookup (unknown, revoked, blocked) → rate
//   limit → signature (worker threads, native libsecp256k1) → admission
//   (permission, sequence, kind rules) → durable append to the pending pool → ack.
//
// An ack with code OK is sent only after the transaction is durable. Verify
// batches run concurrently, but their results are admitted strictly in the
// order the messages arrived, so a device's sequence numbers stay in order.

import {
  BotError, type ChainTopics, type CryptoProvider, DeviceTopic, ErrorCode, type LedgerState, type SignedTx,
  admitTx, applyTx, bytesToHex, decodeTx, encodeAck, hexToBytes, signingKey, txId,
} from '../../src/index.js';
import type { Bus } from './bus.js';
import type { LedgerStore, PendingTx } from './ledger-store.js';
import type { RateLimiter } from './rate-limiter.js';

export interface PoolEntry {
  readonly tx: SignedTx;
  readonly wire: Uint8Array;
  readonly id: Uint8Array;
}

export interface VerifyJob {
  readonly wire: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface IngestDeps {
  readonly crypto: CryptoProvider;
  readonly topics: ChainTopics;
  /** Committed state plus everything admitted since: what admission checks against. */
  readonly working: () => LedgerState;
  readonly store: LedgerStore;
  readonly verify: (jobs: readonly VerifyJob[]) => Promise<boolean[]>;
  readonly bus: Bus;
  readonly rate: RateLimiter;
  readonly now: () => number;
  /** Called with every durable, acknowledged transaction, in order. */
  readonly onAdmitted: (entries: readonly PoolEntry[]) => void;
  /** A sender kept flooding: the gateway decides whether to report it. */
  readonly onFlood: (sender: Uint8Array) => void;
  /** The pending append failed: working state must be rebuilt from the store. */
  readonly onStorageFailure: (error: unknown) => void;
}

export interface IngestStats {
  received: number;
  accepted: number;
  rejected: Record<string, number>;
}

const DEVICE_ID_HEX = /^[0-9a-f]{16}$/;
const BATCH = 256;

interface Candidate {
  readonly tx: SignedTx;
  readonly wire: Uint8Array;
  readonly key: Uint8Array;
}

export class Ingest {
  readonly stats: IngestStats = { received: 0, accepted: 0, rejected: {} };
  private batch: Candidate[] = [];
  private flushScheduled = false;
  /** Admission runs in arrival order: each batch waits for the previous one. */
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(private readonly deps: IngestDeps) {}

  /** Handles one message from the `up` topic. Never throws: every outcome is an ack or a count. */
  handle(payload: Uint8Array, clientId: string | undefined): void {
    this.stats.received++;
    let tx: SignedTx;
    try {
      tx = decodeTx(payload);
    } catch (error) {
      const code = error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR;
      this.count(code);
      // No sender to trust in garbage; answer the MQTT client if it names a device (seq 0: unparsed).
      if (clientId && DEVICE_ID_HEX.test(clientId)) this.ack(hexToBytes(clientId), 0, code);
      return;
    }
    const key = signingKey(this.deps.working(), tx);
    if (!key.ok) return this.reject(tx, key.code);
    const verdict = this.deps.rate.take(bytesToHex(tx.sender), this.deps.now());
    if (verdict !== 'ok') {
      if (verdict === 'flood') this.deps.onFlood(tx.sender);
      return this.reject(tx, ErrorCode.RATE_LIMITED);
    }
    this.batch.push({ tx, wire: payload.slice(), key: key.value });
    if (this.batch.length >= BATCH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Resolves when every message handled so far has been acknowledged. */
  async drain(): Promise<void> {
    this.flush();
    await this.tail;
  }

  get pendingVerification(): number {
    return this.inFlight + this.batch.length;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.inFlight += batch.length;
    const jobs = batch.map((c) => ({ wire: c.wire, publicKey: c.key }));
    // A crashed worker is restarted by the pool: try once more before giving up on the batch.
    const verified = this.deps.verify(jobs).catch(() => this.deps.verify(jobs));
    this.tail = this.tail.then(async () => {
      let results: boolean[] | undefined;
      try {
        results = await verified;
      } catch {
        results = undefined;
      }
      this.inFlight -= batch.length;
      if (results) this.admit(batch, results);
      // Not a verdict on the signatures: INTERNAL tells the device to send again later.
      else for (const { tx } of batch) this.reject(tx, ErrorCode.INTERNAL);
    });
  }

  private admit(batch: readonly Candidate[], valid: readonly boolean[]): void {
    const working = this.deps.working();
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const admitted: PoolEntry[] = [];
    batch.forEach((candidate, i) => {
      const { tx, wire } = candidate;
      if (!valid[i]) return this.reject(tx, ErrorCode.BAD_SIGNATURE);
      const verdict = admitTx(this.deps.crypto, working, tx, nowSeconds);
      if (!verdict.ok) return this.reject(tx, verdict.code);
      applyTx(this.deps.crypto, working, tx, 0);
      admitted.push({ tx, wire, id: txId(this.deps.crypto, wire) });
    });
    if (admitted.length === 0) return;
    const receivedAt = this.deps.now();
    const rows: PendingTx[] = admitted.map(({ tx, wire, id }) => ({ wire, txId: id, sender: tx.sender, seq: tx.seq, kind: tx.kind, time: tx.time, receivedAt }));
    try {
      this.deps.store.appendPending(rows);
    } catch (error) {
      for (const { tx } of admitted) this.reject(tx, ErrorCode.STORAGE);
      this.deps.onStorageFailure(error);
      return;
    }
    this.stats.accepted += admitted.length;
    for (const { tx } of admitted) this.ack(tx.sender, tx.seq, ErrorCode.OK);
    this.deps.onAdmitted(admitted);
  }

  private reject(tx: SignedTx, code: number): void {
    this.count(code);
    this.ack(tx.sender, tx.seq, code);
  }

  private count(code: number): void {
    const name = String(code);
    this.stats.rejected[name] = (this.stats.rejected[name] ?? 0) + 1;
  }

  private ack(sender: Uint8Array, seq: number, code: number): void {
    this.deps.bus.publish(this.deps.topics.device(sender, DeviceTopic.ACK), encodeAck({ seq, code }), { qos: 1 }).catch(() => {
      // The device re-sends unacknowledged transactions; a lost ack costs a REPLAY ack later, never data.
    });
  }
}
