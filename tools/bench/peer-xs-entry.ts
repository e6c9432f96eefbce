// XS entry of the light peer benchmark (tools layer): bundled by tools/xs/xs-runner.ts
// and run under XS, where it runs the peer workload and reports the figures.

import { PEER_BUDGETS, runPeerWorkload } from './peer-workload.js';

declare const report: (value: unknown) => void;

report(runPeerWorkload(PEER_BUDGETS.xs));
