// The light peer's sender (core layer): every signed transaction from the
// outbox to finality. It publishes in ascending seq order with at most
// maxInFlight unacknowledged, reacts to each ack code, asks for missing proofs,
// and marks a transaction final only when its inclusion proof checks against a
// header the peer verified itself; only then does it leave the outbox.
//
// The gateway acknowledges an accepted transaction with its proof (docs/protocol.md §9.2,
// §9.3): a proof message naming a sent transaction counts as its positive ack as soon as it
// arrives, before it is checked (as an OK ack did; it removes nothing). A sent transaction
// that gets neither a reject nor a proof within proofTimeoutMs is sent again; a gateway that
// has it answers REPLAY, then the PROOF request decides.
//
// Ack codes:
//   OK                           acknowledged (durable at the gateway): wait for the proof. A
//                                gateway following §9.2 sends none; one from an older gateway still counts
//   REPLAY                       the gateway has a seq ≥ this one: ask for the proof (PROOF request),
//                                never send it again; "not found" means it was never accepted and
//                                its seq is spent, so it is re-signed under a new seq (bounded)
//   RATE_LIMITED, INTERNAL,      transient: send again after a backoff (QUOTA_EXCEEDED: a public chain's
//   QUOTA_EXCEEDED               per-block quota; nothing was applied, the next block has room)
//   TIME_OUT_OF_RANGE            this device's clock ran ahead: the gateway spent no seq, so the peer
//                                sends nothing new, offers the oldest again every recheckIntervalMs,
//                                and re-signs under the SAME seq any transaction whose time is in its
//                                own future (its clock was set back, i.e. right): no seq is burnt
//   BLOCKED, REVOKED, UNKNOWN_SENDER  the peer shows it, stops sending, keeps the outbox, and offers
//                                the oldest transaction again every recheckIntervalMs
//   anything else                a reject of this transaction: reported; its readings are signed again
//                                under a new seq (at most MAX_REISSUES times), then it is kept in the
//                                outbox and offered again only after a reboot. Never removed on an ack:
//                                where others can publish on the ack topic (docs/protocol.md §9.7) a
//                                forged reject would otherwise lose readings for good
//
// Memory: per transaction the peer holds its seq, id and a few numbers; the wire
// bytes stay in the outbox and are read back when (re)published.

import { BotError, type Result } from '../errors/bot-error.js';
import { ErrorCode, errorName } from '../errors/error-codes.js';
import type { Header } from '../chain/header.js';
import { verifyTxInclusion } from '../light/verify-inclusion.js';
import { decodeAck } from '../mqtt/ack-message.js';
import { Method, type Response } from '../mqtt/messages.js';
import { type ProofMessage, decodeProofMessage } from '../mqtt/proof-message.js';
import type { InclusionProof } from '../merkle/merkle.js';
import { decodeTx, txId } from '../tx/tx.js';
import type { PeerContext } from './peer-context.js';
import { PeerState } from './peer-status.js';
import { LogLevel } from '../ports/log.js';

/** Proofs waiting for their header. */
export const MAX_BUFFERED_PROOFS = 16;
/** Times one reading batch may be re-signed after its seq turned out to be spent. */
export const MAX_REISSUES = 2;
/** NOT_FOUND answers in a row, after a REPLAY, before a batch is re-signed under a new seq. */
export const NOT_FOUND_CONFIRMATIONS = 3;
const RETRY_BASE_MS = 1000;

/** PARKED: rejected after every re-signing; kept in the outbox, sent again only after a reboot (resume). */
const EntryStatus = Object.freeze({ QUEUED: 0, SENT: 1, ACKED: 2, REPLAYED: 3, PARKED: 4 } as const);
type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus];

interface Entry {
  readonly seq: number;
  readonly txId: Uint8Array;
  readonly sampledAt: number;
  readonly reissues: number;
  status: EntryStatus;
  sends: number;
  sentAt: number;
  /** PUBACK came for the latest send. */
  delivered: boolean;
  proofDueAt: number;
  proofAsks: number;
  asking: boolean;
}

export type HoldState = typeof PeerState.BLOCKED | typeof PeerState.REVOKED | typeof PeerState.UNENROLLED;

