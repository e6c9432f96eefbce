// A light peer's MqttSession over mqtt.js, for tests against a real broker (test layer), with a real
// clock a test can kill (a power cut) and a polling wait. Written for the tests only: the device's
// own client lives in src/mqtt/client.

import mqtt, { type MqttClient } from 'mqtt';
import type { Clock, MqttSession, SessionHandlers } from '../../src/index.js';

export function mqttJsSession(url: string, clientId: string, password: () => string): MqttSession & { close(): Promise<void>; readonly published: string[] } {
  const published: string[] = [];
  let client: MqttClient | undefined;
  let filters: readonly { topic: string; qos: 0 | 1 }[] = [];
  return {
    published,
    get connected() {
      return client?.connected ?? false;
    },
    start(handlers: SessionHandlers) {
      client = mqtt.connect(url, { clientId, username: clientId, password: password(), clean: true, reconnectPeriod: 200 });
      // A CONNECT password is good once (docs/protocol.md §9.6): a fresh one for every reconnection.
      client.on('reconnect', () => (client!.options.password = password()));
      client.on('connect', () => {
        client!.subscribe(filters.map((f) => f.topic), { qos: 1 }, () => handlers.onConnect(false));
      });
      client.on('message', (topic, payload, packet) => handlers.onMessage(topic, new Uint8Array(payload), packet.retain));
      client.on('close', () => handlers.onDisconnect('closed'));
    },
    stop() {
      client?.end(true);
    },
    subscribe(list) {
      filters = list;
    },
    publish(topic, payload, qos, onDelivered) {
      published.push(topic);
      client?.publish(topic, Buffer.from(payload), { qos }, (error) => {
        if (!error) onDelivered?.();
      });
    },
    async close() {
      await client?.endAsync(true);
    },
  };
}

/** Real time; `kill()` drops every pending timer (a power cut). */
export function realClock(): Clock & { kill(): void } {
  const timers = new Set<NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    setTimer(ms, callback) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        callback();
      }, ms);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    kill() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

export async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
