// The commit benchmark (tools layer, Node only): `npm run bench:commit` or
// `npx tsx tools/bench/commit-bench.ts [--no-xs] [--no-signing]`
//
// Per header, at 4, 16 and 64 members (two-thirds threshold): the light block's bytes and the
// device's time to decode and verify it, ECDSA commit (threshold signatures) beside the FROST
// commit (one BIP-340 signature), with the Node native provider, noble on Node and noble under
// XS, in one run (commit-workload.ts). The native module under Moddable XS is measured by
// test/moddable-crypto.test.ts (needs $MODDABLE). Then, in the same run, the signing latency the
// members add per block (signing-latency-bench.ts). Prints figures; asserts nothing on time.

import { fileURLToPath } from 'node:url';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { runInXs } from '../xs/xs-runner.js';
import { type CommitFigure, makeCommitFixtures, runCommitWorkload } from './commit-workload.js';
import { runSigningLatencyBench } from './signing-latency-bench.js';

const XS_ENTRY = fileURLToPath(new URL('./commit-xs-entry.ts', import.meta.url));

export async function runCommitBench(withXs: boolean): Promise<{ figures: CommitFigure[]; table: string }> {
  const native = createNativeCrypto();
  const noble = createNobleCrypto();
  const fixtures = makeCommitFixtures(native);
  const now = () => performance.now();
  const figures = [...runCommitWorkload(native, fixtures, 300, 3, now), ...runCommitWorkload(noble, fixtures, 500, 3, now)];
  if (withXs) {
    const xs = await runInXs<CommitFigure[]>(XS_ENTRY);
    figures.push(...xs.result.map((f) => ({ ...f, provider: `${f.provider} (XS)` })));
  }
  return { figures, table: commitTable(figures) };
}

export function commitTable(figures: readonly CommitFigure[]): string {
  const providers = [...new Set(figures.map((f) => f.provider))];
  const heads = providers.map((p) => `${p}: ECDSA µs / FROST µs (×)`);
  const width = Math.max(44, ...heads.map((h) => h.length + 2));
  const lines = [`members  threshold  ECDSA bytes  FROST bytes  ${heads.map((h) => h.padStart(width)).join('')}`];
  for (const members of [...new Set(figures.map((f) => f.members))]) {
    const of = (scheme: string, provider?: string) => figures.find((f) => f.members === members && f.scheme === scheme && (provider === undefined || f.provider === provider))!;
    const cells = providers.map((p) => {
      const e = of('ecdsa', p).microseconds;
      const s = of('frost', p).microseconds;
      return `${e} / ${s} (×${(e / s).toFixed(1)})`.padStart(width);
    });
    lines.push(`${String(members).padStart(7)}  ${String(of('ecdsa').threshold).padStart(9)}  ${String(of('ecdsa').bytes).padStart(11)}  ${String(of('frost').bytes).padStart(11)}  ${cells.join('')}`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { table } = await runCommitBench(!process.argv.includes('--no-xs'));
  console.log(`Light block and device verify time per header:\n${table}\n`);
  if (!process.argv.includes('--no-signing')) console.log(runSigningLatencyBench().table);
}
