// The light peer benchmark (tools layer, Node only): `npm run bench:peer`
// [-- --devices N] [--seconds S] [--warmup S] [--no-fleet] [--no-xs]
//
// Prints, measured in one run on this machine:
//   1. the light peer's CPU cost per signed transaction (sample three sensors, encode,
//      sign, outbox, publish) and per verified header (decode, verify a 1-of-1 commit,
//      apply), through the peer's own API on in-memory ports (peer-workload.ts): on Node
//      with noble (the core's pure-JS provider) and with the native provider the desktop
//      fleet uses, and under XS with noble, with the XS/Node ratio (same code, same crypto:
//      the engine's cost; a device uses the native module of modules/ instead);
//   2. a fleet of N simulated devices (default 1,000), one reading per second each, each a
//      real light peer with file storage (no fsync; on tmpfs where there is one) and the MQTT
//      client over loopback TCP,
//      against a gateway in a child process (gateway-bench-child.ts: embedded broker, SQLite
//      with fsync, a block a second, rate limits out of the way) over a fixed window after
//      a warm-up (all devices connected, then --warmup seconds): the latency from sampling to
//      final on the device (p50, p99, max), the finals per second, the gateway's CPU (cores,
//      from /proc/<pid>/stat) and the fleet's.
// No assertions on time: it prints figures. Exits non-zero if the fixtures break or the
// engines disagree on the bytes of a transaction.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Permission } from '../../src/index.js';
import { type Fleet, openFleet } from '../../hosts/desktop/fleet.js';
import { LatencyHistogram } from '../../hosts/desktop/latency-histogram.js';
import { ProgressBar, ProgressLine } from '../cli/cli-support.js';
import { enrolledBy, enrollKeys } from '../cli/fleet-enroll.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { initChain } from '../gateway/data-dir.js';
import { runInXs } from '../xs/xs-runner.js';
import { nextMessage, spawnTs } from './bench-child.js';
import type { GatewayStats } from './gateway-bench-child.js';
import { cpuSeconds, grouped, machineTicks, table } from './gateway-bench-common.js';
import { PEER_BUDGETS, type PeerFigures, runPeerWorkload } from './peer-workload.js';

const XS_ENTRY = fileURLToPath(new URL('./peer-xs-entry.ts', import.meta.url));
/** Longest wait for the whole fleet to connect before the warm-up starts. */
const CONNECT_WAIT_S = 30;

interface Options {
  devices: number;
  seconds: number;
  warmup: number;
  fleet: boolean;
  xs: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { devices: 1000, seconds: 30, warmup: 5, fleet: true, xs: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const positive = () => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${arg} needs a positive number`);
      return n;
    };
    if (arg === '--devices') options.devices = Math.round(positive());
    else if (arg === '--seconds') options.seconds = positive();
    else if (arg === '--warmup') options.warmup = positive();
    else if (arg === '--no-fleet') options.fleet = false;
    else if (arg === '--no-xs') options.xs = false;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run bench:peer -- [--devices N (1000)] [--seconds S (30)] [--warmup S (5)] [--no-fleet] [--no-xs]');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  return options;
}

const sig3 = (x: number) => (!Number.isFinite(x) ? '–' : Math.abs(x) >= 100 ? grouped(Number(x.toPrecision(3))) : x.toPrecision(3));
const usPer = (ms: number, n: number) => (ms * 1000) / n;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- 1. per-operation cost, Node and XS ---------------------------------------------------------

async function peerCosts(options: Options): Promise<void> {
  console.log('1. light peer CPU cost through its API (in-memory ports; 3 sensors a sampling, 1 reading each; chain of 1 validator)');
  const nodeNoble = runPeerWorkload(PEER_BUDGETS.node);
  const nodeNative = runPeerWorkload(PEER_BUDGETS.node, createNativeCrypto());
  const rows: [string, PeerFigures][] = [['Node, noble (pure JS)', nodeNoble], ['Node, native libsecp256k1', nodeNative]];
  let xs: PeerFigures | undefined;
  if (options.xs) {
    const started = performance.now();
    const run = await runInXs<PeerFigures>(XS_ENTRY);
    xs = run.result;
    console.log(`   XS bundle ${grouped(run.bundleBytes)} bytes, XS run ${((performance.now() - started) / 1000).toFixed(1)} s wall (setup ${(xs.setupMs / 1000).toFixed(1)} s)`);
    rows.push(['XS, noble (pure JS)', xs]);
    if (xs.fingerprint !== nodeNoble.fingerprint) {
      throw new Error(`XS and Node disagree on the first transaction's bytes or the header chain:\n  node ${nodeNoble.fingerprint}\n  xs   ${xs.fingerprint}`);
    }
  }
  if (nodeNative.fingerprint !== nodeNoble.fingerprint) throw new Error('native and noble providers disagree on the bytes of a transaction');
  const ratio = (f: PeerFigures, pick: (f: PeerFigures) => number) => (xs && f === xs ? `×${sig3(pick(xs) / pick(nodeNoble))}` : '');
  const perTx = (f: PeerFigures) => usPer(f.txMs, f.txs);
  const perHeader = (f: PeerFigures) => usPer(f.headerMs, f.headers);
  console.log(table(
    ['engine, crypto', 'µs/signed tx', 'txs', 'XS/Node', 'µs/verified header', 'headers', 'XS/Node'],
    rows.map(([name, f]) => [name, sig3(perTx(f)), grouped(f.txs), ratio(f, perTx), sig3(perHeader(f)), grouped(f.headers), ratio(f, perHeader)]),
  ));
  console.log(`   identical transaction bytes and header chain on ${xs ? 'both engines and ' : ''}both providers (${nodeNoble.fingerprint.slice(0, 16)}…)\n`);
}

