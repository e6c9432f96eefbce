// Deterministic fakes for the MQTT client (test layer), platform-neutral so the same
// scenarios run under ava and under XS: a manual clock, an in-memory network that
// delivers transport callbacks from a queue (never inside write/close, as the port
// requires), and a scripted broker that speaks MQTT through the client's own codec.

import type { Clock, RandomSource, Transport, TransportFactory, TransportHandlers } from '../../src/ports/index.js';
import {
  type IncomingPacket, type OutgoingPacket, type PacketParser, type ProtocolVersion, createPacketParser, encodePacket,
} from '../../src/mqtt/client/mqtt-codec.js';

/** Transport callbacks waiting to run, in order. */
export class FakeNetwork {
  private readonly queue: (() => void)[] = [];

  post(task: () => void): void {
    this.queue.push(task);
  }

  /** Runs every queued callback, including those queued meanwhile. */
  run(): void {
    for (let guard = 0; this.queue.length > 0; guard++) {
      if (guard > 1_000_000) throw new Error('fake network: no quiescence');
      this.queue.shift()!();
    }
  }
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Time moves only in advance(); due timers run in time order, the network drained after each. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(
    private readonly network: FakeNetwork,
    start = 1_700_000_000_000,
  ) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Live timers, soonest first, as delays from now. */
  pending(): number[] {
    return this.live().map((t) => t.at - this.time);
  }

  advance(ms: number): void {
    const end = this.time + ms;
    this.network.run();
    for (let guard = 0; ; guard++) {
      if (guard > 100_000) throw new Error('manual clock: timers keep rescheduling themselves at the same time');
      const next = this.live()[0];
      if (next === undefined || next.at > end) break;
      this.fire(next);
    }
    this.time = end;
  }

  /** Moves time to the next timer and runs it alone; returns the delay it waited, or undefined if none. */
  step(): number | undefined {
    this.network.run();
    const next = this.live()[0];
    if (next === undefined) return undefined;
    const waited = next.at - this.time;
    this.fire(next);
    return waited;
  }

  private fire(timer: Timer): void {
    this.time = timer.at;
    timer.cancelled = true;
    timer.callback();
    this.network.run();
  }

  private live(): Timer[] {
    this.timers = this.timers.filter((t) => !t.cancelled);
    return this.timers.slice().sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}

/** Random bytes from a fixed seed (xorshift32): reproducible jitter. */
export function seededRandom(seed = 0x9e3779b9): RandomSource {
  let state = seed >>> 0 || 1;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      out[i] = state & 0xff;
    }
    return out;
  };
}

export interface FakeBrokerOptions {
  readonly version: ProtocolVersion;
  /** CONNACK return/reason code (0 accepts). */
  refuseWith?: number;
  sessionPresent?: boolean;
  /** Answer QoS 1 PUBLISH with PUBACK (default true). */
  autoPuback?: boolean;
  /** Answer PINGREQ (default true). */
  answerPings?: boolean;
  /** Answer CONNECT at all (default true). */
  answerConnect?: boolean;
  /** Refuse TCP connections (the transport closes without opening). */
  down?: boolean;
  /** MQTT 5 CONNACK properties. */
  connackProperties?: Record<string, unknown>;
}

/** One connection as the broker sees it. */
export class FakeServerSide {
  readonly received: IncomingPacket[] = [];
  /** The broker still reads and writes (false once either end closed). */
  open = true;
  /** The client called close(): nothing more reaches its handlers. */
  clientClosed = false;
  private closeReported = false;
  private readonly parser: PacketParser;

  constructor(
    private readonly broker: FakeBroker,
    readonly index: number,
    private readonly handlers: TransportHandlers,
  ) {
    this.parser = createPacketParser(broker.options.version);
  }

  /** Bytes from the client. */
  receive(bytes: Uint8Array): void {
    if (!this.open) return;
    const { packets, error } = this.parser.push(bytes);
    if (error !== undefined) throw error; // the client under test wrote something that is not MQTT
    for (const packet of packets) {
      this.received.push(packet);
      this.broker.log.push(`c${this.index} > ${describe(packet)}`);
      this.answer(packet);
    }
  }

  send(packet: OutgoingPacket): void {
    this.broker.log.push(`c${this.index} < ${describe(packet as IncomingPacket)}`);
    this.sendBytes(encodePacket(packet, this.broker.options.version));
  }

  sendBytes(bytes: Uint8Array): void {
    if (!this.open) return;
    const copy = bytes.slice();
    // Bytes sent before a drop still arrive, as over TCP; none after the client closed.
    this.broker.network.post(() => {
      if (!this.clientClosed) this.handlers.onData(copy);
    });
  }

