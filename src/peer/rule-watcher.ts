// The light peer's watch rules at work (core layer, peer): it asks the gateway for each
// watched device's newest reading (LATEST_READINGS, docs/protocol.md §9.4) whenever it
// verified a newer header, waits until it holds a verified header at the reading's height
// (the next header, or a past one fetched and checked with verifyPastHeader), verifies the
// reading with verifyReading (src/rules/verify-reading.ts) and only then switches the
// actuator. Everything the gateway says is a claim: a refusal is reported (event, counter,
// last error) once per transaction and changes nothing.
//
// Stored: per rule, the seq of the reading that last switched its actuator (`bp.rule<i>`,
// CBOR [source, seq]), written only when it switches (flash wear). That is enough against a
// replay after a reboot: every reading evaluated after that switch asked for the state it left,
// so replaying any of them changes nothing, and anything older is refused as STALE_READING.
// In memory the rule keeps the highest seq it evaluated, so no older reading is ever acted on.

import { bytesToHex, equalBytes } from '../codec/bytes.js';
import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode, errorName } from '../errors/error-codes.js';
import type { Header } from '../chain/header.js';
import { Method, type Response } from '../mqtt/messages.js';
import { type ReadingsAnswer, decodeReadingsAnswer } from '../mqtt/readings-answer.js';
import { type WatchRule, formatReading, ruleAction } from '../rules/watch-rule.js';
import { verifyReading } from '../rules/verify-reading.js';
import type { Actuator } from '../ports/actuator.js';
import { LogLevel } from '../ports/log.js';
import type { PeerContext } from './peer-context.js';

/** Requests the watcher keeps open at once, of the request table's MAX_OPEN_REQUESTS. */
export const MAX_RULE_REQUESTS = 2;
/** Asked again at least this often when no header arrives (a quiet chain still beats every 30 s). */
export const RULE_POLL_MS = 30_000;

export interface RuleHeaders {
  readonly trustedHeight: number;
  headerAt(height: number): Header | undefined;
  fetchPast(height: number): void;
}

/** Store key of rule i's last switching seq (15 characters at most). */
export const ruleStoreKey = (index: number): string => `bp.rule${index}`;


interface Source {
  readonly id: Uint8Array;
  readonly hex: string;
  readonly rules: readonly number[];
  inFlight: boolean;
  due: boolean;
  /** An answer waiting for a verified header at its height, and since when. */
  pending: { answer: ReadingsAnswer; since: number } | undefined;
}

interface RuleState {
  /** Highest seq of the source this rule evaluated (verified). */
  lastSeq: number;
  /** The last refusal reported, so a gateway answering the same thing every block is reported once. */
  lastRefusal: string;
}

export class RuleWatcher {
  private readonly sources: Source[] = [];
  private readonly state: RuleState[];
  /** Each actuator's state as this boot set it; undefined until then (a relay's power-up state is not known). */
  private readonly switched = new Map<string, boolean | undefined>();
  private open = 0;
  private polledHeight = -1;
  private lastPollAt = 0;

  constructor(
    private readonly ctx: PeerContext,
    private readonly rules: readonly WatchRule[],
    private readonly actuators: ReadonlyMap<string, Actuator>,
    private readonly headers: RuleHeaders,
  ) {
    this.state = rules.map((rule, i) => ({ lastSeq: this.loadSeq(i, rule), lastRefusal: '' }));
    rules.forEach((rule, i) => {
      const source = this.sources.find((s) => equalBytes(s.id, rule.source));
      if (source) (source.rules as number[]).push(i);
      else this.sources.push({ id: rule.source, hex: bytesToHex(rule.source), rules: [i], inFlight: false, due: false, pending: undefined });
    });
    for (const name of actuators.keys()) this.switched.set(name, undefined);
  }

  onConnect(): void {
    this.poll();
  }

