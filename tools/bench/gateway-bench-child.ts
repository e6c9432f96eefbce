// The gateway under benchmark, in a process of its own (tools layer, Node only), so
// its CPU can be read from /proc and the load generator does not share its event loop:
//
//   node --import=tsx tools/bench/gateway-bench-child.ts '{"dataDir":…,"brokerUrl":…?}'   (with an IPC channel)
//
// It starts startGateway as deployed (persistence on, blocks every second, verify pool
// on every core) with rate limits raised out of the way, and answers the parent over IPC:
//   → {cmd:'stats'}   ← {type:'stats', stats: GatewayStats}
//   → {cmd:'close'}   closes the gateway and exits 0 (so --cpu-prof can write its profile)
// It sends {type:'ready', pid, mqttUrl} once listening, {type:'error', message} if it could not start.
// With "floor": true it runs the transport floor (gateway-bench-floor.ts) instead of the gateway.
//
// It also times a few gateway steps from outside, by wrapping methods of the objects
// startGateway returns (no gateway file is changed): ingest.handle (header, sender
// lookup, rate limit, batching), Ingest's admit step (admission, pending append, acks),
// store.appendPending and store.commitBlock (SQLite with fsync), and producer.produce
// (a whole block: state, header, commit, store, proofs). Each wrapper costs two
// performance.now() calls.

import { performance } from 'node:perf_hooks';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { loadChain } from '../gateway/data-dir.js';
import { type GatewayOptions, startGateway } from '../gateway/gateway.js';
import { startFloorResponder } from './gateway-bench-floor.js';

export interface StepTime {
  calls: number;
  ms: number;
  items: number;
}

export interface GatewayStats {
  readonly received: number;
  readonly accepted: number;
  readonly rejected: Record<string, number>;
  readonly height: number;
  readonly pending: number;
  readonly pendingVerification: number;
  /** Main thread event-loop utilization counters (performance.eventLoopUtilization()). */
  readonly elu: { idle: number; active: number };
  readonly steps: Record<string, StepTime>;
  readonly memoryRss: number;
  /** OS thread ids of the verify workers (empty if the platform does not say). */
  readonly verifyThreads: number[];
}

type Config = Pick<GatewayOptions, 'dataDir' | 'brokerUrl' | 'producer' | 'verifyWorkers'> & {
  /** Run the transport floor (gateway-bench-floor.ts) in the gateway's place. */
  readonly floor?: boolean;
};

const send = (message: unknown): void => {
  process.send?.(message);
};

const steps: Record<string, StepTime> = {};

/** Replaces obj[name] with a timed wrapper; `count` says how many items one call handles. */
function timeMethod<T extends object>(obj: T, name: string, label: string, count: (args: unknown[]) => number = () => 1): void {
  const target = obj as unknown as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== 'function') return; // the gateway changed shape: that step is just not timed
  const step: StepTime = (steps[label] = { calls: 0, ms: 0, items: 0 });
  target[name] = function timed(this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      step.ms += performance.now() - start;
      step.calls++;
      step.items += count(args);
    }
  };
}

/** Answers the parent's stats and close commands. */
function serve(stats: () => GatewayStats, close: () => Promise<void>, mqttUrl: string): void {
  process.on('message', (message: { cmd?: string }) => {
    if (message.cmd === 'stats') {
      send({ type: 'stats', stats: stats() });
    } else if (message.cmd === 'close') {
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`close failed: ${String(error)}`);
          process.exit(3);
        },
      );
    }
  });
  send({ type: 'ready', pid: process.pid, mqttUrl });
}

const eventLoop = () => {
  const elu = performance.eventLoopUtilization();
  return { idle: elu.idle, active: elu.active };
};

async function runFloor(config: Config): Promise<void> {
  const { chainId } = loadChain(createNativeCrypto(), config.dataDir);
  const floor = await startFloorResponder(chainId, config.brokerUrl);
  serve(() => ({
    received: floor.stats.received, accepted: floor.stats.answered, rejected: { UNREADABLE: floor.stats.unreadable },
    height: 0, pending: 0, pendingVerification: 0, elu: eventLoop(), steps: {}, memoryRss: process.memoryUsage.rss(), verifyThreads: [],
  }), () => floor.close(), floor.mqttUrl);
}

async function runGateway(config: Config): Promise<void> {
  const gateway = await startGateway({
    ...config,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    // The flood defence is not what is measured: one bench device sends thousands per second.
    rateLimits: { perSecond: 1e9, burst: 1e9, floodRejections: Number.MAX_SAFE_INTEGER },
  });
  const lengthOf = (args: unknown[]) => (Array.isArray(args[0]) ? args[0].length : 1);
  timeMethod(gateway.ingest, 'handle', 'ingest.handle (header, limits, batch)');
  timeMethod(gateway.ingest, 'admit', 'ingest admit (admission, append, acks)', lengthOf);
  timeMethod(gateway.store, 'appendPending', 'store.appendPending (SQLite + fsync)', lengthOf);
  timeMethod(gateway.store, 'commitBlock', 'store.commitBlock (SQLite + fsync)', (args) => (args[0] as { txCount: number }).txCount);
  timeMethod(gateway.producer, 'produce', 'producer.produce (whole block)');

  serve(() => ({
    received: gateway.ingest.stats.received,
    accepted: gateway.ingest.stats.accepted,
    rejected: { ...gateway.ingest.stats.rejected },
    height: gateway.producer.height,
    pending: gateway.producer.pendingCount,
    pendingVerification: gateway.ingest.pendingVerification,
    elu: eventLoop(),
    steps: structuredClone(steps),
    memoryRss: process.memoryUsage.rss(),
    verifyThreads: gateway.verifyThreadIds(),
  }), () => gateway.close(), gateway.mqttUrl);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('gateway-bench-child.ts needs an IPC channel (spawn it with stdio "ipc")');
  const config = JSON.parse(process.argv[2] ?? '{}') as Config;
  await (config.floor ? runFloor(config) : runGateway(config));
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exitCode = 2;
  setTimeout(() => process.exit(2), 100);
});
