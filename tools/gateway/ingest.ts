// Transaction ingest (tools layer): the gateway's front door. For every
// message on bot/<chain>/up, in this order (cheapest and DoS-safe first):
//
//   header (kind, sender, seq, time read from the wire's fixed prefix, bounded, tx-header.ts)
//   → the sender is the connection's own device (embedded broker, docs/protocol.md §9.6)
//   → sender lookup (enrolled: its key; unknown: only a public chain's self-enrolment, decoded
//     here, its key id, quota and proof of work checked before the signature) → rate limit of the bound connection (embedded broker)
//   → strict decode + signature + transaction id (worker threads, native libsecp256k1)
//   → revoked, blocked → flood report; rate limit of the sender when no connection is known
//     (external broker) → admission (permission, sequence, kind rules)
//   → durable append to the pending pool → ack.
//
// Nothing a transaction claims has an effect on anyone before its signature verifies: the rate
// limit is charged to the connection that sent it (bound to a device by its CONNECT proof) or, when
// none is known, to a sender only for its verified transactions; a flood is reported only on a
// verified transaction; and a reject of an unverified one (undecodable, unknown sender, bad
// signature, not the connection's own device) goes only to the connection that sent it (its own
// ack topic, the connection being bound to a device id) and never to the claimed sender's: forged
// transactions naming a victim can neither get it reported nor make it drop what it signed.
// Behind an external broker, which does not say who published, such a reject is only counted.
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
  BotError, type ChainTopics, type CryptoProvider, ErrorCode, type HostEffects, type LedgerState, Permission, type Result, type SignedTx,
  TX_LIMITS, TxKind, admitSelfEnroll, admitTx, applyTx, bytesToHex, decodeTx, hexToBytes, signingKey,
} from '../../src/index.js';
import type { Bus } from './bus.js';
import { DeployedHost } from './contract-sandbox/deployed-host.js';
import type { LedgerStore, PendingTx } from './ledger-store.js';
import { pushAck } from './push-messages.js';
import type { RateLimiter } from './rate-limiter.js';
import { readTxHeader } from './tx-header.js';
import { type CheckResult, TX_ID_BYTES, type VerifyJob } from './verify-pool.js';

export type { VerifyJob } from './verify-pool.js';

export interface PoolEntry {
  /** The transaction; its body is decoded from `wire` on first use (a WireTx) when it came in over MQTT. */
  readonly tx: SignedTx;
  readonly wire: Uint8Array;
  readonly id: Uint8Array;
  /** A deployed contract's outcome, computed by the sandbox at admission (DeployedHost): what the block applies. */
  readonly effects?: HostEffects;
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
  /** Runs deployed contracts' transactions in the sandbox at admission; without it they are refused (INTERNAL). */
  readonly deployed?: DeployedHost;
  /**
   * The height of the block a transaction admitted now will be in, given how many this batch
   * admitted before it (a deployed call's ctx.height): the producer cuts the pool's oldest
   * maxBlockTxs at a time, and makes no block while `holding` (below), so this is exact.
   */
  readonly blockOf?: (admittedBefore: number) => number;
}

export interface IngestStats {
  received: number;
  accepted: number;
  rejected: Record<string, number>;
}

const DEVICE_ID_HEX = /^[0-9a-f]{16}$/;
const HEX_DIGITS = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));

/** Whether lowercase `hex` spells `bytes`: bytesToHex(bytes) === hex without building the string (once per message). */
function isHexOf(bytes: Uint8Array, hex: string): boolean {
  if (hex.length !== 2 * bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (hex.charCodeAt(2 * i) !== HEX_DIGITS[b >> 4] || hex.charCodeAt(2 * i + 1) !== HEX_DIGITS[b & 15]) return false;
  }
  return true;
}
const BATCH = 256;

