// Running a simulated fleet from the command line (tools layer, Node only), shared
// by `botpeer sim` (devices against a running gateway) and `botpeer start`
// (gateway and devices in one process): open the fleet folder, enrol the devices
// not enrolled yet, then run with a live progress line until the duration is up or
// SIGINT/SIGTERM, stop cleanly and print a summary. Stopping keeps every signed
// transaction that is not final yet in its device's outbox: the next run sends it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Permission, type CryptoProvider, type Genesis, type KeyPair, LogLevel, bytesToHex, equalBytes, errorName, formatReading, keyId,
} from '../../src/index.js';
import { type BrokerAddress, type MqttOptions, type PeerOptions } from '../../hosts/desktop/device.js';
import { type Fleet, FleetDirError, type FleetOptions, type FleetTotals, openFleet } from '../../hosts/desktop/fleet.js';
import { createNodeLog } from '../../hosts/desktop/log-node.js';
import { readOperatorKey } from '../gateway/data-dir.js';
import { CliError, ProgressBar, ProgressLine, openLedger } from './cli-support.js';
import { enrolledBy, enrollKeys } from './fleet-enroll.js';

export interface FleetSetup {
  readonly crypto: CryptoProvider;
  readonly genesis: Genesis;
  readonly chainId: Uint8Array;
  readonly dataDir: string;
  readonly fleetDir: string;
  readonly count: number;
  readonly brokerUrl: string;
  /** Each device's broker by its index (0-based), when they are spread over several; default brokerUrl. */
  readonly brokerOf?: (index: number) => string;
  /**
   * Enrols the devices not enrolled yet (their indices and keys), resolving to each one's ack code;
   * default: with the operator key through brokerUrl. A consortium's members each enrol their own.
   */
  readonly enrol?: (missing: readonly { readonly index: number; readonly publicKey: Uint8Array }[]) => Promise<(number | undefined)[]>;
  readonly peer: PeerOptions;
  readonly mqtt?: MqttOptions;
  readonly durable: boolean;
  /** The operator key file (default <data>/keys/operator.key); read only if a device needs enrolling. */
  readonly operatorKeyPath?: string;
  /** The operator account's next sequence number, asked only if a device needs enrolling. */
  readonly operatorNextSeq: (operatorId: Uint8Array) => Promise<number>;
  readonly timeoutMs: number;
  readonly enrollPace?: { readonly burst: number; readonly perSecond: number };
  /** Per-device settings and sensors (FleetOptions.peerOf, sensorsOf): the --democracy demo. */
  readonly peerOf?: FleetOptions['peerOf'];
  readonly sensorsOf?: FleetOptions['sensorsOf'];
}

type Out = (line: string) => void;

export function brokerAddress(url: string): BrokerAddress {
  const parsed = new URL(url);
  // An IPv6 literal comes bracketed in a URL, not in a socket address.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port === '' ? 1883 : Number(parsed.port) };
}

/** Opens (or creates) the fleet's folders and enrols the devices that are not enrolled on this chain yet. */
export async function prepareFleet(setup: FleetSetup, out: Out, progress: ProgressLine): Promise<Fleet> {
  let fleet: Fleet;
  try {
    fleet = openFleet({
      dir: setup.fleetDir, count: setup.count, genesis: setup.genesis, broker: brokerAddress(setup.brokerUrl), crypto: setup.crypto,
      ...(setup.brokerOf ? { brokerOf: (i: number) => brokerAddress(setup.brokerOf!(i)) } : {}),
      peer: setup.peer, durable: setup.durable, ...(setup.mqtt ? { mqtt: setup.mqtt } : {}),
      ...(setup.peerOf ? { peerOf: setup.peerOf } : {}), ...(setup.sensorsOf ? { sensorsOf: setup.sensorsOf } : {}),
      // Warnings and errors only, above the progress line rather than through it.
      log: (idHex) => createNodeLog({ level: LogLevel.WARN, prefix: `device ${idHex}:`, time: false, write: (line) => progress.log(line) }),
    });
  } catch (error) {
    if (error instanceof FleetDirError) throw new CliError(error.message);
    throw new CliError(`cannot open the fleet in ${setup.fleetDir}: ${(error as Error).message}`);
  }
  const missing = fleet.devices.filter((d) => !d.enrolled);
  // On a public chain each device enrols itself (its peer config says so, makePeerConfig).
  if (missing.length === 0 || setup.genesis.permission === Permission.PUBLIC) return fleet;
  if (setup.enrol) {
    progress.update(`enrolling ${missing.length} device(s)…`, true);
    const codes = await setup.enrol(missing.map((d) => ({ index: fleet.devices.indexOf(d), publicKey: d.publicKey })));
    checkEnrolled(missing, codes);
    out(`enrolled ${missing.length} device(s)`);
    return fleet;
  }

  const keyPath = setup.operatorKeyPath ?? join(setup.dataDir, 'keys', 'operator.key');
  if (!existsSync(keyPath)) throw new CliError(`${missing.length} device(s) need enrolling and there is no operator key at ${keyPath} (pass --operator-key FILE)`);
  let operator: KeyPair;
  try {
    operator = readOperatorKey(setup.crypto, keyPath);
  } catch (error) {
    throw new CliError(`${keyPath} holds no valid private key: ${(error as Error).message}`);
  }
  if (!equalBytes(operator.publicKey, setup.genesis.operatorKey)) throw new CliError(`${keyPath} is not this chain's operator key`);

  const firstSeq = await setup.operatorNextSeq(keyId(setup.crypto, operator.publicKey));
  progress.update(`enrolling ${missing.length} device(s)…`, true);
  const bar = new ProgressBar(progress, 'enrolling', missing.length);
  const codes = await enrollKeys({
    crypto: setup.crypto, chainId: setup.chainId, operator, brokerUrl: setup.brokerUrl, firstSeq, timeoutMs: setup.timeoutMs,
    ...(setup.enrollPace ?? {}),
    onProgress: (acked) => bar.update(acked, 'acknowledged'),
  }, missing.map((d) => d.publicKey));
  bar.done();
  checkEnrolled(missing, codes);
  out(`enrolled ${missing.length} device(s) with the operator key (seq ${firstSeq}…${firstSeq + missing.length - 1})`);
  return fleet;
}

