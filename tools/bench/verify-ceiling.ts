// The verify ceiling (tools layer, benchmarks): what the gateway's verify pool alone does on this
// machine — strict decode + native signature check + transaction id, on every core — and its CPU
// per transaction: the baseline that the gateway and consortium benchmarks divide by (issue 11's
// goal: everything a gateway spends per transaction at most 1.5× this).

import os from 'node:os';
import { type VerifyJob, createVerifyPool } from '../gateway/verify-pool.js';
import { cpuSeconds, machineTicks } from './gateway-bench-common.js';

export interface Ceiling {
  readonly txPerS: number;
  readonly workers: number;
  readonly verified: number;
  /** CPU this process (dispatch + worker threads) spent per verified transaction, µs. */
  readonly cpuPerTx: number;
  /** CPU that other processes on this machine took meanwhile (cores): a loaded machine lowers the ceiling. */
  readonly othersCores: number;
}

/** Verifies `jobs` over and over for `ms` on a pool of one worker per core. */
export async function verifyCeiling(chainId: Uint8Array, jobs: readonly VerifyJob[], ms: number): Promise<Ceiling> {
  const workers = os.availableParallelism();
  const pool = createVerifyPool({ chainId, workers });
  try {
    // check(), as ingest calls it: strict decode + signature + transaction id, the workers' whole job.
    const allOk = (codes: Uint16Array) => codes.every((code) => code === 0);
    const warm = await pool.check(jobs); // loads tsx and the addon in every worker, warms the JIT
    if (!allOk(warm.codes)) throw new Error('bench fixture broken: the pool rejected a valid transaction');
    let verified = 0;
    const machineStart = machineTicks();
    const ownStart = cpuSeconds(process.pid) ?? 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      const { codes } = await pool.check(jobs);
      if (!allOk(codes)) throw new Error('bench fixture broken: the pool rejected a valid transaction');
      verified += codes.length;
    }
    const seconds = (performance.now() - start) / 1000;
    const machineEnd = machineTicks();
    const machineCores = ((machineEnd.busy - machineStart.busy) / Math.max(1, machineEnd.total - machineStart.total)) * os.cpus().length;
    const ownSeconds = (cpuSeconds(process.pid) ?? 0) - ownStart;
    const own = ownSeconds / seconds;
    return { txPerS: verified / seconds, workers, verified, cpuPerTx: (1e6 * ownSeconds) / verified, othersCores: Math.max(0, machineCores - own) };
  } finally {
    await pool.close();
  }
}
