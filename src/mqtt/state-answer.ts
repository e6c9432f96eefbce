// The STATE_PROOF answer (core layer, mqtt; docs/protocol.md §9.4): what a gateway sends for
// request method 7 [namespace, key], and what a light peer decodes before verifyStateAnswer
// (src/light/verify-state-answer.ts) checks it against a header it verified.
//
// Response payloads (each a byte string):
//   absent:  [ answer ]
//   present: [ answer, value ]        value: the entry's bytes as stored (may be empty)
//   answer = CBOR [height, proof]     height: the block whose stateRoot the proof is against;
//                                     proof: §6.3.3's array, inline
// Absence is exactly one payload; presence exactly two. The answer decodes under SMALL_LIMITS
// (a proof of 64 siblings fits its 2048 bytes; real ones have ~log2(entries)); the value is
// bounded by the response's own RESPONSE_LIMITS.

import type { CborValue } from '../codec/cbor.js';
import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { arrayOf, uint } from '../codec/shape.js';
import type { Header } from '../chain/header.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { BotError, type Result, attempt } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { stateProofFromCbor, stateProofToCbor } from '../merkle/sparse-merkle-proof.js';
import { type StateFact, type StateProofAnswer, checkStateAddress, verifyStateAnswer } from '../light/verify-state-answer.js';

/** A STATE_PROOF request's params [namespace, key]; BAD_SHAPE unless two byte strings within their bounds. */
export function stateProofParams(params: readonly CborValue[]): { namespace: Uint8Array; key: Uint8Array } {
  if (params.length !== 2) throw new BotError(ErrorCode.BAD_SHAPE, `STATE_PROOF takes 2 params, not ${params.length}`);
  const [namespace, key] = params;
  if (!(namespace instanceof Uint8Array) || !(key instanceof Uint8Array)) throw new BotError(ErrorCode.BAD_SHAPE, 'namespace and key must be byte strings');
  const checked = checkStateAddress(namespace, key);
  if (!checked.ok) throw new BotError(checked.code, checked.reason);
  return { namespace, key };
}

export function encodeStateAnswer(answer: StateProofAnswer): Uint8Array[] {
  const head = encodeCbor([answer.height, stateProofToCbor(answer.proof)]);
  return answer.value === undefined ? [head] : [head, answer.value];
}

/** Decodes an OK response's payloads. Throws BotError: 1xx from the decoder, BAD_SHAPE for the shape. */
export function decodeStateAnswer(payloads: readonly Uint8Array[]): StateProofAnswer {
  if (payloads.length !== 1 && payloads.length !== 2) throw new BotError(ErrorCode.BAD_SHAPE, `a state answer has 1 or 2 payloads, not ${payloads.length}`);
  const [height, proof] = arrayOf(decodeCbor(payloads[0]!, SMALL_LIMITS), 2, 'state answer');
  const value = payloads.length === 2 ? payloads[1]! : undefined;
  return Object.freeze({ height: uint(height, 'state answer height'), value, proof: stateProofFromCbor(proof!) });
}

/**
 * decodeStateAnswer then verifyStateAnswer, as one Result: an OK STATE_PROOF response's payloads
 * checked against `header`, which the caller verified itself. Never throws for any payloads.
 */
export function verifyStatePayloads(
  crypto: CryptoProvider,
  header: Header,
  namespace: Uint8Array,
  key: Uint8Array,
  payloads: readonly Uint8Array[],
): Result<StateFact> {
  const answer = attempt(() => decodeStateAnswer(payloads));
  return answer.ok ? verifyStateAnswer(crypto, header, namespace, key, answer.value) : answer;
}
