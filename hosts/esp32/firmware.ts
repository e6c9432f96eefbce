// The light peer firmware, once its host has made the adapters (device host layer,
// shared by the ESP32 main and the x-cli-lin main). It decodes the genesis, loads or
// (first boot) makes the device key, builds the MQTT session and the light peer,
// prints what the operator needs to enrol the device, reports the peer's events on
// the log and the status LED, and starts it. The hosts' mains differ only in which
// adapters they pass.

import { bytesToHex } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { chainIdOf, decodeGenesis } from '../../src/chain/genesis.js';
import { createMqttClient } from '../../src/mqtt/client/mqtt-client.js';
import { connectCredentials } from '../../src/mqtt/connect-auth.js';
import { makePeerConfig } from '../../src/peer/peer-config.js';
import { StoreKey, loadOrCreateKeyPair } from '../../src/peer/identity-store.js';
import { type LightPeer, createLightPeer } from '../../src/peer/light-peer.js';
import type { PeerEvent } from '../../src/peer/peer-status.js';
import {
  type Clock, type KeyValueStore, type Log, LogLevel, type OutboxStore, type RandomSource, type Sensor, type TransportFactory,
} from '../../src/peer/ports.js';
import { keyId } from '../../src/tx/identity.js';
import type { FirmwareSettings } from './firmware-settings.js';
import type { StatusLed } from './status-led.js';

export interface FirmwarePorts {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly store: KeyValueStore;
  /** Made by the host with capacity settings.outboxCapacity. */
  readonly outbox: OutboxStore;
  readonly transport: TransportFactory;
  readonly sensors: readonly Sensor[];
  readonly log: Log;
  /** Plain lines for the serial console (the enrolment request). */
  readonly print: (line: string) => void;
  readonly led?: StatusLed;
  /** Called after each start-up step (the x-cli-lin host prints XS memory there). */
  readonly onStep?: (what: string) => void;
}

export interface Firmware {
  readonly peer: LightPeer;
  readonly deviceIdHex: string;
  /** True when this boot made the device key. */
  readonly firstBoot: boolean;
}

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
  });
  step('genesis and peer config');
  const firstBoot = store.get(StoreKey.KEY) === undefined;
  // The peer loads (or makes) the key itself; the MQTT client id needs the device id first.
  const keys = loadOrCreateKeyPair(crypto, store, ports.random);
  const deviceIdHex = bytesToHex(keyId(crypto, keys.publicKey));
  step('device key');
  const session = createMqttClient({
    transport: ports.transport,
    clock: ports.clock,
    random: ports.random,
    clientId: deviceIdHex, // the gateway's broker ACL: a device's client id is its id
    ...connectCredentials(crypto, chainIdOf(crypto, genesis), keys, ports.clock), // proves the key at every CONNECT (docs/protocol.md §9.6)
    protocolVersion: 4,
    keepAliveSeconds: 30,
    clean: false, // the broker keeps acks and proofs for the device while it is away
    log,
  });
  step('MQTT session');
  const peer = createLightPeer(config, {
    crypto, clock: ports.clock, random: ports.random, store, outbox: ports.outbox, session, log, sensors: ports.sensors,
  });

  step('light peer');
  print(`botpeer: device ${deviceIdHex} on chain ${bytesToHex(chainIdOf(crypto, genesis))}`);
  if (firstBoot) print('botpeer: first boot: a new device key was made from the hardware random generator');
  print(`botpeer: to enrol this device run: botpeer device enroll ${bytesToHex(peer.enrollRequest())}`);

  peer.onEvent((event: PeerEvent) => {
    ports.led?.event(event);
    switch (event.type) {
      case 'signed':
        log(LogLevel.INFO, `signed seq ${event.seq} (${event.readings} readings)`);
        break;
      case 'final':
        log(LogLevel.INFO, `final seq ${event.seq} in block ${event.height} (${event.latencyMs} ms after sampling)`);
        break;
      case 'rejected':
        log(LogLevel.WARN, `seq ${event.seq} rejected (code ${event.code})`);
        break;
      case 'state':
        log(LogLevel.INFO, `state ${event.state}`);
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
