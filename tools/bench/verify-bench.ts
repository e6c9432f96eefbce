// The gateway's signature-verification benchmark (tools layer, Node only):
// `npx tsx tools/bench/verify-bench.ts`. Over ~20k real signed 1-reading
// transactions from 100 devices it prints the single-core verify rate of noble
// (pure JS), OpenSSL (node:crypto) and native libsecp256k1, what one core does per
// transaction at ingest (decode + digest + verify), and the verify pool's
// throughput on every core — each with its ratio to native single-core verify.
// No assertions on timing; exits non-zero only if a fixture fails to verify.

import nodeCrypto from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ascii } from '../../src/codec/bytes.js';
import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { readingsBody } from '../../src/tx/bodies.js';
import { keyId } from '../../src/tx/identity.js';
import { Quantity, TxKind } from '../../src/tx/kinds.js';
import { type UnsignedTx, decodeTx, encodeTx, signTx, txSigningDigest, txSigningPreimage } from '../../src/tx/tx.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { type VerifyJob, createVerifyPool } from '../gateway/verify-pool.js';
import { BUDGETS, type OpFigure, measure } from './core-workload.js';

const TX_COUNT = 20_000;
const DEVICES = 100;
const POOL_ROUNDS = 5;
const CHAIN_ID = Uint8Array.of(0xb0, 0x70, 0x9e, 0xe4, 0, 0, 0, 1);
// SPKI DER header for a compressed secp256k1 point (id-ecPublicKey, secp256k1, 33-byte BIT STRING), as in core-bench.ts.
const SECP256K1_SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex');

const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const sig3 = (x: number) => (Math.abs(x) >= 100 ? grouped(Number(x.toPrecision(3))) : x.toPrecision(3));

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface Figure {
  readonly name: string;
  readonly opsPerS: number;
  readonly iterations: number;
  readonly cores: string;
}

const fromOp = (op: OpFigure, cores = '1'): Figure => ({ name: op.name, opsPerS: (op.iterations * 1000) / op.totalMs, iterations: op.iterations, cores });

