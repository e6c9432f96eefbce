// A fleet of simulated devices in one Node process (desktop host layer): N light
// peers (device.ts), each in its own folder under the fleet's, sharing one crypto
// provider. The native one (libsecp256k1) signs the same bytes as noble, about
// twenty times faster, so a laptop can play a thousand devices.
//
//   <dir>/chain             the chain id (hex) the fleet belongs to; a fleet folder
//                           is never reused for another chain (its trusted headers,
//                           keys and outboxes would mean nothing there)
//   <dir>/device-0001/ …    one folder per device (see device.ts)
//
// Devices start spread over one sampling interval (at most MAX_STAGGER_MS) rather than
// all at once, so a thousand of them sign, send and verify evenly instead of in a burst
// every second, and no device waits long for its turn to connect.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CryptoProvider, type Genesis, bytesToHex, chainIdOf } from '../../src/index.js';
import type { PeerEvent, PeerStatus } from '../../src/peer/index.js';
import { type Log, LogLevel, type Sensor } from '../../src/ports/index.js';
import { createNativeCrypto } from '../node/crypto-secp256k1-node.js';
import { createNodeClock } from './clock-node.js';
import { type BrokerAddress, type Device, type MqttOptions, type PeerOptions, openDevice } from './device.js';
import { LatencyHistogram } from './latency-histogram.js';
import { createNodeLog } from './log-node.js';
import { nodeRandom } from './random-node.js';
import { writeFileAtomic } from './store-file-node.js';

export interface FleetOptions {
  readonly dir: string;
  readonly count: number;
  readonly genesis: Genesis;
  readonly broker: BrokerAddress;
  /** Each device's broker by its index (0-based), when they are spread over several (a consortium's members); default `broker`. */
  readonly brokerOf?: (index: number) => BrokerAddress;
  /** Default: the native provider (hosts/node/crypto-secp256k1-node.ts). */
  readonly crypto?: CryptoProvider;
  readonly peer?: PeerOptions;
  readonly mqtt?: MqttOptions;
  /** fsync every device write (default true); see store-file-node.ts. */
  readonly durable?: boolean;
  /** Each device's log (default: warnings and errors to stderr, prefixed with the device id). */
  readonly log?: (idHex: string) => Log;
  /** Spread the devices' starts over one sampling interval, at most MAX_STAGGER_MS (default true). */
  readonly stagger?: boolean;
  /**
   * A device's own settings over `peer` (its watch rules, say), by its index (0-based), given the
   * devices opened before it (their ids); undefined: `peer`.
   */
  readonly peerOf?: (index: number, opened: readonly Device[]) => PeerOptions | undefined;
  /** A device's own sensors by its index; undefined: the simulated ones seeded by its id. */
  readonly sensorsOf?: (index: number, now: () => number) => readonly Sensor[] | undefined;
}

export type PeerCounters = PeerStatus['counters'];

export interface FleetTotals {
  readonly devices: number;
  /** Devices per peer state. */
  readonly states: Readonly<Record<string, number>>;
  readonly counters: PeerCounters;
  /** Signed transactions not final yet, over all outboxes. */
  readonly outbox: number;
  /** Readings taken but not signed yet (a batch still filling; lost if the fleet stops now). */
  readonly unsigned: number;
  /** Sampling of a transaction's first reading → final on its device. */
  readonly latency: LatencyHistogram;
}

export interface Fleet {
  readonly dir: string;
  readonly chainId: Uint8Array;
  readonly devices: readonly Device[];
  readonly running: boolean;
  start(): void;
  /**
   * Stops taking readings and waits (at most `maxMs`, or until `cancel` resolves) until every
   * batch still filling is signed (at the next sampling round, which finds the sensors off)
   * and every outbox is empty: what was taken becomes final before the fleet stops. Resolves
   * to whether that happened. The peers keep running; call stop() afterwards.
   */
  drain(maxMs: number, cancel?: Promise<unknown>): Promise<boolean>;
  /** Stops every peer; outboxes and state stay on disk for the next run. */
  stop(): void;
  totals(): FleetTotals;
  onEvent(listener: (device: Device, event: PeerEvent) => void): () => void;
}

export const MAX_FLEET = 10_000;
export const MAX_STAGGER_MS = 2000;
export const deviceFolder = (index: number): string => `device-${String(index).padStart(4, '0')}`;

/** Throws when the folder belongs to another chain; records the chain on first use. */
export function claimFleetDir(dir: string, chainHex: string, durable = true): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'chain');
  if (existsSync(path)) {
    const owner = readFileSync(path, 'utf8').trim();
    if (owner !== chainHex) throw new FleetDirError(dir, owner, chainHex);
    return;
  }
  writeFileAtomic(dir, 'chain', new TextEncoder().encode(chainHex + '\n'), durable);
}

