// Whole-commit timing under Moddable XS (test layer, Moddable x-cli-lin app): a device's cost
// to decode a light block and verify its commit (decodeLightBlock + verifyHeader of src/light),
// ECDSA commit beside FROST commit at 4, 16 and 64 members, with the native secp256k1 module
// and, for comparison in the same build, the noble provider. The workload is the commit
// benchmark's own (tools/bench/commit-workload.ts). Bundled by test/moddable/moddable-app.ts,
// driven by test/moddable-crypto.test.ts. Prints one line `BOTPEER-RESULT <json>` and exits.

import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { createSecp256k1Crypto } from '../../modules/crypto-secp256k1/crypto-secp256k1.js';
import { exit, microseconds, write } from '../../hosts/x-cli-lin/host.js';
import { makeCommitFixtures, runCommitWorkload } from '../../tools/bench/commit-workload.js';

const now = () => microseconds() / 1000;
const native = createSecp256k1Crypto();
// Blocks are signed once with the native module (ECDSA) and noble (the group's BIP-340 signature).
const fixtures = makeCommitFixtures(native);
const figures = [
  ...runCommitWorkload(native, fixtures, 1000, 3, now),
  // noble verifies 43 ECDSA signatures per 64-member header: one timed run is enough there.
  ...runCommitWorkload(createNobleCrypto(), fixtures, 300, 1, now),
];
write(`BOTPEER-RESULT ${JSON.stringify(figures)}\n`);
exit(0);
