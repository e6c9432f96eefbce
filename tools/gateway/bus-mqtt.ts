// An external broker as the gateway's bus (tools layer): Mosquitto, or a NATS
// cluster's MQTT listener, through mqtt.js. The gateway is then one client among
// the devices: it cannot refuse a blocked device's connection (that takes the
// broker's ACLs), but ingest still refuses every transaction the device sends.

import mqtt, { type MqttClient } from 'mqtt';
import { topicMatcher } from './bus-aedes.js';
import type { Bus, MessageHandler, PublishOptions } from './bus.js';

export interface MqttBusOptions {
  readonly url: string;
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
  const handlers: { matches: (topic: string) => boolean; handler: MessageHandler }[] = [];
  client.on('message', (topic, payload) => {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
    for (const h of handlers) if (h.matches(topic)) h.handler(topic, bytes, undefined);
  });
  return {
    url: options.url,
    enforcesBlocklist: false,
    async onMessage(filter: string, handler: MessageHandler) {
      handlers.push({ matches: topicMatcher(filter), handler });
      await client.subscribeAsync(filter, { qos: 1 });
    },
    async publish(topic: string, payload: Uint8Array, opts: PublishOptions) {
      await client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.length), { qos: opts.qos, retain: opts.retain ?? false });
    },
    disconnect() {
      // An external broker's connections are not ours to drop.
    },
    async close() {
      await client.endAsync();
    },
  };
}