/** Marks the devices whose enrolment went through; throws when any failed. */
function checkEnrolled(missing: readonly Fleet['devices'][number][], codes: readonly (number | undefined)[]): void {
  const failed: string[] = [];
  codes.forEach((code, i) => {
    if (enrolledBy(code)) missing[i]!.markEnrolled();
    else failed.push(`${missing[i]!.idHex}: ${code === undefined ? 'no acknowledgement' : errorName(code)}`);
  });
  if (failed.length > 0) {
    throw new CliError(`${failed.length} of ${missing.length} enrolment(s) failed (${failed.slice(0, 3).join('; ')}${failed.length > 3 ? '; …' : ''})`);
  }
}

/** The operator's next sequence number from a gateway's HTTP API, else from the ledger in the data folder. */
export async function operatorSeqFromGateway(http: string, dataDir: string, operatorId: Uint8Array, timeoutMs: number): Promise<number> {
  const url = `${http}/registry/${bytesToHex(operatorId)}`;
  let reason: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { lastSeq?: unknown; pendingSeq?: unknown; error?: string };
    if (!response.ok) throw new CliError(`the gateway at ${http} answered ${response.status} for the operator account: ${body.error ?? ''}`);
    if (typeof body.lastSeq !== 'number' || typeof body.pendingSeq !== 'number') throw new CliError(`unexpected answer from ${url}`);
    return Math.max(body.lastSeq, body.pendingSeq) + 1;
  } catch (error) {
    if (error instanceof CliError) throw error;
    reason = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
  }
  if (existsSync(join(dataDir, 'ledger.sqlite'))) {
    const store = openLedger(dataDir);
    try {
      const account = store.accounts().find((a) => equalBytes(a.id, operatorId));
      let seq = account?.lastSeq ?? 0;
      for (const p of store.pending()) if (equalBytes(p.sender, operatorId)) seq = Math.max(seq, p.seq);
      return seq + 1;
    } finally {
      store.close();
    }
  }
  throw new CliError(`cannot ask the gateway for the operator's sequence number at ${http} (${reason}): pass --http URL`);
}

export interface RunOptions {
  /** Seconds; 0 runs until SIGINT/SIGTERM. */
  readonly durationS: number;
  /** More to show at the start of the progress line (the gateway's height, say). */
  readonly prefix?: () => string;
}

const TTY_REFRESH_MS = 1000;
const PLAIN_EVERY_MS = 5000;

function progressText(totals: FleetTotals, seconds: number): string {
  const c = totals.counters;
  const online = totals.states.online ?? 0;
  const rejects = c.rejected + c.headersRejected + c.proofsRejected;
  const p50 = totals.latency.percentile(50);
  return `${seconds.toFixed(0)} s | ${online}/${totals.devices} online | signed ${c.signed} | acked ${c.acked} | final ${c.final}` +
    `${Number.isNaN(p50) ? '' : ` (p50 ${(p50 / 1000).toFixed(2)} s)`} | headers ${c.headersVerified} | rejects ${rejects} | outbox ${totals.outbox}`;
}