const holdByCode: Readonly<Record<number, HoldState>> = Object.freeze({
  [ErrorCode.BLOCKED]: PeerState.BLOCKED,
  [ErrorCode.REVOKED]: PeerState.REVOKED,
  [ErrorCode.UNKNOWN_SENDER]: PeerState.UNENROLLED,
});

/** Whether `code` is a gateway refusal that holds the device (BLOCKED, REVOKED, UNKNOWN_SENDER). */
export function isHoldCode(code: number): boolean {
  return holdByCode[code] !== undefined;
}

/** What the sender needs from header sync. */
export interface HeaderView {
  readonly trustedHeight: number;
  headerAt(height: number): Header | undefined;
  fetchPast(height: number): void;
}

export interface SenderHooks {
  /** Signs the same readings under a new seq, stores it and drops the old entry; undefined when that failed (reported). */
  reissue(oldSeq: number, wire: Uint8Array): { seq: number; wire: Uint8Array } | undefined;
  /** Signs the same readings under the same seq at `time` (seconds) and replaces the outbox entry; undefined when that failed (reported). */
  retime(seq: number, wire: Uint8Array, time: number): Uint8Array | undefined;
}

function detailOf(error: unknown): { code: number; detail: string } {
  return error instanceof BotError ? { code: error.code, detail: error.message } : { code: ErrorCode.INTERNAL, detail: String(error) };
}

/** One transaction's proof from a proof message, waiting for its header or being checked. */
interface HeldProof {
  readonly seq: number;
  readonly height: number;
  readonly proof: InclusionProof;
}

export class TxSender {
  private readonly entries = new Map<number, Entry>();
  private readonly proofs = new Map<number, HeldProof>();
  private inFlight = 0;
  private hold: HoldState | undefined;
  /** The gateway refused a transaction as TIME_OUT_OF_RANGE and has accepted none since. */
  private clockAhead = false;
  private recheckAt = 0;
  private retryDelay = 0;
  private backoffUntil = 0;

  constructor(private readonly ctx: PeerContext, private readonly headers: HeaderView, private readonly hooks: SenderHooks) {}

