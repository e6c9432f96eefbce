// The light peer's MQTT client (core layer): MqttSession over the transport port,
// MQTT 3.1.1 or 5, with mqtt-packet as the codec. No I/O of its own: bytes go
// through a Transport the host makes, time through the Clock port, jitter through
// the RandomSource port, so the same code runs on Node and under XS.
//
// One connection at a time, each a small state machine:
//   OPENING    transport asked to connect           → onOpen: CONNECT
//   CONNACK    CONNECT sent                         → CONNACK accepted: SUBSCRIBE every filter
//   SUBSCRIBING SUBSCRIBE sent                      → its SUBACK: OPEN
//   OPEN       QoS 1 publishes (re)sent in publish order, then onConnect(sessionPresent)
// Anything that goes wrong (transport closed, malformed or unexpected packet, no
// CONNACK/SUBACK within connectTimeoutMs, no answer to PINGREQ within the keep-alive
// interval) closes the connection and schedules a new one with backoff and jitter; a
// refused CONNACK waits the longest backoff. Handlers never see a stale connection:
// every callback checks that its connection is still the current one.

import type { Clock } from '../../ports/clock.js';
import { type Log, LogLevel } from '../../ports/log.js';
import type { RandomSource } from '../../ports/random.js';
import type { Transport, TransportFactory } from '../../ports/transport.js';
import type { MqttSession, QoS, SessionHandlers } from '../session.js';
import { type Backoff, type BackoffOptions, createBackoff } from './backoff.js';
import { Inflight, type InflightPublish, MAX_PACKET_ID } from './inflight.js';
import {
  type IncomingPacket, type OutgoingPacket, type PacketParser, type ProtocolVersion, createPacketParser, encodePacket,
} from './mqtt-codec.js';
import { utf8Length } from './utf8.js';

export interface MqttClientOptions {
  readonly transport: TransportFactory;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** The device id in hex on botpeer's brokers (their ACL checks it). */
  readonly clientId: string;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  readonly protocolVersion?: ProtocolVersion;
  /** PINGREQ after this long without sending (default 30; 0 turns keep-alive off). */
  readonly keepAliveSeconds?: number;
  /**
   * Default false: the broker keeps the session (subscriptions, QoS 1 messages for the
   * device) while it is offline; with MQTT 5 for `sessionExpirySeconds`.
   */
  readonly clean?: boolean;
  /** MQTT 5 session expiry when `clean` is false (default 604 800 s, a week). */
  readonly sessionExpirySeconds?: number;
  /** Transport open + CONNACK + SUBACK must take less than this (default 30 000 ms). */
  readonly connectTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly username?: string;
  /**
   * A function is called at every (re)connection: botpeer's brokers take a device's password
   * once only (a signed, time-stamped token, docs/protocol.md §9.6, connectCredentials).
   */
  readonly password?: string | (() => string);
  readonly log?: Log;
}

const Phase = Object.freeze({ OPENING: 0, CONNACK: 1, SUBSCRIBING: 2, OPEN: 3 } as const);
type Phase = (typeof Phase)[keyof typeof Phase];

const DEFAULT_SESSION_EXPIRY_S = 7 * 24 * 3600;
/** MQTT 5 reason codes from 0x80 up are failures (PUBACK, SUBACK). */
const FAILURE = 0x80;

class Connection {
  transport!: Transport;
  readonly parser: PacketParser;
  phase: Phase = Phase.OPENING;
  sessionPresent = false;
  /** The SUBSCRIBE whose SUBACK completes the connection. */
  subscribeId: number | undefined;
  readonly subscribes = new Map<number, readonly string[]>();
  /** How many QoS 1 publishes may await PUBACK (MQTT 5 Receive Maximum). */
  quota = MAX_PACKET_ID;
  keepAliveMs: number;
  lastOutbound = 0;
  pingSentAt: number | undefined;
  /** The connect timeout, then the keep-alive timer. */
  cancelTimer: (() => void) | undefined;

  constructor(version: ProtocolVersion, keepAliveMs: number) {
    this.parser = createPacketParser(version);
    this.keepAliveMs = keepAliveMs;
  }
}

