// The MQTT client under XS (test layer): bundled by tools/xs/xs-runner.ts (which maps
// buffer/events/bl/debug to the core's shims) and driven from test/mqtt-client-xs.test.ts.
// Reports the fake-broker session, the byte-boundary parser suite, seeded garbage,
// and a few Buffer shim facts, for both MQTT versions, all with the built-ins frozen.

import { intrinsicsFrozen } from './mqtt-freeze-intrinsics.js'; // first: everything below loads frozen
import { Buffer } from '../../src/mqtt/client/buffer-shim.js';
import { runClientScenario } from './mqtt-client-scenario.js';
import { runGarbageSuite } from './mqtt-garbage-suite.js';
import { runSplitSuite } from './mqtt-split-suite.js';

declare const report: (value: unknown) => void;

const GARBAGE_RUNS = 2000; // test/mqtt-client-xs.test.ts expects this many

const text = 'bot/températures/€/𝄞';
const encoded = Buffer.from(text);
report({
  scenario: { 4: runClientScenario(4), 5: runClientScenario(5) },
  split: { 4: runSplitSuite(4), 5: runSplitSuite(5) },
  splitGarbage: { 4: runSplitSuite(4, true), 5: runSplitSuite(5, true) },
  garbage: { 4: runGarbageSuite(4, GARBAGE_RUNS), 5: runGarbageSuite(5, GARBAGE_RUNS) },
  shim: {
    utf8: Array.from(encoded),
    roundTrip: encoded.toString('utf8') === text,
    sliceIsView: (() => {
      const b = Buffer.from([1, 2, 3]);
      b.slice(1)[0] = 9;
      return b[1] === 9;
    })(),
    intrinsicsFrozen,
    numbers: (() => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(0xdeadbeef, 0);
      return [Buffer.isBuffer(b.subarray(1)), b.readUInt32BE(0), b.readUInt16BE(2), b.slice(0, 2).toString()];
    })(),
  },
});
