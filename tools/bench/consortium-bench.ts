// The consortium benchmark (tools layer, Node only): `npm run bench:consortium`
// [-- --devices N] [--seconds S] [--warmup S] [--window W] [--rate TX_PER_S] [--max-rate TX_PER_S]
//
// Measures, in one run on this machine, the same load (gateway-bench-load.ts: N lean MQTT
// devices publishing pre-signed 1-reading transactions at QoS 1, at most W unacknowledged each,
// the proof being the positive ack) against
//   1. the solo gateway (gateway-bench-child.ts: startGateway, SQLite with fsync, a block a second);
//   2. a consortium of 4 members (threshold 3) in one process (consortium-bench-child.ts), ordered
//      by a 3-node NATS JetStream cluster (R3 streams), the devices spread over the members' brokers;
// and prints for each: accepted tx/s, publish → final (proof received) latency p50/p99, and where
// the CPU went (from /proc/<pid>/stat, utime+stime, read at the window's start and end): the
// gateway or the members' process, the three nats-servers, the load generator; per accepted tx.
// Then the consortium's rate as a share of the solo gateway's. No assertions on time.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Permission, bytesToHex, type CryptoProvider } from '../../src/index.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { initChain } from '../gateway/data-dir.js';
import { initConsortium } from '../gateway/consortium/consortium-init.js';
import { NATS_INSTALL_HINT, type NatsCluster, findNatsServer, startNatsCluster } from '../nats/nats-cluster.js';
import { exitOf, nextMessage, send, signStock, spawnTs } from './bench-child.js';
import { benchDevice, cpuSeconds, grouped, machineTicks, readingTx, readClockTicks, table } from './gateway-bench-common.js';
import { type Ceiling, verifyCeiling } from './verify-ceiling.js';
import type { LoadConfig, LoadResult } from './gateway-bench-load.js';

interface Options {
  devices: number;
  seconds: number;
  warmup: number;
  window: number;
  rate: number;
  maxRate: number;
}

