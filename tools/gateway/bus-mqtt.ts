// An external broker as the gateway's bus (tools layer): Mosquitto, or a NATS
// cluster's MQTT listener, through mqtt.js. The gateway is then one client among
// the devices: it cannot refuse a blocked device's connection (that takes the
// broker's ACLs), but ingest still refuses every transaction the device sends.

import mqtt, { type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { coalesceWrites, topicMatcher } from './bus-aedes.js';
import type { Bus, MessageHandler, PublishOptions } from './bus.js';

export interface MqttBusOptions {
  /** May carry the gateway's broker user, password and client id (mqtt://user:password@host:port?clientId=…, `botpeer broker config`), which win over `clientId`. */
  readonly url: string;
  /** Where devices connect, when not where the gateway does (Mosquitto's devices listener); never carries a password. */
  readonly devicesUrl?: string;
  readonly clientId: string;
  readonly connectTimeoutMs?: number;
}

export async function startMqttBus(options: MqttBusOptions): Promise<Bus> {
  // A persistent session (clean: false) keeps QoS-1 transactions queued at the broker while the gateway restarts.
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: options.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection to ${options.url} within ${options.connectTimeoutMs ?? 10_000} ms`)), options.connectTimeoutMs ?? 10_000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    client.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`broker ${options.url}: ${error.message}`));
    });
  });
  // Every (re)connection has a new socket: coalesce its writes too (see coalesceWrites; acks and
  // proofs, and the PUBACKs of the devices' transactions, would each be a system call).
  const coalesce = () => coalesceWrites(client.stream as Socket);
  coalesce();
  client.on('connect', coalesce);
  const handlers: { matches: (topic: string) => boolean; handler: MessageHandler }[] = [];
  client.on('message', (topic, payload) => {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
    for (const h of handlers) if (h.matches(topic)) h.handler(topic, bytes, undefined);
  });
  // Flow control of our own: mqtt.js adds a 'drain' listener for every packet written while the
  // socket is backed up, and a block's thousands of proofs then cost O(n²) in removing them. So
  // while the socket needs to drain, publications wait here, and one listener lets them go on.
  const waiting: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean; done: (error?: Error) => void }[] = [];
  let next = 0; // index of the first waiting publication
  let draining = false;
  const send = (topic: string, payload: Buffer, qos: 0 | 1, retain: boolean, done: (error?: Error) => void) => {
    client.publishAsync(topic, payload, { qos, retain }).then(() => done(), (error: Error) => done(error));
  };
  const backedUp = () => client.connected && (client.stream as Socket).writableNeedDrain;
  const pump = () => {
    draining = false;
    while (next < waiting.length && !backedUp()) {
      const w = waiting[next]!;
      waiting[next++] = undefined as never; // let it be collected
      send(w.topic, w.payload, w.qos, w.retain, w.done);
    }
    if (next === waiting.length) {
      waiting.length = 0;
      next = 0;
    } else if (!draining) {
      draining = true;
      (client.stream as Socket).once('drain', pump);
    }
  };
  // A new connection has a new socket: whatever waited for the old one's drain goes now.
  client.on('connect', () => {
    if (next < waiting.length) pump();
  });
  return {
    url: options.devicesUrl ?? withoutCredentials(options.url),
    enforcesBlocklist: false,
    async onMessage(filter: string, handler: MessageHandler) {
      handlers.push({ matches: topicMatcher(filter), handler });
      await client.subscribeAsync(filter, { qos: 1 });
    },
    publish(topic: string, payload: Uint8Array, opts: PublishOptions) {
      const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
      const retain = opts.retain ?? false;
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => (error ? reject(error) : resolve());
        if (next === waiting.length && !backedUp()) return send(topic, buffer, opts.qos, retain, done);
        waiting.push({ topic, payload: buffer, qos: opts.qos, retain, done });
        if (!draining) pump();
      });
    },
    disconnect() {
      // An external broker's connections are not ours to drop.
    },
    async close() {
      await client.endAsync();
      const closed = new Error('bus closed');
      for (let i = next; i < waiting.length; i++) waiting[i]!.done(closed);
      waiting.length = 0;
      next = 0;
    },
  };
}

/** The URL with any user, password and query (a secret client id) removed: what may be shown to devices and in logs. */
export function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password && !parsed.search) return url;
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  return parsed.toString().replace(/\/$/, '');
}
