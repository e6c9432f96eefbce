// State proofs on the light peer under the XS engine (test layer): the peer, its in-memory ports
// and a lying fake gateway, bundled by tools/xs/xs-runner.ts and driven from test/state-proof-xs.test.ts.

import { runStateProofScenario } from '../fakes/state-proof-scenario.js';

declare const report: (value: unknown) => void;
declare const reportError: (error: unknown) => void;

runStateProofScenario().then(report, reportError);
