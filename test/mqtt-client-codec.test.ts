// The MQTT codec of the light peer on Node (test layer): the parser survives every
// chunk boundary, encodes what mqtt-packet's own generate() does, turns any garbage
// into BotError(MQTT_MALFORMED), and the XS shims (Buffer, BufferList, UTF-8) behave
// like Node's Buffer and bl on random input. The same split suite runs under XS in
// test/mqtt-client-xs.test.ts.

import test from 'ava';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { createRequire } from 'node:module';
import { BotError, ErrorCode } from '../src/index.js';
import { BufferList } from '../src/mqtt/client/buffer-list-shim.js';
import { Buffer as ShimBuffer } from '../src/mqtt/client/buffer-shim.js';
import { type OutgoingPacket, type ProtocolVersion, createPacketParser, encodePacket } from '../src/mqtt/client/mqtt-codec.js';
import { utf8Decode, utf8Encode, utf8Length, utf8Write } from '../src/mqtt/client/utf8.js';
import { runSplitSuite } from './xs/mqtt-split-suite.js';

for (const version of [4, 5] as const) {
  test(`MQTT ${version}: a broker's packet stream parses the same whether whole, cut at any byte, or fed byte by byte`, (t) => {
    const report = runSplitSuite(version);
    t.deepEqual(report.mismatches, []);
    t.is(report.feeds, report.streamBytes, 'every cut point plus the byte-by-byte feed');
    t.true(report.streamBytes > 400);
    t.is(report.packets.length, version === 5 ? 9 : 8);
    t.deepEqual(report.packets.map((p) => p.split(' ')[0]), [
      'CONNACK', 'SUBACK', 'PUBLISH', 'PUBLISH', 'PUBLISH', 'PUBACK', 'PINGRESP', 'PUBLISH', ...(version === 5 ? ['PUBACK'] : []),
    ]);
    t.regex(report.packets[3]!, /^PUBLISH id=513 qos=1 dup topic=\S+\/ack payload=01203f/);
    t.regex(report.packets[4]!, /^PUBLISH id=65535 qos=1 topic=bot\/températures\/€\/𝄞 payload=6382/);
    if (version === 5) t.regex(report.packets[0]!, /props=\{"receiveMaximum":20,"serverKeepAlive":60\}/);
  });

  test(`MQTT ${version}: a stream ending in a malformed packet gives the same packets, then the error, however it is cut`, (t) => {
    const report = runSplitSuite(version, true);
    t.deepEqual(report.mismatches, []);
    t.is(report.packets.length, runSplitSuite(version).packets.length + 1);
    t.regex(report.packets.at(-1)!, /^error MQTT_MALFORMED: Invalid suback/);
  });
}

const samples: OutgoingPacket[] = [
  { cmd: 'connect', protocolVersion: 4, clientId: 'a1b2c3d4e5f60718', clean: false, keepalive: 30 },
  { cmd: 'connect', protocolVersion: 4, clientId: 'dev', clean: true, keepalive: 0, username: 'ü', password: 'pw' },
  { cmd: 'publish', topic: 'bot/x/up', payload: new Uint8Array(100).fill(0xa5), qos: 1, dup: true, retain: false, messageId: 65535 },
  { cmd: 'publish', topic: 'bot/€', payload: new Uint8Array(300), qos: 0, dup: false, retain: true },
  { cmd: 'puback', messageId: 1, reasonCode: 0 },
  { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'bot/x/d/y/#', qos: 1 }, { topic: 'bot/x/header', qos: 0 }] },
  { cmd: 'pingreq' },
  { cmd: 'disconnect', reasonCode: 0 },
];

for (const version of [4, 5] as const) {
  test(`MQTT ${version}: encodePacket writes exactly what mqtt-packet's generate() does`, (t) => {
    for (const sample of samples) {
      const packet = sample.cmd === 'connect'
        ? { ...sample, protocolVersion: version, ...(version === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}) }
        : sample;
      // generate() wants Buffer payloads (it calls .copy on each chunk); encodePacket takes plain Uint8Arrays.
      const forGenerate = 'payload' in packet ? { ...packet, payload: Buffer.from(packet.payload) } : packet;
      const expected = new Uint8Array(mqttPacket.generate(forGenerate as never, { protocolVersion: version }));
      t.deepEqual(encodePacket(packet, version), expected, packet.cmd);
    }
  });
}

