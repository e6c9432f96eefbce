// One simulated device's MQTT 3.1.1 connection for the gateway benchmark's load generator
// (tools layer, Node only). The load generator shares the machine's cores with the gateway
// it measures, so it spends as little CPU as a real client can: its PUBLISH packets are
// generated before the measured window (the gateway receives the same bytes a device would
// send), a turn's writes leave in one system call, and incoming packets go through
// mqtt-packet's parser. mqtt.js did the same job for ~30 µs of CPU per transaction, a fifth of
// the machine's whole budget; this is the part of it a benchmark device needs, nothing more
// (no reconnect, no QoS 1 re-delivery: a lost connection ends the benchmark with an error).

import mqttPacket from 'mqtt-packet';
import { connect, type Socket } from 'node:net';
import { coalesceWrites } from '../gateway/bus-aedes.js';

export interface IncomingPublish {
  readonly topic: string;
  readonly payload: Uint8Array;
}

export interface BenchConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  /** CONNECT username and password: a device's proof of its key on the embedded broker (docs/protocol.md §9.6). */
  readonly username?: string;
  readonly password?: string;
  readonly clean: boolean;
  readonly subscriptions: readonly string[];
  readonly onPublish: (message: IncomingPublish) => void;
  readonly onClose: (reason: string) => void;
}

const KEEPALIVE_S = 600;

/** A QoS 1 PUBLISH of `payload` on `topic` with packet id `messageId`, as the bytes that go on the wire. */
export function publishPacket(topic: string, payload: Uint8Array, messageId: number): Buffer {
  return mqttPacket.generate({
    cmd: 'publish', topic, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.length),
    qos: 1, messageId, retain: false, dup: false,
  });
}

/** Packet ids cycle through 1..65535; a device never has anywhere near that many unacknowledged. */
export const packetIdOf = (index: number): number => (index % 65535) + 1;

export class BenchConnection {
  private constructor(private readonly socket: Socket) {}

  /** Connects, subscribes at QoS 0 (as the light peer does: acks and proofs are published at 0) and resolves when the broker confirmed both. */
  static open(options: BenchConnectionOptions): Promise<BenchConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port, noDelay: true });
      coalesceWrites(socket);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let ready = false;
      let failed = false;
      const fail = (reason: string) => {
        if (failed) return;
        failed = true;
        if (!ready) reject(new Error(`${options.clientId}: ${reason}`));
        else options.onClose(reason);
        socket.destroy();
      };
      parser.on('packet', (packet: mqttPacket.Packet) => {
        switch (packet.cmd) {
          case 'publish': {
            const p = packet as mqttPacket.IPublishPacket;
            const body = p.payload as Buffer;
            options.onPublish({ topic: p.topic, payload: new Uint8Array(body.buffer, body.byteOffset, body.length) });
            if (p.qos === 1) socket.write(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId! }));
            break;
          }
          case 'connack': {
            const code = (packet as mqttPacket.IConnackPacket).returnCode;
            if (code !== 0) return fail(`connection refused, CONNACK code ${code}`);
            socket.write(mqttPacket.generate({
              cmd: 'subscribe', messageId: 1, subscriptions: options.subscriptions.map((topic) => ({ topic, qos: 0 })),
            }));
            break;
          }
          case 'suback': {
            const granted = (packet as mqttPacket.ISubackPacket).granted;
            if (granted.some((g) => typeof g !== 'number' || g >= 0x80)) return fail(`subscription refused: ${JSON.stringify(granted)}`);
            ready = true;
            resolve(new BenchConnection(socket));
            break;
          }
          default: // PUBACKs of the device's own publications: the gateway's ack is what counts
        }
      });
      parser.on('error', (error: Error) => fail(`bad MQTT from the broker: ${error.message}`));
      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      socket.on('error', (error) => fail(error.message));
      socket.on('close', () => fail('connection closed'));
      socket.once('connect', () => {
        socket.write(mqttPacket.generate({
          cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: options.clean, clientId: options.clientId, keepalive: KEEPALIVE_S,
          ...(options.username !== undefined ? { username: options.username } : {}),
          ...(options.password !== undefined ? { password: Buffer.from(options.password) } : {}),
        }));
      });
    });
  }

  /** Writes packets generated beforehand (publishPacket); the socket corks them until the end of the turn. */
  send(packet: Uint8Array): void {
    this.socket.write(packet);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.removeAllListeners('close');
      this.socket.once('close', () => resolve());
      this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }
}
