// One light peer on a desktop (desktop host layer): the composition root that
// wires the Node adapters, the MQTT client over TCP and the core's light peer.
// Each device lives in a folder of its own, so it keeps its key, its reserved
// sequence numbers, its trusted header and its outbox across restarts:
//
//   <dir>/state/    KeyValueStore (store-file-node.ts): key, seq reservation, trust
//   <dir>/outbox/   OutboxStore (outbox-file-node.ts): signed, not yet final
//   <dir>/enrolled  written once the operator's enrolment was accepted (holds the chain id)
//
// The core assembles the peer from these ports (src/peer/assemble-peer.ts): the key, the
// MQTT client with the device id as client id (the gateway's embedded broker lets a
// client publish and subscribe only under its own id), the peer.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CryptoProvider, type Genesis, bytesToHex, chainIdOf } from '../../src/index.js';
import { type SessionSettings, assemblePeer } from '../../src/peer/assemble-peer.js';
import {
  type LightPeer, type PeerConfig, type PeerEvent, type PeerOptions, type PeerStatus, makePeerConfig,
} from '../../src/peer/index.js';
import type { Actuator, Clock, Log, RandomSource, Sensor } from '../../src/ports/index.js';
import { type SimRelay, createSimRelay } from './actuator-relay-node.js';
import { createSimSensors } from '../sensors-sim/sensors-sim.js';
import { createNodeClock } from './clock-node.js';
import { createNodeLog } from './log-node.js';
import { createFileOutbox } from './outbox-file-node.js';
import { nodeRandom } from './random-node.js';
import { createFileStore, writeFileAtomic } from './store-file-node.js';
import { createTcpTransport } from './transport-tcp-node.js';

/** Where the device's broker listens (the gateway's embedded one, Mosquitto, a NATS MQTT listener). */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export type { PeerOptions };

export type MqttOptions = SessionSettings;

export interface DeviceOptions {
  /** The device's own folder (created if missing). */
  readonly dir: string;
  readonly genesis: Genesis;
  readonly broker: BrokerAddress;
  readonly crypto: CryptoProvider;
  /** Sampling interval, batch size, outbox capacity…: see makePeerConfig. */
  readonly peer?: PeerOptions;
  readonly mqtt?: MqttOptions;
  /** fsync every write (default true); see store-file-node.ts. A big simulated fleet turns it off. */
  readonly durable?: boolean;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly log?: Log;
  /** Default: the simulated sensors, seeded by the device id. */
  readonly sensors?: readonly Sensor[];
  /** What the watch rules (peer.rules) switch. Default: a simulated relay (actuator-relay-node.ts) per actuator the rules name. */
  readonly actuators?: readonly Actuator[];
}

export interface Device {
  readonly dir: string;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly publicKey: Uint8Array;
  readonly config: PeerConfig;
  readonly peer: LightPeer;
  /** The actuators its watch rules switch (the simulated relays, unless the options gave others). */
  readonly actuators: readonly Actuator[];
  /** Whether an enrolment of this device was accepted on this chain (the marker file). */
  readonly enrolled: boolean;
  markEnrolled(): void;
  /**
   * Turns the sensors off (false) or on again. Off, the peer keeps running (sends, verifies,
   * finalises) but takes no readings: a partial batch is sealed and nothing new is signed.
   * A fleet drains its outboxes this way before it stops.
   */
  setSampling(on: boolean): void;
  start(): void;
  stop(): void;
  status(): PeerStatus;
  onEvent(listener: (event: PeerEvent) => void): () => void;
}

const ENROLLED_FILE = 'enrolled';

export function openDevice(options: DeviceOptions): Device {
  const { dir, genesis, crypto } = options;
  const durable = options.durable ?? true;
  const clock = options.clock ?? createNodeClock();
  const random = options.random ?? nodeRandom;
  const store = createFileStore(join(dir, 'state'), { durable });
  const config = makePeerConfig(genesis, options.peer);
  const outbox = createFileOutbox(join(dir, 'outbox'), { capacity: config.outboxCapacity, durable });
  let sampling = true;
  // Undefined is the Sensor port's "cannot read": the peer seals what it has and signs nothing new.
  const switchable = (sensor: Sensor): Sensor => Object.freeze({
    quantity: sensor.quantity,
    scale: sensor.scale,
    sample: () => (sampling ? sensor.sample() : undefined),
  });
  let actuators: readonly Actuator[] = options.actuators ?? [];
  const { peer, deviceId: id, deviceIdHex: idHex } = assemblePeer(config, {
    crypto, clock, random, store, outbox,
    transport: createTcpTransport({ host: options.broker.host, port: options.broker.port }),
    device: (deviceId, deviceIdHex) => {
      const log = options.log ?? createNodeLog({ prefix: deviceIdHex });
      if (!options.actuators) {
        const names = [...new Set(config.rules.map((rule) => rule.actuator))];
        actuators = names.map((name): SimRelay => createSimRelay({ name, log, dir, now: () => clock.now() }));
      }
      return { sensors: (options.sensors ?? createSimSensors({ seed: deviceId, now: () => clock.now() })).map(switchable), log, actuators };
    },
  }, options.mqtt);
  const chainHex = bytesToHex(chainIdOf(crypto, genesis));

  const markerPath = join(dir, ENROLLED_FILE);
  let enrolled = existsSync(markerPath) && readFileSync(markerPath, 'utf8').trim() === chainHex;
  return {
    dir, id, idHex, config, peer, actuators,
    publicKey: peer.publicKey,
    get enrolled() {
      return enrolled;
    },
    markEnrolled() {
      writeFileAtomic(dir, ENROLLED_FILE, new TextEncoder().encode(chainHex + '\n'), durable);
      enrolled = true;
    },
    setSampling(on) {
      sampling = on;
    },
    start: () => peer.start(),
    stop: () => peer.stop(),
    status: () => peer.status(),
    onEvent: (listener) => peer.onEvent(listener),
  };
}
