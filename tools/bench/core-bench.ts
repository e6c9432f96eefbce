// The core benchmark (tools layer, Node): `npm run bench`. Runs the shared
// workload (core-workload.ts) on Node, then the same bundle under XS, and prints
// both with the XS/Node ratio, the wire sizes of readings transactions against
// their JSON equivalent, and an OpenSSL (node:crypto) verify baseline on Node.
// No assertions on timing; exits non-zero if a fixture fails or the engines disagree.

import nodeCrypto from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runInXs } from '../xs/xs-runner.js';
import { BUDGETS, type OpFigure, type WorkloadResult, makeFixtures, measure, runCoreWorkload } from './core-workload.js';

const XS_ENTRY = fileURLToPath(new URL('./core-xs-entry.ts', import.meta.url));
// SPKI DER header for a compressed secp256k1 point (id-ecPublicKey, secp256k1, 33-byte BIT STRING).
const SECP256K1_SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex');

/** Thousands separators by hand: this Node may lack full ICU, so toLocaleString does not group. */
const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Three significant figures, with thousands separators for large values. */
function sig3(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? grouped(Number(x.toPrecision(3))) : x.toPrecision(3);
}

const usPerOp = (op: OpFigure) => (op.totalMs * 1000) / op.iterations;
const opsPerS = (op: OpFigure) => (op.iterations * 1000) / op.totalMs;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** OpenSSL through node:crypto, verifying the 1-reading transaction's signature over its preimage. */
function opensslVerify(): OpFigure {
  const fx = makeFixtures();
  const key = nodeCrypto.createPublicKey({ key: Buffer.concat([SECP256K1_SPKI_PREFIX, fx.devicePublicKey]), format: 'der', type: 'spki' });
  const verify = () => nodeCrypto.verify('sha256', fx.tx1Preimage, { key, dsaEncoding: 'ieee-p1363' }, fx.tx1.signature);
  if (!verify()) throw new Error('OpenSSL does not verify the noble signature');
  return measure('OpenSSL verify (node:crypto)', verify, BUDGETS.node);
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`botpeer core benchmark: noble crypto provider, Node ${process.version} vs XS (@agoric/xsnap)`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.arch()}\n`);

  const node: WorkloadResult = runCoreWorkload(BUDGETS.node);
  const openssl = opensslVerify();
  const xsStart = performance.now();
  const xs = await runInXs<WorkloadResult>(XS_ENTRY);
  const xsWallS = (performance.now() - xsStart) / 1000;
  if (xs.result.fingerprint !== node.fingerprint) {
    throw new Error(`XS and Node disagree on transaction bytes or hashes:\n  node ${node.fingerprint}\n  xs   ${xs.result.fingerprint}`);
  }

  console.log(`XS bundle: ${grouped(xs.bundleBytes)} bytes; XS run ${xsWallS.toFixed(1)} s wall ` +
    `(setup ${(xs.result.setupMs / 1000).toFixed(1)} s; Node setup ${(node.setupMs / 1000).toFixed(2)} s)`);
  const budget = (b: { warmupMs: number; budgetMs: number }) => `${b.warmupMs} ms warm-up + ${b.budgetMs} ms`;
  console.log(`per operation: Node ${budget(BUDGETS.node)}, XS ${budget(BUDGETS.xs)}; ` +
    'transaction bytes and hashes identical on both engines\n');

  const rows = node.ops.map((n, i) => {
    const x = xs.result.ops[i]!;
    return [
      n.name, sig3(opsPerS(n)), sig3(usPerOp(n)), grouped(n.iterations),
      sig3(opsPerS(x)), sig3(usPerOp(x)), grouped(x.iterations), `×${sig3(usPerOp(x) / usPerOp(n))}`,
    ];
  });
  console.log(table(['operation', 'Node ops/s', 'Node µs/op', 'iters', 'XS ops/s', 'XS µs/op', 'iters', 'XS/Node time'], rows));

  const nobleVerify = node.ops[2]!;
  console.log('\nNode verify baseline: the same signature, noble (digest given) vs OpenSSL (hashes the preimage)');
  console.log(table(['verifier', 'ops/s', 'µs/op', 'iters', 'time vs OpenSSL'], [
    ['noble-secp256k1 (pure JS)', sig3(opsPerS(nobleVerify)), sig3(usPerOp(nobleVerify)), grouped(nobleVerify.iterations),
      `×${sig3(usPerOp(nobleVerify) / usPerOp(openssl))}`],
    ['OpenSSL via node:crypto', sig3(opsPerS(openssl)), sig3(usPerOp(openssl)), grouped(openssl.iterations), '×1.00'],
  ]));

  console.log('\nReadings transaction size: CBOR wire bytes vs JSON (named fields, ids and signature in hex)');
  console.log(table(['transaction', 'CBOR B', 'JSON B', 'JSON/CBOR', 'CBOR B/reading', 'JSON B/reading'],
    node.sizes.map((s) => [
      `${s.readings} reading${s.readings === 1 ? '' : 's'}`, String(s.cborBytes), String(s.jsonBytes),
      `×${sig3(s.jsonBytes / s.cborBytes)}`, sig3(s.cborBytes / s.readings), sig3(s.jsonBytes / s.readings),
    ])));
}

try {
  await main();
} catch (error) {
  // Some errors (esbuild's) carry an empty stack, so fall back to the message.
  console.error(`\nbench failed: ${error instanceof Error ? error.stack || error.message : String(error)}`);
  process.exitCode = 1;
}
