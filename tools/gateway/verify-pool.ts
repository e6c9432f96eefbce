// The gateway's signature-verification pool (tools layer, Node only): worker
// threads (verify-worker.ts) that decode transactions, check their signatures
// with native libsecp256k1 and hash their ids, so ingest's costliest steps run on
// every core and off the event loop that serves MQTT and the store.
//
// A call is split into batches; each batch goes to the least-loaded worker as ONE
// transferred ArrayBuffer (not thousands of structured-cloned arrays), laid out as:
//
//   Uint32 ends[2 * count]   ends[2i] = end of wire i, ends[2i+1] = end of key i,
//                            as offsets into `data`; wire i starts at ends[2i-1] (0 for i = 0)
//   data                     wire 0, key 0, wire 1, key 1, ...
//
// and comes back as one transferred buffer (replyBytes):
//
//   Uint16 codes[count]      per job: 0 (OK) or why it failed (a decode error's code, BAD_SIGNATURE)
//   ids[32 * count]          only if asked for: the transaction id of each OK job (zeros otherwise)
//
// A worker that crashes or exits fails its pending batches with an error (never a
// hang) and is started afresh on the next call.
//
// The workers run TypeScript: see workerEntry() for how they are started under
// tsx on Node 20. Idle workers are unref'd: a pool left open does not keep the
// process alive.

import os from 'node:os';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { CHAIN_ID_BYTES } from '../../src/tx/tx.js';

/** SHA-256 of the wire (txId). */
export const TX_ID_BYTES = 32;

/** Size of a batch's reply: a Uint16 code per job, then an id per job if asked for. */
export function replyBytes(count: number, withIds: boolean): number {
  return 2 * count + (withIds ? TX_ID_BYTES * count : 0);
}

/** The outcome of check(): per job, in order, a code and (for code 0) the transaction id. */
export interface CheckResult {
  /** 0 (ErrorCode.OK) when the wire decodes strictly and its signature verifies; else the first failure's ErrorCode. */
  readonly codes: Uint16Array;
  /** Job i's transaction id is ids.subarray(32 * i, 32 * i + 32) (meaningful for code 0 only). */
  readonly ids: Uint8Array;
}

export interface VerifyJob {
  /** A transaction's wire bytes, as received (untrusted). */
  readonly wire: Uint8Array;
  /** The sender's registered public key (compressed SEC1). */
  readonly publicKey: Uint8Array;
}

export interface VerifyPoolOptions {
  /** Worker threads; default one per core (os.availableParallelism()). */
  readonly workers?: number;
  /** The chain whose signatures are checked (8 bytes; it is signed but not sent). */
  readonly chainId: Uint8Array;
  /** Most jobs per batch message (default 1024), so big calls spread and interleave across workers. */
  readonly maxBatch?: number;
  /** Another worker script speaking the same protocol (tests use it to simulate crashes). */
  readonly workerUrl?: URL;
}

export interface VerifyPool {
  /** Number of worker threads. */
  readonly size: number;
  /**
   * One boolean per job, in order: true only if the wire decodes as a transaction and
   * its signature verifies for the key on this chain. Rejects if a worker dies or the
   * pool is closed while the jobs are pending.
   */
  verify(jobs: readonly VerifyJob[]): Promise<boolean[]>;
  /**
   * The same checks, with the reason of each failure and the id of each valid transaction:
   * what ingest needs so that its own thread neither decodes nor hashes.
   */
  check(jobs: readonly VerifyJob[]): Promise<CheckResult>;
  /** Worker threads running now (all of them from creation; a crashed one is restarted on the next call; 0 once closed). */
  liveWorkers(): number;
  /** OS thread ids of the live workers that reported one (Linux), for reading their CPU time from /proc. */
  threadIds(): number[];
  /** Jobs sent to the workers and not answered yet (the verify queue, for /metrics). */
  queuedJobs(): number;
  /** Fails pending jobs, stops every worker and resolves once they have exited. */
  close(): Promise<void>;
}

/** Main → worker. */
export interface BatchRequest {
  readonly id: number;
  readonly count: number;
  readonly buffer: ArrayBuffer;
  /** Whether the reply carries the ids of the valid transactions. */
  readonly withIds: boolean;
}

/** Worker → main: `results` (replyBytes long) or, if the whole batch failed, `error`; id 0 (no batch) carries the worker's OS thread id. */
export interface BatchReply {
  readonly id: number;
  readonly tid?: number;
  readonly results?: Uint8Array;
  readonly error?: string;
}

/** What each worker gets at start. */
export interface VerifyWorkerData {
  readonly chainId: Uint8Array;
}