const noLog: Log = () => {};

export function createMqttClient(options: MqttClientOptions): MqttSession {
  return new MqttClient(options);
}

class MqttClient implements MqttSession {
  private readonly version: ProtocolVersion;
  private readonly keepAliveMs: number;
  private readonly connectTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly log: Log;
  private readonly inflight = new Inflight();
  private readonly filters = new Map<string, QoS>();
  private handlers: SessionHandlers | undefined;
  private conn: Connection | undefined;
  private isConnected = false;
  private stopped = false;
  private attempt = 0;
  private cancelReconnect: (() => void) | undefined;

  constructor(private readonly options: MqttClientOptions) {
    this.version = options.protocolVersion ?? 4;
    if (this.version !== 4 && this.version !== 5) throw new RangeError(`MQTT protocol version must be 4 or 5, not ${String(this.version)}`);
    const keepAlive = options.keepAliveSeconds ?? 30;
    if (!Number.isInteger(keepAlive) || keepAlive < 0 || keepAlive > 65535) throw new RangeError('keepAliveSeconds must be an integer in 0..65535');
    this.keepAliveMs = keepAlive * 1000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    if (!(this.connectTimeoutMs > 0)) throw new RangeError('connectTimeoutMs must be positive');
    const expiry = options.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_S;
    if (!Number.isInteger(expiry) || expiry < 0 || expiry > 0xffffffff) throw new RangeError('sessionExpirySeconds must be an integer in 0..2^32-1');
    checkString('clientId', options.clientId, false);
    this.backoff = createBackoff(options.random, options.backoff);
    this.log = options.log ?? noLog;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  start(handlers: SessionHandlers): void {
    if (this.stopped) throw new Error('MQTT client: start() after stop()');
    if (this.handlers !== undefined) throw new Error('MQTT client: start() called twice');
    this.handlers = handlers;
    this.open();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.isConnected = false;
    this.cancelReconnect?.();
    this.cancelReconnect = undefined;
    const conn = this.conn;
    this.conn = undefined;
    if (conn !== undefined) {
      conn.cancelTimer?.();
      try {
        if (conn.phase >= Phase.SUBSCRIBING) conn.transport.write(encodePacket({ cmd: 'disconnect', reasonCode: 0 }, this.version));
      } catch (error) {
        this.log(LogLevel.DEBUG, `mqtt: DISCONNECT on stop: ${message(error)}`);
      }
      try {
        conn.transport.close();
      } catch (error) {
        this.log(LogLevel.DEBUG, `mqtt: closing on stop: ${message(error)}`);
      }
    }
    this.inflight.clear();
    this.log(LogLevel.INFO, 'mqtt: stopped');
  }

  subscribe(filters: readonly { topic: string; qos: QoS }[]): void {
    const added: { topic: string; qos: QoS }[] = [];
    for (const { topic, qos } of filters) {
      checkString('topic filter', topic, false);
      if (qos !== 0 && qos !== 1) throw new RangeError(`subscription QoS must be 0 or 1, not ${String(qos)}`);
      if (this.filters.get(topic) === qos) continue;
      this.filters.set(topic, qos);
      added.push({ topic, qos });
    }
    const conn = this.conn;
    if (added.length > 0 && conn !== undefined && conn.phase >= Phase.SUBSCRIBING) this.sendSubscribe(conn, added);
  }

  publish(topic: string, payload: Uint8Array, qos: QoS, onDelivered?: () => void): void {
    checkString('topic', topic, true);
    if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
    if (this.stopped) {
      this.log(LogLevel.DEBUG, `mqtt: stopped, publish to ${topic} dropped`);
      return;
    }
    if (qos === 0) {
      const conn = this.conn;
      if (conn !== undefined && conn.phase === Phase.OPEN) this.send(conn, { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false });
      else this.log(LogLevel.DEBUG, `mqtt: offline, QoS 0 publish to ${topic} dropped`);
      return;
    }
    if (qos !== 1) throw new RangeError(`publish QoS must be 0 or 1, not ${String(qos)}`);
    this.inflight.add(topic, payload, onDelivered);
    if (this.conn !== undefined) this.flush(this.conn);
  }

  // --- connection life ---

  private open(): void {
    const conn = new Connection(this.version, this.keepAliveMs);
    this.conn = conn;
    try {
      conn.transport = this.options.transport({
        onOpen: () => this.onOpen(conn),
        onData: (bytes) => this.onData(conn, bytes),
        onClose: (reason) => {
          if (conn === this.conn) this.lose(conn, reason ?? 'connection closed');
        },
      });
    } catch (error) {
      // Still the current connection: lose() must not close a transport that does not exist.
      conn.transport = { write() {}, close() {} };
      this.lose(conn, `transport failed: ${message(error)}`);
      return;
    }
    conn.cancelTimer = this.options.clock.setTimer(this.connectTimeoutMs, () => {
      if (conn === this.conn && conn.phase !== Phase.OPEN) this.lose(conn, `not connected within ${this.connectTimeoutMs} ms`);
    });
  }

  private onOpen(conn: Connection): void {
    if (conn !== this.conn || conn.phase !== Phase.OPENING) return;
    conn.phase = Phase.CONNACK;
    const clean = this.options.clean ?? false;
    const packet: OutgoingPacket = {
      cmd: 'connect',
      protocolVersion: this.version,
      clientId: this.options.clientId,
      clean,
      keepalive: this.keepAliveMs / 1000,
    };
    if (this.options.username !== undefined) packet.username = this.options.username;
    const password = this.options.password;
    if (password !== undefined) packet.password = typeof password === 'function' ? password() : password;
    if (this.version === 5 && !clean) packet.properties = { sessionExpiryInterval: this.options.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_S };
    this.send(conn, packet);
  }

  /** Closes `conn` if it is current and schedules the next attempt. */
  private lose(conn: Connection, reason: string, refused = false): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    conn.cancelTimer?.();
    conn.cancelTimer = undefined;
    try {
      conn.transport.close();
    } catch (error) {
      this.log(LogLevel.DEBUG, `mqtt: transport close: ${message(error)}`);
    }
    this.inflight.connectionLost();
    const wasConnected = this.isConnected;
    this.isConnected = false;
    const delay = refused ? this.backoff.maxMs : this.backoff.delay(this.attempt++);
    this.log(wasConnected ? LogLevel.WARN : LogLevel.INFO, `mqtt: connection lost (${reason}); reconnecting in ${delay} ms`);
    // Scheduled before the handler runs, so a stop() inside onDisconnect cancels it.
    this.cancelReconnect = this.options.clock.setTimer(delay, () => {
      this.cancelReconnect = undefined;
      if (!this.stopped && this.conn === undefined) this.open();
    });
    if (wasConnected) this.notify('onDisconnect', (h) => h.onDisconnect(reason));
  }

