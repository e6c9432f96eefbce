// The MQTT codec benchmark (tools layer, Node): `npx tsx tools/bench/mqtt-codec-bench.ts`.
// Times generate and parse of a ~100-byte QoS 1 PUBLISH and a PUBACK through
// mqtt-packet on Node (real Buffer, bl), then the same bundle under XS (the core's
// Buffer/BufferList/events shims), with the XS/Node ratio; then the size of the
// light peer's MQTT client bundled for XS, minified and not, with mqtt-packet and
// with it stubbed out, i.e. what the codec and its shims add. No assertions on
// timing; exits non-zero if the engines parse differently.

import type { Plugin } from 'esbuild';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { bundleForXs, runInXs } from '../xs/xs-runner.js';
import type { OpFigure } from './core-workload.js';
import { MQTT_BUDGETS, type MqttCodecResult, runMqttCodecWorkload } from './mqtt-codec-workload.js';

const XS_ENTRY = fileURLToPath(new URL('./mqtt-codec-xs-entry.ts', import.meta.url));
const CLIENT_ENTRY = fileURLToPath(new URL('../../src/mqtt/client/mqtt-client.ts', import.meta.url));

/** mqtt-packet replaced by an empty CommonJS module: the client's size without the codec (and the shims only it pulls in). */
const withoutMqttPacket: Plugin = {
  name: 'stub-mqtt-packet',
  setup(b) {
    b.onResolve({ filter: /^mqtt-packet$/ }, () => ({ path: 'mqtt-packet', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'module.exports = { parser() {}, writeToStream: Object.assign(() => true, { cacheNumbers: false }) };',
      loader: 'js',
    }));
  },
};

const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const usPerOp = (op: OpFigure) => (op.totalMs * 1000) / op.iterations;

function sig3(x: number): string {
  return Math.abs(x) >= 100 ? grouped(Number(x.toPrecision(3))) : x.toPrecision(3);
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function bundleSizes(): Promise<string[][]> {
  const size = async (minify: boolean, plugins: Plugin[]) => Buffer.byteLength(await bundleForXs(CLIENT_ENTRY, { minify, plugins }));
  const rows: string[][] = [];
  for (const minify of [false, true]) {
    const full = await size(minify, []);
    const bare = await size(minify, [withoutMqttPacket]);
    rows.push([minify ? 'minified' : 'not minified', grouped(full), grouped(bare), grouped(full - bare), `${((100 * (full - bare)) / full).toFixed(0)} %`]);
  }
  return rows;
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`botpeer MQTT codec benchmark: mqtt-packet on Node ${process.version} vs XS (@agoric/xsnap, core shims)`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.arch()}\n`);

  const node: MqttCodecResult = runMqttCodecWorkload(MQTT_BUDGETS.node);
  const xs = await runInXs<MqttCodecResult>(XS_ENTRY);
  if (xs.result.fingerprint !== node.fingerprint) {
    throw new Error(`XS and Node parse differently:\n  node ${node.fingerprint}\n  xs   ${xs.result.fingerprint}`);
  }
  const budget = (b: { warmupMs: number; budgetMs: number }) => `${b.warmupMs} ms warm-up + ${b.budgetMs} ms`;
  console.log(`per operation: Node ${budget(MQTT_BUDGETS.node)}, XS ${budget(MQTT_BUDGETS.xs)}; ` +
    `PUBLISH ${node.publishBytes} B, PUBACK ${node.pubackBytes} B; both engines parse them identically\n`);
  console.log(table(['operation', 'Node µs/op', 'iters', 'XS µs/op', 'iters', 'XS/Node time'], node.ops.map((n, i) => {
    const x = xs.result.ops[i]!;
    return [n.name, sig3(usPerOp(n)), grouped(n.iterations), sig3(usPerOp(x)), grouped(x.iterations), `×${sig3(usPerOp(x) / usPerOp(n))}`];
  })));

  console.log('\nThe MQTT client (src/mqtt/client/mqtt-client.ts) bundled for XS (esbuild, ES2022 IIFE), bytes');
  console.log(table(['bundle', 'with mqtt-packet', 'mqtt-packet stubbed', 'codec + shims add', 'share'], await bundleSizes()));
}

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.stack || error.message : String(error)}`);
  process.exitCode = 1;
}