test('encodePacket refuses what mqtt-packet refuses (a bug in the caller), with a RangeError', (t) => {
  t.throws(() => encodePacket({ cmd: 'publish', topic: 't', payload: new Uint8Array(1), qos: 1, dup: false, retain: false }, 4), {
    instanceOf: RangeError, message: /Invalid messageId/,
  });
});

/** Pushes every chunk (a throw fails the property); any error must be MQTT_MALFORMED. */
function onlyMalformed(version: ProtocolVersion, chunks: Uint8Array[]): boolean {
  const parser = createPacketParser(version);
  for (const chunk of chunks) {
    const { error } = parser.push(chunk);
    if (error !== undefined && !(error instanceof BotError && error.code === ErrorCode.MQTT_MALFORMED)) return false;
  }
  return true;
}

test('garbage gives BotError(MQTT_MALFORMED) after the packets before it, and the parser stays failed', (t) => {
  const parser = createPacketParser(4);
  const first = parser.push(new Uint8Array([0xd0, 0x00, 0x20, 0x02, 0x07, 0x00])); // PINGRESP, then a CONNACK with bad flags
  t.deepEqual(first.packets.map((p) => p.cmd), ['pingresp']);
  t.true(first.error instanceof BotError);
  t.is(first.error?.code, ErrorCode.MQTT_MALFORMED);
  t.regex(first.error?.message ?? '', /connack flags/);
  const again = parser.push(new Uint8Array([0xd0, 0x00]));
  t.deepEqual(again.packets, [], 'a valid PINGRESP afterwards does not revive it');
  t.is(again.error, first.error);
});

test('random bytes after a valid CONNACK: packets or a returned BotError(MQTT_MALFORMED), never a throw (3.1.1 and 5)', (t) => {
  for (const version of [4, 5] as const) {
    const connack = encodePacket({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 }, version);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => onlyMalformed(version, [connack, ...chunks])),
      { numRuns: 2000 },
    );
    // Packets that look plausible: a real header byte and length, then random content.
    const shaped = fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 40 }))
      .map(([type, flags, body]) => Uint8Array.of((type << 4) | flags, body.length, ...body));
    fc.assert(fc.property(fc.array(shaped, { maxLength: 6 }), (packets) => onlyMalformed(version, packets)), { numRuns: 3000 });
  }
  t.pass('nothing thrown; every fault was MQTT_MALFORMED');
});

// --- the XS shims against Node's Buffer and bl ---

interface BlBufferList {
  length: number;
  append(bytes: Uint8Array): void;
  consume(n: number): void;
  slice(from?: number, to?: number): Buffer;
  toString(encoding: string, from?: number, to?: number): string;
  readUInt8(at: number): number;
  readUInt16BE(at: number): number;
  readUInt32BE(at: number): number;
}
// bl's typings declare no value export for BufferList.js; mqtt-packet's copy of it, as its parser gets it.
const requireFromMqttPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const BufferListBl = requireFromMqttPacket('bl/BufferList.js') as new () => BlBufferList;

const anyText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), // includes lone surrogates
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
    fc.constantFrom('a', '/', 'é', '€'),
  ),
  maxLength: 40,
});

test('UTF-8 encode and length match Buffer.from(text) for any string, lone surrogates included', (t) => {
  fc.assert(fc.property(anyText, (text) => {
    const node = Buffer.from(text, 'utf8');
    return Buffer.compare(Buffer.from(utf8Encode(text)), node) === 0 && utf8Length(text) === node.length
      && Buffer.byteLength(text) === ShimBuffer.byteLength(text);
  }), { numRuns: 3000 });
  t.deepEqual(Array.from(utf8Encode('\ud800x')), [0xef, 0xbf, 0xbd, 0x78]);
});

test('UTF-8 decode matches Buffer#toString for any bytes, with U+FFFD in the same places', (t) => {
  const utf8ish = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xff)), { maxLength: 40 });
  fc.assert(fc.property(utf8ish, (bytes) => utf8Decode(Uint8Array.from(bytes)) === Buffer.from(bytes).toString('utf8')), { numRuns: 5000 });
  fc.assert(fc.property(anyText, (text) => utf8Decode(utf8Encode(text)) === Buffer.from(text).toString()), { numRuns: 2000 });
  t.is(utf8Decode(Uint8Array.of(0xf0, 0x9d, 0x84)), '\ufffd');
});

