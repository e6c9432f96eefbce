// The firmware's host adapters on Moddable's x-cli-lin build (test layer): the timer clock,
// the ECMA-419 TCP transport against a TCP server run here, the x-cli-lin file store and
// NOR-flash file (in two runs of the app, so what the first wrote must survive into the
// second), and the Preference store over a fake NVS (x-cli-lin has none). The app is
// test/moddable/apps/adapters-entry.ts, built from the firmware's modules, preloaded as in
// manifest.json. Skips, saying why, without $MODDABLE.

import test from 'ava';
import fs from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { firmwareModules, readManifest } from './moddable/firmware-manifest.js';
import { REPO, buildManifestApp, moddableMissing, resultOf, runModdableApp } from './moddable/moddable-app.js';

const missing = moddableMissing();
const moddableTest = missing ? test.skip : test;
const title = (what: string) => (missing ? `${what} (skipped: ${missing})` : what);

interface Report {
  phase: string;
  error?: string;
  results: { suite: string; name: string; passed: boolean; detail?: string }[];
}

/** Firmware modules the adapters need, taken from the firmware's manifests by name. */
const ADAPTERS = /^botpeer\/(src\/errors\/|src\/ports\/|hosts\/moddable\/(clock-timer|transport-tcp-419)$)/;

function appManifest(): Record<string, unknown> {
  const root = readManifest(path.join(REPO, 'manifest.json'));
  const modules = {
    ...firmwareModules('x-cli-lin', ADAPTERS),
    // The Preference store (every Moddable platform with Preference; not x-cli-lin) and the x-cli-lin file store.
    ...firmwareModules('esp32', /^botpeer\/hosts\/moddable\/store-preference$/),
    ...firmwareModules('x-cli-lin', /^botpeer\/hosts\/x-cli-lin\/store-file-lin$/),
  };
  const main = 'botpeer/test/moddable/apps/adapters-entry';
  return {
    include: ['$(MODDABLE)/examples/manifest_typings.json', path.join(REPO, 'hosts/x-cli-lin/manifest_host.json')],
    modules: {
      ...modules,
      preference: path.join(REPO, 'test/moddable/apps/fake-preference'),
      [main]: path.join(REPO, 'test/moddable/apps/adapters-entry'),
    },
    preload: [...Object.keys(modules), 'preference'],
    typescript: root.typescript,
    creation: {
      static: 0,
      chunk: { initial: 1 << 20, incremental: 1 << 18 },
      heap: { initial: 32768, incremental: 8192 },
      stack: 2048,
      main,
    },
    platforms: { 'x-cli-lin': {}, '...': { error: 'test apps build for x-cli-lin only' } },
  };
}

/**
 * The transport's peer. The client's first line says what to do: `echo` sends back every
 * byte after it; `burst N` sends N pattern bytes and ends; `hangup` drops the connection.
 */
async function startServer(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let line = '';
    let mode: 'line' | 'echo' = 'line';
    socket.on('data', (chunk: Buffer) => {
      if (mode === 'echo') return void socket.write(chunk);
      const text = chunk.toString('latin1');
      const end = (line + text).indexOf('\n');
      if (end < 0) return void (line += text);
      const all = line + text;
      const command = all.slice(0, end);
      const rest = Buffer.from(all.slice(end + 1), 'latin1');
      if (command === 'echo') {
        mode = 'echo';
        if (rest.length > 0) socket.write(rest);
      } else if (command.startsWith('burst ')) {
        const n = Number(command.slice(6));
        socket.end(Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff)));
      } else socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return { server, port: (server.address() as AddressInfo).port };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

moddableTest(title('host adapters on x-cli-lin: timer clock, ECMA-419 TCP transport, file store and flash file across restarts, Preference store on a fake NVS'), async (t) => {
  const { binary } = buildManifestApp('botpeer-adapters', appManifest());
  const { server, port } = await startServer();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'botpeer-adapters-'));
  t.teardown(() => {
    server.close();
    fs.rmSync(state, { recursive: true, force: true });
  });
  const env = { BOTPEER_STATE: state, BOTPEER_PORT: String(port), BOTPEER_CLOSED_PORT: String(await closedPort()) };

  const reports: Report[] = [];
  for (const phase of ['first', 'second']) {
    const run = await runModdableApp(binary, { env: { ...env, BOTPEER_PHASE: phase }, timeoutMs: 90_000 });
    const report = resultOf<Report>(run);
    t.is(run.code, 0, `${phase}: ${report.error ?? ''}\n${run.stdout}${run.stderr}`);
    reports.push(report);
  }
  const all = reports.flatMap((r) => r.results.map((x) => ({ ...x, phase: r.phase })));
  t.deepEqual(all.filter((x) => !x.passed), [], 'every check passed');
  const suites = new Map<string, number>();
  for (const x of all) suites.set(x.suite, (suites.get(x.suite) ?? 0) + 1);
  // Every suite ran (a suite that silently ran nothing would pass the check above).
  t.deepEqual([...suites.keys()].sort(), ['FileFlash', 'clock-timer', 'store-file-lin', 'store-preference (fake NVS)', 'transport-tcp-419']);
  t.true(all.filter((x) => x.phase === 'second').length >= 4, 'the second run checked what the first left');
  t.log(`${all.length} checks passed: ${[...suites].map(([s, n]) => `${s} ${n}`).join(', ')}`);
});