const MEMBERS = 4;
const THRESHOLD = 3;
const NATS_NODES = 3;

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { devices: 40, seconds: 10, warmup: 3, window: 400, rate: 0, maxRate: 20_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${arg} needs a positive number`);
      return n;
    };
    if (arg === '--devices') options.devices = Math.round(value());
    else if (arg === '--seconds') options.seconds = value();
    else if (arg === '--warmup') options.warmup = value();
    else if (arg === '--window') options.window = Math.round(value());
    else if (arg === '--rate') options.rate = value();
    else if (arg === '--max-rate') options.maxRate = value();
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run bench:consortium -- [--devices N] [--seconds S] [--warmup S] [--window W] [--rate TX_PER_S] [--max-rate TX_PER_S (sizes the solo gateway\'s pre-signed stock; default 20000)]');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  return options;
}

interface Cpu {
  readonly server: number;
  readonly nats: number;
  readonly load: number;
  readonly machine: { busy: number; total: number };
}

interface Phase {
  readonly name: string;
  readonly load: LoadResult;
  readonly seconds: number;
  readonly start: Cpu;
  readonly end: Cpu;
  readonly blocks: string;
}

const sumCpu = (pids: readonly (number | undefined)[]) => pids.reduce<number>((s, pid) => s + (pid === undefined ? 0 : cpuSeconds(pid) ?? 0), 0);

/** Runs the load against a server child (the solo gateway or the members) and reads the CPU over the measured window. */
async function runPhase(
  name: string, serverPid: number, natsPids: () => (number | undefined)[], load: LoadConfig, options: Options, blocks: () => Promise<string>,
): Promise<Phase> {
  const generator = spawnTs('gateway-bench-load.ts', load, [], true);
  try {
    const windowStart = nextMessage(generator, 'window-start', 120_000);
    windowStart.catch(() => {});
    await nextMessage(generator, 'connected', 60_000);
    await windowStart;
    const cpu = (): Cpu => ({ server: cpuSeconds(serverPid) ?? Number.NaN, nats: sumCpu(natsPids()), load: cpuSeconds(generator.pid!) ?? Number.NaN, machine: machineTicks() });
    const startAt = performance.now();
    const start = cpu();
    const windowEnd = nextMessage(generator, 'window-end', options.seconds * 1000 + 60_000);
    windowEnd.catch(() => {});
    const resultMessage = nextMessage<{ result: LoadResult }>(generator, 'result', options.seconds * 1000 + 120_000);
    resultMessage.catch(() => {});
    await windowEnd;
    const end = cpu();
    const seconds = (performance.now() - startAt) / 1000;
    const { result } = await resultMessage;
    await exitOf(generator);
    return { name, load: result, seconds, start, end, blocks: await blocks() };
  } finally {
    if (generator.exitCode === null) generator.kill('SIGKILL');
  }
}

async function closeChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  if (child.connected) send(child, { cmd: 'close' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exitOf(child);
  clearTimeout(timer);
}

async function solo(crypto: CryptoProvider, work: string, options: Options, perDevice: number): Promise<Phase> {
  const dataDir = join(work, 'solo');
  const chain = initChain(crypto, { dir: dataDir, name: 'bench-solo', permission: Permission.PRIVATE, otherValidators: [] });
  const stockFiles = await signStock(bytesToHex(chain.chainId), work, options.devices, perDevice, Math.floor(Date.now() / 1000));
  const gateway = spawnTs('gateway-bench-child.ts', { dataDir }, [], true);
  try {
    const ready = await nextMessage<{ pid: number; mqttUrl: string }>(gateway, 'ready', 60_000);
    console.log(`solo gateway: ${options.warmup} s warm-up + ${options.seconds} s measured…`);
    return await runPhase('solo gateway', ready.pid, () => [], {
      url: ready.mqttUrl, chainDir: dataDir, devices: options.devices, perDevice, stockFiles, window: options.window, rate: options.rate,
      persistentSessions: false, warmupMs: options.warmup * 1000, measureMs: options.seconds * 1000, drainMs: 15_000,
    }, options, async () => {
      const reply = nextMessage<{ stats: { height: number } }>(gateway, 'stats', 10_000);
      send(gateway, { cmd: 'stats' });
      return `height ${(await reply).stats.height}`;
    });
  } finally {
    await closeChild(gateway);
  }
}

async function consortium(crypto: CryptoProvider, work: string, options: Options, perDevice: number): Promise<Phase> {
  const dir = join(work, 'consortium');
  const files = initConsortium(crypto, { dir, name: 'bench-consortium', members: MEMBERS, threshold: THRESHOLD });
  const stockFiles = await signStock(bytesToHex(files.members[0]!.chainId), work, options.devices, perDevice, Math.floor(Date.now() / 1000));
  let cluster: NatsCluster | undefined;
  let members: ChildProcess | undefined;
  try {
    cluster = await startNatsCluster({ nodes: NATS_NODES, dir: join(work, 'nats') });
    members = spawnTs('consortium-bench-child.ts', { dirs: files.members.map((m) => m.dir), natsUrls: cluster.urls, intervalMs: 1000 }, process.env.BOTPEER_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BOTPEER_BENCH_PROFILE}`] : [], true);
    const ready = await nextMessage<{ pid: number; mqttUrls: string[] }>(members, 'ready', 60_000);
    console.log(`consortium (${MEMBERS} members, threshold ${THRESHOLD}, ${NATS_NODES} NATS nodes, R3): ${options.warmup} s warm-up + ${options.seconds} s measured…`);
    const c = cluster;
    const m = members;
    return await runPhase('consortium', ready.pid, () => Array.from({ length: NATS_NODES }, (_, i) => c.node(i).pid), {
      url: ready.mqttUrls[0]!, urls: ready.mqttUrls, chainDir: files.members[0]!.dir, operatorKeyFile: join(dir, 'operator.key'),
      devices: options.devices, perDevice, stockFiles, window: options.window, rate: options.rate,
      persistentSessions: false, warmupMs: options.warmup * 1000, measureMs: options.seconds * 1000, drainMs: 20_000,
    }, options, async () => {
      const reply = nextMessage<{ stats: { heights: number[] } }>(m, 'stats', 10_000);
      send(m, { cmd: 'stats' });
      return `heights ${(await reply).stats.heights.join('/')}`;
    });
  } finally {
    if (members) await closeChild(members);
    await cluster?.close();
  }
}

const fixed = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