interface Candidate extends VerifyJob {
  readonly tx: SignedTx;
  /** The authenticated device id of the connection that sent it (embedded broker): where an unverified reject goes. */
  readonly conn: string | undefined;
  /** REVOKED or BLOCKED: the verdict, given only once the signature verifies; else OK. */
  readonly refusal: number;
  /** Its rate was charged to its (bound) connection already. */
  readonly charged: boolean;
  /** The connection's rate says flooding: reported only if this transaction's signature verifies. */
  readonly flood: boolean;
}

export class Ingest {
  readonly stats: IngestStats = { received: 0, accepted: 0, rejected: {} };
  private batch: Candidate[] = [];
  private flushScheduled = false;
  /** Admission runs in arrival order: each batch waits for the previous one. */
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** A batch with deployed calls is being admitted: the producer waits (its pool is not complete yet). */
  private hold = false;

  constructor(private readonly deps: IngestDeps) {}

  /** Whether a block cut now would miss transactions already judged (the producer asks). */
  get holding(): boolean {
    return this.hold;
  }

  /**
   * Handles one message from the `up` topic. Never throws: every outcome is an ack or a count.
   * `clientId` is the publishing connection's authenticated device id (embedded broker), or
   * undefined (external broker, or the gateway itself).
   */
  handle(payload: Uint8Array, clientId: string | undefined): void {
    const conn = clientId !== undefined && DEVICE_ID_HEX.test(clientId) ? clientId : undefined;
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
        return this.unverified(conn, 0, error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR);
      }
    }
    // A connection bound to a device carries that device's transactions only (§9.6).
    if (conn !== undefined && !isHexOf(tx.sender, conn)) return this.unverified(conn, tx.seq, ErrorCode.WRONG_SENDER);
    const working = this.deps.working();
    let publicKey = working.account(tx.sender)?.key;
    if (!publicKey) {
      // Only a public chain's self-enrolment comes from an unknown sender: checked here, before
      // the signature, as far as it is cheap (decode, the key's id, quota, proof of work).
      const self = tx.kind === TxKind.ENROLL && working.rules.permission === Permission.PUBLIC ? this.selfEnroll(wire, working) : undefined;
      if (self === undefined) return this.unverified(conn, tx.seq, ErrorCode.UNKNOWN_SENDER);
      if (typeof self === 'number') return this.unverified(conn, tx.seq, self);
      tx = self.tx;
      publicKey = self.key;
    }
    const refused = signingKey(working, tx);
    let flood = false;
    if (conn !== undefined) {
      // A bound connection carries only its own device's transactions: charging it before the
      // signature is checked keeps a flood of bad signatures off the verify workers, and hurts no one else.
      const rate = this.deps.rate.take(conn, this.deps.now());
      if (rate === 'limited') return this.unverified(conn, tx.seq, ErrorCode.RATE_LIMITED);
      flood = rate === 'flood';
    }
    this.batch.push({ tx, wire, publicKey, conn, refusal: refused.ok ? ErrorCode.OK : refused.code, charged: conn !== undefined, flood });
    if (this.batch.length >= BATCH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * An unknown sender's ENROLL on a public chain: the decoded transaction and the key to verify it
   * with when it is a well-formed self-enrolment that passes the cheap rules, else the refusal's code.
   */
  private selfEnroll(wire: Uint8Array, working: LedgerState): { tx: SignedTx; key: Uint8Array } | number {
    let tx: SignedTx;
    try {
      tx = decodeTx(wire);
    } catch (error) {
      return error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR;
    }
    const key = signingKey(working, tx);
    if (!key.ok) return key.code;
    const verdict = admitSelfEnroll(this.deps.crypto, working, tx, Math.floor(this.deps.now() / 1000));
    return verdict.ok ? { tx, key: key.value } : verdict.code;
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
      if (results) await this.admit(batch, results);
      // Not a verdict on the signatures: INTERNAL tells the device to send again later.
      else for (const { tx, conn } of batch) this.unverified(conn, tx.seq, ErrorCode.INTERNAL);
    });
  }

  private async admit(batch: readonly Candidate[], result: CheckResult): Promise<void> {
    try {
      await this.admitBatch(batch, result);
    } finally {
      this.hold = false;
    }
  }

  private async admitBatch(batch: readonly Candidate[], { codes, ids }: CheckResult): Promise<void> {
    const working = this.deps.working();
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const admitted: PoolEntry[] = [];
    // Admission verdicts are sent only after the batch's write: a REPLAY may name a copy admitted
    // just above, and must not be said before that copy is durable (nor at all if the write fails).
    const refused: [SignedTx, number][] = [];
    /** The sandbox itself failed on a call of this batch: its later deployed calls are not run (each would wait out the deadline while the producer holds). */
    let sandboxFailed = false;
    for (let i = 0; i < batch.length; i++) {
      const { tx, wire, conn, refusal, charged, flood } = batch[i]!;
      const code = codes[i]!;
      // Unverified (a bad signature, or the header read and the rest did not decode): the
      // connection is told, with the seq it sent (§9.2), and nothing else happens.
      if (code !== ErrorCode.OK) {
        this.unverified(conn, tx.seq, code);
        continue;
      }
      // From here the sender signed it: its verdicts are its own.
      if (refusal !== ErrorCode.OK) {
        this.reject(tx, refusal);
        continue;
      }
      const rate = flood ? 'flood' : charged ? 'ok' : this.deps.rate.take(bytesToHex(tx.sender), this.deps.now());
      if (rate !== 'ok') {
        if (rate === 'flood') this.deps.onFlood(tx.sender);
        this.reject(tx, ErrorCode.RATE_LIMITED);
        continue;
      }
      const id = ids.subarray(TX_ID_BYTES * i, TX_ID_BYTES * (i + 1));
      let verdict: Result<undefined>;
      let effects: HostEffects | undefined;
      // A deployed contract's call runs in the sandbox, awaited here so that every transaction
      // after it (in this batch and the next) is admitted on the state it leaves: ledger order.
      if (this.deps.deployed && DeployedHost.needs(tx) && sandboxFailed) {
        verdict = { ok: false, code: ErrorCode.INTERNAL, reason: 'the sandbox failed on an earlier call: send it again' };
      } else if (this.deps.deployed && DeployedHost.needs(tx)) {
        this.hold = true; // released once this batch is in the pool (below), or refused
        const outcome = await this.deps.deployed.admit(working, tx, nowSeconds, this.deps.blockOf?.(admitted.length) ?? 1, id);
        ({ verdict, effects } = outcome);
        sandboxFailed = outcome.hostFailure === true;
      } else verdict = admitTx(this.deps.crypto, working, tx, nowSeconds);
      if (!verdict.ok) {
        refused.push([tx, verdict.code]);
        continue;
      }
      applyTx(this.deps.crypto, working, tx, 0, effects);
      admitted.push({ tx, wire, id, ...(effects ? { effects } : {}) });
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

  /** The verdict on a transaction whose signature verified: told to its sender. */
  private reject(tx: SignedTx, code: number): void {
    this.count(code);
    this.ack(tx.sender, tx.seq, code);
  }

  /**
   * A transaction that did not verify: no sender to trust. Told only to the connection that sent
   * it (seq 0 when even the seq did not read), never to the sender it claims.
   */
  private unverified(conn: string | undefined, seq: number, code: number): void {
    this.count(code);
    if (conn !== undefined) this.ack(hexToBytes(conn), seq, code);
  }

  private count(code: number): void {
    const name = String(code);
    this.stats.rejected[name] = (this.stats.rejected[name] ?? 0) + 1;
  }

  private ack(sender: Uint8Array, seq: number, code: number): void {
    pushAck(this.deps.bus, this.deps.topics, sender, seq, code);
  }
}
