// The desktop TCP transport (test layer): hosts/desktop/transport-tcp-node.ts against
// plain node:net servers. Handlers run asynchronously, data arrives as plain
// Uint8Arrays, onClose runs exactly once per connection with a reason.

import test from 'ava';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { createTcpTransport } from '../hosts/desktop/transport-tcp-node.js';
import type { TransportHandlers } from '../src/ports/index.js';
import { freePort } from './support/mosquitto.js';
import { sleep, waitFor } from './support/mqtt-client-support.js';

function recorder(): { handlers: TransportHandlers; events: string[]; data: Uint8Array[] } {
  const events: string[] = [];
  const data: Uint8Array[] = [];
  return {
    events,
    data,
    handlers: {
      onOpen: () => events.push('open'),
      onData: (bytes) => {
        events.push(`data ${bytes.length}`);
        data.push(bytes);
      },
      onClose: (reason) => events.push(`close ${reason}`),
    },
  };
}

async function echoServer(): Promise<{ port: number; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => s.write(d));
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('nothing listening: no onOpen, one onClose carrying the socket error', async (t) => {
  const port = await freePort();
  const r = recorder();
  const transport = createTcpTransport({ host: '127.0.0.1', port })(r.handlers);
  t.deepEqual(r.events, [], 'no handler runs inside the factory call');
  await waitFor(() => r.events.length > 0, 'onClose');
  await sleep(50);
  t.is(r.events.length, 1);
  t.regex(r.events[0]!, /^close .*ECONNREFUSED/);
  t.notThrows(() => transport.write(new Uint8Array([1])), 'writing to a dead transport is harmless');
  t.notThrows(() => transport.close());
  await sleep(50);
  t.is(r.events.length, 1, 'still one onClose');
});

test('open, bytes both ways as plain Uint8Arrays, local close: onClose once, asynchronously', async (t) => {
  const server = await echoServer();
  t.teardown(server.close);
  const r = recorder();
  const transport = createTcpTransport({ host: '127.0.0.1', port: server.port })(r.handlers);
  await waitFor(() => r.events.includes('open'), 'open');
  transport.write(new Uint8Array([1, 2, 3, 4, 5]));
  await waitFor(() => r.data.reduce((n, d) => n + d.length, 0) === 5, 'the echo');
  t.true(r.data.every((d) => Object.getPrototypeOf(d) === Uint8Array.prototype), 'not Buffers');
  t.deepEqual(r.data.flatMap((d) => Array.from(d)), [1, 2, 3, 4, 5]);
  transport.close();
  t.false(r.events.some((e) => e.startsWith('close')), 'onClose does not run inside close()');
  transport.close();
  await waitFor(() => r.events.some((e) => e.startsWith('close')), 'onClose');
  await sleep(50);
  t.deepEqual(r.events.filter((e) => e.startsWith('close')), ['close closed locally']);
});

test('the server closes: onClose once, with the reason', async (t) => {
  const server = await echoServer();
  t.teardown(server.close);
  const r = recorder();
  createTcpTransport({ host: '127.0.0.1', port: server.port })(r.handlers);
  await waitFor(() => r.events.includes('open') && server.sockets.size === 1, 'open');
  for (const s of server.sockets) s.end();
  await waitFor(() => r.events.some((e) => e.startsWith('close')), 'onClose');
  await sleep(50);
  t.deepEqual(r.events, ['open', 'close closed by the broker']);
});
