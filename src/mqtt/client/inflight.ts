// QoS 1 publishes of the MQTT client not yet acknowledged, and packet ids (core
// layer). Entries stay in publish order (a Map keeps insertion order), so a
// reconnect re-sends them in the order they were published. Packet ids run
// 1..65535 and wrap, skipping ids still in use (by a publish or a SUBSCRIBE).

import { BotError } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';

export const MAX_PACKET_ID = 65535;

export interface InflightPublish {
  readonly id: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly onDelivered: (() => void) | undefined;
  /** Written on some connection already: the next send carries DUP. */
  everSent: boolean;
  /** Written on the current connection and awaiting its PUBACK. */
  onWire: boolean;
}

export class Inflight {
  private readonly entries = new Map<number, InflightPublish>();
  private readonly reserved = new Set<number>();
  private nextId = 1;
  /** Entries written on the current connection and not yet acknowledged. */
  onWireCount = 0;

  get size(): number {
    return this.entries.size;
  }

  /** A free packet id. Throws BotError(OUTBOX_FULL) when all 65,535 are in use. */
  allocate(): number {
    if (this.entries.size + this.reserved.size >= MAX_PACKET_ID) {
      throw new BotError(ErrorCode.OUTBOX_FULL, `all ${MAX_PACKET_ID} MQTT packet ids are in use`);
    }
    for (;;) {
      const id = this.nextId;
      this.nextId = id === MAX_PACKET_ID ? 1 : id + 1;
      if (!this.entries.has(id) && !this.reserved.has(id)) return id;
    }
  }

  /** Holds a packet id for a non-publish exchange (SUBSCRIBE) until `release`. */
  reserve(): number {
    const id = this.allocate();
    this.reserved.add(id);
    return id;
  }

  release(id: number): boolean {
    return this.reserved.delete(id);
  }

  add(topic: string, payload: Uint8Array, onDelivered: (() => void) | undefined): InflightPublish {
    const entry: InflightPublish = { id: this.allocate(), topic, payload, onDelivered, everSent: false, onWire: false };
    this.entries.set(entry.id, entry);
    return entry;
  }

  /** Removes and returns the publish a PUBACK acknowledges, if it is ours and on the wire. */
  acknowledge(id: number): InflightPublish | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || !entry.onWire) return undefined;
    this.entries.delete(id);
    this.onWireCount--;
    return entry;
  }

  /** The next entries to write, in publish order, while fewer than `quota` are on the wire. */
  *sendable(quota: number): Generator<InflightPublish> {
    for (const entry of this.entries.values()) {
      if (this.onWireCount >= quota) return;
      if (!entry.onWire) yield entry;
    }
  }

  markWritten(entry: InflightPublish): void {
    entry.onWire = true;
    entry.everSent = true;
    this.onWireCount++;
  }

  /** The connection is gone: nothing is on the wire; SUBSCRIBE ids are void. */
  connectionLost(): void {
    for (const entry of this.entries.values()) entry.onWire = false;
    this.onWireCount = 0;
    this.reserved.clear();
  }

  clear(): void {
    this.entries.clear();
    this.reserved.clear();
    this.onWireCount = 0;
  }
}
