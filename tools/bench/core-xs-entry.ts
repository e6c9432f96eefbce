// XS entry of the core benchmark (tools layer): bundled by tools/xs/xs-runner.ts
// and run under XS, where it runs the shared workload and reports the figures.

import { BUDGETS, runCoreWorkload } from './core-workload.js';

declare const report: (value: unknown) => void;

report(runCoreWorkload(BUDGETS.xs));