function must(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench fixture broken: ${what}`);
}

/** Cycles through the fixtures so each call checks a different signature, as a gateway does. */
function cycling(count: number, run: (i: number) => boolean, what: string): () => void {
  let i = 0;
  return () => {
    must(run(i), what);
    i = i + 1 === count ? 0 : i + 1;
  };
}

/**
 * How many cores' worth of CPU this machine really delivers to N busy threads
 * (shared or throttled vCPUs often give less than N): a fixed integer loop in one
 * worker, then in N at once. Puts the pool's scaling in context; it is not a limit.
 */
async function parallelCapacity(threads: number): Promise<number> {
  const spin = `const { parentPort } = require('node:worker_threads');
    let x = 0; for (let i = 0; i < 2e8; i++) x = (x * 31 + i) | 0;
    parentPort.postMessage(x);`;
  const wall = async (k: number) => {
    const start = performance.now();
    await Promise.all(Array.from({ length: k }, () => new Promise((resolve, reject) => {
      new Worker(spin, { eval: true }).once('message', resolve).once('error', reject);
    })));
    return performance.now() - start;
  };
  await wall(1); // thread start-up and JIT, not measured
  const one = await wall(1);
  return (threads * one) / (await wall(threads));
}

async function main(): Promise<void> {
  const noble = createNobleCrypto();
  const native = createNativeCrypto();
  const cpus = os.cpus();
  const cores = os.availableParallelism();
  console.log(`botpeer verify benchmark: Node ${process.version}, OpenSSL ${process.versions.openssl}`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'} (availableParallelism ${cores}), ${os.platform()} ${os.arch()}`);

  // Fixtures: signed with the native provider (same bytes as noble, checked below), one reading each.
  const setupStart = performance.now();
  const devices = Array.from({ length: DEVICES }, (_, d) => {
    const privateKey = native.sha256(ascii(`botpeer bench device ${d}`));
    const publicKey = native.publicKey(privateKey);
    const spki = Buffer.concat([SECP256K1_SPKI_PREFIX, publicKey]);
    return { privateKey, publicKey, id: keyId(native, publicKey), openssl: nodeCrypto.createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
  });
  const txs = Array.from({ length: TX_COUNT }, (_, i) => {
    const device = devices[i % DEVICES]!;
    const unsigned: UnsignedTx = {
      kind: TxKind.READINGS,
      sender: device.id,
      seq: 1 + Math.floor(i / DEVICES),
      time: 1_767_225_600 + i,
      body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2150 + ((i * 37) % 50)] }]),
    };
    const tx = signTx(native, CHAIN_ID, unsigned, device.privateKey);
    return { device, tx, wire: encodeTx(tx), digest: txSigningDigest(native, CHAIN_ID, tx), preimage: txSigningPreimage(CHAIN_ID, tx) };
  });
  for (const { device, tx, digest } of txs.slice(0, 50)) {
    must(Buffer.from(noble.sign(digest, device.privateKey)).equals(tx.signature), 'native and noble signatures differ');
  }
  const jobs: VerifyJob[] = txs.map(({ device, wire }) => ({ wire, publicKey: device.publicKey }));
  const wireBytes = txs.reduce((sum, t) => sum + t.wire.length, 0);
  console.log(`fixtures: ${grouped(TX_COUNT)} signed 1-reading transactions from ${DEVICES} devices, ` +
    `${txs[0]!.wire.length} B on the wire each; setup ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);
  console.log(`single-core rows: ${BUDGETS.node.warmupMs} ms warm-up + ${BUDGETS.node.budgetMs} ms each, on the main thread\n`);

  const n = txs.length;
  const single: Figure[] = [
    fromOp(measure('noble-secp256k1 verify (pure JS, digest given)',
      cycling(n, (i) => noble.verify(txs[i]!.tx.signature, txs[i]!.digest, txs[i]!.device.publicKey), 'noble verify'), BUDGETS.node)),
    fromOp(measure('OpenSSL verify (node:crypto, hashes the preimage)',
      cycling(n, (i) => nodeCrypto.verify('sha256', txs[i]!.preimage, { key: txs[i]!.device.openssl, dsaEncoding: 'ieee-p1363' }, txs[i]!.tx.signature), 'OpenSSL verify'),
      BUDGETS.node)),
    fromOp(measure('libsecp256k1 verify (native, digest given)',
      cycling(n, (i) => native.verify(txs[i]!.tx.signature, txs[i]!.digest, txs[i]!.device.publicKey), 'native verify'), BUDGETS.node)),
    fromOp(measure('decode + digest + native verify (one tx)',
      cycling(n, (i) => {
        const tx = decodeTx(txs[i]!.wire);
        return native.verify(tx.signature, txSigningDigest(native, CHAIN_ID, tx), txs[i]!.device.publicKey);
      }, 'decode+verify'), BUDGETS.node)),
  ];

  // The pool: all cores, then one worker (the cost of the thread hop itself).
  const capacity = cores > 1 ? await parallelCapacity(cores) : 1;
  const poolFigures: Figure[] = [];
  for (const workers of cores > 1 ? [cores, 1] : [1]) {
    const pool = createVerifyPool({ workers, chainId: CHAIN_ID });
    try {
      const warm = await pool.verify(jobs); // loads tsx and the addon in every worker, warms the JIT
      must(warm.every(Boolean), 'the pool rejected a valid transaction');
      const start = performance.now();
      for (let round = 0; round < POOL_ROUNDS; round++) {
        const results = await pool.verify(jobs);
        must(results.length === n && results.every(Boolean), 'the pool rejected a valid transaction');
      }
      const seconds = (performance.now() - start) / 1000;
      poolFigures.push({
        name: `verify pool: decode + digest + verify, ${workers} worker${workers === 1 ? '' : 's'}`,
        opsPerS: (n * POOL_ROUNDS) / seconds,
        iterations: n * POOL_ROUNDS,
        cores: String(workers),
      });
    } finally {
      await pool.close();
    }
  }

  const baseline = single[2]!.opsPerS;
  const rows = [...single, ...poolFigures].map((f) => [
    f.name, f.cores, sig3(f.opsPerS), sig3(1e6 / f.opsPerS), grouped(f.iterations), `×${sig3(f.opsPerS / baseline)}`,
  ]);
  console.log(table(['verifier', 'cores', 'tx/s', 'µs/tx', 'txs', 'vs native 1-core'], rows));
  console.log(`\nparallel capacity: ${cores} busy threads get ×${sig3(capacity)} the CPU of one on this machine (pure-JS spin loop)`);
  console.log(`pool rows: ${POOL_ROUNDS} calls of verify(${grouped(n)} jobs) after one warm-up call; ` +
    `each call packs ${grouped(wireBytes)} B of wires plus keys into one transferred buffer per batch`);
}

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.stack || error.message : String(error)}`);
  process.exitCode = 1;
}
