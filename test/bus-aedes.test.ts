// The embedded broker under a burst: a block's worth of proofs queued to a
// device, then a burst of messages on a topic without subscribers (as `up` is:
// the gateway reads it from the broker's publish event) must not overflow the
// stack — mqemitter drains its queue recursively past its concurrency limit. Also the
// topic matcher every publication passes, against level-by-level matching.

import test from 'ava';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { connect } from 'node:net';
import { coalesceWrites, limitPacketSize, startAedesBus, topicMatcher } from '../tools/gateway/bus-aedes.js';

test('4096 queued proofs then 20000 messages in one tick are all delivered', async (t) => {
  const chainHex = '0123456789abcdef';
  const device = 'fedcba9876543210';
  const bus = await startAedesBus({ host: '127.0.0.1', port: 0, chainHex, isBlocked: () => false, authenticate: () => ({ code: 0 }) });
  const client = await mqtt.connectAsync(bus.url, { clientId: device });
  t.teardown(async () => {
    await client.endAsync();
    await bus.close();
  });
  let proofs = 0;
  client.on('message', () => proofs++);
  await client.subscribeAsync(`bot/${chainHex}/d/${device}/proof`, { qos: 1 });
  await bus.onMessage(`bot/${chainHex}/up`, () => {}); // the gateway's ingest listener, as in production
  const crashes: string[] = [];
  const onCrash = (error: unknown) => crashes.push(String(error));
  process.on('uncaughtException', onCrash);
  t.teardown(() => process.off('uncaughtException', onCrash));

  const payload = new Uint8Array(100);
  const sent: Promise<void>[] = [];
  for (let i = 0; i < 4096; i++) sent.push(bus.publish(`bot/${chainHex}/d/${device}/proof`, payload, { qos: 1 }));
  for (let i = 0; i < 20_000; i++) sent.push(bus.publish(`bot/${chainHex}/up`, payload, { qos: 1 }));
  const settled = Promise.all(sent).then(() => 'done');
  const outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
  t.deepEqual(crashes, []);
  t.is(outcome, 'done');
  while (proofs < 4096 && crashes.length === 0) await new Promise((r) => setTimeout(r, 20));
  t.is(proofs, 4096);
});

test('topicMatcher agrees with level-by-level matching on generated topics', (t) => {
  // The reference: split both and compare level by level (what the matcher did before it walked in place).
  const reference = (filter: string) => (topic: string) => {
    const parts = filter.split('/');
    const levels = topic.split('/');
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '#') return true;
      if (i >= levels.length || (parts[i] !== '+' && parts[i] !== levels[i])) return false;
    }
    return levels.length === parts.length;
  };
  const level = fc.constantFrom('', 'a', 'b', 'ab', 'up', 'req');
  const topic = fc.array(level, { minLength: 1, maxLength: 6 }).map((l) => l.join('/'));
  const filter = fc
    .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(([parts, hash]) => [...parts, ...(hash ? ['#'] : [])].join('/'));
  let matched = 0;
  fc.assert(
    fc.property(filter, topic, (f, top) => {
      const got = topicMatcher(f)(top);
      if (got) matched++;
      return got === reference(f)(top);
    }),
    { numRuns: 5000 },
  );
  t.true(matched > 100, `${matched} matches among the generated pairs`);
  t.true(topicMatcher('bot/ab/d/+/req')('bot/ab/d/0123456789abcdef/req'));
  t.false(topicMatcher('bot/ab/d/+/req')('bot/ab/d/0123456789abcdef/req/x'));
  t.false(topicMatcher('bot/ab/up')('bot/ab/up/'));
});