interface PendingBatch {
  readonly count: number;
  readonly withIds: boolean;
  readonly resolve: (results: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  /** The worker's OS thread id, once it reported it. */
  tid: number | undefined;
  /** Jobs sent and not yet answered: the load measure for dispatch. */
  pendingJobs: number;
  readonly batches: Map<number, PendingBatch>;
}

const DEFAULT_MAX_BATCH = 1024;
// Below this a batch is not split further: per-message cost would outweigh the parallelism.
const MIN_BATCH = 16;

function defaultWorkerUrl(): URL {
  // Follow this module's own extension, so a compiled build would start verify-worker.js.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./verify-worker${extension}`, import.meta.url);
}

/**
 * How to start a worker script. A .ts script cannot be given to `new Worker` with
 * `execArgv: ['--import=tsx']` on Node 20: loader hooks from a worker's execArgv do
 * not apply to its entry point (nodejs/node#47747, fixed in 22.2), so the worker
 * fails with ERR_UNKNOWN_FILE_EXTENSION. Instead a one-line bootstrap registers
 * tsx's ESM hooks in the worker and then imports the script. tsx is resolved from
 * this file, so neither the cwd nor the parent's flags (tsx CLI, ava's
 * --import=tsx, plain node) matter; execArgv is emptied so no loader runs twice.
 */
function workerEntry(url: URL): { script: string | URL; options: WorkerOptions } {
  if (!url.pathname.endsWith('.ts')) return { script: url, options: {} };
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return { script: bootstrap, options: { eval: true, execArgv: [] } };
}

/** Packs jobs [from, to) (already checked to be Uint8Arrays) into one ArrayBuffer in the layout described at the top. */
export function packBatch(jobs: readonly VerifyJob[], from: number, to: number): ArrayBuffer {
  const count = to - from;
  let dataBytes = 0;
  for (let i = from; i < to; i++) dataBytes += jobs[i]!.wire.length + jobs[i]!.publicKey.length;
  const headerBytes = 8 * count;
  const buffer = new ArrayBuffer(headerBytes + dataBytes);
  const ends = new Uint32Array(buffer, 0, 2 * count);
  const data = new Uint8Array(buffer, headerBytes);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const { wire, publicKey } = jobs[from + i]!;
    data.set(wire, at);
    at += wire.length;
    ends[2 * i] = at;
    data.set(publicKey, at);
    at += publicKey.length;
    ends[2 * i + 1] = at;
  }
  return buffer;
}

