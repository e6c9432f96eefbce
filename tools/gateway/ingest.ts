// Transaction ingest (tools layer): the gateway's front door. For every
// message on bot/<chain>/up, in this order (cheapest and DoS-safe first):
//
//   header (kind, sender, seq, time read from the wire's fixed prefix, bounded, tx-header.ts)
//   → sender lookup (unknown, revoked, blocked) → rate limit
//   → strict decode + signature + transaction id (worker threads, native libsecp256k1)
//   → admission (permission, sequence, kind rules) → durable append to the pending pool → ack.
//
// The main thread never decodes a well-formed transaction: it reads the header, and the
// verify workers decode every wire strictly (the same decodeTx, with every size, depth and
// count bound checked before anything is allocated) and hash its id. A wire whose header
// does not read is decoded here, only to give its precise typed rejection.
//
// An ack with code OK is sent only after the transaction is durable. Verify
// batches run concurrently, but their results are admitted strictly in the
// order the messages arrived, so a device's sequence numbers stay in order.

import {
  BotError, type ChainTopics, type CryptoProvider, DeviceTopic, ErrorCode, type LedgerState, type SignedTx, TX_LIMITS,
  admitTx, applyTx, bytesToHex, decodeTx, hexToBytes, signingKey,
} from '../../src/index.js';
import type { Bus } from './bus.js';
import type { LedgerStore, PendingTx } from './ledger-store.js';
import { encodeAck } from '../../src/mqtt/ack-message.js';
import { PUSH_QOS } from './push-messages.js';
import type { RateLimiter } from './rate-limiter.js';
import { readTxHeader } from './tx-header.js';
import { type CheckResult, TX_ID_BYTES, type VerifyJob } from './verify-pool.js';

export type { VerifyJob } from './verify-pool.js';

export interface PoolEntry {
  /** The transaction; its body is decoded from `wire` on first use (a WireTx) when it came in over MQTT. */
  readonly tx: SignedTx;
  readonly wire: Uint8Array;
  readonly id: Uint8Array;
}

export interface IngestDeps {
  readonly crypto: CryptoProvider;
  readonly topics: ChainTopics;
  /** Committed state plus everything admitted since: what admission checks against. */
  readonly working: () => LedgerState;
  readonly store: LedgerStore;
  /** Strict decode + signature + id of each job, off this thread (VerifyPool.check). */
  readonly check: (jobs: readonly VerifyJob[]) => Promise<CheckResult>;
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

interface Candidate extends VerifyJob {
  readonly tx: SignedTx;
  /** The MQTT client that sent it: where a wire the workers cannot decode is answered. */
  readonly clientId: string | undefined;
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
    // Our own copy: the batch outlives the MQTT packet, and the header's sender is a view into it.
    // Not of a payload too large to be a transaction: that one is only refused (TOO_LARGE, below).
    const wire = payload.length <= TX_LIMITS.maxBytes ? payload.slice() : payload;
    let tx: SignedTx | undefined = readTxHeader(wire);
    if (!tx) {
      try {
        // Not a header decodeTx accepts: decoding here gives the typed reason (and a wire that does decode goes on).
        tx = decodeTx(wire);
      } catch (error) {
        return this.undecodable(error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR, clientId);
      }
    }
    const key = signingKey(this.deps.working(), tx);
    if (!key.ok) return this.reject(tx, key.code);
    const verdict = this.deps.rate.take(bytesToHex(tx.sender), this.deps.now());
    if (verdict !== 'ok') {
      if (verdict === 'flood') this.deps.onFlood(tx.sender);
      return this.reject(tx, ErrorCode.RATE_LIMITED);
    }
    this.batch.push({ tx, wire, publicKey: key.value, clientId });
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
    // A crashed worker is restarted by the pool: try once more before giving up on the batch.
    const checked = this.deps.check(batch).catch(() => this.deps.check(batch));
    this.tail = this.tail.then(async () => {
      let results: CheckResult | undefined;
      try {
        results = await checked;
      } catch {
        results = undefined;
      }
      this.inFlight -= batch.length;
      if (results) this.admit(batch, results);
      // Not a verdict on the signatures: INTERNAL tells the device to send again later.
      else for (const { tx } of batch) this.reject(tx, ErrorCode.INTERNAL);
    });
  }

  private admit(batch: readonly Candidate[], { codes, ids }: CheckResult): void {
    const working = this.deps.working();
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const admitted: PoolEntry[] = [];
    // Admission verdicts are sent only after the batch's write: a REPLAY may name a copy admitted
    // just above, and must not be said before that copy is durable (nor at all if the write fails).
    const refused: [SignedTx, number][] = [];
    for (let i = 0; i < batch.length; i++) {
      const { tx, wire, clientId } = batch[i]!;
      const code = codes[i]!;
      if (code === ErrorCode.BAD_SIGNATURE) {
        this.reject(tx, code);
        continue;
      }
      // The header read, the rest did not decode: answered like any wire that does not decode.
      if (code !== ErrorCode.OK) {
        this.undecodable(code, clientId);
        continue;
      }
      const verdict = admitTx(this.deps.crypto, working, tx, nowSeconds);
      if (!verdict.ok) {
        refused.push([tx, verdict.code]);
        continue;
      }
      applyTx(this.deps.crypto, working, tx, 0);
      admitted.push({ tx, wire, id: ids.subarray(TX_ID_BYTES * i, TX_ID_BYTES * (i + 1)) });
    }
    if (admitted.length === 0) {
      for (const [tx, code] of refused) this.reject(tx, code);
      return;
    }
    const receivedAt = this.deps.now();
    const rows: PendingTx[] = admitted.map(({ tx, wire, id }) => ({ wire, txId: id, sender: tx.sender, seq: tx.seq, kind: tx.kind, time: tx.time, receivedAt }));
    try {
      this.deps.store.appendPending(rows);
    } catch (error) {
      // Nothing of the batch is stored. INTERNAL is transient for a device (it sends again); so is
      // every verdict on the same senders, which was judged against the state the write lost.
      const senders = new Set(admitted.map(({ tx }) => bytesToHex(tx.sender)));
      for (const { tx } of admitted) this.reject(tx, ErrorCode.INTERNAL);
      for (const [tx, code] of refused) this.reject(tx, senders.has(bytesToHex(tx.sender)) ? ErrorCode.INTERNAL : code);
      this.deps.onStorageFailure(error);
      return;
    }
    for (const [tx, code] of refused) this.reject(tx, code);
    this.stats.accepted += admitted.length;
    for (const { tx } of admitted) this.ack(tx.sender, tx.seq, ErrorCode.OK);
    this.deps.onAdmitted(admitted);
  }

  private reject(tx: SignedTx, code: number): void {
    this.count(code);
    this.ack(tx.sender, tx.seq, code);
  }

  /** No sender to trust in bytes that do not decode; answer the MQTT client if it names a device (seq 0: unparsed). */
  private undecodable(code: number, clientId: string | undefined): void {
    this.count(code);
    if (clientId && DEVICE_ID_HEX.test(clientId)) this.ack(hexToBytes(clientId), 0, code);
  }

  private count(code: number): void {
    const name = String(code);
    this.stats.rejected[name] = (this.stats.rejected[name] ?? 0) + 1;
  }

  private ack(sender: Uint8Array, seq: number, code: number): void {
    this.deps.bus.publish(this.deps.topics.device(sender, DeviceTopic.ACK), encodeAck({ seq, code }), { qos: PUSH_QOS }).catch(() => {
      // The device re-sends unacknowledged transactions; a lost ack costs a REPLAY ack later, never data.
    });
  }
}
