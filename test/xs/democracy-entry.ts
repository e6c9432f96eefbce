// Device democracy under the XS engine (test layer): two peers, a recording relay and a
// lying fake gateway, bundled by tools/xs/xs-runner.ts and driven from test/democracy-xs.test.ts.

import { runDemocracyScenario } from '../fakes/democracy-scenario.js';

declare const report: (value: unknown) => void;

report(runDemocracyScenario());