  /** Trust moved or a past header became available: waiting answers may now check, and a newer block may hold a newer reading. */
  onAdvance(): void {
    for (const source of this.sources) if (source.pending) this.consider(source, source.pending.answer);
    if (this.headers.trustedHeight > this.polledHeight) this.poll();
  }

  /** No verified header at that height can be had: answers waiting for it are refused. */
  onPastUnavailable(height: number): void {
    for (const source of this.sources) {
      if (source.pending?.answer.height !== height) continue;
      const { answer } = source.pending;
      source.pending = undefined;
      this.refuseAll(source, answer.tx.seq, ErrorCode.UNVERIFIED_HEADER, `no verified header at height ${height} could be had`);
    }
  }

  tick(now: number): void {
    for (const source of this.sources) {
      const pending = source.pending;
      // A height the chain never reaches (a lying gateway): given up after a request timeout.
      if (pending && now - pending.since >= this.ctx.config.requestTimeoutMs) {
        source.pending = undefined;
        this.refuseAll(source, pending.answer.tx.seq, ErrorCode.UNVERIFIED_HEADER, `no verified header at height ${pending.answer.height} (trusted ${this.headers.trustedHeight})`);
      }
    }
    if (now - this.lastPollAt >= RULE_POLL_MS) this.poll();
  }

  private poll(): void {
    this.polledHeight = this.headers.trustedHeight;
    this.lastPollAt = this.ctx.clock.now();
    for (const source of this.sources) source.due = true;
    this.pump();
  }

  private pump(): void {
    for (const source of this.sources) {
      if (this.open >= MAX_RULE_REQUESTS) return;
      if (!source.due || source.inFlight) continue;
      const sent = this.ctx.request(Method.LATEST_READINGS, [source.id], (response) => this.onResponse(source, response));
      if (!sent) return;
      source.due = false;
      source.inFlight = true;
      this.open++;
    }
  }

  private onResponse(source: Source, response: Response | undefined): void {
    source.inFlight = false;
    this.open--;
    try {
      if (response) this.onAnswer(source, response);
    } finally {
      this.pump();
    }
  }

