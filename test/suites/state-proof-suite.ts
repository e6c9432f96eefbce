// The state-proof vectors (test layer, platform-neutral): STATE_PROOF request and response bytes,
// the answer's decoding and verifyStateAnswer against one verified header, honest and forged
// (docs/protocol.md §6.3.1, §9.4 method 7). Run by vector-suites.ts on Node and under XS.

import stateProofVectors from '../vectors/state-proof.json' with { type: 'json' };
import { decodeHeader } from '../../src/chain/header.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { verifyStateAnswer } from '../../src/light/verify-state-answer.js';
import { Method, decodeRequest, decodeResponse, encodeRequest } from '../../src/mqtt/messages.js';
import { decodeStateAnswer, stateProofParams, verifyStatePayloads } from '../../src/mqtt/state-answer.js';
import { type Expect, hex, unhex } from '../support/hex-json.js';
import { type VectorResult, expectEqual, expectOutcome, runVector } from './check.js';

export function stateProofSuite(crypto: CryptoProvider): VectorResult[] {
  const v = stateProofVectors;
  const header = decodeHeader(unhex(v.header));
  const out: VectorResult[] = [];
  out.push(runVector('state-proof', 'request bytes', () => {
    const bytes = encodeRequest({ id: v.request.id, method: Method.STATE_PROOF, params: [unhex(v.request.namespace), unhex(v.request.key)] });
    expectEqual(hex(bytes), v.request.hex, 'request');
    const back = decodeRequest(bytes);
    expectEqual(back.method, Method.STATE_PROOF, 'method');
    const { namespace, key } = stateProofParams(back.params);
    expectEqual(hex(namespace) + hex(key), v.request.namespace + v.request.key, 'params');
  }));
  out.push(runVector('state-proof', 'header stateRoot', () => expectEqual(hex(header.stateRoot), v.stateRoot, 'stateRoot')));
  for (const c of v.cases) {
    out.push(runVector('state-proof', c.name, () => {
      const response = decodeResponse(unhex(c.response));
      expectEqual(response.code, ErrorCode.OK, 'response code');
      // Both ways in: decode then verify, and the one-call form.
      const twoSteps = () => {
        const answer = decodeStateAnswer(response.payloads);
        const result = verifyStateAnswer(crypto, header, unhex(c.namespace), unhex(c.key), answer);
        if (!result.ok) throw new BotError(result.code, result.reason);
        return result.value;
      };
      expectOutcome(() => verifyStatePayloads(crypto, header, unhex(c.namespace), unhex(c.key), response.payloads), c.expect as Expect);
      expectOutcome(twoSteps, c.expect as Expect, (fact) => {
        const e = c.expect as { present: boolean; value?: string };
        expectEqual(fact.present, e.present, 'present');
        expectEqual(fact.value === undefined ? undefined : hex(fact.value), e.value, 'value');
        expectEqual(fact.height, header.height, 'height');
      });
    }));
  }
  return out;
}
