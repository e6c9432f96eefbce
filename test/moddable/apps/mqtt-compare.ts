// The two MQTT codecs the firmware could use, side by side under Moddable's XS (test layer,
// a Moddable x-cli-lin app built by test/moddable-mqtt-codec.test.ts from the firmware's
// own modules, preloaded as in manifest.json):
//   packet  the peer's client (src/mqtt/client: mqtt-packet, cacheNumbers off) over the
//           firmware's ECMA-419 TCP transport (hosts/moddable/transport-tcp-419.ts)
//   419     Moddable's ECMA-419 MQTT client (embedded:network/mqtt/client, from the SDK's
//           examples/io/tcp/mqttclient), which owns its TCP socket
// Each run (BOTPEER_MQTT=packet|419) connects to BOTPEER_PORT on 127.0.0.1, subscribes to
// a topic, publishes ROUNDS QoS 1 messages of PAYLOAD bytes to it one after the other and
// receives each back, then disconnects; XS's live memory is read after a collection at each
// step. Prints `BOTPEER-RESULT <json>` and exits.

import MQTTClient from 'embedded:network/mqtt/client';
import TCP from 'embedded:io/socket/tcp';
import Timer from 'timer';
import { createMqttClient } from '../../../src/mqtt/client/mqtt-client.js';
import { createTcpTransport } from '../../../hosts/moddable/transport-tcp-419.js';
import { createTimerClock } from '../../../hosts/moddable/clock-timer.js';
import { exit, getenv, memory, microseconds, write, type XsMemory } from '../../../hosts/x-cli-lin/host.js';

const ROUNDS = 20;
const PAYLOAD = 200; // about one signed readings transaction
const TOPIC = 'bot/compare/echo';
const MODE = getenv('BOTPEER_MQTT') ?? 'packet';
const PORT = Number(getenv('BOTPEER_PORT') ?? 1883);

interface Step {
  readonly step: string;
  readonly chunks: number;
  readonly slots: number;
}
const steps: Step[] = [];
const mark = (step: string) => {
  const m: XsMemory = memory(true);
  steps.push({ step, chunks: m.chunks, slots: m.slots });
};

let received = 0;
let delivered = 0;
let corrupt = 0;
let started = 0;
const payload = new Uint8Array(PAYLOAD);
for (let i = 0; i < PAYLOAD; i++) payload[i] = (i * 7) & 0xff;
const check = (bytes: Uint8Array) => {
  if (bytes.length !== PAYLOAD || bytes.some((b, i) => b !== ((i * 7) & 0xff))) corrupt++;
};

function finish(error?: string): void {
  const m = memory(false);
  write(`BOTPEER-RESULT ${JSON.stringify({
    mode: MODE, rounds: ROUNDS, received, delivered, corrupt, error,
    roundTripMicroseconds: received > 0 ? Math.round((microseconds() - started) / received) : 0,
    steps, peak: { chunks: m.peakChunks, slots: m.peakSlots }, slotBytes: m.slotBytes,
  })}\n`);
  exit(error === undefined ? 0 : 1);
}
const watchdog = Timer.set(() => finish(`timed out: ${received} received, ${delivered} delivered`), 20_000);

mark('start');

if (MODE === 'packet') {
  const clock = createTimerClock();
  let counter = 1;
  const client = createMqttClient({
    transport: createTcpTransport({ address: '127.0.0.1', port: PORT }),
    clock,
    random: (n: number) => Uint8Array.from({ length: n }, () => (counter = (counter * 1103515245 + 12345) >>> 0) & 0xff),
    clientId: 'compare-packet',
    clean: true,
  });
  mark('client made');
  const next = () => client.publish(TOPIC, payload, 1, () => delivered++);
  client.subscribe([{ topic: TOPIC, qos: 1 }]);
  client.start({
    onConnect() {
      mark('connected and subscribed');
      started = microseconds();
      next();
    },
    onMessage(topic, bytes) {
      if (topic !== TOPIC) return;
      check(bytes);
      if (++received === 1) mark('first message back');
      if (received < ROUNDS) next();
      else {
        // Let the last PUBACK arrive, then measure and leave.
        Timer.set(() => {
          mark(`${ROUNDS} round trips`);
          client.stop();
          Timer.clear(watchdog);
          Timer.set(() => {
            mark('stopped');
            finish();
          }, 50);
        }, 50);
      }
    },
    onDisconnect(reason) {
      if (received < ROUNDS) finish(`disconnected: ${reason}`);
    },
    onRefused(code) {
      finish(`refused: ${code}`);
    },
  });
} else if (MODE === '419') {
  // The firmware resolves host names itself (hosts/esp32/network-wifi.ts); the client's
  // resolver is then only asked for an address it already has.
  class KnownAddress {
    resolve(options: { host: string; onResolved(host: string, address: string): void }): void {
      Timer.set(() => options.onResolved(options.host, options.host), 0);
    }
  }
  // The SDK's typings of this example module do not match its code (onControl gets one
  // message; write's topic is optional): describe what the code does.
  interface Client419 {
    write(data: ArrayBuffer | Uint8Array | null, options?: Record<string, unknown>): number;
    read(count: number): ArrayBuffer;
    close(): void;
  }
  const Client = MQTTClient as unknown as {
    new (options: Record<string, unknown>): Client419;
    readonly PUBLISH: number; readonly CONNACK: number; readonly SUBACK: number; readonly PUBACK: number; readonly SUBSCRIBE: number; readonly DISCONNECT: number;
  };
  let id = 0;
  let message: Uint8Array | undefined;
  let filled = 0;
  const next = (client: Client419) => client.write(payload, { operation: Client.PUBLISH, topic: TOPIC, QoS: 1, id: ++id });
  new Client({
    host: '127.0.0.1',
    port: PORT,
    id: 'compare-419',
    clean: true,
    keepalive: 30_000,
    dns: { io: KnownAddress },
    socket: { io: TCP, nodelay: true },
    onControl(this: Client419, msg: { operation: number; id: number }) {
      if (msg.operation === Client.CONNACK) {
        mark('connected');
        this.write(null, { operation: Client.SUBSCRIBE, items: [{ topic: TOPIC, QoS: 1 }] });
      } else if (msg.operation === Client.SUBACK) {
        mark('connected and subscribed');
        started = microseconds();
        next(this);
      } else if (msg.operation === Client.PUBACK) {
        delivered++;
      }
    },
    onReadable(this: Client419, count: number, options: { topic?: string; byteLength?: number }) {
      // A message may come in several pieces; the first carries its topic and length.
      if (options.topic !== undefined) {
        message = new Uint8Array(options.byteLength ?? 0);
        filled = 0;
      }
      const piece = new Uint8Array(this.read(count));
      message?.set(piece, filled);
      filled += piece.length;
      if (message === undefined || filled < message.length) return;
      check(message);
      message = undefined;
      if (++received === 1) mark('first message back');
      if (received < ROUNDS) next(this);
      else {
        Timer.set(() => {
          mark(`${ROUNDS} round trips`);
          this.write(null, { operation: Client.DISCONNECT });
          this.close();
          Timer.clear(watchdog);
          Timer.set(() => {
            mark('stopped');
            finish();
          }, 50);
        }, 50);
      }
    },
    onError() {
      if (received < ROUNDS) finish('connection error');
    },
  });
  mark('client made');
} else {
  finish(`unknown BOTPEER_MQTT ${MODE}`);
}
