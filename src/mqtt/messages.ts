// MQTT request and response payloads (core layer, mqtt). Transactions, light blocks,
// acks (ack-message.ts) and proof messages (proof-message.ts) have their own owners.
//
// request:  [requestId, method, [param…]]
// response: [requestId, code, [payload…]]   each payload a byte string holding one encoded message

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import type { DecodeLimits } from '../codec/limits.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode as Codes } from '../errors/error-codes.js';
import { arrayOf, listOf, uint } from '../codec/shape.js';

/** Request methods: closed set, wire values. */
export const Method = Object.freeze({
  /** params [from, to] → light blocks from..to (at most MAX_HEADER_RANGE), validators included where they change. */
  HEADER_RANGE: 1,
  /** params [validatorsHash] → the validator set with that hash. */
  VALIDATORS: 2,
  /** params [seq] → the proof message of the sender's transaction with that seq. */
  PROOF: 3,
  /** params [contract, key…] → contract state values. */
  STATE: 4,
  /** params [] → the newest checkpoint. */
  CHECKPOINT: 5,
  /** params [deviceId] → that device's newest READINGS transaction in a block, its proof message and its key (readings-answer.ts). */
  LATEST_READINGS: 6,
  /** params [namespace, key] → the entry's value (or none) with its proof against the newest block's stateRoot (state-answer.ts). */
  STATE_PROOF: 7,
} as const);
export type Method = (typeof Method)[keyof typeof Method];

/** Light blocks per response; a gateway sends fewer when they would not fit RESPONSE_LIMITS. */
export const MAX_HEADER_RANGE = 8;
export const MAX_REQUEST_ID = 0xffff_ffff;

export interface Request {
  readonly id: number;
  readonly method: Method;
  readonly params: readonly CborValue[];
}

export interface Response {
  readonly id: number;
  /** As in Ack: unknown numbers are kept. */
  readonly code: number;
  readonly payloads: readonly Uint8Array[];
}

/** Sized for a device: 8 light blocks of a 4-validator chain fit easily; a large set means fewer per response. */
export const RESPONSE_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 16_384,
  maxDepth: 3,
  maxItems: 64,
  maxArrayLength: 32,
  maxByteStringLength: 8192,
});

const methods: ReadonlySet<number> = new Set(Object.values(Method));

export function encodeRequest(r: Request): Uint8Array {
  return encodeCbor([r.id, r.method, r.params]);
}

/**
 * Checks in this order (protocol §9.4): strict decode (1xx); array of 3 (BAD_SHAPE); request id an
 * unsigned integer ≤ MAX_REQUEST_ID (BAD_REQUEST); method in the Method table (BAD_REQUEST);
 * params an array (BAD_SHAPE). Each method's params are checked by whoever answers it.
 */
export function decodeRequest(bytes: Uint8Array): Request {
  const [id, method, params] = arrayOf(decodeCbor(bytes, SMALL_LIMITS), 3, 'request');
  if (typeof id !== 'number' || id < 0 || id > MAX_REQUEST_ID) throw new BotError(Codes.BAD_REQUEST, 'request id not an unsigned 32-bit integer');
  if (typeof method !== 'number' || !methods.has(method)) throw new BotError(Codes.BAD_REQUEST, `unknown method ${String(method)}`);
  return Object.freeze({ id, method: method as Method, params: listOf(params, 'params') });
}

/**
 * The id to answer a request that did not decode with: its request id when that reads as one
 * (an unsigned integer ≤ MAX_REQUEST_ID in position 0 of an array of 3), else 0, which no
 * request should use (§9.4).
 */
export function requestIdOf(bytes: Uint8Array): number {
  try {
    const value = decodeCbor(bytes, SMALL_LIMITS);
    if (!Array.isArray(value) || value.length !== 3) return 0;
    const id = value[0];
    return typeof id === 'number' && id >= 0 && id <= MAX_REQUEST_ID ? id : 0;
  } catch {
    return 0;
  }
}

export function encodeResponse(r: Response): Uint8Array {
  return encodeCbor([r.id, r.code, r.payloads]);
}

export function decodeResponse(bytes: Uint8Array): Response {
  const [id, code, payloads] = arrayOf(decodeCbor(bytes, RESPONSE_LIMITS), 3, 'response');
  const value = uint(code, 'response code');
  const list = listOf(payloads, 'payloads').map((p) => {
    if (!(p instanceof Uint8Array)) throw new BotError(Codes.BAD_SHAPE, 'payloads are byte strings');
    return p;
  });
  return Object.freeze({ id: uint(id, 'response id'), code: value, payloads: list });
}
