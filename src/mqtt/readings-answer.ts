// The answer to a LATEST_READINGS request (core layer, mqtt): docs/protocol.md §9.4,
// method 6. Three payloads of a response (§9.5), each a message of its own:
//
//   payload 0   the transaction's wire bytes (§5.1), decoded with TX_LIMITS
//   payload 1   a proof message (§9.3) holding exactly one proof: its height, its seq, its path
//   payload 2   CBOR(bstr(33)): the public key the gateway's registry holds for the device
//
// Nothing here is trusted: it is what a gateway claims. src/rules/verify-reading.ts decides
// what a device may believe of it. Existing messages are reused, so a second implementation
// needs no new decoder beyond "three payloads" and a 35-byte key.

import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { bytes } from '../codec/shape.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { PUBLIC_KEY_BYTES, isCompressedPublicKey } from '../crypto/crypto-port.js';
import type { InclusionProof } from '../merkle/merkle.js';
import { type SignedTx, decodeTx } from '../tx/tx.js';
import { decodeProofMessage, encodeProofMessage } from './proof-message.js';

/** Payloads of a LATEST_READINGS answer that holds a reading. */
export const READINGS_ANSWER_PAYLOADS = 3;

export interface ReadingsAnswer {
  /** The transaction's exact bytes (its id is their SHA-256, the Merkle leaf). */
  readonly wire: Uint8Array;
  readonly tx: SignedTx;
  /** Height of the block the proof names. */
  readonly height: number;
  /** The seq the proof message names; a verifier checks it is the transaction's. */
  readonly seq: number;
  readonly proof: InclusionProof;
  /** The key the gateway says is the device's (33 bytes, compressed). */
  readonly key: Uint8Array;
}

/** The three payloads, as a gateway answers them. */
export function encodeReadingsAnswer(a: { wire: Uint8Array; height: number; seq: number; proof: InclusionProof; key: Uint8Array }): Uint8Array[] {
  return [a.wire, encodeProofMessage({ height: a.height, proofs: [{ seq: a.seq, proof: a.proof }] }), encodeCbor(a.key)];
}

/**
 * Decodes an answer's payloads. Undefined for none (the device has no reading in a block yet).
 * Throws BotError: a count other than 0 or 3, or a proof message of more than one proof, is
 * BAD_SHAPE (106); the transaction's own decoding errors (1xx, 2xx); the proof message's (1xx,
 * BAD_SHAPE); a key that is not bstr(33) BAD_SHAPE, and one not starting 0x02/0x03 BAD_KEY (212).
 */
export function decodeReadingsAnswer(payloads: readonly Uint8Array[]): ReadingsAnswer | undefined {
  if (payloads.length === 0) return undefined;
  if (payloads.length !== READINGS_ANSWER_PAYLOADS) throw new BotError(ErrorCode.BAD_SHAPE, `a readings answer has ${READINGS_ANSWER_PAYLOADS} payloads, not ${payloads.length}`);
  const wire = payloads[0]!;
  const tx = decodeTx(wire);
  const message = decodeProofMessage(payloads[1]!);
  if (message.proofs.length !== 1) throw new BotError(ErrorCode.BAD_SHAPE, 'a readings answer carries exactly one proof');
  const key = bytes(decodeCbor(payloads[2]!, SMALL_LIMITS), PUBLIC_KEY_BYTES, 'key');
  if (!isCompressedPublicKey(key)) throw new BotError(ErrorCode.BAD_KEY, 'key is not a compressed public key');
  const { seq, proof } = message.proofs[0]!;
  return Object.freeze({ wire, tx, height: message.height, seq, proof, key });
}
