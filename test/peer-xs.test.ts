// The light peer under XS: the same scenario (sample → sign → publish → ack →
// header → proof → final, a forged header and a bad proof rejected, a proof on
// a skipped block through a verified past header) bundled for a neutral
// platform and run in an XS worker, then on Node; both summaries must be right
// and identical, down to the transaction ids.

import test from 'ava';
import { fileURLToPath } from 'node:url';
import { runInXs } from '../tools/xs/xs-runner.js';
import { EXPECTED_REJECTIONS, type PeerScenarioSummary, runPeerScenario } from './fakes/peer-scenario.js';

function check(t: import('ava').ExecutionContext, s: PeerScenarioSummary, engine: string): void {
  // In any order: seq 4 (its first proof forged) and seq 5 (in the skipped block) both end on a later proof.
  t.deepEqual([...s.finalSeqs].sort((a, b) => a - b), [1, 2, 3, 4, 5], `${engine}: every transaction final, once each`);
  t.is(s.outboxAfterForgery, 1, `${engine}: the transaction with the forged proof waited`);
  t.is(s.outbox, 0, `${engine}: then the honest proof made it final`);
  t.deepEqual(s.pastHeaderRequests, [[s.skippedBlockHeight, s.skippedBlockHeight]], `${engine}: the skipped block's header fetched`);
  t.is(s.finalHeights[s.finalSeqs.indexOf(5)], s.skippedBlockHeight, `${engine}: final on the verified past header`);
  t.deepEqual(s.headerRejected, [EXPECTED_REJECTIONS.header], `${engine}: forged header rejected`);
  t.deepEqual(s.proofRejected, [EXPECTED_REJECTIONS.proof], `${engine}: wrong-size proof rejected`);
  t.is(s.trustedHeight, s.gatewayHeight, `${engine}: honest headers after the forgery verified`);
  t.true(s.heightBeforeForgery >= 3);
  t.is(s.counters.final, 5);
  t.is(s.counters.signed, 5);
  t.is(s.state, 'online');
}

test('the light peer runs its scenario under XS exactly as on Node', async (t) => {
  const entry = fileURLToPath(new URL('./xs/peer-scenario-entry.ts', import.meta.url));
  const started = performance.now();
  const { result: xs, bundleBytes } = await runInXs<PeerScenarioSummary>(entry);
  const xsMs = performance.now() - started;
  check(t, xs, 'XS');
  const node = runPeerScenario();
  check(t, node, 'Node');
  t.deepEqual(xs, node, 'same summary on both engines');
  t.log(`XS: ${xs.finalSeqs.length} final (one on a past header), ${xs.headerRejected.length + xs.proofRejected.length} forgeries rejected, bundle ${bundleBytes} bytes, ${Math.round(xsMs)} ms`);
});
