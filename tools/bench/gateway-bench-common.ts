// Shared parts of the gateway benchmark (tools layer, Node only): the devices'
// deterministic keys and transactions, the pre-signed stock file, /proc CPU
// readers, percentiles and the table printer. See gateway-bench.ts.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import {
  type CryptoProvider, Quantity, TxKind, ascii, encodeTx, keyId, readingsBody, signTx,
} from '../../src/index.js';

export interface BenchDevice {
  readonly index: number;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly id: Uint8Array;
}

/** Device i's key: the same in every process of one bench run and across runs. */
export function benchDevice(crypto: CryptoProvider, index: number): BenchDevice {
  const privateKey = crypto.sha256(ascii(`botpeer gateway bench device ${index}`));
  const publicKey = crypto.publicKey(privateKey);
  return { index, privateKey, publicKey, id: keyId(crypto, publicKey) };
}

/** One reading, signed: the transaction every simulated device sends. `time` is fixed per run, so the bytes are too. */
export function readingTx(crypto: CryptoProvider, chainId: Uint8Array, device: BenchDevice, seq: number, time: number): Uint8Array {
  return encodeTx(signTx(crypto, chainId, {
    kind: TxKind.READINGS,
    sender: device.id,
    seq,
    time,
    body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2000 + ((seq * 37 + device.index) % 500)] }]),
  }, device.privateKey));
}

// ---- the stock file: for each device of a range, seq 1..perDevice, each as u16 length + wire ----

export function encodeStock(wires: readonly Uint8Array[]): Buffer {
  const total = wires.reduce((s, w) => s + 2 + w.length, 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const wire of wires) {
    out.writeUInt16BE(wire.length, at);
    out.set(wire, at + 2);
    at += 2 + wire.length;
  }
  return out;
}

/** Splits a stock file into per-device lists of `perDevice` wires (index 0 = seq 1). */
export function decodeStock(path: string, perDevice: number): Uint8Array[][] {
  const data = readFileSync(path);
  const devices: Uint8Array[][] = [];
  let at = 0;
  while (at < data.length) {
    const wires: Uint8Array[] = [];
    for (let i = 0; i < perDevice; i++) {
      const length = data.readUInt16BE(at);
      wires.push(new Uint8Array(data.buffer, data.byteOffset + at + 2, length));
      at += 2 + length;
    }
    devices.push(wires);
  }
  return devices;
}

// ---- CPU from /proc (Linux) ----

let ticksPerSecond = 100; // CLK_TCK: 100 on every Linux this runs on; readClockTicks asks the system
/** Takes CLK_TCK from `getconf` (keeps 100 when it cannot). */
export function readClockTicks(): void {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isFinite(ticks) && ticks > 0) ticksPerSecond = ticks;
  } catch {
    // keep 100
  }
}

/** utime + stime of a process (all its threads) or of one thread, in seconds; undefined if gone. */
export function cpuSeconds(pid: number, tid?: number): number | undefined {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces: parse after its closing parenthesis; utime, stime are fields 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * A thread's scheduler account from /proc/<pid>/task/<tid>/schedstat: seconds on a CPU and seconds
 * runnable but waiting for one (the run queue). Wall time minus both is time blocked (I/O, fsync) or idle.
 */
export function schedSeconds(pid: number, tid = pid): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return run === undefined || wait === undefined ? undefined : { run: run / 1e9, wait: wait / 1e9 };
  } catch {
    return undefined;
  }
}

/** Per-thread CPU seconds of a process, keyed "tid name". */
export function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const s = cpuSeconds(pid, Number(tid));
    let name = '?';
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      // thread gone
    }
    if (s !== undefined) out.set(`${tid} ${name}`, s);
  }
  return out;
}

/** Whole-machine busy and total jiffies from /proc/stat's first line. */
export function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** The pid of the mosquitto whose generated config listens on `port` (test/support/mosquitto.ts does not expose it). */
export function findMosquittoPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('mosquitto')) continue;
      const config = argv[argv.indexOf('-c') + 1];
      if (config && readFileSync(config, 'utf8').includes(`listener ${port} `)) return Number(entry);
    } catch {
      // not ours, or gone
    }
  }
  return undefined;
}

// ---- figures ----

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const grouped = (n: number): string => (Number.isFinite(n) ? String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : '–');

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
