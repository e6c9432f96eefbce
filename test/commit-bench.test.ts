// The commit benchmark as a test (test layer, Node + XS): the figures of
// tools/bench/commit-bench.ts are logged, never asserted on time; sizes are
// asserted, since they are protocol facts (one 64-byte group signature whatever
// the number of members).

import test from 'ava';
import { runCommitBench } from '../tools/bench/commit-bench.js';
import { runSigningLatencyBench } from '../tools/bench/signing-latency-bench.js';

test('light-block bytes and device verify time: ECDSA commit beside FROST commit at 4, 16, 64 members (Node native, noble, noble under XS)', async (t) => {
  const { figures, table } = await runCommitBench(true);
  for (const line of table.split('\n')) t.log(line);
  const frost = figures.filter((f) => f.scheme === 'frost');
  const ecdsa = figures.filter((f) => f.scheme === 'ecdsa');
  t.is(new Set(frost.map((f) => f.bytes)).size, 1, 'a FROST light block has the same size at any membership');
  for (const f of frost) t.true(f.bytes < ecdsa.find((e) => e.members === f.members)!.bytes);
  t.is(figures.length, 3 * 2 * 3, 'three providers, two schemes, three sizes');
});

test('signing latency per block: FROST two rounds beside ECDSA votes, every member ends with a verified commit (4 and 7 members)', (t) => {
  const { figures, table } = runSigningLatencyBench({ sizes: [4, 7], blocks: 2 });
  for (const line of table.split('\n')) t.log(line);
  t.is(figures.length, 2 * 2, 'two sizes, two schemes');
  for (const f of figures) {
    const what = `${f.scheme} ${f.members}`;
    t.is(f.threshold, Math.ceil((2 * f.members) / 3), what);
    t.deepEqual(f.verifiedCommits, [f.members, f.members], `${what}: every member holds a commit that verifies, each block`);
    t.is(f.retries, 0, what);
    for (const x of [f.latencyMs, f.wallMs, f.memberCpuMeanMs, f.memberCpuMaxMs]) t.true(Number.isFinite(x) && x >= 0, what);
    t.true(f.memberCpuMeanMs <= f.memberCpuMaxMs, what);
    if (f.scheme === 'ecdsa') {
      t.deepEqual(f.messages, { vote: f.members }, what);
      t.is(f.signs, f.members, `${what}: each member signs its vote`);
      t.is(f.verifies, f.members * f.threshold, `${what}: each member verifies threshold votes, each once`);
      t.is(f.schnorrVerifies, 0, what);
      t.is(f.hops, 1, what);
    } else {
      t.deepEqual(f.messages, { NONCE: f.members, REQUEST: 1, PARTIAL: f.threshold, SIGNATURE: 1 }, what);
      t.deepEqual(f.distinctCommits, [1, 1], `${what}: one group signature per block`);
      t.is(f.schnorrVerifies, f.members, `${what}: every member verifies the group signature once (the coordinator its aggregate)`);
      // Every FROST message is signed by its sender, and every member checks every other member's.
      const messages = f.members + f.threshold + 2;
      t.is(f.signs, messages, `${what}: one member signature per FROST message`);
      t.true(f.verifies >= messages * (f.members - 1) && f.verifies <= messages * f.members, `${what}: ${f.verifies} member-signature checks`);
      t.is(f.hops, 4, `${what}: nonce, request, partial, signature`);
    }
  }
  t.is(table.split('\n').filter((l) => /^\s+\d+\s+\d+\s+(ECDSA|FROST)/.test(l)).length, figures.length);
});
