// The contracts benchmark of issue 12, in one run (tools layer, Node only):
//   npm run bench:contracts -- [--sizes 10000,100000,1000000] [--no-xs] [--invokes 2000]
// 1. invoke throughput of a deployed contract (a transfer in the XS sandbox) against the built-in
//    transport-credits transfer, through the same admission and block apply, and their ratio;
// 2. the authenticated state (state-bench.ts): per-block update cost of the sparse Merkle tree at
//    each size for a block changing 1 000 keys, against the former flat root (the baseline, same
//    blocks, same run); proof bytes; proof checks on Node and, on the device's engine, under XS.
// Prints figures; asserts nothing on time.

import { benchBuiltinInvoke } from './builtin-invoke-bench.js';
import { benchDeployedInvoke } from './deployed-invoke-bench.js';
import { runStateBench } from './state-bench.js';

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const sizes = (arg('--sizes') ?? '10000,100000,1000000').split(',').map(Number);
const invokes = Number(arg('--invokes') ?? 2000);

// The invoke figures come first: the state part leaves gigabytes of heap behind at 1 M entries.
console.log(`1. invoke throughput: a transfer between 16 accounts, through admission (ingest) and block apply (producer)`);
// The built-in transfer is over 10× faster: 10× the calls, so both runs last long enough to time.
const builtin = benchBuiltinInvoke({ invokes: invokes * 10 });
const deployed = await benchDeployedInvoke({ invokes });
const rows = [
  ['contract', 'calls', 'admission /s', 'µs per admission', 'block apply /s', 'end to end /s'],
  ['built-in (transport credits)', builtin.invokes, builtin.admitPerSecond, builtin.meanAdmitMicros, builtin.blockApplyPerSecond, builtin.perSecond],
  [`deployed (XS sandbox, ~${deployed.meanGas} gas)`, deployed.invokes, deployed.admitPerSecond, deployed.meanAdmitMicros, deployed.blockApplyPerSecond, deployed.perSecond],
].map((r) => r.map((c) => (typeof c === 'number' ? (c < 100 ? c.toFixed(1) : c.toFixed(0)) : String(c))));
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
console.log(`built-in / deployed, end to end: ${(builtin.perSecond / deployed.perSecond).toFixed(0)}×`);

console.log('\n2. authenticated state: a block changing 1 000 keys (950 updates, 50 inserts)');
const { table } = await runStateBench(sizes, !process.argv.includes('--no-xs'), (line) => console.log(line));
console.log(table);