  private becomeOpen(conn: Connection): void {
    conn.phase = Phase.OPEN;
    conn.cancelTimer?.();
    conn.cancelTimer = undefined;
    this.attempt = 0;
    this.log(LogLevel.INFO, `mqtt: connected (session present: ${conn.sessionPresent}, ${this.inflight.size} QoS 1 message(s) to send)`);
    this.flush(conn);
    if (conn !== this.conn) return; // a write failed: no onConnect, so no onDisconnect either
    this.isConnected = true;
    if (conn.keepAliveMs > 0) this.armKeepAlive(conn, conn.keepAliveMs - (this.options.clock.now() - conn.lastOutbound));
    this.notify('onConnect', (h) => h.onConnect(conn.sessionPresent));
  }

  // --- keep-alive: one timer per connection, re-armed when it fires (sending does not touch it) ---

  private armKeepAlive(conn: Connection, ms: number): void {
    conn.cancelTimer = this.options.clock.setTimer(Math.max(1, ms), () => this.keepAliveTick(conn));
  }

  private keepAliveTick(conn: Connection): void {
    if (conn !== this.conn) return;
    const now = this.options.clock.now();
    const interval = conn.keepAliveMs;
    if (conn.pingSentAt !== undefined) {
      if (now - conn.pingSentAt >= interval) {
        this.lose(conn, `no answer to PINGREQ within ${interval / 1000} s`);
        return;
      }
    } else if (now - conn.lastOutbound >= interval) {
      if (!this.send(conn, { cmd: 'pingreq' })) return;
      conn.pingSentAt = now;
    }
    const due = conn.pingSentAt !== undefined ? conn.pingSentAt + interval : conn.lastOutbound + interval;
    this.armKeepAlive(conn, due - now);
  }

