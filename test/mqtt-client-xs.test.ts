// The MQTT client under XS (test layer): test/xs/mqtt-entry.ts runs the fake-broker
// session, the byte-boundary parser suite and seeded garbage with mqtt-packet on the
// core's Buffer/events/BufferList shims and frozen built-ins; the results must be
// what this test expects and exactly what the same code gives on Node.

import test from 'ava';
import { fileURLToPath } from 'node:url';
import { runInXs } from '../tools/xs/xs-runner.js';
import { SCENARIO_CLIENT_ID, runClientScenario } from './xs/mqtt-client-scenario.js';
import { type GarbageReport, runGarbageSuite } from './xs/mqtt-garbage-suite.js';
import { type SplitReport, runSplitSuite } from './xs/mqtt-split-suite.js';

interface XsReport {
  scenario: Record<4 | 5, string[]>;
  split: Record<4 | 5, SplitReport>;
  splitGarbage: Record<4 | 5, SplitReport>;
  garbage: Record<4 | 5, GarbageReport>;
  shim: { utf8: number[]; roundTrip: boolean; sliceIsView: boolean; intrinsicsFrozen: boolean; numbers: [boolean, number, number, string] };
}

const GARBAGE_RUNS = 2000; // as in test/xs/mqtt-entry.ts
const entry = fileURLToPath(new URL('./xs/mqtt-entry.ts', import.meta.url));
const run = runInXs<XsReport>(entry);

const up = 'bot/0102030405060708/up';
const mine = `bot/0102030405060708/d/${SCENARIO_CLIENT_ID}`;

function expectedScenario(version: 4 | 5): string[] {
  return [
    `c0 > CONNECT id=${SCENARIO_CLIENT_ID} clean=0 ka=30${version === 5 ? ' expiry=604800' : ''}`,
    'c0 < CONNACK sp=0 code=0',
    `c0 > SUBSCRIBE id=1 ${mine}/#@1,bot/0102030405060708/header@0`,
    'c0 < SUBACK id=1 granted=1,0',
    'onConnect sp=0 connected=true',
    `c0 > PUBLISH id=2 qos=1 topic=${up} payload=83010203`,
    'c0 < PUBACK id=2',
    'onDelivered 1',
    `c0 < PUBLISH id=42 qos=1 topic=${mine}/ack payload=820500`,
    `onMessage ${mine}/ack 820500 plain=true`,
    'c0 > PUBACK id=42',
    'c0 > PINGREQ',
    'c0 < PINGRESP',
    'timers after ping: 30000',
    'c0 > DISCONNECT',
    'c0 closed',
    'after stop: connected=false timers=0 connections=1',
  ];
}

for (const version of [4, 5] as const) {
  test(`MQTT ${version} under XS: connect, subscribe, publish QoS 1, PUBACK, incoming QoS 1, PUBACK, ping, stop`, async (t) => {
    const { result } = await run;
    t.deepEqual(result.scenario[version], expectedScenario(version));
    t.deepEqual(result.scenario[version], runClientScenario(version), 'the same events as on Node');
  });

  test(`MQTT ${version} under XS: the parser gives the same packets for every split of the stream, as on Node`, async (t) => {
    const { result } = await run;
    const split = result.split[version];
    t.deepEqual(split.mismatches, []);
    t.is(split.feeds, split.streamBytes);
    t.deepEqual(split, runSplitSuite(version));
    const garbage = result.splitGarbage[version];
    t.deepEqual(garbage.mismatches, []);
    t.regex(garbage.packets.at(-1)!, /^error MQTT_MALFORMED: Invalid suback/);
    t.deepEqual(garbage, runSplitSuite(version, true));
  });

  test(`MQTT ${version} under XS: seeded garbage gives only BotError(MQTT_MALFORMED)`, async (t) => {
    const { result } = await run;
    const xs = result.garbage[version];
    t.deepEqual(xs.otherErrors, []);
    t.is(xs.runs, GARBAGE_RUNS);
    t.true(xs.malformed > GARBAGE_RUNS / 4, `${xs.malformed} inputs were malformed`);
    const node = runGarbageSuite(version, GARBAGE_RUNS);
    t.deepEqual(node.otherErrors, []);
    t.is(xs.malformed, node.malformed, 'the shims reject exactly the inputs Node\'s Buffer and bl reject');
  });
}

test('the Buffer shim under XS with frozen built-ins: UTF-8, views, numbers', async (t) => {
  const { result, bundleBytes } = await run;
  const { shim } = result;
  t.true(shim.intrinsicsFrozen, 'the entry really froze the built-ins first');
  t.deepEqual(shim.utf8, Array.from(Buffer.from('bot/températures/€/𝄞')));
  t.true(shim.roundTrip);
  t.true(shim.sliceIsView);
  t.deepEqual(shim.numbers, [true, 0xdeadbeef, 0xbeef, Buffer.from([0xde, 0xad]).toString()]);
  t.log(`XS bundle ${bundleBytes} bytes`);
});