function report(phases: readonly Phase[], verify: Ceiling): void {
  const rate = (p: Phase) => p.load.okInWindow / (p.load.measuredMs / 1000);
  const cores = (p: Phase, k: 'server' | 'nats' | 'load') => (p.end[k] - p.start[k]) / p.seconds;
  const perTx = (p: Phase, k: 'server' | 'nats' | 'load') => (1e6 * (p.end[k] - p.start[k])) / Math.max(1, p.load.okInWindow);
  const machine = (p: Phase) => ((p.end.machine.busy - p.start.machine.busy) / Math.max(1, p.end.machine.total - p.start.machine.total)) * os.cpus().length;
  const rejected = (p: Phase) => Object.entries(p.load.rejectedInWindow).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  console.log(table(['', ...phases.map((p) => p.name)], [
    ['accepted tx/s (proof received)', ...phases.map((p) => grouped(rate(p)))],
    ['publish → final p50', ...phases.map((p) => `${fixed(p.load.proofLatency.p50)} ms`)],
    ['publish → final p99', ...phases.map((p) => `${fixed(p.load.proofLatency.p99)} ms`)],
    ['proofs of the window / published', ...phases.map((p) => `${grouped(p.load.proofsOfWindow)} / ${grouped(p.load.publishedInWindow)}`)],
    ['rejected in the window', ...phases.map(rejected)],
    ['blocks at the end', ...phases.map((p) => p.blocks)],
    ['CPU: gateway / members (cores)', ...phases.map((p) => fixed(cores(p, 'server'), 2))],
    ['CPU: NATS cluster (cores)', ...phases.map((p) => (p.name === 'consortium' ? fixed(cores(p, 'nats'), 2) : '–'))],
    ['CPU: load generator (cores)', ...phases.map((p) => fixed(cores(p, 'load'), 2))],
    ['CPU: whole machine (cores)', ...phases.map((p) => fixed(machine(p), 2))],
    ['µs CPU per tx: gateway / members', ...phases.map((p) => fixed(perTx(p, 'server')))],
    ['µs CPU per tx: NATS', ...phases.map((p) => (p.name === 'consortium' ? fixed(perTx(p, 'nats')) : '–'))],
    // Issue 11's goal, per gateway: each member verifies and admits every transaction, so a member's share is the members' CPU ÷ members.
    ['CPU per tx per gateway ÷ verify (goal ≤ 1.5)', ...phases.map((p) => `${fixed(perTx(p, 'server') / (p.name === 'consortium' ? MEMBERS : 1) / verify.cpuPerTx, 2)}×`)],
  ]));
  console.log(`verify alone (decode + native signature + id, ${verify.workers} workers, measured in this run): ${fixed(verify.cpuPerTx)} µs CPU per transaction, ${grouped(verify.txPerS)} tx/s`);
  const [a, b] = phases;
  if (a && b) {
    const natsShare = (b.end.nats - b.start.nats) / Math.max(1e-9, b.end.server - b.start.server + b.end.nats - b.start.nats);
    console.log(`\nconsortium / solo: ${fixed((100 * rate(b)) / Math.max(1e-9, rate(a)), 1)} % of the solo gateway's accepted rate; ` +
      `the NATS cluster took ${fixed(100 * natsShare, 1)} % of the consortium's CPU (members + NATS)`);
  }
  for (const p of phases) if (p.load.exhausted > 0) console.log(`WARNING: ${p.name}: pre-signed stock ran out for ${p.load.exhausted} devices: raise --max-rate`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (findNatsServer() === undefined) throw new Error(NATS_INSTALL_HINT);
  readClockTicks();
  const cpus = os.cpus();
  console.log(`botpeer consortium benchmark: Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, load average ${fixed(os.loadavg()[0] ?? 0, 2)} at start`);
  console.log(`load: ${options.devices} devices, at most ${options.window} transactions each without a proof or reject${options.rate > 0 ? `, paced at ${grouped(options.rate)} tx/s` : ''}; ` +
    `solo gateway vs ${MEMBERS} members (threshold ${THRESHOLD}) on ${NATS_NODES} NATS nodes, all on this machine, a block every 1000 ms`);
  const crypto = createNativeCrypto();
  const stockFor = (rate: number) => Math.ceil((rate * (options.warmup + options.seconds) * 1.2) / options.devices) + options.window;
  const work = mkdtempSync(join(os.tmpdir(), 'botpeer-consortium-bench-'));
  try {
    const phases = [await solo(crypto, work, options, stockFor(options.rate || options.maxRate))];
    rmSync(join(work, 'solo'), { recursive: true, force: true });
    // The consortium's stock from the solo gateway's measured rate (with room to spare): less signing.
    const soloRate = phases[0]!.load.okInWindow / (phases[0]!.load.measuredMs / 1000);
    phases.push(await consortium(crypto, work, options, stockFor(options.rate || Math.max(1000, 1.5 * soloRate))));
    // The baseline: the verify pool alone, on the same machine in the same run.
    const chainId = new Uint8Array(8).fill(7);
    const jobs = Array.from({ length: 2000 }, (_, i) => {
      const device = benchDevice(crypto, i % 50);
      return { wire: readingTx(crypto, chainId, device, 1 + Math.floor(i / 50), Math.floor(Date.now() / 1000)), publicKey: device.publicKey };
    });
    const verify = await verifyCeiling(chainId, jobs, 3000);
    console.log('');
    report(phases, verify);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.stack || error.message : String(error)}`);
  process.exitCode = 1;
}
