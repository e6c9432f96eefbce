// The light-peer scenario under the XS engine (test layer): the peer, its
// in-memory ports and the fake gateway, bundled by tools/xs/xs-runner.ts and
// driven from test/peer-xs.test.ts.

import { runPeerScenario } from '../fakes/peer-scenario.js';

declare const report: (value: unknown) => void;

report(runPeerScenario());
