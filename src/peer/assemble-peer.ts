// One light peer from a host's ports (core layer): where every host — the desktop, each
// Moddable firmware — turns its adapters into a peer. The device key is loaded (or made, on
// first boot) once; the MQTT session gets the device id as its client id and username and a
// fresh signed token as its password at every CONNECT (docs/protocol.md §9.6: the gateway's
// broker binds the connection to the device that proved its key) and a persistent session;
// then the peer. A host passes ports and settings, never assembles the parts.

import { bytesToHex, equalBytes } from '../codec/bytes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { chainIdOf } from '../chain/genesis.js';
import { type BackoffOptions } from '../mqtt/client/backoff.js';
import { createMqttClient } from '../mqtt/client/mqtt-client.js';
import { connectCredentials } from '../mqtt/connect-auth.js';
import { keyId } from '../tx/identity.js';
import { StoreKey, loadOrCreateKeyPair, storedPowNonce } from './identity-store.js';
import { type LightPeer, createLightPeer } from './light-peer.js';
import type { PeerConfig } from './peer-config.js';
import type { Actuator, Clock, KeyValueStore, Log, OutboxStore, RandomSource, Sensor, TransportFactory } from '../ports/index.js';

/** The ports a host may only make once it knows the device id. */
export interface DevicePorts {
  readonly sensors: readonly Sensor[];
  readonly log: Log;
  /** What the watch rules (config.rules) switch. */
  readonly actuators?: readonly Actuator[];
}

export interface HostPorts {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  /** The key on first boot (the hardware RNG on a device) and the MQTT client's jitter. */
  readonly random: RandomSource;
  readonly store: KeyValueStore;
  /** Its capacity must be config.outboxCapacity. */
  readonly outbox: OutboxStore;
  /** Connections to the broker. */
  readonly transport: TransportFactory;
  /** Sensors and log, or a function making them for the device id (a simulated device's sensors are seeded by it, a fleet's log lines name it). */
  readonly device: DevicePorts | ((deviceId: Uint8Array, deviceIdHex: string) => DevicePorts);
}

export interface SessionSettings {
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  readonly protocolVersion?: 4 | 5;
  /** Default 30. */
  readonly keepAliveSeconds?: number;
  readonly backoff?: BackoffOptions;
}

export interface AssembledPeer {
  readonly peer: LightPeer;
  readonly deviceId: Uint8Array;
  readonly deviceIdHex: string;
  /** True when this call made the device key (nothing was stored yet). */
  readonly firstBoot: boolean;
}

export function assemblePeer(config: PeerConfig, ports: HostPorts, mqtt: SessionSettings = {}): AssembledPeer {
  const { crypto, clock, random, store } = ports;
  const firstBoot = store.get(StoreKey.KEY) === undefined;
  const keys = loadOrCreateKeyPair(crypto, store, random);
  const deviceId = keyId(crypto, keys.publicKey);
  const deviceIdHex = bytesToHex(deviceId);
  const chainId = chainIdOf(crypto, config.genesis);
  const { sensors, log, actuators } = typeof ports.device === 'function' ? ports.device(deviceId, deviceIdHex) : ports.device;
  const session = createMqttClient({
    transport: ports.transport,
    clock,
    random,
    clientId: deviceIdHex,
    // Public chain, not accepted yet: the token's self-enrolling form (§9.6) carries the key and the
    // proof of work, so the broker lets the device in to enrol itself (the peer minted the nonce by then).
    ...connectCredentials(crypto, chainId, keys, clock, config.selfEnroll ? () => selfEnrollingNonce(store, chainId) : undefined),
    protocolVersion: mqtt.protocolVersion ?? 4,
    keepAliveSeconds: mqtt.keepAliveSeconds ?? 30,
    // A persistent session: the broker keeps the device's subscriptions and its QoS 1 acks
    // and proofs while it is away.
    clean: false,
    ...(mqtt.backoff ? { backoff: mqtt.backoff } : {}),
    log,
  });
  const peer = createLightPeer(config, { crypto, clock, random, store, outbox: ports.outbox, session, log, sensors, ...(actuators ? { actuators } : {}) }, keys);
  return Object.freeze({ peer, deviceId, deviceIdHex, firstBoot });
}

/** The stored self-enrolment nonce while the device is not accepted on this chain, else undefined. */
function selfEnrollingNonce(store: KeyValueStore, chainId: Uint8Array): Uint8Array | undefined {
  const accepted = store.get(StoreKey.ACCEPTED);
  if (accepted !== undefined && equalBytes(accepted, chainId)) return undefined;
  return storedPowNonce(store, chainId);
}
