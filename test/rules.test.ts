// Watch rules (test layer, Node): rule values and their refusals, exact decimals, the peer's
// configuration checks, the firmware's watch settings, and a reading answer with any one bit
// flipped never verifying (docs/protocol.md §8.8). The shared vectors (democracy.json) hold the
// verifier's table; test/democracy-xs.test.ts the peer at work.

import test from 'ava';
import democracyVectors from './vectors/democracy.json' with { type: 'json' };
import {
  BotError, ErrorCode, createNobleCrypto, decodeHeader, decodeReadingsAnswer, formatDecimal, makeWatchRule, makeWatchRules, parseDecimal,
  verifyReading,
} from '../src/index.js';
import { createLightPeer, makePeerConfig } from '../src/peer/index.js';
import { WATCH_ACTUATOR, parseFirmwareSettings } from '../hosts/moddable/firmware-settings.js';
import { FakeGateway } from './fakes/fake-gateway.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { MemoryKeyValueStore, MemoryOutbox } from './fakes/memory-store.js';
import { START_MS } from './fakes/scenario.js';
import { seededRandom } from './fakes/seeded-random.js';
import { VirtualClock } from './fakes/virtual-clock.js';
import { hex, unhex } from './support/hex-json.js';

const crypto = createNobleCrypto();
const SOURCE = '0011223344556677';
const base = { source: SOURCE, quantity: 'TEMPERATURE_C', comparison: 'above', threshold: '30', actuator: 'relay' } as const;

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'ok';
  } catch (error) {
    return error instanceof BotError ? error.code : String(error);
  }
};

test('a rule: defaults, exact thresholds, and a typed refusal for each bad field', (t) => {
  const rule = makeWatchRule(base);
  t.deepEqual([rule.thresholdMantissa, rule.thresholdScale, rule.then, rule.otherwise, rule.maxAgeSeconds, hex(rule.source)], [30, 0, true, undefined, 600, SOURCE]);
  t.true(Object.isFrozen(rule));
  const bad: [string, object][] = [
    ['source of 7 bytes', { source: '00112233445566' }],
    ['source not hex', { source: 'zz11223344556677' }],
    ['sourceKey not a key', { sourceKey: '04'.repeat(33) }],
    ['unknown quantity name', { quantity: 'WIND' }],
    ['unknown quantity number', { quantity: 99 }],
    ['unknown comparison', { comparison: 'near' }],
    ['threshold not decimal', { threshold: '3e1' }],
    ['threshold with 10 decimals', { threshold: '0.0000000001' }],
    ['threshold too large', { threshold: '3000000000' }],
    ['threshold twice', { thresholdMantissa: 3 }],
    ['scale out of range', { threshold: undefined, thresholdMantissa: 3, thresholdScale: 10 }],
    ['no threshold', { threshold: undefined }],
    ['actuator name too long', { actuator: 'a'.repeat(16) }],
    ['actuator name empty', { actuator: '' }],
    ['then not a boolean', { then: 1 }],
    ['maxAge negative', { maxAgeSeconds: -1 }],
  ];
  for (const [why, over] of bad) t.is(codeOf(() => makeWatchRule({ ...base, ...over } as never)), ErrorCode.BAD_PEER_CONFIG, why);
  t.is(codeOf(() => makeWatchRules(new Array(9).fill(base))), ErrorCode.BAD_PEER_CONFIG, 'at most 8 rules');
});

test('decimals parse and print exactly', (t) => {
  t.deepEqual(parseDecimal('31.20'), { mantissa: 312, scale: -1 });
  t.deepEqual(parseDecimal('-4'), { mantissa: -4, scale: 0 });
  t.deepEqual(parseDecimal('0.000000001'), { mantissa: 1, scale: -9 });
  t.deepEqual(parseDecimal(30.5), { mantissa: 305, scale: -1 });
  t.deepEqual(parseDecimal('-0.0'), { mantissa: 0, scale: 0 });
  t.is(formatDecimal(312, -1), '31.2');
  t.is(formatDecimal(-5, -2), '-0.05');
  t.is(formatDecimal(7, 2), '700');
});

