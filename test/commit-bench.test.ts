// The commit benchmark as a test (test layer, Node + XS): the figures of
// tools/bench/commit-bench.ts are logged, never asserted on time; sizes are
// asserted, since they are protocol facts (one 64-byte group signature whatever
// the number of members).

import test from 'ava';
import { runCommitBench } from '../tools/bench/commit-bench.js';

test('light-block bytes and device verify time: ECDSA commit beside FROST commit at 4, 16, 64 members (Node native, noble, noble under XS)', async (t) => {
  const { figures, table } = await runCommitBench(true);
  for (const line of table.split('\n')) t.log(line);
  const frost = figures.filter((f) => f.scheme === 'frost');
  const ecdsa = figures.filter((f) => f.scheme === 'ecdsa');
  t.is(new Set(frost.map((f) => f.bytes)).size, 1, 'a FROST light block has the same size at any membership');
  for (const f of frost) t.true(f.bytes < ecdsa.find((e) => e.members === f.members)!.bytes);
  t.is(figures.length, 3 * 2 * 3, 'three providers, two schemes, three sizes');
});
