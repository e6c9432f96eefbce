// The light peer firmware, once its host has made the adapters (device host layer,
// shared by every Moddable platform's main). It decodes the genesis, has the core
// assemble the light peer from the adapters (src/peer/assemble-peer.ts: key, MQTT
// session, peer), prints what the operator needs to enrol the device (until the gateway
// has accepted it), reports the peer's events on the log and the status LED, and starts
// it. The platforms' mains differ only in which adapters they pass.

import { bytesToHex } from '../../src/codec/bytes.js';
import { chainIdOf, decodeGenesis } from '../../src/chain/genesis.js';
import { type HostPorts, assemblePeer } from '../../src/peer/assemble-peer.js';
import { StoreKey } from '../../src/peer/identity-store.js';
import type { LightPeer } from '../../src/peer/light-peer.js';
import { makePeerConfig } from '../../src/peer/peer-config.js';
import { type PeerEvent, PeerState } from '../../src/peer/peer-status.js';
import { type Actuator, type Log, LogLevel, type Sensor } from '../../src/ports/index.js';
import { createLoggedActuator } from './actuator-digital.js';
import type { FirmwareSettings } from './firmware-settings.js';
import type { StatusLed } from './status-led.js';

/** The peer's ports (the outbox made with capacity settings.outboxCapacity), and the firmware's own. */
export interface FirmwarePorts extends Omit<HostPorts, 'device'> {
  readonly sensors: readonly Sensor[];
  readonly log: Log;
  /** Plain lines for the serial console (the enrolment request). */
  readonly print: (line: string) => void;
  readonly led?: StatusLed;
  /** What the watch rule (settings.watch) switches; without one its switches are only logged. */
  readonly actuator?: Actuator;
  /** Called after each start-up step (the x-cli-lin host prints XS memory there). */
  readonly onStep?: (what: string) => void;
}

export interface Firmware {
  readonly peer: LightPeer;
  readonly deviceIdHex: string;
  /** True when this boot made the device key. */
  readonly firstBoot: boolean;
}

/** What the operator runs, where the operator key is, to enrol the device from its request. */
export const ENROLL_COMMAND = 'npx botpeer device enroll';

/** Largest READINGS transaction for `readings` readings in `series` series (CBOR, signed), with margin. */
export function maxReadingsTxBytes(series: number, readings: number): number {
  // Fixed fields and signature ≈ 150 bytes, ≤ 10 bytes per series header, ≤ 5 per int32 reading.
  return 192 + 10 * series + 5 * readings;
}

export function startFirmware(settings: FirmwareSettings, ports: FirmwarePorts): Firmware {
  const { crypto, store, log, print } = ports;
  const step = ports.onStep ?? (() => {});
  const genesis = decodeGenesis(settings.genesis);
  const config = makePeerConfig(genesis, {
    samplingIntervalMs: settings.samplingIntervalMs,
    batchSize: settings.batchSize,
    outboxCapacity: settings.outboxCapacity,
    ...(settings.watch ? { rules: [settings.watch] } : {}),
  });
  step('genesis and peer config');
  const { peer, deviceIdHex, firstBoot } = assemblePeer(config, {
    crypto, clock: ports.clock, random: ports.random, store, outbox: ports.outbox, transport: ports.transport,
    device: {
      sensors: ports.sensors, log,
      ...(settings.watch ? { actuators: [ports.actuator ?? createLoggedActuator(settings.watch.actuator, log)] } : {}),
    },
  });
  step('device key, MQTT session and light peer');

  const chainId = chainIdOf(crypto, genesis);
  print(`botpeer: device ${deviceIdHex} on chain ${bytesToHex(chainId)}`);
  if (firstBoot) print('botpeer: first boot: a new device key was made from the hardware random generator');
  // The enrolment line until the gateway has accepted one of this device's transactions on
  // this chain (the peer remembers that in the store), and again if the gateway stops knowing it.
  const acceptedOn = store.get(StoreKey.ACCEPTED);
  let enrolled = acceptedOn !== undefined && bytesToHex(acceptedOn) === bytesToHex(chainId);
  const printEnrolment = () => print(`botpeer: to enrol this device run: ${ENROLL_COMMAND} ${bytesToHex(peer.enrollRequest())}`);
  if (!enrolled) printEnrolment();

  peer.onEvent((event: PeerEvent) => {
    ports.led?.event(event);
    switch (event.type) {
      case 'acked':
        enrolled = true;
        log(LogLevel.DEBUG, event.type);
        break;
      case 'signed':
        log(LogLevel.INFO, `signed seq ${event.seq} (${event.readings} readings)`);
        break;
      case 'final':
        enrolled = true; // accepted without an ack seen (REPLAY, then the proof)
        log(LogLevel.INFO, `final seq ${event.seq} in block ${event.height} (${event.latencyMs} ms after sampling)`);
        break;
      case 'rejected':
        log(LogLevel.WARN, `seq ${event.seq} rejected (code ${event.code})`);
        break;
      case 'state':
        // The peer logs its state changes itself.
        if (event.state === PeerState.UNENROLLED && enrolled) {
          enrolled = false;
          printEnrolment();
        }
        break;
      case 'header-rejected':
      case 'proof-rejected':
        log(LogLevel.WARN, `${event.type} ${event.code}: ${event.detail}`);
        break;
      default:
        log(LogLevel.DEBUG, event.type);
    }
  });
  peer.start();
  step('peer started');
  return Object.freeze({ peer, deviceIdHex, firstBoot });
}