  /** The broker cuts the connection. */
  drop(reason = 'closed by the broker'): void {
    if (!this.open) return;
    this.open = false;
    this.broker.log.push(`c${this.index} dropped`);
    this.broker.network.post(() => this.reportClose(reason));
  }

  /** The client closed its end (after what it wrote before reached the broker). */
  closedByClient(): void {
    if (this.open) this.broker.log.push(`c${this.index} closed`);
    this.open = false;
    this.broker.network.post(() => this.reportClose('closed locally'));
  }

  /** onClose runs once per connection, as the port promises. */
  private reportClose(reason: string): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.handlers.onClose(reason);
  }

  private answer(packet: IncomingPacket): void {
    const o = this.broker.options;
    switch (packet.cmd) {
      case 'connect': {
        if (o.answerConnect === false) return;
        const code = o.refuseWith ?? 0;
        const connack: OutgoingPacket = o.version === 5
          ? { cmd: 'connack', sessionPresent: code === 0 && o.sessionPresent === true, reasonCode: code, ...(o.connackProperties ? { properties: o.connackProperties } : {}) }
          : { cmd: 'connack', sessionPresent: code === 0 && o.sessionPresent === true, returnCode: code };
        this.send(connack);
        if (code !== 0) this.drop('refused');
        return;
      }
      case 'subscribe': {
        const subs = (packet as unknown as { subscriptions: { qos: number }[] }).subscriptions;
        this.send({ cmd: 'suback', messageId: packet.messageId!, granted: subs.map((s) => s.qos) });
        return;
      }
      case 'publish':
        if ((packet.qos ?? 0) === 1 && o.autoPuback !== false) this.send({ cmd: 'puback', messageId: packet.messageId!, reasonCode: 0 });
        return;
      case 'pingreq':
        if (o.answerPings !== false) this.send({ cmd: 'pingresp' });
        return;
      default:
    }
  }
}

/** A scripted broker: its `transport` is the factory the client under test gets. */
export class FakeBroker {
  readonly connections: FakeServerSide[] = [];
  /** What crossed the wire, both ways, one line per packet. */
  readonly log: string[] = [];
  readonly transport: TransportFactory;

  constructor(
    readonly network: FakeNetwork,
    readonly options: FakeBrokerOptions,
  ) {
    this.transport = (handlers) => this.accept(handlers);
  }

  get last(): FakeServerSide {
    const c = this.connections[this.connections.length - 1];
    if (c === undefined) throw new Error('no connection yet');
    return c;
  }

  private accept(handlers: TransportHandlers): Transport {
    const server = new FakeServerSide(this, this.connections.length, handlers);
    this.connections.push(server);
    if (this.options.down) {
      server.open = false;
      this.log.push(`c${server.index} refused at TCP`);
      this.network.post(() => handlers.onClose('connection refused'));
    } else {
      this.network.post(() => {
        if (server.open) handlers.onOpen();
      });
    }
    return {
      write: (bytes) => {
        const copy = bytes.slice();
        this.network.post(() => server.receive(copy));
      },
      close: () => {
        if (server.clientClosed) return;
        server.clientClosed = true;
        // Queued behind the client's last writes, so a DISCONNECT still gets there.
        this.network.post(() => server.closedByClient());
      },
    };
  }
}

/** One line per packet, the fields a test compares. */
export function describe(p: IncomingPacket): string {
  const parts: string[] = [p.cmd.toUpperCase()];
  if (p.messageId !== undefined) parts.push(`id=${p.messageId}`);
  if (p.cmd === 'publish') {
    parts.push(`qos=${p.qos ?? 0}`);
    if (p.dup) parts.push('dup');
    if (p.retain) parts.push('retain');
    parts.push(`topic=${p.topic}`, `payload=${hex(p.payload ?? new Uint8Array(0))}`);
  }
  if (p.cmd === 'connack') parts.push(`sp=${p.sessionPresent ? 1 : 0}`, `code=${p.returnCode ?? p.reasonCode ?? 0}`);
  if (p.cmd === 'suback') parts.push(`granted=${(p.granted ?? []).join(',')}`);
  const sub = p as unknown as { subscriptions?: { topic: string; qos: number }[] };
  if (p.cmd === 'subscribe' && sub.subscriptions) parts.push(sub.subscriptions.map((s) => `${s.topic}@${s.qos}`).join(','));
  const con = p as unknown as { clientId?: string; clean?: boolean; keepalive?: number; properties?: { sessionExpiryInterval?: number } };
  if (p.cmd === 'connect') {
    parts.push(`id=${con.clientId}`, `clean=${con.clean ? 1 : 0}`, `ka=${con.keepalive}`);
    if (con.properties?.sessionExpiryInterval !== undefined) parts.push(`expiry=${con.properties.sessionExpiryInterval}`);
  }
  return parts.join(' ');
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}
