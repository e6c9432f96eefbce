// Byte-boundary suite for the MQTT packet parser (test layer), platform-neutral so
// it runs under ava (real Buffer) and under XS (the Buffer shim). A stream of the
// packets a broker sends (CONNACK, SUBACK, PUBLISH QoS 0 and 1 with payloads, one
// long enough for a two-byte remaining length, PUBACK, PINGRESP), optionally ending
// in a malformed packet, is fed whole, cut at every single point, and one byte at a
// time; every way must give the same packets (and the same error, at the same place).

import { type OutgoingPacket, type ProtocolVersion, createPacketParser, encodePacket } from '../../src/mqtt/client/mqtt-codec.js';
import { describe } from './mqtt-fakes.js';

export interface SplitReport {
  readonly version: ProtocolVersion;
  readonly garbageTail: boolean;
  readonly streamBytes: number;
  /** The packets of the whole stream, described one per line. */
  readonly packets: string[];
  /** How many ways of feeding the stream were compared with the whole. */
  readonly feeds: number;
  /** Feeds that gave something else (empty when the parser is right). */
  readonly mismatches: string[];
}

function payload(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 31) & 0xff;
  return out;
}

export function brokerStream(version: ProtocolVersion): { packets: OutgoingPacket[]; bytes: Uint8Array } {
  const packets: OutgoingPacket[] = [
    version === 5
      ? { cmd: 'connack', sessionPresent: true, reasonCode: 0, properties: { receiveMaximum: 20, serverKeepAlive: 60 } }
      : { cmd: 'connack', sessionPresent: true, returnCode: 0 },
    { cmd: 'suback', messageId: 1, granted: [1, 0] },
    { cmd: 'publish', topic: 'bot/0102030405060708/header', payload: payload(100, 7), qos: 0, dup: false, retain: true },
    { cmd: 'publish', topic: 'bot/0102030405060708/d/a1b2c3d4e5f60718/ack', payload: payload(3, 1), qos: 1, dup: true, retain: false, messageId: 513 },
    { cmd: 'publish', topic: 'bot/températures/€/𝄞', payload: payload(200, 99), qos: 1, dup: false, retain: false, messageId: 65535 },
    { cmd: 'puback', messageId: 2, reasonCode: 0 },
    { cmd: 'pingresp' },
    { cmd: 'publish', topic: 't', payload: new Uint8Array(0), qos: 0, dup: false, retain: false },
  ];
  if (version === 5) packets.push({ cmd: 'puback', messageId: 3, reasonCode: 0x10 });
  const parts = packets.map((p) => encodePacket(p, version));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    bytes.set(p, pos);
    pos += p.length;
  }
  return { packets, bytes };
}

function feed(version: ProtocolVersion, chunks: Uint8Array[]): string[] {
  const parser = createPacketParser(version);
  const out: string[] = [];
  for (const chunk of chunks) {
    const { packets, error } = parser.push(chunk);
    for (const p of packets) out.push(describe(p) + propertiesOf(p));
    if (error !== undefined) {
      out.push(`error ${error.message}`);
      break;
    }
  }
  return out;
}

function propertiesOf(p: { properties?: Readonly<Record<string, unknown>>; reasonCode?: number }): string {
  const props = p.properties === undefined ? '' : ` props=${JSON.stringify(p.properties)}`;
  return p.reasonCode === undefined ? props : `${props} reason=${p.reasonCode}`;
}

/** With `garbageTail`, the stream ends in a malformed packet: the packets before it and the error must not depend on the cuts either. */
export function runSplitSuite(version: ProtocolVersion, garbageTail = false): SplitReport {
  const stream = brokerStream(version).bytes;
  // A SUBACK granting QoS 7: well framed, invalid content (MQTT 5 has an empty property list first).
  const suback7 = version === 5 ? Uint8Array.of(0x90, 0x04, 0x00, 0x01, 0x00, 0x07) : Uint8Array.of(0x90, 0x03, 0x00, 0x01, 0x07);
  const tail = garbageTail ? suback7 : new Uint8Array(0);
  const bytes = new Uint8Array(stream.length + tail.length);
  bytes.set(stream);
  bytes.set(tail, stream.length);
  const whole = feed(version, [bytes]);
  const expected = whole.join('\n');
  const mismatches: string[] = [];
  let feeds = 0;
  for (let cut = 1; cut < bytes.length; cut++) {
    feeds++;
    const got = feed(version, [bytes.subarray(0, cut), bytes.subarray(cut)]);
    if (got.join('\n') !== expected) mismatches.push(`cut at ${cut}: ${got.length} packets`);
  }
  const single: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  feeds++;
  const oneByOne = feed(version, single);
  if (oneByOne.join('\n') !== expected) mismatches.push(`one byte at a time: ${oneByOne.length} packets`);
  return { version, garbageTail, streamBytes: bytes.length, packets: whole, feeds, mismatches };
}
