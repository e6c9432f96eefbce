// The shared vectors on Node and under XS: the same suites, the same data.

import test from 'ava';
import { fileURLToPath } from 'node:url';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { runInXs } from '../tools/xs/xs-runner.js';
import type { VectorResult } from './suites/check.js';
import { runAllVectorSuites } from './suites/vector-suites.js';

function summarize(results: readonly VectorResult[]): string {
  const bySuite = new Map<string, number>();
  for (const r of results) bySuite.set(r.suite, (bySuite.get(r.suite) ?? 0) + 1);
  return [...bySuite].map(([suite, n]) => `${suite} ${n}`).join(', ');
}

test('shared vectors pass on Node', (t) => {
  const results = runAllVectorSuites(createNobleCrypto());
  t.deepEqual(results.filter((r) => !r.passed), []);
  t.true(results.length >= 150, 'every vector file was read');
  t.log(`${results.filter((r) => r.passed).length}/${results.length} vectors passed on Node (${summarize(results)})`);
});

test('shared vectors pass under XS', async (t) => {
  const entry = fileURLToPath(new URL('./xs/vectors-entry.ts', import.meta.url));
  const { result: results, bundleBytes } = await runInXs<VectorResult[]>(entry);
  t.deepEqual(results.filter((r) => !r.passed), []);
  t.is(results.length, runAllVectorSuites(createNobleCrypto()).length, 'XS ran every vector Node ran');
  t.log(`${results.filter((r) => r.passed).length}/${results.length} vectors passed on XS (${summarize(results)}; bundle ${bundleBytes} bytes)`);
});
