// Requests in flight to the gateway (core layer): request ids, bounded
// bookkeeping and timeouts. Responses are matched by id; one with an unknown id
// (late, duplicated or forged) is dropped. Bounded, so a silent gateway cannot
// make the peer hold more than MAX_OPEN_REQUESTS handlers.

import type { CborValue } from '../codec/cbor.js';
import { MAX_REQUEST_ID, type Method, type Response, encodeRequest } from '../mqtt/messages.js';
import type { MqttSession } from '../mqtt/session.js';

export const MAX_OPEN_REQUESTS = 8;

interface Open {
  readonly sentAt: number;
  readonly onResponse: (response: Response | undefined) => void;
}

export class RequestTable {
  private readonly open = new Map<number, Open>();
  private lastId: number;

  /**
   * `firstId` should differ on every boot (the peer draws it from its random port): a persistent
   * MQTT session delivers responses to the previous boot's requests after a reboot, and with ids
   * from 1 each time they would answer new requests (a NOT_FOUND meant for another seq).
   */
  constructor(private readonly session: MqttSession, private readonly topic: string, firstId = 1) {
    this.lastId = Math.min(Math.max(1, Math.floor(firstId)), MAX_REQUEST_ID) - 1;
  }

  get size(): number {
    return this.open.size;
  }

  send(now: number, method: Method, params: readonly CborValue[], onResponse: (response: Response | undefined) => void): boolean {
    if (this.open.size >= MAX_OPEN_REQUESTS) return false;
    this.lastId = this.lastId >= MAX_REQUEST_ID ? 1 : this.lastId + 1;
    const id = this.lastId;
    this.open.set(id, { sentAt: now, onResponse });
    this.session.publish(this.topic, encodeRequest({ id, method, params }), 1);
    return true;
  }

  /** Hands a decoded response to its request; false when no request has that id. */
  resolve(response: Response): boolean {
    const entry = this.open.get(response.id);
    if (!entry) return false;
    this.open.delete(response.id);
    entry.onResponse(response);
    return true;
  }

  /** Gives up requests older than `timeoutMs`. */
  expire(now: number, timeoutMs: number): void {
    for (const [id, entry] of this.open) {
      // A clock set back (now < sentAt) counts as timed out: waiting would take as long as the jump.
      if (now - entry.sentAt >= timeoutMs || now < entry.sentAt) {
        this.open.delete(id);
        entry.onResponse(undefined);
      }
    }
  }

  /** The connection is gone: no response will come. */
  abandonAll(): void {
    const entries = [...this.open.values()];
    this.open.clear();
    for (const entry of entries) entry.onResponse(undefined);
  }
}
