// One simulated device for light-peer tests (test layer, platform-neutral):
// the peer over in-memory ports, a session to a FakeGateway, and every event
// and log line recorded. `crash()` is a power loss (timers and session die
// without a word); `reboot()` boots a new peer over the same storage.

import { bytesToHex, keyId, Quantity } from '../../src/index.js';
import { createLightPeer, loadOrCreateKeyPair, makePeerConfig } from '../../src/peer/index.js';
import type { LightPeer, PeerEvent, PeerOptions } from '../../src/peer/index.js';
import type { Actuator } from '../../src/ports/index.js';
import type { FakeGateway, FakeSession } from './fake-gateway.js';
import { type FakeSensor, rampSensor } from './fake-sensors.js';
import { MemoryKeyValueStore, MemoryOutbox } from './memory-store.js';
import { seededRandom } from './seeded-random.js';
import { mortalClock } from './virtual-clock.js';

export interface DeviceOptions {
  /** Seed of the device's key. */
  readonly seed?: number;
  readonly sensors?: FakeSensor[];
  readonly config?: PeerOptions;
  /** Enrol the device's key at the gateway (default true). */
  readonly enroll?: boolean;
  /** What its watch rules (config.rules) switch. */
  readonly actuators?: readonly Actuator[];
}

export class DeviceHarness {
  readonly kv = new MemoryKeyValueStore();
  readonly outbox: MemoryOutbox;
  readonly sensors: FakeSensor[];
  readonly events: PeerEvent[] = [];
  readonly logs: string[] = [];
  readonly id: Uint8Array;
  readonly hex: string;
  peer!: LightPeer;
  session!: FakeSession;
  /** Peers booted so far (1 after the constructor). */
  boots = 0;
  /** How far the device's clock runs ahead of the gateway's (ms); may change at any time. */
  clockSkewMs = 0;
  private kill: (() => void) | undefined;

  constructor(readonly gateway: FakeGateway, readonly options: DeviceOptions = {}) {
    this.outbox = new MemoryOutbox(options.config?.outboxCapacity ?? 64);
    this.sensors = options.sensors ?? [rampSensor(Quantity.TEMPERATURE_C, -2, 2100)];
    const keys = loadOrCreateKeyPair(gateway.crypto, this.kv, seededRandom(options.seed ?? 1));
    this.id = keyId(gateway.crypto, keys.publicKey);
    this.hex = bytesToHex(this.id);
    if (options.enroll ?? true) gateway.enroll(keys.publicKey);
    this.boot();
  }

  /** A new peer over the same storage (not started). */
  boot(): LightPeer {
    const life = mortalClock(this.gateway.clock);
    this.kill = life.kill;
    this.session = this.gateway.session(this.hex);
    const config = makePeerConfig(this.gateway.genesis, { outboxCapacity: this.outbox.capacity, ...this.options.config });
    this.peer = createLightPeer(config, {
      crypto: this.gateway.crypto,
      clock: { now: () => life.clock.now() + this.clockSkewMs, setTimer: (ms, callback) => life.clock.setTimer(ms, callback) },
      // A hardware RNG gives every boot other bytes (request ids start elsewhere); the key is in storage.
      random: seededRandom((this.options.seed ?? 1) + this.boots * 0x10001),
      store: this.kv,
      outbox: this.outbox,
      sensors: this.sensors,
      session: this.session,
      log: (level, message) => this.logs.push(`${level} ${message}`),
      ...(this.options.actuators ? { actuators: this.options.actuators } : {}),
    });
    this.boots++;
    this.peer.onEvent((event) => this.events.push(event));
    return this.peer;
  }

  start(): this {
    this.peer.start();
    return this;
  }

  /** Power loss: nothing of the running peer survives but its storage. */
  crash(): void {
    this.kill?.();
    this.session.kill();
  }

  reboot(): LightPeer {
    this.crash();
    this.boot();
    this.peer.start();
    return this.peer;
  }

  of<T extends PeerEvent['type']>(type: T): Extract<PeerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<PeerEvent, { type: T }> => e.type === type);
  }

  get status() {
    return this.peer.status();
  }
}
