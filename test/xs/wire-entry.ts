// Runs the wire-encoder suite under the XS engine (test layer): bundled by
// tools/xs/xs-runner.ts and driven from test/wire-encoders.test.ts.

import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { runWireSuites } from '../suites/wire-suite.js';

declare const report: (value: unknown) => void;

report(runWireSuites(createNobleCrypto()));