  private onAnswer(source: Source, response: Response): void {
    if (response.code !== ErrorCode.OK) {
      this.ctx.log(LogLevel.DEBUG, `latest readings of ${source.hex} refused: ${errorName(response.code)}`);
      return;
    }
    let answer: ReadingsAnswer | undefined;
    try {
      answer = decodeReadingsAnswer(response.payloads);
    } catch (error) {
      this.refuseAll(source, 0, error instanceof BotError ? error.code : ErrorCode.INTERNAL, `answer: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (answer) this.consider(source, answer);
  }

  /** Evaluates now when the header at the answer's height is verified; else waits for it (fetching a past one). */
  private consider(source: Source, answer: ReadingsAnswer): void {
    // Nothing newer than every rule of this source already evaluated: the usual answer between two readings.
    if (source.rules.every((i) => answer.tx.seq <= this.state[i]!.lastSeq && equalBytes(answer.tx.sender, source.id))) {
      if (source.pending?.answer === answer) source.pending = undefined;
      if (source.rules.some((i) => answer.tx.seq < this.state[i]!.lastSeq)) {
        this.refuseAll(source, answer.tx.seq, ErrorCode.STALE_READING, `seq ${answer.tx.seq} is older than one already evaluated`);
      }
      return;
    }
    const trusted = this.headers.trustedHeight;
    if (answer.height >= 1 && this.headers.headerAt(answer.height) === undefined) {
      if (answer.height <= trusted) this.headers.fetchPast(answer.height);
      // Keep the newer claim; the timer gives it up if its header never comes.
      const same = source.pending && source.pending.answer.height === answer.height && source.pending.answer.tx.seq === answer.tx.seq;
      if (!same) source.pending = { answer, since: this.ctx.clock.now() };
      return;
    }
    // A claim still waiting for its header stays until it checks or times out: another answer
    // that checks now does not make it go away unreported.
    if (source.pending?.answer === answer) source.pending = undefined;
    for (const i of source.rules) this.evaluate(i, source, answer);
  }

  private evaluate(index: number, source: Source, answer: ReadingsAnswer): void {
    const rule = this.rules[index]!;
    const state = this.state[index]!;
    if (answer.tx.seq === state.lastSeq && equalBytes(answer.tx.sender, rule.source)) return;
    const { ctx } = this;
    const result = verifyReading(ctx.crypto, rule, answer, {
      chainId: ctx.chainId, lastSeq: state.lastSeq, nowMs: ctx.clock.now(), headerAt: (height) => this.headers.headerAt(height),
    });
    if (!result.ok) {
      this.refuse(index, source, answer.tx.seq, result.code, result.reason);
      return;
    }
    const reading = result.value;
    state.lastSeq = reading.seq;
    ctx.counters.readingsVerified++;
    ctx.emit({ type: 'reading', rule: index, source: source.hex, seq: reading.seq, height: reading.height, mantissa: reading.mantissa, scale: reading.scale, holds: reading.holds });
    const on = ruleAction(rule, reading.holds);
    if (on === undefined || this.switched.get(rule.actuator) === on) return;
    const actuator = this.actuators.get(rule.actuator)!;
    this.switched.set(rule.actuator, on);
    this.saveSeq(index, rule, reading.seq);
    ctx.counters.actuations++;
    ctx.log(LogLevel.INFO, `${rule.actuator} ${on ? 'on' : 'off'}: device ${source.hex}'s reading ${formatReading(reading.mantissa, reading.scale, rule.quantity)} at height ${reading.height} proven`);
    ctx.emit({ type: 'actuated', rule: index, actuator: rule.actuator, on, source: source.hex, seq: reading.seq, height: reading.height, mantissa: reading.mantissa, scale: reading.scale });
    const failed = (error: unknown) => {
      // Not known to be switched: the next reading that asks for a state sets it again.
      if (this.switched.get(rule.actuator) === on) this.switched.set(rule.actuator, undefined);
      ctx.report(ErrorCode.INTERNAL, `actuator ${rule.actuator} failed: ${error instanceof Error ? error.message : String(error)}`);
    };
    try {
      const done = actuator.set(on);
      if (done && typeof (done as Promise<void>).then === 'function') (done as Promise<void>).then(undefined, failed);
    } catch (error) {
      failed(error);
    }
  }

  private refuseAll(source: Source, seq: number, code: number, detail: string): void {
    for (const i of source.rules) this.refuse(i, source, seq, code, detail);
  }

  private refuse(index: number, source: Source, seq: number, code: number, detail: string): void {
    const state = this.state[index]!;
    const key = `${seq}:${code}`;
    if (state.lastRefusal === key) return;
    state.lastRefusal = key;
    this.ctx.counters.readingsRefused++;
    this.ctx.report(code, `rule ${index} (${source.hex}): reading ${seq} not acted on: ${detail}`);
    this.ctx.emit({ type: 'reading-refused', rule: index, source: source.hex, seq, code, detail });
  }

  private loadSeq(index: number, rule: WatchRule): number {
    const stored = this.ctx.store.get(ruleStoreKey(index));
    if (stored === undefined) return 0;
    try {
      const value = decodeCbor(stored, SMALL_LIMITS);
      if (Array.isArray(value) && value.length === 2 && value[0] instanceof Uint8Array && equalBytes(value[0], rule.source) && typeof value[1] === 'number' && value[1] >= 0) return value[1];
    } catch {
      // Unreadable: start from 0 (nothing is acted on before a verified reading anyway).
    }
    return 0;
  }

  private saveSeq(index: number, rule: WatchRule, seq: number): void {
    try {
      this.ctx.store.set(ruleStoreKey(index), encodeCbor([rule.source, seq]));
    } catch (error) {
      this.ctx.report(ErrorCode.STORAGE, `rule ${index}: seq not saved: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
