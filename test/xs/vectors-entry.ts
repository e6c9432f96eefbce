// Runs every shared vector under the XS engine (test layer): bundled by
// tools/xs/xs-runner.ts and driven from test/xs-vectors.test.ts.

import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { runAllVectorSuites } from '../suites/vector-suites.js';

declare const report: (value: unknown) => void;

report(runAllVectorSuites(createNobleCrypto()));
