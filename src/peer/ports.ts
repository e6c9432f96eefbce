// The light peer's ports (core layer): everything the peer needs from its host,
// as small interfaces the host's `main` passes in. Verification never does I/O
// and I/O code never decides validity; every method here is synchronous so the
// same peer runs on Node and on an ESP32 (Preference/NVS, ECMA-419 sockets).

import type { Quantity } from '../tx/kinds.js';

/** Wall clock and timers. Time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
  /** Calls `callback` once after `ms`; returns a function that cancels it. */
  setTimer(ms: number, callback: () => void): () => void;
}

/** Cryptographically strong random bytes (the device's hardware RNG). */
export type RandomSource = (length: number) => Uint8Array;

/**
 * Small persistent values (key, reserved sequence, trusted header). `set` is durable
 * and atomic per key when it returns: a reboot sees the old value or the new one.
 * Keys are short ASCII names (Preference/NVS allows 15 characters).
 */
export interface KeyValueStore {
  get(key: string): Uint8Array | undefined;
  set(key: string, value: Uint8Array): void;
  delete(key: string): void;
}

/**
 * The persistent outbox: signed transactions not yet final, by sequence number.
 * Bounded by `capacity`; `append` on a full outbox throws BotError(OUTBOX_FULL).
 * On a device this is flash with bounded wear; on a desktop, files.
 */
export interface OutboxStore {
  readonly capacity: number;
  readonly size: number;
  append(seq: number, tx: Uint8Array): void;
  remove(seq: number): void;
  /** Entries in ascending sequence order. */
  entries(): Iterable<readonly [seq: number, tx: Uint8Array]>;
}

/** Callbacks a transport delivers to; called asynchronously, never from inside write/close. */
export interface TransportHandlers {
  onOpen(): void;
  onData(bytes: Uint8Array): void;
  /** Once per connection, after which the transport is dead; `reason` says why when known. */
  onClose(reason?: string): void;
}

/** One byte-stream connection (TCP on both hosts). `write` may buffer. */
export interface Transport {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** Opens a new connection to the gateway's broker each time it is called. */
export type TransportFactory = (handlers: TransportHandlers) => Transport;

/** One sensor channel. `sample` returns the mantissa at `scale` (value = mantissa × 10^scale), or undefined when it cannot read. */
export interface Sensor {
  readonly quantity: Quantity;
  readonly scale: number;
  sample(): number | undefined;
}

export const LogLevel = Object.freeze({ DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const);
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export type Log = (level: LogLevel, message: string) => void;
