// One deployed contract loaded in its own xsnap worker (tools layer, Node only).
//
// A worker holds one contract, so contracts never share a heap or intrinsics. Each call
// runs under its gas limit (XS meter, reset per call by the bootstrap) and memory budget
// (growth of XS's allocation counter over the call, after a collection at its start);
// the process also has a hard data-segment cap. A call that runs out of either kills or
// condemns the worker: the caller gets a typed outcome and the next call starts a fresh
// worker. A worker whose heap grew is replaced too, so every call starts from the heap a
// fresh worker has (the growth a call causes is then the same on every member).

import { BotError } from '../../../src/errors/bot-error.js';
import { ErrorCode } from '../../../src/errors/error-codes.js';
import { AFTER_CALL_GAS, SANDBOX_BOOTSTRAP } from './sandbox-bootstrap.js';
import { XsExitCode, XsWorkerExit, XsWorkerProcess } from './xs-worker-process.js';

export interface SandboxLimits {
  /** Gas of one call (XS meter units: roughly one per bytecode, more for bulk built-ins, plus state-op charges). */
  readonly gasLimit: number;
  /** Gas of evaluating the source at deploy. */
  readonly deployGasLimit: number;
  /** Bytes the sandbox heap may grow by during one call. */
  readonly memoryBudgetBytes: number;
  /** Data-segment cap of the worker process (a safety net above the budget). */
  readonly processMemoryBytes: number;
}

export interface CallRequest {
  readonly kind: 'method' | 'query';
  readonly name: string;
  /** Canonical JSON text of the arguments. */
  readonly args: string;
  readonly sender: string;
  readonly height: number;
  readonly txId: string;
}

export type WorkerCallOutcome =
  | { readonly ok: true; readonly result: string; readonly writes: readonly (readonly [string, string | null])[]; readonly gasUsed: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const codeOfName: Readonly<Record<string, ErrorCode>> = Object.freeze({
  THREW: ErrorCode.CONTRACT_THREW,
  FORBIDDEN: ErrorCode.CONTRACT_FORBIDDEN,
  UNKNOWN_METHOD: ErrorCode.UNKNOWN_METHOD,
  BAD_CONTRACT: ErrorCode.BAD_CONTRACT,
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function exitOutcome(error: unknown): { ok: false; code: ErrorCode; message: string } {
  if (error instanceof XsWorkerExit) {
    if (error.exitCode === XsExitCode.TOO_MUCH_COMPUTATION) return { ok: false, code: ErrorCode.CONTRACT_OUT_OF_GAS, message: 'gas limit exceeded' };
    if (error.exitCode === XsExitCode.NOT_ENOUGH_MEMORY) return { ok: false, code: ErrorCode.CONTRACT_OUT_OF_MEMORY, message: 'worker memory cap reached' };
    if (error.exitCode === XsExitCode.STACK_OVERFLOW) return { ok: false, code: ErrorCode.CONTRACT_THREW, message: 'native stack overflow' };
  }
  throw new BotError(ErrorCode.INTERNAL, `contract worker failed: ${(error as Error).message}`);
}

export class ContractWorker {
  private process: XsWorkerProcess | undefined;
  /** XS's allocation counter of a fresh worker with the contract installed. */
  private baseline = 0;
  private reads: ((key: string) => Uint8Array | undefined) | undefined;
  /** Calls in flight, in order: `reads` belongs to one call at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Worker starts, for tests and metrics. */
  starts = 0;

  constructor(
    private readonly source: string,
    private readonly limits: SandboxLimits,
  ) {}

  /** Starts the worker and installs the contract; BAD_CONTRACT (or out of gas/memory) when it does not load. */
  async install(): Promise<{ methods: string[]; queries: string[] }> {
    await this.stop();
    const process = new XsWorkerProcess({
      // The crank limit only bounds the bootstrap's own work: each call sets its own limit.
      meteringLimit: Math.max(this.limits.gasLimit, this.limits.deployGasLimit) + AFTER_CALL_GAS + 10_000_000,
      memoryLimitBytes: this.limits.processMemoryBytes,
      onCommand: (request) => this.answerRead(request),
    });
    this.process = process;
    this.starts++;
    try {
      await process.evaluate(SANDBOX_BOOTSTRAP);
      const reply = await process.command(encoder.encode(JSON.stringify({ op: 'install', source: this.source, gasLimit: this.limits.deployGasLimit })));
      const answer = JSON.parse(decoder.decode(reply.reply));
      if (!answer.ok) throw new BotError(codeOfName[answer.code] ?? ErrorCode.BAD_CONTRACT, answer.message);
      this.baseline = reply.allocate;
      return { methods: answer.methods, queries: answer.queries };
    } catch (error) {
      await this.stop();
      if (error instanceof BotError) throw error;
      const outcome = exitOutcome(error);
      throw new BotError(outcome.code === ErrorCode.CONTRACT_THREW ? ErrorCode.BAD_CONTRACT : outcome.code, outcome.message);
    }
  }

  /** Runs one call; `read` answers the contract's ctx.get from committed state. Calls run one at a time. */
  call(request: CallRequest, read: (key: string) => Uint8Array | undefined): Promise<WorkerCallOutcome> {
    const run = this.queue.then(() => this.callNow(request, read));
    this.queue = run.catch(() => {});
    return run;
  }

  private async callNow(request: CallRequest, read: (key: string) => Uint8Array | undefined): Promise<WorkerCallOutcome> {
    if (!this.process?.alive) await this.install();
    const process = this.process!;
    this.reads = read;
    let outcome: WorkerCallOutcome;
    try {
      const reply = await process.command(encoder.encode(JSON.stringify({ op: 'call', ...request, gasLimit: this.limits.gasLimit })));
      const growth = reply.allocate - this.baseline;
      const answer = JSON.parse(decoder.decode(reply.reply));
      if (growth > this.limits.memoryBudgetBytes) {
        outcome = { ok: false, code: ErrorCode.CONTRACT_OUT_OF_MEMORY, message: `heap grew by ${growth} bytes` };
      } else if (answer.ok) {
        outcome = { ok: true, result: answer.result, writes: answer.writes, gasUsed: answer.gasUsed };
      } else {
        outcome = { ok: false, code: codeOfName[answer.code] ?? ErrorCode.INTERNAL, message: answer.message };
      }
      if (growth > 0) await this.stop();
    } catch (error) {
      await this.stop();
      outcome = exitOutcome(error);
    } finally {
      this.reads = undefined;
    }
    return outcome;
  }

  async stop(): Promise<void> {
    const process = this.process;
    this.process = undefined;
    if (process) await process.terminate();
  }

  private answerRead(request: Uint8Array): Uint8Array {
    const { key } = JSON.parse(decoder.decode(request)) as { key: string };
    return this.reads?.(key) ?? new Uint8Array(0);
  }
}
