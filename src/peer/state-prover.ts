// Contract state proven to the light peer (core layer, peer): proveState(namespace, key) asks the
// gateway (STATE_PROOF, docs/protocol.md §9.4), waits until it holds a verified header at the
// answer's height (the retained newest header, or a past one fetched and checked with
// verifyPastHeader), and only then checks the answer with verifyStateAnswer
// (src/light/verify-state-answer.ts). The gateway's answer is a claim: anything that does not
// verify rejects the promise with the BotError of the check it failed, and changes nothing.
//
// Bounded: at most MAX_STATE_PROOFS open at once; an answer whose header never comes (a height
// the chain never reaches) is given up after the request timeout as UNVERIFIED_HEADER.

import { BotError } from '../errors/bot-error.js';
import { ErrorCode, errorName, isErrorCode } from '../errors/error-codes.js';
import { Method, type Response } from '../mqtt/messages.js';
import { decodeStateAnswer } from '../mqtt/state-answer.js';
import { type StateFact, type StateProofAnswer, checkStateAddress, verifyStateAnswer } from '../light/verify-state-answer.js';
import type { PeerContext } from './peer-context.js';
import type { RuleHeaders } from './rule-watcher.js';

/** The header sync as the prover sees it: verified headers by height, and fetches below and above trust. */
export interface ProverHeaders extends RuleHeaders {
  fetchNewer(height: number): void;
}

/** State proofs in flight or waiting for their header, at once. */
export const MAX_STATE_PROOFS = 4;

interface Job {
  readonly namespace: Uint8Array;
  readonly key: Uint8Array;
  readonly resolve: (fact: StateFact) => void;
  readonly reject: (error: BotError) => void;
  /** Set once the answer came; then the job waits for a verified header at its height. */
  answer?: StateProofAnswer;
  since: number;
  /** The header above trust was asked for once already. */
  askedNewer?: boolean;
}

export class StateProver {
  private readonly jobs = new Set<Job>();

  constructor(private readonly ctx: PeerContext, private readonly headers: ProverHeaders) {}

  get open(): number {
    return this.jobs.size;
  }

  prove(namespace: Uint8Array, key: Uint8Array): Promise<StateFact> {
    return new Promise<StateFact>((resolve, reject) => {
      const address = checkStateAddress(namespace, key);
      if (!address.ok) return reject(new BotError(address.code, address.reason));
      if (this.jobs.size >= MAX_STATE_PROOFS) return reject(new BotError(ErrorCode.NO_ANSWER, `${MAX_STATE_PROOFS} state proofs open already`));
      // Copies: the caller may reuse its arrays while the answer is on its way.
      const job: Job = { namespace: namespace.slice(), key: key.slice(), resolve, reject, since: this.ctx.clock.now() };
      // Open before the request: a session may deliver the response within the publish itself.
      this.jobs.add(job);
      const sent = this.ctx.request(Method.STATE_PROOF, [job.namespace, job.key], (response) => this.onResponse(job, response));
      if (!sent) {
        this.jobs.delete(job);
        reject(new BotError(ErrorCode.NO_ANSWER, 'offline, or too many requests open'));
      }
    });
  }

  /** Trust moved or a past header became available: waiting answers may now check. */
  onAdvance(): void {
    for (const job of [...this.jobs]) if (job.answer) this.consider(job);
  }

  /** No verified header at that height can be had: answers waiting for it are refused. */
  onPastUnavailable(height: number): void {
    for (const job of [...this.jobs]) {
      if (job.answer?.height === height) this.finish(job, new BotError(ErrorCode.UNVERIFIED_HEADER, `no verified header at height ${height} could be had`));
    }
  }

  tick(now: number): void {
    for (const job of [...this.jobs]) {
      // Waiting for a header the chain never shows (a lying gateway's height): given up after a request timeout.
      if (job.answer && (now - job.since >= this.ctx.config.requestTimeoutMs || now < job.since)) {
        this.finish(job, new BotError(ErrorCode.UNVERIFIED_HEADER, `no verified header at height ${job.answer.height} (trusted ${this.headers.trustedHeight})`));
      }
    }
  }

  /** The session stopped: nothing will answer. */
  abandonAll(): void {
    for (const job of [...this.jobs]) if (job.answer) this.finish(job, new BotError(ErrorCode.NO_ANSWER, 'the peer stopped'));
  }

  private onResponse(job: Job, response: Response | undefined): void {
    if (!this.jobs.has(job)) return;
    if (!response) return this.finish(job, new BotError(ErrorCode.NO_ANSWER, 'no response within the request timeout'));
    if (response.code !== ErrorCode.OK) {
      // The gateway's refusal, passed on with its own code (an unknown number is no code of ours).
      const code = isErrorCode(response.code) ? response.code : ErrorCode.BAD_REQUEST;
      return this.finish(job, new BotError(code, `the gateway refused the state proof (${errorName(response.code)})`));
    }
    try {
      job.answer = decodeStateAnswer(response.payloads);
    } catch (error) {
      return this.finish(job, error instanceof BotError ? error : new BotError(ErrorCode.INTERNAL, String(error)));
    }
    job.since = this.ctx.clock.now();
    this.consider(job);
  }

  private consider(job: Job): void {
    const answer = job.answer!;
    if (answer.height < 1) return this.finish(job, new BotError(ErrorCode.UNVERIFIED_HEADER, 'height 0 has no header with a stateRoot'));
    const header = this.headers.headerAt(answer.height);
    if (!header) {
      // Below trust: fetch and verify that past header. Above: it is usually on its way (pushed,
      // retained); asked for once too, in case the push was lost, and verified as a pushed one.
      if (answer.height <= this.headers.trustedHeight) this.headers.fetchPast(answer.height);
      else if (!job.askedNewer) {
        job.askedNewer = true;
        this.headers.fetchNewer(answer.height);
      }
      return;
    }
    const result = verifyStateAnswer(this.ctx.crypto, header, job.namespace, job.key, answer);
    if (!result.ok) return this.finish(job, new BotError(result.code, result.reason));
    this.jobs.delete(job);
    job.resolve(result.value);
  }

  private finish(job: Job, error: BotError): void {
    if (!this.jobs.delete(job)) return;
    this.ctx.report(error.code, `state proof: ${error.message}`);
    job.reject(error);
  }
}