export class FleetDirError extends Error {
  constructor(readonly dir: string, readonly owner: string, readonly chainHex: string) {
    super(`the fleet folder ${dir} belongs to chain ${owner}, not ${chainHex}: use another folder or delete it`);
    this.name = 'FleetDirError';
  }
}

export function openFleet(options: FleetOptions): Fleet {
  if (!Number.isSafeInteger(options.count) || options.count < 1 || options.count > MAX_FLEET) {
    throw new RangeError(`a fleet has 1 to ${MAX_FLEET} devices`);
  }
  const crypto = options.crypto ?? createNativeCrypto();
  const chainId = chainIdOf(crypto, options.genesis);
  const durable = options.durable ?? true;
  claimFleetDir(options.dir, bytesToHex(chainId), durable);
  // Unref'd timers: a timer a stopped peer left behind can never hold the process open.
  const clock = createNodeClock({ unref: true });
  const makeLog = options.log ?? ((idHex: string) => createNodeLog({ level: LogLevel.WARN, prefix: idHex }));

  const devices: Device[] = [];
  for (let i = 1; i <= options.count; i++) {
    const dir = join(options.dir, deviceFolder(i));
    let log: Log = () => {};
    // The device id is known only once its key is loaded: the log is bound just after.
    const own = options.peerOf?.(i - 1, devices);
    const peer = own ? { ...options.peer, ...own } : options.peer;
    const sensors = options.sensorsOf?.(i - 1, () => clock.now());
    const device = openDevice({
      dir, genesis: options.genesis, broker: options.brokerOf?.(i - 1) ?? options.broker, crypto, clock, random: nodeRandom, durable,
      log: (level, message) => log(level, message),
      ...(peer ? { peer } : {}),
      ...(sensors ? { sensors } : {}),
      ...(options.mqtt ? { mqtt: options.mqtt } : {}),
    });
    log = makeLog(device.idHex);
    devices.push(device);
  }

  const listeners = new Set<(device: Device, event: PeerEvent) => void>();
  const latency = new LatencyHistogram();
  // Readings each device signed, against its count of readings taken: the difference is a batch still filling.
  const signedReadings = new Map<Device, number>();
  for (const device of devices) {
    device.onEvent((event) => {
      if (event.type === 'final') latency.add(event.latencyMs);
      else if (event.type === 'signed') signedReadings.set(device, (signedReadings.get(device) ?? 0) + event.readings);
      for (const listener of listeners) listener(device, event);
    });
  }

  const totals = (): FleetTotals => {
    const states: Record<string, number> = {};
    const counters: Record<string, number> = {};
    let outbox = 0;
    let unsigned = 0;
    for (const device of devices) {
      const status = device.status();
      unsigned += status.counters.sampled - (signedReadings.get(device) ?? 0);
      states[status.state] = (states[status.state] ?? 0) + 1;
      for (const [name, value] of Object.entries(status.counters)) counters[name] = (counters[name] ?? 0) + (value as number);
      outbox += status.outbox;
    }
    return { devices: devices.length, states, counters: counters as unknown as PeerCounters, outbox, unsigned, latency };
  };

  let running = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const pendingStarts: (() => void)[] = [];
  const started = new Set<Device>();

  return {
    dir: options.dir,
    chainId,
    devices,
    totals,
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      // The peers' timers are unref'd; this one keeps the process alive while the fleet runs.
      keepAlive = setInterval(() => {}, 1 << 30);
      const spreadMs = options.stagger === false ? 0 : Math.min(MAX_STAGGER_MS, devices[0]!.config.samplingIntervalMs);
      devices.forEach((device, i) => {
        const startOne = () => {
          started.add(device);
          device.start();
        };
        const delay = Math.floor((i * spreadMs) / devices.length);
        if (delay === 0) startOne();
        else pendingStarts.push(clock.setTimer(delay, startOne));
      });
    },
    async drain(maxMs, cancel) {
      for (const device of devices) device.setSampling(false);
      let cancelled = false;
      void cancel?.then(() => (cancelled = true));
      const deadline = Date.now() + maxMs;
      const settled = () => {
        const { outbox, unsigned } = totals();
        return outbox === 0 && unsigned === 0;
      };
      while (!settled() && Date.now() < deadline && !cancelled) await new Promise((resolve) => setTimeout(resolve, 50));
      return settled();
    },
    stop() {
      for (const device of devices) device.setSampling(true); // a later start() samples again
      if (!running) return;
      running = false;
      for (const cancel of pendingStarts.splice(0)) cancel();
      for (const device of started) device.stop();
      started.clear();
      clearInterval(keepAlive);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