  /** BLOCKED, REVOKED or UNENROLLED while the gateway refuses this device's transactions. */
  get held(): HoldState | undefined {
    return this.hold;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Highest seq tracked (0 when none). */
  get highestSeq(): number {
    let max = 0;
    for (const seq of this.entries.keys()) if (seq > max) max = seq;
    return max;
  }

  /** Takes over what the outbox holds after a reboot: each is published again (REPLAY then PROOF if the gateway had it). */
  resume(): void {
    const broken: number[] = [];
    for (const [seq, wire] of this.ctx.outbox.entries()) {
      let time: number;
      try {
        time = decodeTx(wire).time;
      } catch (error) {
        broken.push(seq);
        this.ctx.report(ErrorCode.STORAGE, `outbox entry ${seq} unreadable: ${detailOf(error).detail}`);
        continue;
      }
      this.track(seq, wire, time * 1000, 0);
    }
    for (const seq of broken) this.removeFromOutbox(seq);
  }

  /** A newly signed transaction, already in the outbox. */
  add(seq: number, wire: Uint8Array, sampledAt: number): void {
    this.track(seq, wire, sampledAt, 0);
    this.pump();
  }

  onAck(bytes: Uint8Array): void {
    let ack;
    try {
      ack = decodeAck(bytes);
    } catch (error) {
      this.badMessage(error);
      return;
    }
    const entry = this.entries.get(ack.seq);
    // Not ours any more, a duplicate, or an ack for something this boot never sent (bogus: ignored).
    if (!entry || entry.status === EntryStatus.ACKED || entry.status === EntryStatus.PARKED || entry.sends === 0) return;
    if (entry.status === EntryStatus.SENT) {
      this.inFlight--;
      entry.status = EntryStatus.QUEUED;
    }
    const now = this.ctx.clock.now();
    const hold = holdByCode[ack.code];
    if (ack.code === ErrorCode.OK) {
      this.accepted(entry);
    } else if (ack.code === ErrorCode.REPLAY) {
      entry.status = EntryStatus.REPLAYED;
      entry.proofDueAt = now;
      this.askProof(entry);
    } else if (ack.code === ErrorCode.TIME_OUT_OF_RANGE) {
      // Refused before anything was applied: the gateway's lastSeq did not move, so this seq is
      // still free. Dropping it and sending the next would spend one seq per refusal until the
      // device is MAX_SEQ_JUMP ahead and every transaction gets SEQUENCE_GAP.
      entry.status = EntryStatus.QUEUED;
      this.recheckAt = now + this.ctx.config.recheckIntervalMs;
      if (!this.clockAhead) {
        this.clockAhead = true;
        this.ctx.report(ack.code, `gateway says seq ${entry.seq} is from the future: this device's clock runs ahead; holding the outbox, re-checking every ${this.ctx.config.recheckIntervalMs} ms`);
      }
    } else if (ack.code === ErrorCode.RATE_LIMITED || ack.code === ErrorCode.INTERNAL || ack.code === ErrorCode.QUOTA_EXCEEDED) {
      entry.status = EntryStatus.QUEUED;
      this.backOff();
    } else if (hold !== undefined) {
      entry.status = EntryStatus.QUEUED;
      this.recheckAt = now + this.ctx.config.recheckIntervalMs;
      if (this.hold !== hold) {
        this.hold = hold;
        this.ctx.report(ack.code, `gateway refuses this device's transactions; re-checking every ${this.ctx.config.recheckIntervalMs} ms`);
        this.ctx.refreshState();
      }
    } else {
      this.refused(entry, ack.code);
    }
    this.pump();
  }

  /** A reject: reported, the readings re-signed under a new seq while allowed, else parked (kept). */
  private refused(entry: Entry, code: number): void {
    this.ctx.counters.rejected++;
    this.ctx.report(code, `gateway rejected seq ${entry.seq}`);
    this.ctx.emit({ type: 'rejected', seq: entry.seq, code });
    if (entry.reissues < MAX_REISSUES) {
      this.reissue(entry);
      if (this.entries.get(entry.seq) !== entry) return;
    }
    entry.status = EntryStatus.PARKED;
    this.ctx.refreshState();
  }

  onProofBytes(bytes: Uint8Array): void {
    let message: ProofMessage;
    try {
      message = decodeProofMessage(bytes);
    } catch (error) {
      const { code, detail } = detailOf(error);
      this.proofRejected(0, code, `proof message: ${detail}`);
      return;
    }
    for (const { seq, proof } of message.proofs) {
      const entry = this.entries.get(seq);
      if (!entry) continue; // final already, or not a transaction of ours
      // The proof is the gateway's positive ack (§9.2): the window moves on at once, checked or not.
      if (entry.sends > 0 && (entry.status === EntryStatus.SENT || entry.status === EntryStatus.QUEUED)) this.accepted(entry);
      this.checkProof(entry, { seq, height: message.height, proof });
    }
  }

  /** The gateway accepted `entry` (an OK ack, or its proof arrived): acknowledged, and any hold is over. */
  private accepted(entry: Entry): void {
    if (entry.status === EntryStatus.QUEUED && entry.sends === 0) return;
    this.markAcked(entry);
    this.retryDelay = 0;
    this.release();
  }

  /** Trust moved or a past header arrived: proofs that waited for it are checked. */
  retryProofs(): void {
    if (this.proofs.size === 0) return;
    const trusted = this.headers.trustedHeight;
    for (const message of [...this.proofs.values()]) {
      if (message.height > trusted) continue;
      const entry = this.entries.get(message.seq);
      if (entry) this.checkProof(entry, message);
      else this.proofs.delete(message.seq);
    }
  }

  /** No header for that height can be verified now: its proofs are dropped and asked for again later. */
  dropProofsAt(height: number): void {
    for (const message of [...this.proofs.values()]) if (message.height === height) this.proofs.delete(message.seq);
  }

  tick(now: number): void {
    if (!this.ctx.connected()) return;
    let timedOut = false;
    for (const entry of this.entries.values()) {
      if (entry.status === EntryStatus.SENT) {
        // A clock set back (now < sentAt, e.g. corrected after TIME_OUT_OF_RANGE) counts as a timeout.
        if (entry.delivered && (now - entry.sentAt >= this.ctx.config.proofTimeoutMs || now < entry.sentAt)) {
          // Neither a reject nor the proof came (lost, or the gateway is slow): sending again is
          // safe, a gateway that has it answers REPLAY and the PROOF request decides.
          entry.status = EntryStatus.QUEUED;
          this.inFlight--;
          timedOut = true;
        }
      } else if ((entry.status === EntryStatus.ACKED || entry.status === EntryStatus.REPLAYED) && this.due(now, entry.proofDueAt, Math.max(this.ctx.config.proofTimeoutMs, this.ctx.config.retryMaxMs))) {
        this.askProof(entry);
      }
    }
    if (timedOut) this.backOff();
    this.retryProofs();
    if ((this.hold !== undefined || this.clockAhead) && this.due(now, this.recheckAt, this.ctx.config.recheckIntervalMs)) this.recheck();
    this.pump();
  }

  /** Whether a wait of at most `longest` ms that ends at `at` is over; a clock set back further than that ends it too. */
  private due(now: number, at: number, longest: number): boolean {
    return now >= at || at - now > longest;
  }

  onConnect(): void {
    const now = this.ctx.clock.now();
    for (const entry of this.entries.values()) {
      if (entry.status === EntryStatus.SENT) {
        if (entry.delivered) {
          // The broker had it, but a reject or proof sent while we were away is lost.
          entry.status = EntryStatus.QUEUED;
          this.inFlight--;
        } else {
          entry.sentAt = now; // the session sends it again itself
        }
      } else if (entry.status === EntryStatus.ACKED) {
        entry.proofDueAt = Math.min(entry.proofDueAt, now); // proofs pushed while away are lost
      }
    }
    this.backoffUntil = 0;
    this.recheckAt = now;
    if (this.hold !== undefined || this.clockAhead) this.recheck();
    this.pump();
  }

  /** The peer stops: the session drops what it had not delivered, so everything unacknowledged is queued again. */
  stop(): void {
    for (const entry of this.entries.values()) {
      if (entry.status === EntryStatus.SENT) entry.status = EntryStatus.QUEUED;
      entry.asking = false;
    }
    this.inFlight = 0;
  }

  private track(seq: number, wire: Uint8Array, sampledAt: number, reissues: number): void {
    this.entries.set(seq, {
      seq, txId: txId(this.ctx.crypto, wire), sampledAt, reissues,
      status: EntryStatus.QUEUED, sends: 0, sentAt: 0, delivered: false, proofDueAt: 0, proofAsks: 0, asking: false,
    });
  }

  /** Publishes queued transactions in ascending seq order while the window allows. */
  private pump(): void {
    if (!this.ctx.connected() || this.hold !== undefined || this.clockAhead) return;
    if (!this.due(this.ctx.clock.now(), this.backoffUntil, this.ctx.config.retryMaxMs)) return;
    let budget = this.ctx.config.maxInFlight - this.inFlight;
    if (budget <= 0 || !this.anyQueued()) return;
    // One pass over the outbox (ascending) reads each wire back only when it is sent.
    for (const [seq, wire] of this.ctx.outbox.entries()) {
      const entry = this.entries.get(seq);
      if (!entry || entry.status !== EntryStatus.QUEUED) continue;
      this.publish(entry, wire);
      if (--budget === 0) break;
    }
  }

  private anyQueued(): boolean {
    for (const entry of this.entries.values()) if (entry.status === EntryStatus.QUEUED) return true;
    return false;
  }

  private publish(entry: Entry, wire: Uint8Array): void {
    entry.status = EntryStatus.SENT;
    entry.sentAt = this.ctx.clock.now();
    entry.delivered = false;
    if (entry.sends++ > 0) this.ctx.counters.resent++;
    this.inFlight++;
    const sends = entry.sends;
    this.ctx.session.publish(this.ctx.topics.up, wire, 1, () => {
      if (this.entries.get(entry.seq) === entry && entry.sends === sends) entry.delivered = true;
    });
  }

  /** Blocked, revoked or not enrolled: offer the oldest transaction again, and nothing else. */
  private recheck(): void {
    this.recheckAt = this.ctx.clock.now() + this.ctx.config.recheckIntervalMs;
    if (!this.ctx.connected()) return;
    if (this.clockAhead) this.retimeFuture();
    for (const entry of this.entries.values()) {
      if (entry.status === EntryStatus.SENT) return; // the last offer is still unanswered
      if (entry.status !== EntryStatus.QUEUED) continue;
      const wire = this.wireOf(entry.seq);
      if (wire) this.publish(entry, wire);
      return;
    }
  }

  /**
   * Transactions signed while the clock ran ahead carry a time in the device's own future once the
   * clock is right again: each queued one is signed again at the present time under its own seq
   * (never accepted, so the seq is still free), or the gateway would refuse it until real time
   * caught up with it.
   */
  private retimeFuture(): void {
    const nowSeconds = Math.floor(this.ctx.clock.now() / 1000);
    const stale: [number, Uint8Array][] = [];
    for (const [seq, wire] of this.ctx.outbox.entries()) {
      const entry = this.entries.get(seq);
      if (!entry || entry.status !== EntryStatus.QUEUED) continue;
      let time: number;
      try {
        time = decodeTx(wire).time;
      } catch {
        continue; // resume() already dropped unreadable entries
      }
      if (time > nowSeconds) stale.push([seq, wire]);
    }
    for (const [seq, wire] of stale) {
      const entry = this.entries.get(seq)!;
      const next = this.hooks.retime(seq, wire, nowSeconds);
      if (!next) return; // reported; the next recheck tries again
      this.entries.set(seq, { ...entry, txId: txId(this.ctx.crypto, next), sends: 0 });
    }
  }

  private release(): void {
    this.clockAhead = false;
    if (this.hold === undefined) return;
    this.hold = undefined;
    this.ctx.log(LogLevel.INFO, 'gateway accepts this device again');
    this.ctx.refreshState();
  }

  private backOff(): void {
    this.retryDelay = Math.min(this.ctx.config.retryMaxMs, this.retryDelay === 0 ? RETRY_BASE_MS : this.retryDelay * 2);
    this.backoffUntil = this.ctx.clock.now() + this.retryDelay;
  }

  private markAcked(entry: Entry): void {
    if (entry.status === EntryStatus.SENT) this.inFlight--;
    entry.status = EntryStatus.ACKED;
    entry.proofDueAt = this.ctx.clock.now() + this.ctx.config.proofTimeoutMs;
    entry.proofAsks = 0;
    this.ctx.counters.acked++;
    this.ctx.emit({ type: 'acked', seq: entry.seq });
  }

  private askProof(entry: Entry): void {
    if (entry.asking) return;
    const sent = this.ctx.request(Method.PROOF, [entry.seq], (response) => this.onProofResponse(entry, response));
    if (!sent) return; // offline or too many open requests: the next tick tries again
    entry.asking = true;
    entry.proofAsks++;
    const { proofTimeoutMs, retryMaxMs } = this.ctx.config;
    entry.proofDueAt = this.ctx.clock.now() + Math.min(retryMaxMs, proofTimeoutMs * 2 ** Math.min(entry.proofAsks - 1, 16));
  }

  private onProofResponse(entry: Entry, response: Response | undefined): void {
    entry.asking = false;
    if (this.entries.get(entry.seq) !== entry || !response) return;
    if (response.code === ErrorCode.OK) {
      // No payload: accepted and durable, not yet in a block.
      if (response.payloads.length === 0) {
        if (entry.status !== EntryStatus.ACKED) this.markAcked(entry);
      } else {
        this.onProofBytes(response.payloads[0]!);
      }
    } else if (response.code === ErrorCode.NOT_FOUND) {
      // A gateway admits a transaction (REPLAY for a re-send) a moment before it is durable and
      // findable, so one NOT_FOUND may be that race: only spaced answers in a row prove the seq was
      // spent unaccepted (askProof doubles the wait each time).
      if (entry.status === EntryStatus.REPLAYED && entry.proofAsks >= NOT_FOUND_CONFIRMATIONS) {
        this.reissue(entry);
      } else if (entry.status === EntryStatus.REPLAYED) {
        this.ctx.log(LogLevel.INFO, `gateway does not know seq ${entry.seq} yet after a replay: asking again`);
      } else if (entry.status === EntryStatus.ACKED) {
        this.ctx.log(LogLevel.WARN, `gateway does not know acknowledged seq ${entry.seq}: sending it again`);
        entry.status = EntryStatus.QUEUED;
        this.pump();
      }
    } else {
      this.ctx.log(LogLevel.WARN, `proof request for seq ${entry.seq}: ${errorName(response.code)}`);
    }
  }

  private checkProof(entry: Entry, message: HeldProof): void {
    if (message.height === 0) {
      this.proofs.delete(entry.seq);
      this.proofRejected(entry.seq, ErrorCode.PROOF_SHAPE, 'no block at height 0');
      return;
    }
    if (message.height > this.headers.trustedHeight) {
      this.buffer(message);
      return;
    }
    const header = this.headers.headerAt(message.height);
    if (!header) {
      this.buffer(message);
      this.headers.fetchPast(message.height);
      return;
    }
    if (this.proofs.get(entry.seq) === message) this.proofs.delete(entry.seq);
    const result: Result<undefined> = verifyTxInclusion(this.ctx.crypto, header, entry.txId, message.proof);
    if (!result.ok) {
      this.proofRejected(entry.seq, result.code, `seq ${entry.seq} at height ${message.height}: ${result.reason}`);
      return;
    }
    this.finalize(entry, message.height);
  }

  private buffer(message: HeldProof): void {
    if (!this.proofs.has(message.seq) && this.proofs.size >= MAX_BUFFERED_PROOFS) {
      // Dropping the oldest loses nothing: its transaction's proof is asked for again later.
      this.proofs.delete(this.proofs.keys().next().value!);
    }
    this.proofs.set(message.seq, message);
  }

  private finalize(entry: Entry, height: number): void {
    if (entry.status === EntryStatus.SENT) this.inFlight--;
    this.entries.delete(entry.seq);
    this.proofs.delete(entry.seq);
    this.removeFromOutbox(entry.seq);
    this.ctx.counters.final++;
    this.ctx.emit({ type: 'final', seq: entry.seq, height, latencyMs: this.ctx.clock.now() - entry.sampledAt });
    this.ctx.refreshState();
    this.pump();
  }

  private reject(entry: Entry, code: number, detail: string): void {
    if (entry.status === EntryStatus.SENT) this.inFlight--;
    this.entries.delete(entry.seq);
    this.proofs.delete(entry.seq);
    this.removeFromOutbox(entry.seq);
    this.ctx.counters.rejected++;
    this.ctx.report(code, detail);
    this.ctx.emit({ type: 'rejected', seq: entry.seq, code });
    this.ctx.refreshState();
  }

  /** REPLAY, and the gateway never accepted it: the seq is spent, the readings are not. */
  private reissue(entry: Entry): void {
    if (entry.reissues >= MAX_REISSUES) {
      this.reject(entry, ErrorCode.REPLAY, `seq ${entry.seq} never accepted, re-signed ${entry.reissues} times already`);
      return;
    }
    const wire = this.wireOf(entry.seq);
    if (!wire) return;
    const next = this.hooks.reissue(entry.seq, wire);
    if (!next) return; // reported; asked again on a later tick
    this.entries.delete(entry.seq);
    this.proofs.delete(entry.seq);
    this.track(next.seq, next.wire, entry.sampledAt, entry.reissues + 1);
    this.ctx.counters.reissued++;
    this.ctx.emit({ type: 'reissued', seq: entry.seq, newSeq: next.seq });
    this.pump();
  }

  private wireOf(seq: number): Uint8Array | undefined {
    for (const [s, wire] of this.ctx.outbox.entries()) if (s === seq) return wire;
    return undefined;
  }

  private removeFromOutbox(seq: number): void {
    try {
      this.ctx.outbox.remove(seq);
    } catch (error) {
      this.ctx.report(ErrorCode.STORAGE, `outbox entry ${seq} not removed: ${detailOf(error).detail}`);
    }
  }

  private proofRejected(seq: number, code: number, detail: string): void {
    this.ctx.counters.proofsRejected++;
    this.ctx.report(code, detail);
    this.ctx.emit({ type: 'proof-rejected', seq, code, detail });
  }

  private badMessage(error: unknown): void {
    const { code, detail } = detailOf(error);
    this.ctx.counters.badMessages++;
    this.ctx.report(code, `ack: ${detail}`);
    this.ctx.emit({ type: 'bad-message', topic: 'ack', code });
  }
}
