// Device democracy on both engines: B acts on A's reading only once it is proven against a
// header B verified, and on nothing a lying gateway offers (test/fakes/democracy-scenario.ts),
// under XS as on Node, with the same summary.

import test from 'ava';
import { fileURLToPath } from 'node:url';
import { runInXs } from '../tools/xs/xs-runner.js';
import { type DemocracySummary, runDemocracyScenario } from './fakes/democracy-scenario.js';

function check(t: import('ava').ExecutionContext, s: DemocracySummary, engine: string): void {
  const byName = Object.fromEntries(s.phases.map((p) => [p.name, p]));
  t.is(byName['honest, 25.0 °C']!.relay, false, `${engine}: 25.0 °C: relay off`);
  t.deepEqual(byName['honest, 25.0 °C']!.refused, [], `${engine}: honest answers are not refused`);
  const lies: Record<string, string> = {
    'value changed, real proof': 'BAD_PROOF',
    'signed by another key': 'WRONG_SOURCE',
    'another device\'s reading': 'WRONG_SOURCE',
    'a block B never verified': 'UNVERIFIED_HEADER',
    'an answer that does not decode': 'BAD_SHAPE',
  };
  for (const [name, code] of Object.entries(lies)) {
    t.is(byName[name]!.relay, false, `${engine}: ${name}: the relay stayed off`);
    t.true(byName[name]!.refused.length > 0 && byName[name]!.refused.every((c) => c === code), `${engine}: ${name}: refused ${code} (${byName[name]!.refused.join(', ')})`);
  }
  t.is(byName['honest, 31.2 °C']!.relay, true, `${engine}: 31.2 °C proven: relay on`);
  for (const name of ['A\'s older reading replayed', 'replayed again after B rebooted']) {
    t.is(byName[name]!.relay, true, `${engine}: ${name}: stays on`);
    t.deepEqual(byName[name]!.refused, ['STALE_READING'], `${engine}: ${name}: refused as stale`);
  }
  t.is(byName['honest, 28.0 °C']!.relay, false, `${engine}: 28.0 °C: off again`);
  t.true(s.actuated.every((a) => a.headerFirst), `${engine}: every switch after B verified a header at the reading's height`);
  t.deepEqual(s.actuated.filter((a) => a.on).map((a) => a.mantissa), [312, 312], `${engine}: switched on only by A's real 31.2 °C (once per boot)`);
  t.is(s.counters.actuations, 2, `${engine}: B's last boot switched twice (on again, then off)`);
  t.true(s.lines.some((l) => /relay on: device A's reading 31\.2 °C at height \d+ proven/.test(l)), `${engine}: the log says why`);
}

test('device democracy runs its scenario under XS exactly as on Node', async (t) => {
  const entry = fileURLToPath(new URL('./xs/democracy-entry.ts', import.meta.url));
  const { result: xs, bundleBytes } = await runInXs<DemocracySummary>(entry);
  check(t, xs, 'XS');
  const node = runDemocracyScenario();
  check(t, node, 'Node');
  t.deepEqual(xs, node, 'same summary on both engines');
  t.log(`XS: relay ${xs.relay.join(' → ')}; ${xs.phases.reduce((n, p) => n + p.refused.length, 0)} lies refused; bundle ${bundleBytes} bytes`);
});
