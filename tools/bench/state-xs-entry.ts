// XS entry of the state benchmark (tools layer): bundled by tools/xs/xs-runner.ts with the proofs
// state-bench.ts made (state-bench-input.ts, replaced at bundle time); verifies them under XS with
// the core's pure-JS provider and reports the figures of state-workload.ts.

import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { input } from './state-bench-input.js';
import { runVerifyWorkload } from './state-workload.js';

declare const report: (value: unknown) => void;

report(runVerifyWorkload(createNobleCrypto(), input, 3, () => performance.now()));
