// Helpers for the MQTT client's tests against real brokers (test layer, Node): the
// client on the desktop TCP transport, a recorder of every packet it writes and
// reads, a TCP proxy that can cut connections, refuse them or swallow the broker's
// bytes, an embedded aedes broker, and fake servers that answer with garbage.

import { Aedes } from 'aedes';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { createNodeClock } from '../../hosts/desktop/clock-node.js';
import { nodeRandom } from '../../hosts/desktop/random-node.js';
import { createTcpTransport } from '../../hosts/desktop/transport-tcp-node.js';
import { type MqttClientOptions, createMqttClient } from '../../src/mqtt/client/mqtt-client.js';
import { type IncomingPacket, type ProtocolVersion, createPacketParser } from '../../src/mqtt/client/mqtt-codec.js';
import type { MqttSession } from '../../src/mqtt/session.js';
import type { TransportFactory } from '../../src/ports/index.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface WirePacket {
  /** Which connection of the client (0, 1, …). */
  readonly conn: number;
  readonly dir: 'out' | 'in';
  readonly at: number;
  readonly packet: IncomingPacket;
}

/** Wraps a transport factory and decodes what crosses it, both ways, with the client's own parser. */
export function recordingTransport(inner: TransportFactory, version: ProtocolVersion): { factory: TransportFactory; wire: WirePacket[] } {
  const wire: WirePacket[] = [];
  let connections = 0;
  const factory: TransportFactory = (handlers) => {
    const conn = connections++;
    const outParser = createPacketParser(version);
    const inParser = createPacketParser(version);
    const record = (dir: 'out' | 'in', parser: typeof outParser, bytes: Uint8Array) => {
      const { packets, error } = parser.push(bytes.slice());
      for (const packet of packets) wire.push({ conn, dir, at: Date.now(), packet });
      if (error !== undefined) wire.push({ conn, dir, at: Date.now(), packet: { cmd: 'garbage' } });
    };
    const transport = inner({
      onOpen: () => handlers.onOpen(),
      onData: (bytes) => {
        record('in', inParser, bytes);
        handlers.onData(bytes);
      },
      onClose: (reason) => handlers.onClose(reason),
    });
    return {
      write: (bytes) => {
        record('out', outParser, bytes);
        transport.write(bytes);
      },
      close: () => transport.close(),
    };
  };
  return { factory, wire };
}

export interface DeviceEvents {
  connects: boolean[];
  messages: { topic: string; payload: Uint8Array; retained: boolean }[];
  disconnects: string[];
  refusals: number[];
  logs: string[];
}

export interface TestDevice {
  readonly client: MqttSession;
  readonly events: DeviceEvents;
  readonly wire: WirePacket[];
  /** Packets of one kind on the wire, in order. */
  packets(dir: 'out' | 'in', cmd: string, conn?: number): IncomingPacket[];
}

/** The client under test on node:net through the recorder; call client.start() yourself, or pass start. */
export function makeDevice(port: number, options: Partial<MqttClientOptions> & { clientId: string }, start = true): TestDevice {
  const version = options.protocolVersion ?? 4;
  const { factory, wire } = recordingTransport(createTcpTransport({ host: '127.0.0.1', port }), version);
  const events: DeviceEvents = { connects: [], messages: [], disconnects: [], refusals: [], logs: [] };
  const client = createMqttClient({
    transport: factory,
    clock: createNodeClock({ unref: true }),
    random: nodeRandom,
    log: (level, message) => events.logs.push(`${level} ${message}`),
    ...options,
  });
  if (start) {
    client.start({
      onConnect: (sp) => events.connects.push(sp),
      onMessage: (topic, payload, retained) => events.messages.push({ topic, payload, retained }),
      onDisconnect: (reason) => events.disconnects.push(reason),
      onRefused: (code) => events.refusals.push(code),
    });
  }
  return {
    client, events, wire,
    packets: (dir, cmd, conn) => wire.filter((w) => w.dir === dir && w.packet.cmd === cmd && (conn === undefined || w.conn === conn)).map((w) => w.packet),
  };
}

export interface AedesBroker {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** aedes on a loopback port (a given one to "restart" a broker); `refuse` returns a CONNACK code for a client id, 0 to accept. */
export async function startAedes(options: { port?: number; refuse?: (clientId: string) => number } = {}): Promise<AedesBroker> {
  const broker = await Aedes.createBroker();
  if (options.refuse) {
    const refuse = options.refuse;
    broker.authenticate = (client, _username, _password, done) => {
      const code = refuse(client.id);
      if (code === 0) done(null, true);
      else done(Object.assign(new Error('refused by the test'), { returnCode: code }) as never, false);
    };
  }
  const server: Server = createServer(broker.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: () => {
      // Killed, not shut down politely: every client connection is cut at once.
      stopped ??= (async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
      })();
      return stopped;
    },
  };
}

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted and forwarded so far, and those refused while down. */
  readonly accepted: number;
  readonly refused: number;
  /** Where new connections go (e.g. a restarted broker). */
  target: number;
  /** While down, new connections are closed at once. */
  down: boolean;
  /** While muted, bytes from the broker are dropped (the client never sees its PUBACKs). */
  muted: boolean;
  /** Cuts every open connection, both ways. */
  cut(): void;
  close(): Promise<void>;
}

/** A byte-for-byte TCP forwarder between the client and a broker, to cut and black-hole connections on cue. */
export async function startProxy(target: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const state = { accepted: 0, refused: 0, target, down: false, muted: false };
  const server = createServer((client) => {
    if (state.down) {
      state.refused++;
      client.destroy();
      return;
    }
    state.accepted++;
    const upstream = connect({ host: '127.0.0.1', port: state.target });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!state.muted) client.write(d);
    });
    for (const s of pair) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    port,
    cut() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as TcpProxy;
}

/** A fake broker that answers the first bytes of every connection with `reply` (garbage, or a CONNACK then garbage). */
export async function startGarbageServer(reply: Uint8Array[]): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      for (const chunk of reply) socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
