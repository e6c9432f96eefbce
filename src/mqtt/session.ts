// What the light peer needs from an MQTT client (core layer). The client in
// src/mqtt/client implements it over the transport port; tests implement it with
// an in-memory fake gateway. Keeping the peer on this seam lets a device use
// another codec (e.g. Moddable's ECMA-419 MQTT client) without touching the peer.

export type QoS = 0 | 1;

export interface SessionHandlers {
  /** CONNACK accepted. Subscriptions are (re)made by the client before this is called. */
  onConnect(sessionPresent: boolean): void;
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
  /** The connection is gone; the client reconnects on its own with backoff and jitter. */
  onDisconnect(reason: string): void;
  /**
   * The broker refused the connection (CONNACK return/reason code, e.g. 5 "not authorized"
   * when the device is on the blocklist). The client keeps retrying at its longest backoff.
   */
  onRefused(code: number): void;
}

export interface MqttSession {
  readonly connected: boolean;
  /** Starts connecting; handlers are called from then on. */
  start(handlers: SessionHandlers): void;
  /** Disconnects cleanly and stops reconnecting; QoS 1 messages not yet acknowledged are dropped from memory (the peer's outbox keeps them). */
  stop(): void;
  /** Filters subscribed on every (re)connection, before onConnect. */
  subscribe(filters: readonly { topic: string; qos: QoS }[]): void;
  /**
   * QoS 1: kept in memory until PUBACK (sent on the next connection if offline, re-sent with
   * DUP after a reconnect); `onDelivered` runs on PUBACK. QoS 0: sent if connected, else dropped.
   */
  publish(topic: string, payload: Uint8Array, qos: QoS, onDelivered?: () => void): void;
}
