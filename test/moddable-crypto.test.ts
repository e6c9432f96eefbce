// The native crypto module (modules/crypto-secp256k1) built and run by Moddable's own
// toolchain for x-cli-lin: every shared vector, a cross-check against noble on the
// same XS build, and the providers' timings and XS memory as figures (never asserted).
// A second app times a whole commit (light-block decode + verifyHeader, ECDSA and FROST at 4, 16
// and 64 members) with both providers under the same XS. Skips, saying why, when $MODDABLE (a
// built Moddable SDK) is not available.

import test from 'ava';
import { fileURLToPath } from 'node:url';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import type { XsMemory } from '../hosts/x-cli-lin/host.js';
import type { VectorResult } from './suites/check.js';
import { runAllVectorSuites } from './suites/vector-suites.js';
import { buildModdableApp, moddableMissing, resultOf, runModdableApp } from './moddable/moddable-app.js';
import { commitTable } from '../tools/bench/commit-bench.js';
import { type CommitFigure, MEMBER_COUNTS } from '../tools/bench/commit-workload.js';

interface CryptoReport {
  vectors: { total: number; passed: number; failed: VectorResult[] };
  crossCheck: string[];
  timings: { op: string; provider: string; iterations: number; microseconds: number }[];
  memory: Record<'atStart' | 'afterVectors' | 'afterNativeBench' | 'afterNoble' | 'afterNobleBench', XsMemory>;
  nativeContextBytes: number;
}

const missing = moddableMissing();
const moddableTest = missing ? test.skip : test;
const title = (what: string) => (missing ? `${what} (skipped: ${missing})` : what);

moddableTest(title('native secp256k1 passes every shared vector under Moddable XS and matches noble'), async (t) => {
  const binary = await buildModdableApp({ name: 'botpeer-crypto', entry: fileURLToPath(new URL('./moddable/crypto-entry.ts', import.meta.url)) });
  const run = await runModdableApp(binary, { timeoutMs: 180_000 });
  t.is(run.code, 0, run.stderr);
  const report = resultOf<CryptoReport>(run);

  t.deepEqual(report.vectors.failed, []);
  t.is(report.vectors.total, runAllVectorSuites(createNobleCrypto()).length, 'Moddable ran every vector Node runs');
  t.is(report.vectors.passed, report.vectors.total);
  t.deepEqual(report.crossCheck, [], 'native and noble answer alike on derived and malformed inputs');

  t.log(`${report.vectors.passed}/${report.vectors.total} shared vectors passed with secp256k1-native on Moddable x-cli-lin`);
  const by = (op: string, provider: string) => report.timings.find((x) => x.op === op && x.provider === provider)!;
  for (const op of ['sha256 32 B', 'sha256 1 KB', 'publicKey', 'sign', 'verify', 'verifySchnorr']) {
    const n = by(op, 'secp256k1-native');
    const j = by(op, 'noble');
    t.log(`${op.padEnd(13)} native ${String(n.microseconds).padStart(8)} µs   noble ${String(j.microseconds).padStart(9)} µs   ×${(j.microseconds / n.microseconds).toFixed(1)}`);
  }
  const m = report.memory;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  t.log(`XS live after GC (64-bit, ${m.atStart.slotBytes}-byte slots): start ${kb(m.atStart.chunks)} chunks / ${m.atStart.slots} slots; ` +
    `after native vectors+bench ${kb(m.afterNativeBench.chunks)} / ${m.afterNativeBench.slots}; ` +
    `after noble's first use ${kb(m.afterNoble.chunks)} / ${m.afterNoble.slots} (noble's tables: +${kb(m.afterNoble.chunks - m.afterNativeBench.chunks)}, +${m.afterNoble.slots - m.afterNativeBench.slots} slots)`);
  t.log(`native context (static RAM outside XS): ${report.nativeContextBytes} bytes`);
});

moddableTest(title('whole-commit decode + verifyHeader under Moddable XS: FROST commit beside ECDSA commit at 4, 16, 64 members (native and noble)'), async (t) => {
  const binary = await buildModdableApp({ name: 'botpeer-commit', entry: fileURLToPath(new URL('./moddable/commit-entry.ts', import.meta.url)) });
  const run = await runModdableApp(binary, { timeoutMs: 300_000 });
  t.is(run.code, 0, run.stderr);
  const figures = resultOf<CommitFigure[]>(run);
  // runCommitWorkload throws (and the app exits non-zero) if any block is refused: every figure is a verified header.
  t.is(figures.length, 2 * 2 * MEMBER_COUNTS.length, 'two providers, two schemes, three sizes');
  t.deepEqual([...new Set(figures.map((f) => f.provider))].sort(), ['noble', 'secp256k1-native']);
  for (const f of figures) t.true(f.iterations >= 1 && Number.isFinite(f.microseconds) && f.microseconds > 0);
  t.is(new Set(figures.filter((f) => f.scheme === 'frost').map((f) => f.bytes)).size, 1, 'one FROST light-block size at any membership');
  for (const line of commitTable(figures.map((f) => ({ ...f, provider: `${f.provider} (Moddable XS)` }))).split('\n')) t.log(line);
});