  // --- bytes in ---

  private onData(conn: Connection, bytes: Uint8Array): void {
    if (conn !== this.conn) return;
    const { packets, error } = conn.parser.push(bytes);
    // Any packet shows the broker is alive, not only PINGRESP.
    if (packets.length > 0) conn.pingSentAt = undefined;
    // Packets complete before a fault count, as they would have had TCP cut the stream there.
    for (const packet of packets) {
      if (conn !== this.conn) return;
      this.handle(conn, packet);
    }
    if (error !== undefined && conn === this.conn) {
      this.log(LogLevel.ERROR, `mqtt: malformed packet from the broker, closing: ${error.message}`);
      this.lose(conn, `malformed packet: ${error.message}`);
    }
  }

  private handle(conn: Connection, packet: IncomingPacket): void {
    if (packet.cmd === 'connack') {
      this.onConnack(conn, packet);
      return;
    }
    if (conn.phase < Phase.SUBSCRIBING) {
      this.unexpected(conn, `${packet.cmd} before CONNACK`);
      return;
    }
    switch (packet.cmd) {
      case 'publish':
        this.onPublish(conn, packet);
        return;
      case 'puback':
        this.onPuback(conn, packet);
        return;
      case 'suback':
        this.onSuback(conn, packet);
        return;
      case 'pingresp':
        return;
      case 'disconnect':
        this.lose(conn, `broker sent DISCONNECT (reason ${packet.reasonCode ?? 0})`);
        return;
      default:
        this.unexpected(conn, packet.cmd);
    }
  }

  private unexpected(conn: Connection, what: string): void {
    this.log(LogLevel.WARN, `mqtt: unexpected ${what} from the broker, closing`);
    this.lose(conn, `unexpected ${what}`);
  }