/** Time given to in-flight transactions to become final once the run ends. */
export const DRAIN_MS = 5000;

/** Resolves with the signal's name on the next SIGINT or SIGTERM. */
function nextSignal(): { promise: Promise<string>; cancel(): void } {
  let cancel = () => {};
  const promise = new Promise<string>((resolve) => {
    const onSigint = () => done('SIGINT');
    const onSigterm = () => done('SIGTERM');
    const done = (name: string) => {
      cancel();
      resolve(name);
    };
    cancel = () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  });
  return { promise, cancel };
}

/**
 * Runs the fleet until the duration or a signal, then stops sampling and gives what is in
 * flight up to DRAIN_MS to become final (a second signal cuts that short), stops the peers
 * and prints a summary. Resolves to the totals after the clean stop. Signal handlers stay
 * installed until the process exits (the command still has to close, e.g. the gateway).
 */
export async function runFleet(fleet: Fleet, options: RunOptions, out: Out, progress: ProgressLine): Promise<FleetTotals> {
  const startedAt = Date.now();
  const show = (force = false) => {
    const text = progressText(fleet.totals(), (Date.now() - startedAt) / 1000);
    progress.update(options.prefix ? `${options.prefix()} | ${text}` : text, force);
  };
  // Watch rules at work (--democracy): each switch, with the proven reading behind it.
  const stopWatching = fleet.onEvent((device, event) => {
    if (event.type !== 'actuated') return;
    const value = formatReading(event.mantissa, event.scale, device.config.rules[event.rule]?.quantity ?? 0);
    progress.log(`device ${device.idHex}: ${event.actuator} ${event.on ? 'on' : 'off'}: device ${event.source}'s reading ${value} at height ${event.height} proven`);
  });
  fleet.start();
  const timer = setInterval(show, progress.isTty ? TTY_REFRESH_MS : PLAIN_EVERY_MS);
  const first = nextSignal();
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const why = await Promise.race([
    first.promise,
    ...(options.durationS > 0 ? [new Promise<string>((resolve) => (deadline = setTimeout(() => resolve(`${options.durationS} s`), options.durationS * 1000)))] : []),
  ]);
  first.cancel();
  clearTimeout(deadline);

  const { outbox: pending, unsigned } = fleet.totals();
  if (pending > 0 || unsigned > 0) {
    progress.log(`finishing: sampling stopped; up to ${DRAIN_MS / 1000} s for ${pending} transaction(s) in flight to become final` +
      `${unsigned > 0 ? ` and ${unsigned} reading(s) of unfinished batches to be signed` : ''} (Ctrl-C again stops now)`);
    const second = nextSignal();
    await fleet.drain(DRAIN_MS, second.promise);
    second.cancel();
  }
  // From here on the command is stopping: one more signal is noted, the one after exits at once.
  let late = 0;
  const onLate = (signal: NodeJS.Signals) => {
    if (++late === 1) progress.log(`${signal}: stopping already (again to exit without waiting)`);
    else process.exit(130);
  };
  process.on('SIGINT', onLate);
  process.on('SIGTERM', onLate);
  clearInterval(timer);
  stopWatching();
  show(true);
  const states = fleet.totals().states;
  fleet.stop();
  progress.done();
  const totals = fleet.totals();
  summary(totals, states, (Date.now() - startedAt) / 1000, why, out);
  return totals;
}

function summary(totals: FleetTotals, statesAtEnd: Readonly<Record<string, number>>, seconds: number, why: string, out: Out): void {
  const c = totals.counters;
  const states = Object.entries(statesAtEnd).map(([state, n]) => `${n} ${state}`).join(', ');
  const latency = totals.latency;
  const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
  out(`stopped after ${seconds.toFixed(1)} s (${why}): ${totals.devices} device(s), ${states} at the end`);
  out(`transactions: ${c.signed} signed (${c.sampled} readings), ${c.acked} acked, ${c.final} final, ${c.rejected} rejected`);
  if (latency.count > 0) out(`sampling to final: p50 ${ms(latency.percentile(50))}, p99 ${ms(latency.percentile(99))}, max ${ms(latency.max)} over ${latency.count}`);
  out(`headers: ${c.headersVerified} verified, ${c.headersRejected} rejected; proofs rejected: ${c.proofsRejected}`);
  out(totals.outbox === 0
    ? 'outboxes empty: every signed transaction is final'
    : `outboxes: ${totals.outbox} signed transaction(s) not final yet, kept on disk and sent on the next run`);
  if (totals.unsigned > 0) out(`${totals.unsigned} reading(s) of unfinished batches were not signed (a device signs a batch when it is full)`);
}
