// The device-democracy vectors (test layer, platform-neutral): LATEST_READINGS request and
// response bytes, the answer's decoding, exact comparison and verifyReading (docs/protocol.md
// §8.8, §9.4). Run by vector-suites.ts on Node and under XS.

import democracyVectors from '../vectors/democracy.json' with { type: 'json' };
import { decodeHeader, type Header } from '../../src/chain/header.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { Method, decodeRequest, decodeResponse, encodeRequest } from '../../src/mqtt/messages.js';
import { decodeReadingsAnswer } from '../../src/mqtt/readings-answer.js';
import { type Comparison, type WatchRule, makeWatchRule, ruleHolds } from '../../src/rules/watch-rule.js';
import { verifyReading } from '../../src/rules/verify-reading.js';
import type { Quantity } from '../../src/tx/kinds.js';
import { type Expect, hex, unhex } from '../support/hex-json.js';
import { type VectorResult, expectEqual, expectOutcome, runVector } from './check.js';

type RuleJson = (typeof democracyVectors.verify)[number]['rule'] & { sourceKey?: string };

function ruleOf(j: RuleJson): WatchRule {
  return makeWatchRule({
    source: j.source, quantity: j.quantity as Quantity, comparison: j.comparison as Comparison, thresholdMantissa: j.thresholdMantissa,
    thresholdScale: j.thresholdScale, actuator: j.actuator, then: j.then, maxAgeSeconds: j.maxAgeSeconds,
    ...(j.otherwise !== undefined ? { otherwise: j.otherwise } : {}), ...(j.sourceKey !== undefined ? { sourceKey: j.sourceKey } : {}),
  });
}

export function democracySuite(crypto: CryptoProvider): VectorResult[] {
  const v = democracyVectors;
  const chainId = unhex(v.chainId);
  const out: VectorResult[] = [];
  out.push(runVector('democracy', 'request bytes', () => {
    const bytes = encodeRequest({ id: v.request.id, method: Method.LATEST_READINGS, params: [unhex(v.request.deviceId)] });
    expectEqual(hex(bytes), v.request.hex, 'request');
    const back = decodeRequest(bytes);
    expectEqual(back.method, Method.LATEST_READINGS, 'method');
  }));
  out.push(runVector('democracy', 'response bytes', () => {
    const r = decodeResponse(unhex(v.response.hex));
    expectEqual(r.id, v.response.id, 'id');
    expectEqual(r.payloads.map(hex).join(','), v.response.payloads.join(','), 'payloads');
  }));
  for (const c of v.decode) {
    out.push(runVector('democracy-decode', c.name, () => {
      expectOutcome(() => decodeReadingsAnswer(c.payloads.map(unhex)), c.expect as Expect, (a) => {
        const e = c.expect as { empty?: boolean; seq?: number; height?: number };
        if (e.empty) expectEqual(a, undefined, 'no answer');
        else {
          expectEqual(a?.tx.seq, e.seq, 'seq');
          expectEqual(a?.height, e.height, 'height');
        }
      });
    }));
  }
  for (const c of v.compare) {
    out.push(runVector('democracy-compare', `${c.mantissa}e${c.scale} ${c.comparison} ${c.thresholdMantissa}e${c.thresholdScale}`, () => {
      const rule = makeWatchRule({ source: '00'.repeat(8), quantity: 1, comparison: c.comparison as Comparison, thresholdMantissa: c.thresholdMantissa, thresholdScale: c.thresholdScale, actuator: 'x' });
      expectEqual(ruleHolds(rule, c.mantissa, c.scale), c.holds, 'holds');
    }));
  }
  for (const c of v.verify) {
    out.push(runVector('democracy-verify', c.name, () => {
      const headers: Header[] = c.headers.map((h) => decodeHeader(unhex(h)));
      const answer = decodeReadingsAnswer(c.payloads.map(unhex))!;
      const context = { chainId, lastSeq: c.lastSeq, nowMs: c.nowMs, headerAt: (height: number) => headers.find((h) => h.height === height) };
      expectOutcome(() => verifyReading(crypto, ruleOf(c.rule as RuleJson), answer, context), c.expect as Expect, (r) => {
        const e = c.expect as { seq: number; height: number; time: number; mantissa: number; scale: number; holds: boolean };
        expectEqual(`${r.seq} ${r.height} ${r.time} ${r.mantissa} ${r.scale} ${r.holds}`, `${e.seq} ${e.height} ${e.time} ${e.mantissa} ${e.scale} ${e.holds}`, 'reading');
      });
    }));
  }
  return out;
}