test('retained, QoS 1 and QoS 0 messages published in one tick all reach the device, each kind in order', async (t) => {
  // aedes's dedupe drops a message whose broker counter is not above the last one delivered to the
  // client; a retained QoS 1 header takes more asynchronous steps than an ack, so without separate
  // lanes the ack published after it arrives first and the header is silently dropped.
  const chainHex = '0123456789abcdef';
  const device = 'fedcba9876543210';
  const bus = await startAedesBus({ host: '127.0.0.1', port: 0, chainHex, isBlocked: () => false, authenticate: () => ({ code: 0 }) });
  t.teardown(() => bus.close());
  const client = await mqtt.connectAsync(bus.url, { clientId: device, clean: true, reconnectPeriod: 0 });
  t.teardown(() => client.endAsync(true));
  const base = `bot/${chainHex}`;
  const received: Record<string, number[]> = { header: [], ack: [], res: [] };
  client.on('message', (topic, payload) => received[topic.split('/').pop()!]!.push(payload[0]!));
  await client.subscribeAsync([`${base}/header`, `${base}/d/${device}/ack`, `${base}/d/${device}/res`], { qos: 1 });
  const sent: Promise<void>[] = [];
  for (let i = 0; i < 20; i++) {
    sent.push(bus.publish(`${base}/header`, Uint8Array.of(i), { qos: 1, retain: true }));
    sent.push(bus.publish(`${base}/d/${device}/res`, Uint8Array.of(i), { qos: 1 }));
    sent.push(bus.publish(`${base}/d/${device}/ack`, Uint8Array.of(i), { qos: 0 }));
  }
  await Promise.all(sent);
  const all = Array.from({ length: 20 }, (_, i) => i);
  for (let waited = 0; Object.values(received).some((r) => r.length < 20) && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(received, { header: all, ack: all, res: all });
});

test('coalesceWrites: one turn\'s small writes leave in one system call, in order; a big turn never reports false backpressure', async (t) => {
  const { createServer, connect } = await import('node:net');
  const received: Buffer[] = [];
  const server = createServer((socket) => socket.on('data', (d) => received.push(d)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  t.teardown(() => socket.destroy());
  coalesceWrites(socket);
  coalesceWrites(socket); // idempotent
  // Count what reaches libuv: _writev for several chunks at once, _write for one.
  const s = socket as unknown as { _writev: (...a: unknown[]) => unknown; _write: (...a: unknown[]) => unknown };
  let calls = 0;
  for (const name of ['_writev', '_write'] as const) {
    const original = s[name].bind(socket);
    s[name] = (...a: unknown[]) => {
      calls++;
      return original(...a);
    };
  }
  for (let i = 0; i < 10; i++) socket.write(Buffer.from([i]));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.is(calls, 1, 'ten writes, one system call');

  // 256 KB in 1 KB writes within one turn: far past the 16 KB highWaterMark, yet no write says
  // "buffer full" only because of the cork (the kernel takes this much on loopback).
  let refused = 0;
  for (let i = 0; i < 256; i++) if (!socket.write(Buffer.alloc(1024, i))) refused++;
  t.is(refused, 0);
  const total = 10 + 256 * 1024;
  for (let waited = 0; Buffer.concat(received).length < total && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  const all = Buffer.concat(received);
  t.is(all.length, total);
  t.deepEqual([...all.subarray(0, 10)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.true([...Array(256).keys()].every((i) => all[10 + i * 1024] === i && all[10 + i * 1024 + 1023] === i), 'in order');
});

test('at most maxConnections connections: one more is closed at once, the others stay', async (t) => {
  const bus = await startAedesBus({ host: '127.0.0.1', port: 0, chainHex: '0123456789abcdef', isBlocked: () => false, authenticate: () => ({ code: 0 }), maxConnections: 2 });
  t.teardown(() => bus.close());
  const first = await mqtt.connectAsync(bus.url, { clientId: 'observer-a', reconnectPeriod: 0 });
  const second = await mqtt.connectAsync(bus.url, { clientId: 'observer-b', reconnectPeriod: 0 });
  t.teardown(() => Promise.all([first.endAsync(true), second.endAsync(true)]));
  const url = new URL(bus.url);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
  t.true(first.connected && second.connected);
});

test('limitPacketSize: a stream of legal packets cut anywhere passes whole; one packet over the limit closes the socket', (t) => {
  const max = 5120;
  const packet = (bodyLength: number) => {
    // Fixed header: PUBLISH QoS 1, then the remaining length as a variable byte integer.
    const head = [0x32];
    let n = bodyLength;
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      head.push(byte);
    } while (n > 0);
    return Buffer.concat([Buffer.from(head), Buffer.alloc(bodyLength, 0xab)]);
  };
  const feed = (stream: Buffer, cuts: number[]) => {
    const chunks: Buffer[] = [];
    let at = 0;
    for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length)].sort((a, b) => a - b)) {
      chunks.push(stream.subarray(at, cut));
      at = cut;
    }
    chunks.push(stream.subarray(at));
    let destroyed = false;
    const fake = { read: () => chunks.shift() ?? null, destroy: () => (destroyed = true) } as unknown as import('node:net').Socket;
    limitPacketSize(fake, max);
    let passed = 0;
    for (let chunk = fake.read(); chunk !== null && !destroyed; chunk = fake.read()) passed += (chunk as Buffer).length;
    return { destroyed, passed };
  };
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (lengths, cuts) => {
      const stream = Buffer.concat(lengths.map(packet));
      const { destroyed, passed } = feed(stream, cuts.map((c) => c % (stream.length + 1)));
      return !destroyed && passed === stream.length;
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max }), { maxLength: 4 }), fc.integer({ min: max + 1, max: 268_435_455 }), fc.array(fc.nat(), { maxLength: 6 }), (lengths, big, cuts) => {
      const before = Buffer.concat(lengths.map(packet));
      // Only the fixed header of the big one and a few of its bytes: the socket must close on the header.
      const stream = Buffer.concat([before, Buffer.from([0x32, ...varint(big)]), Buffer.alloc(64)]);
      return feed(stream, cuts.map((c) => c % (stream.length + 1))).destroyed;
    }),
    { numRuns: 300 },
  );
  t.pass();
  function varint(n: number): number[] {
    const out: number[] = [];
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      out.push(byte);
    } while (n > 0);
    return out;
  }
});
