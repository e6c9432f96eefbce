// The MQTT codec benchmark's workload (tools layer, platform-neutral): times
// mqtt-packet through the core's codec wrapper (src/mqtt/client/mqtt-codec.ts) on
// the two packets a device handles most, a ~100-byte QoS 1 PUBLISH and a PUBACK.
// The same code runs on Node (real Buffer, bl) and under XS (the core's Buffer,
// BufferList and events shims), so the figures show what the shims cost.

import { type OutgoingPacket, createPacketParser, encodePacket } from '../../src/mqtt/client/mqtt-codec.js';
import { type OpFigure, type WorkloadOptions, measure } from './core-workload.js';

export const MQTT_BUDGETS = Object.freeze({
  node: { warmupMs: 200, budgetMs: 600 },
  xs: { warmupMs: 300, budgetMs: 1500 },
});

const TOPIC = 'bot/0102030405060708/up';
// 2 (fixed header) + 2 + 23 (topic) + 2 (packet id) + 71 (payload) = 100 bytes on the wire.
const PAYLOAD_BYTES = 71;

export interface MqttCodecResult {
  readonly publishBytes: number;
  readonly pubackBytes: number;
  /** What parsing gave back, to check both engines agree. */
  readonly fingerprint: string;
  readonly ops: OpFigure[];
}

export function runMqttCodecWorkload(options: WorkloadOptions): MqttCodecResult {
  const payload = new Uint8Array(PAYLOAD_BYTES);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 37 + 11) & 0xff;
  const publish: OutgoingPacket = { cmd: 'publish', topic: TOPIC, payload, qos: 1, dup: false, retain: false, messageId: 4242 };
  const puback: OutgoingPacket = { cmd: 'puback', messageId: 4242, reasonCode: 0 };
  const publishBytes = encodePacket(publish, 4);
  const pubackBytes = encodePacket(puback, 4);

  // One parser for the run, as on a connection: every push is one whole packet.
  const parser = createPacketParser(4);
  const parseOne = (bytes: Uint8Array) => {
    const { packets, error } = parser.push(bytes);
    if (error !== undefined || packets.length !== 1) throw new Error(`benchmark packet did not parse: ${error?.message ?? packets.length}`);
    return packets[0]!;
  };
  const parsed = parseOne(publishBytes);
  const ack = parseOne(pubackBytes);
  let sum = 0;
  for (const b of parsed.payload ?? []) sum = (sum * 31 + b) >>> 0;
  const fingerprint = `${parsed.cmd} ${parsed.topic} ${parsed.messageId} ${parsed.payload?.length} ${sum} ${ack.cmd} ${ack.messageId}`;

  return {
    publishBytes: publishBytes.length,
    pubackBytes: pubackBytes.length,
    fingerprint,
    ops: [
      measure(`generate PUBLISH QoS 1 (${publishBytes.length} B)`, () => encodePacket(publish, 4), options),
      measure(`parse PUBLISH QoS 1 (${publishBytes.length} B)`, () => parseOne(publishBytes), options),
      measure(`generate PUBACK (${pubackBytes.length} B)`, () => encodePacket(puback, 4), options),
      measure(`parse PUBACK (${pubackBytes.length} B)`, () => parseOne(pubackBytes), options),
    ],
  };
}
