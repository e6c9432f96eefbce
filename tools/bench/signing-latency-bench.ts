// The signing-latency benchmark (tools layer, Node only): `npx tsx tools/bench/signing-latency-bench.ts`,
// also printed by `npm run bench:commit` (commit-bench.ts) after the light-block table.
//
// Per block, at 4, 16 and 64 members (two-thirds threshold), the time the members add to make
// its commit, FROST (two rounds) beside ECDSA votes, with the Node native provider the members
// use (signing-latency-workload.ts). Prints figures; asserts nothing on time.

import { fileURLToPath } from 'node:url';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { MEMBER_COUNTS, twoThirds } from './commit-workload.js';
import { type SigningLatencyFigure, runSigningLatency } from './signing-latency-workload.js';

export interface SigningLatencyBenchOptions {
  readonly sizes?: readonly number[];
  /** Blocks signed per size and scheme (the figures are medians over them). */
  readonly blocks?: number;
  readonly hopMs?: number;
}

export function runSigningLatencyBench(options: SigningLatencyBenchOptions = {}): { figures: SigningLatencyFigure[]; table: string } {
  const crypto = createNativeCrypto();
  const figures: SigningLatencyFigure[] = [];
  for (const members of options.sizes ?? MEMBER_COUNTS) {
    for (const scheme of ['ecdsa', 'frost'] as const) {
      figures.push(runSigningLatency({ crypto, members, threshold: twoThirds(members), blocks: options.blocks ?? 3, hopMs: options.hopMs ?? 0 }, scheme));
    }
  }
  return { figures, table: signingLatencyTable(figures, options.hopMs ?? 0) };
}

export function signingLatencyTable(figures: readonly SigningLatencyFigure[], hopMs: number): string {
  const ms = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
  const lines = [
    `Signing latency added per block (${figures[0]?.provider ?? ''}; median of ${figures[0]?.blocks ?? 0} blocks; ${hopMs} ms per network hop):`,
    '  latency   = block executed at every member → every member holds a verified commit, one core per member (simulated clocks)',
    '  wall      = this process running all members on one thread: the SUM of every member\'s CPU, not a latency',
    '  CPU/member = handler time of one member (mean / largest: the FROST coordinator)',
    `${'members'.padStart(7)}  ${'t'.padStart(2)}  ${'scheme'.padEnd(6)}  ${'latency ms'.padStart(10)}  ${'wall ms'.padStart(8)}  ${'CPU/member mean / max ms'.padStart(24)}  ${'hops'.padStart(4)}  ${'msgs'.padStart(4)}  ${'stream B'.padStart(8)}  checks per block (all members)`,
  ];
  for (const f of figures) {
    const msgs = Object.values(f.messages).reduce((a, b) => a + b, 0);
    const checks = f.scheme === 'ecdsa'
      ? `${f.signs} ECDSA signs, ${f.verifies} ECDSA verifies`
      : `${f.schnorrVerifies} BIP-340 verifies; ${Object.entries(f.messages).map(([k, v]) => `${v} ${k}`).join(', ')}`;
    lines.push(`${String(f.members).padStart(7)}  ${String(f.threshold).padStart(2)}  ${f.scheme.toUpperCase().padEnd(6)}  ${ms(f.latencyMs).padStart(10)}  ${ms(f.wallMs).padStart(8)}  ${`${ms(f.memberCpuMeanMs)} / ${ms(f.memberCpuMaxMs)}`.padStart(24)}  ${String(f.hops).padStart(4)}  ${String(msgs).padStart(4)}  ${String(f.streamBytes).padStart(8)}  ${checks}`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(runSigningLatencyBench().table);
}