export function createVerifyPool(options: VerifyPoolOptions): VerifyPool {
  const size = options.workers ?? os.availableParallelism();
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('verify pool: workers must be a positive integer');
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError('verify pool: maxBatch must be a positive integer');
  if (!(options.chainId instanceof Uint8Array) || options.chainId.length !== CHAIN_ID_BYTES) {
    throw new RangeError(`verify pool: chainId must be ${CHAIN_ID_BYTES} bytes`);
  }
  const workerData: VerifyWorkerData = { chainId: options.chainId.slice() };
  const workerUrl = options.workerUrl ?? defaultWorkerUrl();
  const entry = workerEntry(workerUrl);
  const slots: Slot[] = Array.from({ length: size }, (_, index) => ({ index, worker: undefined, tid: undefined, pendingJobs: 0, batches: new Map() }));
  let nextBatchId = 1;
  let closing: Promise<void> | undefined;

  function failSlot(slot: Slot, error: Error): void {
    for (const batch of slot.batches.values()) batch.reject(error);
    slot.batches.clear();
    slot.pendingJobs = 0;
  }

  function spawn(slot: Slot): Worker {
    const worker = new Worker(entry.script, { ...entry.options, workerData });
    let crash: Error | undefined;
    worker.on('message', (reply: BatchReply) => {
      if (reply.id === 0) {
        if (slot.worker === worker) slot.tid = reply.tid;
        return;
      }
      const batch = slot.batches.get(reply.id);
      if (!batch) return;
      slot.batches.delete(reply.id);
      slot.pendingJobs -= batch.count;
      if (slot.batches.size === 0) worker.unref();
      if (reply.results instanceof Uint8Array && reply.results.byteLength === replyBytes(batch.count, batch.withIds)) batch.resolve(reply.results);
      else batch.reject(new Error(`verify worker ${slot.index} failed a batch: ${reply.error ?? 'malformed reply'}`));
    });
    worker.on('messageerror', (error) => {
      crash = error;
      void worker.terminate(); // a reply we cannot read leaves its batch unanswerable
    });
    worker.on('error', (error) => {
      crash = error;
    });
    worker.on('exit', (code) => {
      if (slot.worker === worker) {
        slot.worker = undefined;
        slot.tid = undefined;
      }
      if (closing) return; // close() has already failed the pending batches
      const why = crash ? `crashed: ${crash.message}` : `exited with code ${code}`;
      const pending = slot.pendingJobs;
      if (slot.batches.size > 0) {
        failSlot(slot, new Error(`verify worker ${slot.index} ${why} (${pending} pending job(s) failed)`, { cause: crash }));
      }
    });
    worker.unref();
    slot.worker = worker;
    return worker;
  }

  function leastLoaded(): Slot {
    let best = slots[0]!;
    for (const slot of slots) if (slot.pendingJobs < best.pendingJobs) best = slot;
    return best;
  }

  function dispatch(jobs: readonly VerifyJob[], from: number, to: number, withIds: boolean): Promise<Uint8Array> {
    const buffer = packBatch(jobs, from, to);
    const slot = leastLoaded();
    const worker = slot.worker ?? spawn(slot);
    const id = nextBatchId++;
    const count = to - from;
    return new Promise<Uint8Array>((resolve, reject) => {
      slot.batches.set(id, { count, withIds, resolve, reject });
      slot.pendingJobs += count;
      worker.ref(); // pending work keeps the process alive
      const request: BatchRequest = { id, count, buffer, withIds };
      worker.postMessage(request, [buffer]);
    });
  }

  /** Sends the jobs in batches spread over the workers; resolves with each batch's reply, in order. */
  async function run(jobs: readonly VerifyJob[], withIds: boolean): Promise<Uint8Array[]> {
    if (closing) throw new Error('verify pool is closed');
    if (jobs.length === 0) return [];
    // Check every job before sending any, so a caller bug rejects the call without half of it in flight.
    jobs.forEach(({ wire, publicKey }, i) => {
      if (!(wire instanceof Uint8Array) || !(publicKey instanceof Uint8Array)) {
        throw new TypeError(`verify job ${i}: wire and publicKey must be Uint8Arrays`);
      }
    });
    // Spread one call over all workers, in batches of at least MIN_BATCH and at most maxBatch jobs.
    const batchSize = Math.min(maxBatch, Math.max(MIN_BATCH, Math.ceil(jobs.length / size)));
    const parts: Promise<Uint8Array>[] = [];
    for (let from = 0; from < jobs.length; from += batchSize) {
      parts.push(dispatch(jobs, from, Math.min(jobs.length, from + batchSize), withIds));
    }
    return Promise.all(parts);
  }

  /** Job count of a reply (its codes come first, 2 bytes each). */
  const countOf = (reply: Uint8Array, withIds: boolean) => reply.byteLength / (withIds ? 2 + TX_ID_BYTES : 2);

  async function verify(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    const replies = await run(jobs, false);
    const out = new Array<boolean>(jobs.length);
    let at = 0;
    for (const reply of replies) {
      const codes = new Uint16Array(reply.buffer, reply.byteOffset, countOf(reply, false));
      for (let i = 0; i < codes.length; i++) out[at++] = codes[i] === 0;
    }
    return out;
  }

  async function check(jobs: readonly VerifyJob[]): Promise<CheckResult> {
    const replies = await run(jobs, true);
    if (replies.length === 1) {
      const reply = replies[0]!;
      const count = countOf(reply, true);
      return { codes: new Uint16Array(reply.buffer, reply.byteOffset, count), ids: reply.subarray(2 * count) };
    }
    // Several batches: gather their codes and ids into one pair of arrays, in job order.
    const codes = new Uint16Array(jobs.length);
    const ids = new Uint8Array(TX_ID_BYTES * jobs.length);
    let at = 0;
    for (const reply of replies) {
      const count = countOf(reply, true);
      codes.set(new Uint16Array(reply.buffer, reply.byteOffset, count), at);
      ids.set(reply.subarray(2 * count), TX_ID_BYTES * at);
      at += count;
    }
    return { codes, ids };
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      const closed = new Error('verify pool closed');
      for (const slot of slots) failSlot(slot, closed);
      await Promise.all(slots.map((slot) => slot.worker?.terminate()));
      for (const slot of slots) slot.worker = undefined;
    })();
    return closing;
  }

  // Start every worker now, so loading tsx and the addon is not paid by the first call.
  for (const slot of slots) spawn(slot);

  const liveWorkers = () => slots.filter((slot) => slot.worker !== undefined).length;
  const threadIds = () => slots.flatMap((slot) => (slot.worker && slot.tid !== undefined ? [slot.tid] : []));
  const queuedJobs = () => slots.reduce((sum, slot) => sum + slot.pendingJobs, 0);
  return Object.freeze({ size, verify, check, liveWorkers, threadIds, queuedJobs, close });
}