test('Buffer shim write() stops before a character that does not fit, like Buffer#write', (t) => {
  fc.assert(fc.property(anyText, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 50 }), (text, offset, limit) => {
    const size = offset + 20;
    const node = Buffer.alloc(size);
    const shim = ShimBuffer.alloc(size);
    const n = node.write(text, offset, Math.min(limit, size - offset), 'utf8');
    const s = shim.write(text, offset, Math.min(limit, size - offset), 'utf8');
    return n === s && Buffer.compare(node, Buffer.from(shim)) === 0;
  }), { numRuns: 3000 });
  t.is(utf8Write('€€', new Uint8Array(5)), 3);
});

test('Buffer shim: from, concat, copy, slice, numbers, as Node does them', (t) => {
  const shim = ShimBuffer.from([1, 2, 3, 4, 5, 6]);
  const node = Buffer.from([1, 2, 3, 4, 5, 6]);
  t.true(ShimBuffer.isBuffer(shim.subarray(1)), 'subarray keeps the class (mqtt-packet checks it)');
  t.is(shim.readUInt32BE(1), node.readUInt32BE(1));
  t.is(shim.readUInt16BE(4), node.readUInt16BE(4));
  const ab = new ArrayBuffer(8);
  t.is(ShimBuffer.from(ab, 2, 3).byteOffset, 2);
  t.deepEqual(Array.from(ShimBuffer.concat([shim.slice(0, 2), shim.slice(4)])), Array.from(Buffer.concat([node.subarray(0, 2), node.subarray(4)])));
  t.deepEqual(Array.from(ShimBuffer.concat([shim, shim], 8)), Array.from(Buffer.concat([node, node], 8)));
  const targetShim = new Uint8Array(4);
  const targetNode = new Uint8Array(4);
  t.is(shim.copy(targetShim, 1, 2), node.copy(targetNode, 1, 2));
  t.deepEqual(targetShim, targetNode);
  const w = ShimBuffer.allocUnsafe(7);
  const v = Buffer.alloc(7);
  t.is(w.writeUInt8(0xab, 0), v.writeUInt8(0xab, 0));
  t.is(w.writeUInt16BE(0xbeef, 1), v.writeUInt16BE(0xbeef, 1));
  t.is(w.writeUInt32BE(0xdeadbeef, 3), v.writeUInt32BE(0xdeadbeef, 3));
  t.deepEqual(Array.from(w), Array.from(v));
  t.is(ShimBuffer.from('h€llo').toString('utf8', 1, 4), Buffer.from('h€llo').toString('utf8', 1, 4));
  t.throws(() => shim.readUInt32BE(3), { instanceOf: RangeError });
  t.throws(() => shim.toString('hex' as never), { instanceOf: TypeError }, 'unsupported encodings fail loudly');
});

test('BufferList shim reads, slices, decodes and consumes like bl\'s BufferList over any chunking', (t) => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 12 }) }),
    fc.record({ kind: fc.constant('consume' as const), n: fc.integer({ min: 0, max: 10 }) }),
    fc.record({ kind: fc.constant('read' as const), at: fc.nat(20) }),
    fc.record({ kind: fc.constant('slice' as const), from: fc.nat(20), to: fc.nat(24) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
    const ours = new BufferList();
    const theirs = new BufferListBl();
    const result = (run: () => unknown) => {
      try {
        const value = run();
        return value instanceof Uint8Array ? `bytes ${Array.from(value).join(',')}` : `value ${String(value)}`;
      } catch (error) {
        return `throws ${(error as Error).name}`;
      }
    };
    for (const o of ops) {
      if (o.kind === 'append') {
        ours.append(o.bytes);
        theirs.append(o.bytes);
      } else if (o.kind === 'consume') {
        ours.consume(o.n);
        theirs.consume(o.n);
      } else if (o.kind === 'read') {
        for (const m of ['readUInt8', 'readUInt16BE', 'readUInt32BE'] as const) {
          // Within range only: out of range bl throws from Buffer, the shim from its own check (both RangeError).
          const size = { readUInt8: 1, readUInt16BE: 2, readUInt32BE: 4 }[m];
          if (o.at + size > theirs.length) continue;
          if (result(() => ours[m](o.at)) !== result(() => theirs[m](o.at))) return false;
        }
      } else {
        // Ranges run forward, as the parser asks for them (bl returns odd bytes for reversed ones).
        if (o.from > o.to) continue;
        if (result(() => ours.slice(o.from, o.to)) !== result(() => theirs.slice(o.from, o.to))) return false;
        if (ours.toString('utf8', o.from, o.to) !== theirs.toString('utf8', o.from, o.to)) return false;
      }
      if (ours.length !== theirs.length) return false;
    }
    return true;
  }), { numRuns: 3000 });
  t.pass('3000 random operation sequences agreed');
});
