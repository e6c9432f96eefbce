// XS entry of the commit benchmark (tools layer): bundled by tools/xs/xs-runner.ts and run
// under XS with the core's pure-JS provider; reports the figures of commit-workload.ts.

import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { makeCommitFixtures, runCommitWorkload } from './commit-workload.js';

declare const report: (value: unknown) => void;

const crypto = createNobleCrypto();
report(runCommitWorkload(crypto, makeCommitFixtures(crypto), 1000, 2, () => performance.now()));
