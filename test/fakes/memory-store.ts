// In-memory KeyValueStore and OutboxStore (test layer, platform-neutral). Both
// copy bytes in and out, as flash would, so a peer cannot keep a reference to
// stored data; a new peer over the same objects is a reboot. Writes are counted
// (flash wear) and can be made to fail.

import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import type { KeyValueStore, OutboxStore } from '../../src/ports/index.js';

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly values = new Map<string, Uint8Array>();
  /** Writes per key. */
  readonly writes = new Map<string, number>();
  /** When set, `set` throws (a storage failure). */
  failWrites = false;

  get(key: string): Uint8Array | undefined {
    const value = this.values.get(key);
    return value === undefined ? undefined : value.slice();
  }

  set(key: string, value: Uint8Array): void {
    if (key.length > 15) throw new Error(`key "${key}" longer than NVS allows`);
    if (this.failWrites) throw new Error('flash write failed');
    this.values.set(key, value.slice());
    this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
  }

  delete(key: string): void {
    this.values.delete(key);
  }
}

export class MemoryOutbox implements OutboxStore {
  private readonly items = new Map<number, Uint8Array>();
  /** Every seq ever appended, in order. */
  readonly appended: number[] = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.size;
  }

  append(seq: number, tx: Uint8Array): void {
    if (this.items.size >= this.capacity) throw new BotError(ErrorCode.OUTBOX_FULL, `outbox holds ${this.capacity}`);
    if (this.items.has(seq)) throw new Error(`outbox already holds seq ${seq}`);
    this.items.set(seq, tx.slice());
    this.appended.push(seq);
  }

  remove(seq: number): void {
    this.items.delete(seq);
  }

  *entries(): Iterable<readonly [seq: number, tx: Uint8Array]> {
    const seqs = [...this.items.keys()].sort((a, b) => a - b);
    for (const seq of seqs) {
      const tx = this.items.get(seq);
      if (tx) yield [seq, tx.slice()] as const;
    }
  }

  has(seq: number): boolean {
    return this.items.has(seq);
  }
}