// ---- 2. a fleet against a gateway in a child process ---------------------------------------------------

async function fleetRun(options: Options): Promise<void> {
  console.log(`2. ${grouped(options.devices)} simulated devices, a reading a second each, against a gateway in its own process`);
  const crypto = createNativeCrypto();
  const root = mkdtempSync(join(os.tmpdir(), 'botpeer-peer-bench-'));
  // The devices' own storage (their "flash") in RAM where the machine has a tmpfs: creating
  // and unlinking a thousand small files a second on a disk that the gateway (and anything
  // else) fsyncs waits on the file system's journal, and that would measure this one disk,
  // not the protocol. The gateway's ledger stays on disk, fsynced, as deployed.
  const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/botpeer-peer-bench-') : undefined;
  const fleetRoot = shm ?? root;
  let gateway: ChildProcess | undefined;
  let fleet: Fleet | undefined;
  try {
    const chain = initChain(crypto, { dir: join(root, 'chain'), name: 'peer-bench', permission: Permission.PRIVATE, otherValidators: [] });
    gateway = spawnTs('gateway-bench-child.ts', { dataDir: chain.dir }, [], true);
    const ready = await nextMessage<{ pid: number; mqttUrl: string }>(gateway, 'ready', 60_000);
    const url = new URL(ready.mqttUrl);

    const openStart = performance.now();
    let warnings = 0;
    fleet = openFleet({
      dir: join(fleetRoot, 'fleet'), count: options.devices, genesis: chain.genesis, broker: { host: url.hostname, port: Number(url.port) }, crypto,
      durable: false, peer: { samplingIntervalMs: 1000 }, log: () => (level) => void (level >= 2 && warnings++),
    });
    const enrolStart = performance.now();
    const progress = new ProgressLine(process.stdout, 5000);
    const enrolBar = new ProgressBar(progress, '   enrolling', options.devices);
    const codes = await enrollKeys({
      crypto, chainId: chain.chainId, operator: chain.operatorKey!, brokerUrl: ready.mqttUrl, firstSeq: 1, timeoutMs: 30_000,
      burst: 1e9, perSecond: 1e9, // the bench gateway's rate limits are raised
      onProgress: (acked) => enrolBar.update(acked, 'acknowledged'),
    }, fleet.devices.map((d) => d.publicKey));
    enrolBar.done();
    if (!codes.every(enrolledBy)) throw new Error(`enrolment failed for ${codes.filter((c) => !enrolledBy(c)).length} devices`);
    console.log(`   device folders in ${shm ? 'RAM (tmpfs /dev/shm)' : 'the temp folder (no tmpfs here)'}, no fsync; the gateway's ledger on disk with fsync`);
    console.log(`   ${grouped(options.devices)} device folders and keys in ${((enrolStart - openStart) / 1000).toFixed(1)} s, enrolled in ${((performance.now() - enrolStart) / 1000).toFixed(1)} s`);

    const window = new LatencyHistogram();
    let inWindow = false;
    fleet.onEvent((_device, event) => {
      if (inWindow && event.type === 'final') window.add(event.latencyMs);
    });
    fleet.start();
    // Warm-up: every device connected (at most CONNECT_WAIT_S), then --warmup seconds of steady state.
    const startedAt = Date.now();
    const online = () => fleet!.totals().states.online ?? 0;
    while (online() < options.devices && Date.now() - startedAt < CONNECT_WAIT_S * 1000) await sleep(250);
    const connectedS = (Date.now() - startedAt) / 1000;
    await sleep(options.warmup * 1000);
    const onlineAtStart = online();

    const stats = async () => {
      gateway!.send({ cmd: 'stats' });
      return (await nextMessage<{ stats: GatewayStats }>(gateway!, 'stats', 10_000)).stats;
    };
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const before = { at: performance.now(), gateway: cpuSeconds(ready.pid) ?? Number.NaN, fleet: process.cpuUsage(), machine: machineTicks(), totals: fleet.totals(), stats: await stats() };
    inWindow = true;
    // The window's progress, a second at a time (one timer: nothing the figures would notice).
    const windowBar = new ProgressBar(progress, '   measuring (s)', options.seconds, { rate: false });
    const windowStart = Date.now();
    const tick = setInterval(() => windowBar.update(Math.min(options.seconds, Math.floor((Date.now() - windowStart) / 1000))), 1000);
    await sleep(options.seconds * 1000);
    clearInterval(tick);
    windowBar.update(options.seconds);
    windowBar.done();
    inWindow = false;
    loopDelay.disable();
    const after = { at: performance.now(), gateway: cpuSeconds(ready.pid) ?? Number.NaN, fleet: process.cpuUsage(before.fleet), machine: machineTicks(), totals: fleet.totals(), stats: await stats() };
    fleet.stop();

    const seconds = (after.at - before.at) / 1000;
    const c0 = before.totals.counters;
    const c1 = after.totals.counters;
    const gatewayCores = (after.gateway - before.gateway) / seconds;
    const fleetCores = (after.fleet.user + after.fleet.system) / 1e6 / seconds;
    const machineBusy = (after.machine.busy - before.machine.busy) / Math.max(1, after.machine.total - before.machine.total);
    const rejected = Object.entries(after.stats.rejected).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(', ') || 'none';
    console.log(`   all online after ${connectedS.toFixed(1)} s, then ${options.warmup} s of warm-up (${onlineAtStart} of ${options.devices} online at the window's start), then a ${seconds.toFixed(1)} s window:`);
    console.log(table(['figure', 'value'], [
      [`signed / s (offered: ${grouped(options.devices)})`, sig3((c1.signed - c0.signed) / seconds)],
      ['final on the devices / s', sig3((c1.final - c0.final) / seconds)],
      ['accepted by the gateway / s', sig3((after.stats.accepted - before.stats.accepted) / seconds)],
      ['sampling → final p50', `${(window.percentile(50) / 1000).toFixed(2)} s`],
      ['sampling → final p99', `${(window.percentile(99) / 1000).toFixed(2)} s`],
      ['sampling → final max', `${(window.max / 1000).toFixed(2)} s`],
      ['finals measured', grouped(window.count)],
      ['headers verified / s (all devices)', sig3((c1.headersVerified - c0.headersVerified) / seconds)],
      ['blocks in the window', grouped(after.stats.height - before.stats.height)],
      ['gateway CPU (cores)', sig3(gatewayCores)],
      ['fleet process CPU (cores)', sig3(fleetCores)],
      ['fleet event-loop delay p50 / p99', `${(loopDelay.percentile(50) / 1e6).toFixed(0)} / ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms`],
      [`whole machine busy (${os.cpus().length} cores)`, `${(machineBusy * 100).toFixed(0)} %`],
      ['gateway RSS', `${grouped(after.stats.memoryRss / 1048576)} MiB`],
      ['fleet process RSS', `${grouped(process.memoryUsage.rss() / 1048576)} MiB`],
      ['rejected by the gateway', rejected],
      ['rejected on the devices (tx, header, proof)', `${c1.rejected}, ${c1.headersRejected}, ${c1.proofsRejected}`],
      ['outboxes at the end', grouped(after.totals.outbox)],
      ['device warnings logged', grouped(warnings)],
    ]));
  } finally {
    fleet?.stop();
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway!.once('exit', resolve));
      gateway.send({ cmd: 'close' });
      await Promise.race([exited, sleep(10_000)]);
      if (gateway.exitCode === null) gateway.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`botpeer light peer benchmark: Node ${process.version}${options.xs ? ' vs XS (@agoric/xsnap)' : ''}`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.arch()}\n`);
  await peerCosts(options);
  if (options.fleet) await fleetRun(options);
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes on this machine count in the CPU figures)`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.stack || error.message : String(error)}`);
  process.exit(1);
}