  private onConnack(conn: Connection, packet: IncomingPacket): void {
    if (conn.phase !== Phase.CONNACK) {
      this.unexpected(conn, 'CONNACK');
      return;
    }
    const code = (this.version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
    if (code !== 0) {
      this.log(LogLevel.WARN, `mqtt: broker refused the connection (code ${code})`);
      this.lose(conn, `refused with code ${code}`, true);
      this.notify('onRefused', (h) => h.onRefused(code));
      return;
    }
    conn.sessionPresent = packet.sessionPresent === true;
    const props = packet.properties;
    if (props !== undefined) {
      // MQTT 5: the broker caps QoS 1 messages in flight, and may impose its own keep-alive.
      if (typeof props['receiveMaximum'] === 'number' && props['receiveMaximum'] > 0) conn.quota = props['receiveMaximum'];
      if (typeof props['serverKeepAlive'] === 'number') conn.keepAliveMs = props['serverKeepAlive'] * 1000;
    }
    conn.phase = Phase.SUBSCRIBING;
    if (this.filters.size === 0) {
      this.becomeOpen(conn);
      return;
    }
    conn.subscribeId = this.sendSubscribe(conn, [...this.filters].map(([topic, qos]) => ({ topic, qos })));
  }

  private sendSubscribe(conn: Connection, subscriptions: { topic: string; qos: QoS }[]): number {
    const messageId = this.inflight.reserve();
    conn.subscribes.set(messageId, subscriptions.map((s) => s.topic));
    this.send(conn, { cmd: 'subscribe', messageId, subscriptions });
    return messageId;
  }

  private onSuback(conn: Connection, packet: IncomingPacket): void {
    const id = packet.messageId ?? 0;
    const topics = conn.subscribes.get(id);
    if (topics === undefined || !this.inflight.release(id)) {
      this.log(LogLevel.DEBUG, `mqtt: SUBACK for unknown packet id ${id}, ignored`);
      return;
    }
    conn.subscribes.delete(id);
    (packet.granted ?? []).forEach((code, i) => {
      if (code >= FAILURE) this.log(LogLevel.WARN, `mqtt: broker refused the subscription to ${topics[i] ?? '?'} (code ${code})`);
    });
    if (id === conn.subscribeId && conn.phase === Phase.SUBSCRIBING) this.becomeOpen(conn);
  }

  private onPublish(conn: Connection, packet: IncomingPacket): void {
    const qos = packet.qos ?? 0;
    if (qos > 1) {
      // The client subscribes with QoS 0 or 1 only, so a broker may not send QoS 2.
      this.unexpected(conn, 'PUBLISH with QoS 2');
      return;
    }
    const raw = packet.payload;
    // A plain Uint8Array view: the peer should not see Buffer (Node) or the shim (XS).
    const payload = raw === undefined ? new Uint8Array(0) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    this.notify('onMessage', (h) => h.onMessage(packet.topic ?? '', payload, packet.retain === true));
    // Acknowledged after the handler ran; a stop() inside it leaves the message to the broker.
    if (qos === 1 && conn === this.conn) this.send(conn, { cmd: 'puback', messageId: packet.messageId ?? 0, reasonCode: 0 });
  }

  private onPuback(conn: Connection, packet: IncomingPacket): void {
    const entry = this.inflight.acknowledge(packet.messageId ?? 0);
    if (entry === undefined) {
      this.log(LogLevel.DEBUG, `mqtt: PUBACK for unknown packet id ${packet.messageId ?? 0}, ignored`);
      return;
    }
    const code = packet.reasonCode ?? 0;
    if (code >= FAILURE) this.log(LogLevel.WARN, `mqtt: broker refused the publish to ${entry.topic} (reason ${code})`);
    else if (entry.onDelivered !== undefined) this.notify('onDelivered', entry.onDelivered);
    if (conn === this.conn) this.flush(conn);
  }

  // --- bytes out ---

  /** Writes QoS 1 publishes not on the wire yet, in publish order, within the broker's quota. */
  private flush(conn: Connection): void {
    if (conn.phase !== Phase.OPEN) return;
    for (const entry of this.inflight.sendable(conn.quota)) {
      if (!this.send(conn, publishPacket(entry))) return;
      this.inflight.markWritten(entry);
    }
  }

  /** False when writing failed (the connection is then lost). */
  private send(conn: Connection, packet: OutgoingPacket): boolean {
    const bytes = encodePacket(packet, this.version);
    try {
      conn.transport.write(bytes);
    } catch (error) {
      this.lose(conn, `write failed: ${message(error)}`);
      return false;
    }
    conn.lastOutbound = this.options.clock.now();
    return true;
  }

  /** Runs a handler; one that throws is a bug in the peer, logged and not allowed to break the session. */
  private notify(name: string, call: ((h: SessionHandlers) => void) | (() => void)): void {
    const handlers = this.handlers;
    if (handlers === undefined || this.stopped) return;
    try {
      call(handlers);
    } catch (error) {
      this.log(LogLevel.ERROR, `mqtt: ${name} handler threw: ${message(error)}`);
    }
  }
}

function publishPacket(entry: InflightPublish): OutgoingPacket {
  return { cmd: 'publish', topic: entry.topic, payload: entry.payload, qos: 1, dup: entry.everSent, retain: false, messageId: entry.id };
}

/** MQTT strings: non-empty, at most 65,535 UTF-8 bytes, no NUL; a topic name has no wildcard. */
function checkString(what: string, value: string, topicName: boolean): void {
  if (typeof value !== 'string' || value.length === 0) throw new RangeError(`${what} must be a non-empty string`);
  if (utf8Length(value) > 65535) throw new RangeError(`${what} is longer than 65,535 bytes`);
  if (value.includes('\u0000')) throw new RangeError(`${what} contains NUL`);
  if (topicName && (value.includes('+') || value.includes('#'))) throw new RangeError(`${what} may not contain wildcards`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
