// What the parts of the light peer share (core layer): the ports, the
// configuration, the counters, and the ways to report, emit and ask. The light
// peer (light-peer.ts) builds one and hands it to its header sync and its sender,
// so each part has one place to talk to the outside.

import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { ChainTopics } from '../mqtt/topics.js';
import type { Method, Response } from '../mqtt/messages.js';
import type { CborValue } from '../codec/cbor.js';
import type { MqttSession } from '../mqtt/session.js';
import type { PeerConfig } from './peer-config.js';
import type { PeerCounters, PeerEvent } from './peer-status.js';
import type { Clock } from '../ports/clock.js';
import type { Log } from '../ports/log.js';
import type { KeyValueStore, OutboxStore } from '../ports/storage.js';

export interface PeerContext {
  readonly config: PeerConfig;
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly store: KeyValueStore;
  readonly outbox: OutboxStore;
  readonly session: MqttSession;
  readonly log: Log;
  readonly chainId: Uint8Array;
  readonly deviceId: Uint8Array;
  readonly topics: ChainTopics;
  /** Topics of this device, computed once. */
  readonly deviceTopics: { readonly ack: string; readonly proof: string; readonly request: string; readonly response: string };
  readonly counters: PeerCounters;
  connected(): boolean;
  emit(event: PeerEvent): void;
  /** Records the last error and logs it. */
  report(code: number, detail: string): void;
  /**
   * Sends a request; `onResponse` gets the response, or undefined when it timed out or the
   * connection dropped. False (nothing sent) when offline or too many requests are open.
   */
  request(method: Method, params: readonly CborValue[], onResponse: (response: Response | undefined) => void): boolean;
  /** Something the visible state depends on changed. */
  refreshState(): void;
}
