// The embedded broker (tools layer): aedes on a local TCP port, the default for
// a single site. Being the broker lets the gateway authenticate devices, enforce the
// blocklist at the connection (DDoS use case) and an ACL per device
// (docs/protocol.md §9.6):
//   - a client whose id is a device id (16 hex digits) must prove that device's key at
//     CONNECT (`authenticate`, connect-guard.ts); its connection is then bound to that id:
//     it may publish only to bot/<chain>/up and its own …/d/<id>/req, and subscribe only
//     to its own …/d/<id>/…, the header and the checkpoint topics; the operator's tools
//     connect the same way with the operator key;
//   - any other client is an observer: it may only subscribe to the header and checkpoint;
//   - no client may publish a retained message (only the gateway, in process, does);
//   - a blocked device is refused at CONNECT and on every publication;
//   - packets over `maxPacketBytes` close the connection as soon as their length is read,
//     and at most `maxConnections` connections are open at once.

import { Aedes, type AedesPublishPacket, type Client, type Subscription } from 'aedes';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { TX_LIMITS } from '../../src/index.js';
import type { Bus, MessageHandler, PublishOptions } from './bus.js';

export interface AedesBusOptions {
  readonly host: string;
  readonly port: number;
  readonly chainHex: string;
  /** True for a device id (hex) that must be refused. */
  readonly isBlocked: (clientId: string) => boolean;
  /** The CONNECT check: 0 accepts, else the CONNACK return code (2, 4, 5) (ConnectGuard.check). */
  readonly authenticate: (clientId: string, username: string | undefined, password: Uint8Array | undefined) => { readonly code: number; readonly reason?: string };
  /** Default MAX_PACKET_BYTES. */
  readonly maxPacketBytes?: number;
  /** Default MAX_CONNECTIONS. */
  readonly maxConnections?: number;
  readonly log?: (line: string) => void;
}

/**
 * The largest MQTT packet a legal client sends: a PUBLISH of the largest transaction (TX_LIMITS,
 * docs/protocol.md §1.4) on `bot/<chain>/up` is 4 096 + 2 + 20 + 2 (packet id) = 4 120 bytes after
 * the fixed header; a request (≤ 2 048) or a CONNECT with its token (< 250) is smaller. With room
 * for MQTT 5 properties: 4 096 + 1 024.
 */
export const MAX_PACKET_BYTES = TX_LIMITS.maxBytes + 1024;
export const MAX_CONNECTIONS = 20_000;

const DEVICE_ID = /^[0-9a-f]{16}$/;

export async function startAedesBus(options: AedesBusOptions): Promise<Bus> {
  // mqemitter 7 drains its queue recursively once `concurrency` deliveries are pending, and a
  // block pushes up to 4096 proofs at once: with the default (100) or 1000, a burst of
  // publishes on `up` behind them overflows the stack (mcollina/mqemitter#204). Keep it far above.
  const broker = await Aedes.createBroker({ drainTimeout: 30_000, concurrency: 100_000, maxClientsIdLength: 64, connectTimeout: 10_000 });
  const log = options.log ?? (() => {});
  const base = `bot/${options.chainHex}`;
  const publicTopics = new Set([`${base}/header`, `${base}/checkpoint`]);
  const clients = new Map<string, Client>();
  // The brokerId of each publish path, by QoS then retain (see publish()).
  const lanes = [0, 1].map((qos) => [`${broker.id}/q${qos}`, `${broker.id}/q${qos}r`]) as [[string, string], [string, string]];

  // Connections bound to a device id by a verified CONNECT token (§9.6).
  const bound = new WeakSet<Client>();
  broker.authenticate = (client, username, password, done) => {
    const verdict = options.authenticate(client.id, username ?? undefined, password ? new Uint8Array(password) : undefined);
    if (verdict.code !== 0) {
      log(`connection as ${client.id.slice(0, 64)} refused (${verdict.code}): ${verdict.reason ?? ''}`);
      done(Object.assign(new Error(verdict.reason ?? 'refused'), { returnCode: verdict.code }) as never, false);
      return;
    }
    if (DEVICE_ID.test(client.id)) bound.add(client);
    done(null, true);
  };
  broker.authorizePublish = (client, packet, done) => {
    if (!client) return done(null);
    const id = client.id;
    if (!bound.has(client)) return done(new Error(`client ${id} is not authenticated: it may not publish`));
    if (packet.retain) return done(new Error(`client ${id} may not publish retained messages`));
    if (options.isBlocked(id)) return done(new Error('device is on the blocklist'));
    const topic = packet.topic;
    done(topic === `${base}/up` || topic === `${base}/d/${id}/req` ? null : new Error(`client ${id} may not publish to ${topic}`));
  };
  broker.authorizeSubscribe = (client, subscription: Subscription, done) => {
    const own = client && bound.has(client) && subscription.topic.startsWith(`${base}/d/${client.id}/`);
    done(null, own || publicTopics.has(subscription.topic) ? subscription : null);
  };
  broker.on('client', (client) => clients.set(client.id, client));
  broker.on('clientDisconnect', (client) => {
    if (clients.get(client.id) === client) clients.delete(client.id);
  });

  const maxPacketBytes = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  const server: Server = createServer((socket) => {
    coalesceWrites(socket);
    limitPacketSize(socket, maxPacketBytes);
    broker.handle(socket);
  });
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `mqtt://${options.host}:${port}`,
    enforcesBlocklist: true,
    connections: () => broker.connectedClients,
    async onMessage(filter: string, handler: MessageHandler) {
      const matches = topicMatcher(filter);
      broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
        if (client && matches(packet.topic)) handler(packet.topic, asBytes(packet.payload), client.id);
      });
    },
    publish(topic: string, payload: Uint8Array, opts: PublishOptions) {
      const retain = opts.retain ?? false;
      const packet = {
        cmd: 'publish', topic, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.length), qos: opts.qos, retain, dup: false,
        // aedes drops a message for a client whose counter is not above the last one it delivered
        // to that client under the same brokerId (its dedupe, meant for clustered brokers). But a
        // message takes more or fewer asynchronous steps to reach delivery by QoS and retain (QoS 1
        // waits for the offline queue, retain for the retained store), so a retained header could be
        // overtaken by an ack published just after it and silently dropped. One brokerId per kind of
        // path keeps each one first-in first-out, and kinds never shadow each other.
        brokerId: lanes[opts.qos][retain ? 1 : 0],
      };
      return new Promise<void>((resolve, reject) =>
        broker.publish(packet as AedesPublishPacket, (error?: Error | null) => (error ? reject(error) : resolve())),
      );
    },
    disconnect(clientId: string) {
      clients.get(clientId)?.close();
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Closes `socket` as soon as a packet's fixed header announces more than `max` bytes, before the
 * bytes arrive: mqtt-packet, which aedes parses with, has no limit and buffers a packet whole
 * (up to 256 MiB), and keeps that memory. It watches what aedes reads (aedes calls
 * socket.read() on 'readable'), walking packet boundaries without copying.
 */
export function limitPacketSize(socket: Socket, max: number): void {
  let skip = 0; // bytes of the current packet's body still to pass
  let header = 0; // 0: at a packet's first byte; 1..4: reading the remaining length's byte n
  let length = 0;
  let multiplier = 1;
  const read = socket.read;
  socket.read = function limitedRead(this: Socket, size?: number) {
    const chunk = read.call(this, size) as Buffer | string | null;
    if (!chunk || typeof chunk === 'string') return chunk;
    let at = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const step = Math.min(skip, chunk.length - at);
        skip -= step;
        at += step;
        continue;
      }
      const byte = chunk[at++]!;
      if (header === 0) {
        header = 1;
        length = 0;
        multiplier = 1;
        continue;
      }
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (length > max || (byte & 0x80 && header === 4)) {
        socket.destroy();
        return null;
      }
      if (byte & 0x80) {
        header++;
      } else {
        header = 0;
        skip = length;
      }
    }
    return chunk;
  } as Socket['read'];
}

