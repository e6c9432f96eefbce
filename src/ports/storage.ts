// The storage ports (core layer): small durable values and the persistent outbox,
// synchronous so they map onto Preference/NVS and flash on a device and files on a desktop.

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
