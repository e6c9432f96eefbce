// The deterministic, metered XS sandbox of deployed contracts (tools layer, Node only).
//
// Contract shape (docs/contracts.md): the source is a script whose completion value is
//   { methods: { name(ctx, args) { ... } }, queries: { name(ctx, args) { ... } } }
// ctx: sender (account id hex), height, txId, get(key) and, in methods only, set(key, value)
// and delete(key). Keys are non-empty strings (at most 64 UTF-8 bytes, what a STATE_PROOF addresses); values, arguments
// and results are contract data (contract-value.ts). A method returns a result or throws;
// its writes are returned, never applied here: the host applies them only on success.
// The source is evaluated afresh, in a fresh Compartment, for every call, so nothing a
// call leaves behind reaches the next one.

import { BotError } from '../../../src/errors/bot-error.js';
import { ErrorCode } from '../../../src/errors/error-codes.js';
import { contractHash } from './contract-hash.js';
import { type ContractValue, canonicalJson } from './contract-value.js';
import { type CallRequest, ContractWorker, type SandboxLimits } from './contract-worker.js';
import { MAX_VALUE_BYTES } from './sandbox-bootstrap.js';

export type { ContractValue } from './contract-value.js';
export type { SandboxLimits } from './contract-worker.js';

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = Object.freeze({
  gasLimit: 10_000_000,
  deployGasLimit: 1_000_000,
  memoryBudgetBytes: 64 * 1024 * 1024,
  processMemoryBytes: 384 * 1024 * 1024,
});

export interface ContractSandboxOptions {
  readonly limits?: Partial<SandboxLimits>;
  /** Contracts kept loaded in a worker at once (least recently used is stopped first). */
  readonly maxWorkers?: number;
}

/** Who calls, and where in the chain. */
export interface CallContext {
  /** Account id of the sender, hex. */
  readonly sender: string;
  readonly height: number;
  /** Transaction id, hex (empty for a query). */
  readonly txId: string;
}

/** Read-only view of the contract's committed state: stored bytes by key (encodeStateValue). */
export interface ContractStateView {
  get(key: string): Uint8Array | undefined;
}

export type ContractCallResult =
  | {
      readonly ok: true;
      readonly result: ContractValue;
      /** Sorted by key; value bytes (canonical JSON, UTF-8) or null for a delete. */
      readonly writes: readonly (readonly [string, Uint8Array | null])[];
      readonly gasUsed: number;
    }
  | { readonly ok: false; readonly error: { readonly code: ErrorCode; readonly message: string } };

export interface DeployedContract {
  readonly hash: string;
  readonly methods: readonly string[];
  readonly queries: readonly string[];
}

const encoder = new TextEncoder();

export class ContractSandbox {
  readonly limits: SandboxLimits;
  private readonly maxWorkers: number;
  private readonly sources = new Map<string, string>();
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly workers = new Map<string, ContractWorker>();

  constructor(options: ContractSandboxOptions = {}) {
    this.limits = Object.freeze({ ...DEFAULT_SANDBOX_LIMITS, ...options.limits });
    this.maxWorkers = options.maxWorkers ?? 16;
  }

  /** Checks a source (compiles, has the contract shape, touches nothing forbidden) and keeps it; BAD_CONTRACT otherwise. */
  async deploy(source: string): Promise<DeployedContract> {
    if (typeof source !== 'string' || source.length === 0) throw new BotError(ErrorCode.BAD_CONTRACT, 'empty source');
    const hash = contractHash(source);
    const worker = new ContractWorker(source, this.limits);
    const shape = await worker.install(); // a failed install has stopped its worker
    this.sources.set(hash, source);
    await this.keep(hash, worker);
    return Object.freeze({ hash, methods: Object.freeze(shape.methods), queries: Object.freeze(shape.queries) });
  }

  has(hash: string): boolean {
    return this.sources.has(hash);
  }

  /** Runs a method: its writes are returned for the host to apply on success. */
  invoke(hash: string, method: string, args: unknown, context: CallContext, state: ContractStateView): Promise<ContractCallResult> {
    return this.run(hash, 'method', method, args, context, state);
  }

  /** Runs a query: read-only (its ctx has no set or delete), the result only. */
  query(hash: string, name: string, args: unknown, context: CallContext, state: ContractStateView): Promise<ContractCallResult> {
    return this.run(hash, 'query', name, args, context, state);
  }

  /** Worker starts of a contract so far (a replaced worker counts again). */
  workerStarts(hash: string): number {
    return this.workers.get(hash)?.starts ?? 0;
  }

  /** Stops the contract's worker, if it runs (one that does not answer): its call in flight fails, the next call starts a fresh one. */
  async stop(hash: string): Promise<void> {
    const worker = this.workers.get(hash);
    if (!worker) return;
    this.workers.delete(hash);
    await worker.stop();
  }

  async close(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  private async run(
    hash: string,
    kind: 'method' | 'query',
    name: string,
    args: unknown,
    context: CallContext,
    state: ContractStateView,
  ): Promise<ContractCallResult> {
    const source = this.sources.get(hash);
    if (source === undefined) return fail(ErrorCode.UNKNOWN_CONTRACT, hash);
    if (typeof name !== 'string' || name.length === 0 || name.length > 128) return fail(ErrorCode.UNKNOWN_METHOD, String(name));
    let argsText: string;
    try {
      argsText = canonicalJson(args === undefined ? null : args, MAX_VALUE_BYTES);
    } catch (error) {
      if (error instanceof BotError) return fail(error.code, error.message);
      throw error;
    }
    let worker = this.workers.get(hash);
    if (worker) this.workers.delete(hash);
    else worker = new ContractWorker(source, this.limits);
    await this.keep(hash, worker);
    const request: CallRequest = { kind, name, args: argsText, sender: context.sender, height: context.height, txId: context.txId };
    const outcome = await worker.call(request, (key) => state.get(key));
    if (!outcome.ok) return fail(outcome.code, outcome.message);
    return {
      ok: true,
      result: JSON.parse(outcome.result) as ContractValue,
      writes: outcome.writes.map(([key, text]) => [key, text === null ? null : encoder.encode(text)] as const),
      gasUsed: outcome.gasUsed,
    };
  }

  private async keep(hash: string, worker: ContractWorker): Promise<void> {
    this.workers.set(hash, worker);
    while (this.workers.size > this.maxWorkers) {
      const [oldest, evicted] = this.workers.entries().next().value!;
      this.workers.delete(oldest);
      await evicted.stop();
    }
  }
}

function fail(code: ErrorCode, message: string): ContractCallResult {
  return { ok: false, error: { code, message } };
}
