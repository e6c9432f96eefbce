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
import { type AddressInfo, type Server, createServer } from 'node:net';
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

  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `mqtt://${options.host}:${port}`,
    enforcesBlocklist: true,
    async onMessage(filter: string, handler: MessageHandler) {
      const matches = topicMatcher(filter);
      broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
        if (client && matches(packet.topic)) handler(packet.topic, asBytes(packet.payload), client.id);
      });
    },
    publish(topic: string, payload: Uint8Array, opts: PublishOptions) {
      return new Promise<void>((resolve, reject) =>
        broker.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.length), qos: opts.qos, retain: opts.retain ?? false, dup: false },
          (error?: Error | null) => (error ? reject(error) : resolve()),
        ),
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

function asBytes(payload: string | Buffer): Uint8Array {
  return typeof payload === 'string' ? new TextEncoder().encode(payload) : new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
}

/** MQTT filter matching for the few filters the gateway uses ('+' and a trailing '#'). */
export function topicMatcher(filter: string): (topic: string) => boolean {
  const parts = filter.split('/');
  return (topic) => {
    const levels = topic.split('/');
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '#') return true;
      if (i >= levels.length || (parts[i] !== '+' && parts[i] !== levels[i])) return false;
    }
    return levels.length === parts.length;
  };
}