const coalescing = new WeakSet<Socket>();
/** Room kept below a socket's highWaterMark: a proof message with its MQTT header is ~1.2 KB at most. */
const HEADROOM = 4096;

/**
 * Makes what is written to `socket` during one turn of the event loop leave in few writevs.
 * aedes and mqtt.js write each packet on its own (mqtt-packet corks a socket only until the
 * next tick), so every PUBACK, ack and proof would cost a system call, the largest single cost
 * of the gateway's main thread; corked until setImmediate, they go out together, in order,
 * within the same turn. Only while the buffer stays below the socket's highWaterMark: past that,
 * write() would report backpressure for data that merely waits for the cork (and mqtt.js adds a
 * 'drain' listener per packet), so the turn's remaining writes go out packet by packet as before.
 */
export function coalesceWrites(socket: Socket): void {
  if (coalescing.has(socket)) return;
  coalescing.add(socket);
  const limit = Math.max(0, socket.writableHighWaterMark - HEADROOM);
  let corked = false; // this function's own cork, on top of any other
  let full = false; // this turn filled the buffer: no more corking until the next turn
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    full = false;
    if (corked) {
      corked = false;
      socket.uncork();
    }
  };
  const write = socket.write;
  socket.write = function coalescedWrite(this: Socket, ...args: Parameters<Socket['write']>) {
    if (corked && socket.writableLength >= limit) {
      corked = false;
      full = true;
      socket.uncork();
    } else if (!corked && !full) {
      corked = true;
      socket.cork();
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }
    return write.apply(this, args);
  } as Socket['write'];
}

function asBytes(payload: string | Buffer): Uint8Array {
  return typeof payload === 'string' ? new TextEncoder().encode(payload) : new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
}

/**
 * MQTT filter matching for the few filters the gateway uses ('+' and a trailing '#'). Every
 * publication passes every handler's matcher, so it walks the topic in place instead of
 * splitting it: a filter without wildcards is one string comparison.
 */
export function topicMatcher(filter: string): (topic: string) => boolean {
  if (!filter.includes('+') && !filter.includes('#')) return (topic) => topic === filter;
  const parts = filter.split('/');
  return (topic) => {
    let at = 0; // start of the current topic level
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '#') return true;
      if (at > topic.length) return false; // the topic has fewer levels
      const slash = topic.indexOf('/', at);
      const end = slash < 0 ? topic.length : slash;
      if (part !== '+' && (end - at !== part.length || !topic.startsWith(part, at))) return false;
      at = end + 1;
    }
    return at > topic.length; // no levels left over
  };
}