test('the peer refuses a rule whose actuator the host does not provide, and duplicate actuator names', (t) => {
  const clock = new VirtualClock(START_MS);
  const gateway = new FakeGateway({ crypto, clock });
  const config = makePeerConfig(gateway.genesis, { rules: [base] });
  const ports = (actuators: { name: string; set(on: boolean): void }[]) => ({
    crypto, clock, random: seededRandom(1), store: new MemoryKeyValueStore(), outbox: new MemoryOutbox(64),
    sensors: [rampSensor(1, -1, 200)], session: gateway.session('x'), log: () => {}, actuators,
  });
  t.is(codeOf(() => createLightPeer(config, ports([]))), ErrorCode.BAD_PEER_CONFIG);
  t.is(codeOf(() => createLightPeer(config, ports([{ name: 'relay', set() {} }, { name: 'relay', set() {} }]))), ErrorCode.BAD_PEER_CONFIG);
  t.is(codeOf(() => createLightPeer(config, ports([{ name: 'relay', set() {} }]))), 'ok');
  t.is(codeOf(() => makePeerConfig(gateway.genesis, { rules: [{ ...base, comparison: 'near' as never }] })), ErrorCode.BAD_PEER_CONFIG);
});

test('the firmware\'s watch settings make one rule on the actuator, checked at boot', (t) => {
  const raw = { genesis: '00', gateway: 'gw', watch: SOURCE.toUpperCase(), watchThreshold: '30.5', watchPin: '5' };
  const settings = parseFirmwareSettings(raw);
  t.is(settings.watchPin, 5);
  const rule = makeWatchRule(settings.watch!);
  t.deepEqual([hex(rule.source), rule.thresholdMantissa, rule.thresholdScale, rule.comparison, rule.actuator, rule.then, rule.otherwise], [SOURCE, 305, -1, 'above', WATCH_ACTUATOR, true, false]);
  t.is(parseFirmwareSettings({ genesis: '00', gateway: 'gw' }).watch, undefined, 'no watch setting, no rule');
  t.is(codeOf(() => parseFirmwareSettings({ ...raw, watchThreshold: 'hot' })), ErrorCode.BAD_PEER_CONFIG);
  t.is(codeOf(() => parseFirmwareSettings({ ...raw, watchComparison: 'near' })), ErrorCode.BAD_PEER_CONFIG);
});

test('an honest answer with any one bit flipped never verifies (every bit of the three payloads)', (t) => {
  const v = democracyVectors.verify.find((c) => c.name === 'over the threshold')!;
  const headers = v.headers.map((h) => decodeHeader(unhex(h)));
  const rule = makeWatchRule({ source: v.rule.source, quantity: v.rule.quantity as 1, comparison: 'above', thresholdMantissa: 30, actuator: 'relay' });
  const context = { chainId: unhex(democracyVectors.chainId), lastSeq: v.lastSeq, nowMs: v.nowMs, headerAt: (h: number) => headers.find((x) => x.height === h) };
  const check = (payloads: Uint8Array[]) => {
    try {
      const answer = decodeReadingsAnswer(payloads);
      return answer ? verifyReading(crypto, rule, answer, context) : { ok: false as const, code: 0 };
    } catch (error) {
      if (error instanceof BotError) return { ok: false as const, code: error.code };
      throw error;
    }
  };
  const payloads = v.payloads.map(unhex);
  t.true(check(payloads).ok, 'the honest answer verifies');
  const codes = new Map<number, number>();
  let flips = 0;
  payloads.forEach((payload, p) => {
    for (let i = 0; i < payload.length * 8; i++) {
      const flipped = payloads.map((x) => x.slice());
      flipped[p]![i >> 3]! ^= 1 << (i & 7);
      const result = check(flipped);
      flips++;
      if (result.ok) t.fail(`payload ${p} bit ${i} still verifies`);
      else codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
    }
  });
  t.log(`${flips} one-bit flips refused: ${[...codes].map(([c, n]) => `${c}×${n}`).join(', ')}`);
  t.pass();
});
