// MQTT message payloads other than transactions and light blocks (core layer).
//
// ack:      [seq, code]                     code 0 = accepted (durable), else an error code
// proof:    [seq, height, [index, size, path]]
// request:  [requestId, method, [param…]]
// response: [requestId, code, [payload…]]   each payload a byte string holding one encoded message

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import type { DecodeLimits } from '../codec/limits.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { type ErrorCode, ErrorCode as Codes, isErrorCode } from '../errors/error-codes.js';
import { arrayOf, listOf, uint } from '../chain/fields.js';
import type { InclusionProof } from '../merkle/merkle.js';
import { proofFromCbor, proofToCbor } from '../merkle/proof.js';

export interface Ack {
  readonly seq: number;
  readonly code: ErrorCode;
}

export function encodeAck(ack: Ack): Uint8Array {
  return encodeCbor([ack.seq, ack.code]);
}

export function decodeAck(bytes: Uint8Array): Ack {
  const [seq, code] = arrayOf(decodeCbor(bytes, SMALL_LIMITS), 2, 'ack');
  const value = uint(code, 'ack code');
  if (!isErrorCode(value)) throw new BotError(Codes.BAD_SHAPE, `unknown ack code ${value}`);
  return Object.freeze({ seq: uint(seq, 'ack seq'), code: value });
}

export interface ProofMessage {
  readonly seq: number;
  readonly height: number;
  readonly proof: InclusionProof;
}

export function encodeProofMessage(m: ProofMessage): Uint8Array {
  return encodeCbor([m.seq, m.height, proofToCbor(m.proof)]);
}

export function decodeProofMessage(bytes: Uint8Array): ProofMessage {
  const [seq, height, proof] = arrayOf(decodeCbor(bytes, SMALL_LIMITS), 3, 'proof message');
  return Object.freeze({ seq: uint(seq, 'proof seq'), height: uint(height, 'proof height'), proof: proofFromCbor(proof!) });
}

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
} as const);
export type Method = (typeof Method)[keyof typeof Method];

export const MAX_HEADER_RANGE = 16;
export const MAX_REQUEST_ID = 0xffff_ffff;

export interface Request {
  readonly id: number;
  readonly method: Method;
  readonly params: readonly CborValue[];
}

export interface Response {
  readonly id: number;
  readonly code: ErrorCode;
  readonly payloads: readonly Uint8Array[];
}

/** A response holds up to 16 light blocks of up to 8 KB each. */
export const RESPONSE_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 140_000,
  maxDepth: 3,
  maxItems: 64,
  maxArrayLength: 32,
  maxByteStringLength: 8192,
});

const methods: ReadonlySet<number> = new Set(Object.values(Method));

export function encodeRequest(r: Request): Uint8Array {
  return encodeCbor([r.id, r.method, r.params]);
}

export function decodeRequest(bytes: Uint8Array): Request {
  const [id, method, params] = arrayOf(decodeCbor(bytes, SMALL_LIMITS), 3, 'request');
  const m = uint(method, 'method');
  if (!methods.has(m)) throw new BotError(Codes.BAD_REQUEST, `unknown method ${m}`);
  const requestId = uint(id, 'request id');
  if (requestId > MAX_REQUEST_ID) throw new BotError(Codes.BAD_REQUEST, 'request id beyond 32 bits');
  return Object.freeze({ id: requestId, method: m as Method, params: listOf(params, 'params') });
}

export function encodeResponse(r: Response): Uint8Array {
  return encodeCbor([r.id, r.code, r.payloads]);
}

export function decodeResponse(bytes: Uint8Array): Response {
  const [id, code, payloads] = arrayOf(decodeCbor(bytes, RESPONSE_LIMITS), 3, 'response');
  const value = uint(code, 'response code');
  if (!isErrorCode(value)) throw new BotError(Codes.BAD_SHAPE, `unknown response code ${value}`);
  const list = listOf(payloads, 'payloads').map((p) => {
    if (!(p instanceof Uint8Array)) throw new BotError(Codes.BAD_SHAPE, 'payloads are byte strings');
    return p;
  });
  return Object.freeze({ id: uint(id, 'response id'), code: value, payloads: list });
}
