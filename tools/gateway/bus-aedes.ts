// The embedded broker (tools layer): aedes on a local TCP port, the default for
// a single site. Being the broker lets the gateway enforce the blocklist at the
// connection (DDoS use case) and an ACL per device:
//   - a device (client id = its 16-hex-digit id) may publish only to bot/<chain>/up
//     and its own …/d/<id>/req, and subscribe only to its own …/d/<id>/#, the
//     header and the checkpoint topics;
//   - any other client may only subscribe to the header and checkpoint topics,
//     except the operator's tools, which may publish transactions like a device;
//   - a blocked device is refused at CONNECT and on every publication.

import { Aedes, type AedesPublishPacket, type Client, type Subscription } from 'aedes';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { Bus, MessageHandler, PublishOptions } from './bus.js';

export interface AedesBusOptions {
  readonly host: string;
  readonly port: number;
  readonly chainHex: string;
  /** True for a device id (hex) that must be refused. */
  readonly isBlocked: (clientId: string) => boolean;
  /** Client ids allowed to publish transactions without being a device topic owner (the operator). */
  readonly isTrustedTool?: (clientId: string) => boolean;
}

const DEVICE_ID = /^[0-9a-f]{16}$/;

export async function startAedesBus(options: AedesBusOptions): Promise<Bus> {
  // mqemitter 7 drains its queue recursively once `concurrency` deliveries are pending, and a
  // block pushes up to 4096 proofs at once: with the default (100) or 1000, a burst of
  // publishes on `up` behind them overflows the stack (mcollina/mqemitter#204). Keep it far above.
  const broker = await Aedes.createBroker({ drainTimeout: 30_000, concurrency: 100_000, maxClientsIdLength: 64 });
  const base = `bot/${options.chainHex}`;
  const publicTopics = new Set([`${base}/header`, `${base}/checkpoint`]);
  const clients = new Map<string, Client>();
  // The brokerId of each publish path, by QoS then retain (see publish()).
  const lanes = [0, 1].map((qos) => [`${broker.id}/q${qos}`, `${broker.id}/q${qos}r`]) as [[string, string], [string, string]];

  broker.authenticate = (client, _username, _password, done) => {
    if (options.isBlocked(client.id)) {
      const error = Object.assign(new Error('device is on the blocklist'), { returnCode: 5 });
      done(error as never, false);
      return;
    }
    done(null, true);
  };
  broker.authorizePublish = (client, packet, done) => {
    if (!client) return done(null);
    const id = client.id;
    if (options.isBlocked(id)) return done(new Error('device is on the blocklist'));
    const topic = packet.topic;
    const mayPublish = topic === `${base}/up` ? DEVICE_ID.test(id) || options.isTrustedTool?.(id) === true : topic === `${base}/d/${id}/req` && DEVICE_ID.test(id);
    done(mayPublish ? null : new Error(`client ${id} may not publish to ${topic}`));
  };
  broker.authorizeSubscribe = (client, subscription: Subscription, done) => {
    const own = client && DEVICE_ID.test(client.id) && subscription.topic.startsWith(`${base}/d/${client.id}/`);
    const tool = client && options.isTrustedTool?.(client.id) === true && subscription.topic.startsWith(`${base}/d/${client.id}/`);
    done(null, own || tool || publicTopics.has(subscription.topic) ? subscription : null);
  };
  broker.on('client', (client) => clients.set(client.id, client));
  broker.on('clientDisconnect', (client) => {
    if (clients.get(client.id) === client) clients.delete(client.id);
  });

  const server: Server = createServer((socket) => {
    coalesceWrites(socket);
    broker.handle(socket);
  });
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
