// `botpeer sim` (tools layer): a fleet of simulated devices against a running
// gateway. Each device is the real light peer (src/peer) with the desktop host's
// adapters (hosts/desktop): its own folder under the fleet folder, the MQTT client
// over TCP, simulated sensors. Devices not enrolled yet are enrolled first with the
// operator key, as `botpeer device enroll` does.

import { join } from 'node:path';
import { BotError, type CryptoProvider, type Genesis, Permission, makeValidatorSet } from '../../src/index.js';
import { makePeerConfig } from '../../src/peer/index.js';
import type { PeerOptions } from '../../hosts/desktop/device.js';
import { MAX_FLEET } from '../../hosts/desktop/fleet.js';
import { democracyFleet } from '../../hosts/desktop/democracy-sim.js';
import { ProgressLine, UsageError, intOption, readGenesis, urlOption } from './cli-support.js';
import { DEFAULT_BROKER, DEFAULT_HTTP } from './device-command.js';
import { operatorSeqFromGateway, prepareFleet, runFleet } from './fleet-run.js';

export interface FleetCliOptions {
  readonly devices?: string | undefined;
  readonly interval?: string | undefined;
  readonly batch?: string | undefined;
  readonly outbox?: string | undefined;
  readonly duration?: string | undefined;
  readonly fleetDir?: string | undefined;
  readonly noFsync?: boolean | undefined;
  /** Devices 1 and 2 play device democracy (hosts/desktop/democracy-sim.ts). */
  readonly democracy?: boolean | undefined;
}

export interface SimOptions extends FleetCliOptions {
  readonly data: string;
  readonly broker?: string | undefined;
  readonly http?: string | undefined;
  readonly operatorKey?: string | undefined;
  readonly timeout?: string | undefined;
}

export const FLEET_OPTIONS_HELP = `  --interval MS             milliseconds between a device's samplings (default 1000)
  --batch N                 readings per channel in one transaction (default 1, at most 85: 3 channels;
                            more than 1 needs a whole-second --interval)
  --outbox N                signed transactions a device keeps until final (default 64, at most 4096)
  --duration S              stop after S seconds (default: run until Ctrl-C)
  --fleet-dir DIR           the devices' folders (default <data>/fleet); kept between runs
  --no-fsync                do not fsync the devices' files: much faster for big fleets;
                            a killed process still loses nothing, a power cut may. For
                            hundreds of devices, also a --fleet-dir on tmpfs (/dev/shm/…)
  --democracy               device democracy (use case II.4): device 1's temperature swings
                            25-35 °C; device 2 switches a simulated relay when it is above
                            30 °C, on readings it proved itself (a log line each switch)`;

export interface FleetParameters {
  readonly count: number;
  readonly peer: PeerOptions;
  readonly durationS: number;
  readonly durable: boolean;
  readonly democracy: boolean;
}

/** The fleet options shared by sim and start, checked: ranges here, and the peer's own limits (makePeerConfig). */
export function fleetParameters(crypto: CryptoProvider, options: FleetCliOptions, command: string, defaultDevices: number): FleetParameters {
  const int = (value: string | undefined, name: string, fallback: number, min: number, max: number) => {
    try {
      return intOption(value, name, fallback, min, max);
    } catch (error) {
      throw new UsageError((error as Error).message, command);
    }
  };
  const count = int(options.devices, '--devices', defaultDevices, 1, MAX_FLEET);
  const samplingIntervalMs = int(options.interval, '--interval', 1000, 10, 86_400_000);
  const batchSize = int(options.batch, '--batch', 1, 1, 85);
  const outboxCapacity = options.outbox === undefined ? undefined : int(options.outbox, '--outbox', 64, 1, 4096);
  const durationS = int(options.duration, '--duration', 0, 0, 31_536_000);
  const peer: PeerOptions = { samplingIntervalMs, batchSize, ...(outboxCapacity === undefined ? {} : { outboxCapacity }) };
  // The peer's limits do not depend on the chain: checked against a stand-in genesis, before
  // anything is read or created.
  const key = crypto.publicKey(new Uint8Array(32).fill(1));
  const standIn: Genesis = { name: new Uint8Array(0), time: 0, permission: Permission.PRIVATE, validators: makeValidatorSet(1, [key]), operatorKey: key };
  try {
    makePeerConfig(standIn, peer);
  } catch (error) {
    if (error instanceof BotError) throw new UsageError(`the device settings are out of range: ${error.message}`, command);
    throw error;
  }
  if (options.democracy && count < 2) throw new UsageError('--democracy needs at least 2 devices', command);
  return { count, peer, durationS, durable: options.noFsync !== true, democracy: options.democracy === true };
}

export async function runSim(crypto: CryptoProvider, options: SimOptions, out: (line: string) => void): Promise<number> {
  const broker = urlOption(options.broker ?? DEFAULT_BROKER, '--broker', ['mqtt:', 'tcp:']);
  const http = urlOption(options.http ?? DEFAULT_HTTP, '--http', ['http:', 'https:']);
  const timeoutMs = intOption(options.timeout, '--timeout', 10_000, 1, 3_600_000);
  const parameters = fleetParameters(crypto, options, 'sim', 10);
  const { genesis, chainId } = readGenesis(crypto, options.data);
  const fleetDir = options.fleetDir ?? join(options.data, 'fleet');
  const progress = new ProgressLine(process.stdout, 5000);

  const fleet = await prepareFleet({
    crypto, genesis, chainId, dataDir: options.data, fleetDir, count: parameters.count, brokerUrl: broker, peer: parameters.peer,
    durable: parameters.durable, timeoutMs, ...(parameters.democracy ? democracyFleet() : {}),
    ...(options.operatorKey ? { operatorKeyPath: options.operatorKey } : {}),
    operatorNextSeq: (operatorId) => operatorSeqFromGateway(http, options.data, operatorId, timeoutMs),
  }, out, progress);
  out(`${parameters.count} device(s) in ${fleetDir} → ${broker}, a sampling every ${parameters.peer?.samplingIntervalMs} ms` +
    `${parameters.durationS > 0 ? ` for ${parameters.durationS} s` : ''}; Ctrl-C stops (nothing signed is lost)`);
  await runFleet(fleet, { durationS: parameters.durationS }, out, progress);
  return 0;
}
