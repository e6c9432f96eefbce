// The light peer's proveState under XS (issue 12, §9.4 STATE_PROOF): the same scenario
// (test/fakes/state-proof-scenario.ts) bundled for a neutral platform and run in an XS worker,
// then on Node; both summaries must be right and identical.

import test from 'ava';
import { fileURLToPath } from 'node:url';
import { runInXs } from '../tools/xs/xs-runner.js';
import { type StateProofScenarioSummary, runStateProofScenario } from './fakes/state-proof-scenario.js';

function check(t: import('ava').ExecutionContext, s: StateProofScenarioSummary, engine: string): void {
  t.true(s.enrolled.present, `${engine}: enrolled`);
  t.true(s.enrolled.value?.startsWith(`8648${s.deviceId}`), `${engine}: its own registry leaf`);
  t.false(s.notBlocked.present, `${engine}: not blocked`);
  t.deepEqual(s.lies, [
    'a changed value: BAD_PROOF',
    'a membership proof offered as absence: BAD_PROOF',
    'the other device\'s entry: BAD_PROOF',
    'a height the chain never reaches: UNVERIFIED_HEADER',
  ], `${engine}: every lie refused with its code`);
  t.true(s.blocked.present, `${engine}: the other device proven blocked`);
  t.true(s.blocked.value?.startsWith(`8448${s.otherId}`), `${engine}: its blocklist leaf`);
  t.true(s.blocked.height > s.notBlocked.height);
  t.true(s.trustedBeforeBlocked < s.blocked.height, `${engine}: the blocked answer named a height above trust`);
  t.is(s.newerHeaderRequests, 1, `${engine}: whose header the peer fetched and verified itself`);
  t.true(s.trustedHeight >= s.blocked.height);
  t.is(s.stateProofRequests, 7);
}

test('the light peer proves state under XS exactly as on Node, and refuses every lie', async (t) => {
  const entry = fileURLToPath(new URL('./xs/state-proof-entry.ts', import.meta.url));
  const { result: xs, bundleBytes } = await runInXs<StateProofScenarioSummary>(entry);
  check(t, xs, 'XS');
  const node = await runStateProofScenario();
  check(t, node, 'Node');
  t.deepEqual(xs, node, 'same summary on both engines');
  t.log(`XS: enrolled at ${xs.enrolled.height}, not blocked at ${xs.notBlocked.height}, blocked at ${xs.blocked.height}; ${xs.lies.length} lies refused; bundle ${bundleBytes} bytes`);
});
