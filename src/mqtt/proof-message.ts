// The proof message (core layer, mqtt): docs/protocol.md §9.3, the inclusion proof of
// one of the device's transactions in a block.
//
// proof: [seq, height, [index, size, path]]
//
// Decoded strictly on the device; encoded by the gateway once per transaction, so the
// encoder writes straight into an exactly sized buffer (cbor-head.ts, writeProof)
// instead of going through cbor-x's generic encoder. The bytes are cbor-x's
// (test/wire-encoders.test.ts, and under XS test/suites/wire-suite.ts).

import { decodeCbor } from '../codec/cbor.js';
import { MajorType, checkUint, headSize, writeHead } from '../codec/cbor-head.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { arrayOf, uint } from '../codec/shape.js';
import type { InclusionProof } from '../merkle/merkle.js';
import { proofFromCbor, proofSize, writeProof } from '../merkle/proof.js';

export interface ProofMessage {
  readonly seq: number;
  readonly height: number;
  readonly proof: InclusionProof;
}

const ARRAY_3 = 0x83;

/** Throws BotError(UNSUPPORTED_TYPE) for a negative or unsafe integer or a path hash not of 32 bytes (a caller bug). */
export function encodeProofMessage(m: ProofMessage): Uint8Array {
  checkUint(m.seq, 'proof seq');
  checkUint(m.height, 'proof height');
  const out = new Uint8Array(1 + headSize(m.seq) + headSize(m.height) + proofSize(m.proof));
  out[0] = ARRAY_3;
  const at = writeHead(out, writeHead(out, 1, MajorType.UINT, m.seq), MajorType.UINT, m.height);
  writeProof(out, at, m.proof);
  return out;
}

export function decodeProofMessage(bytes: Uint8Array): ProofMessage {
  const [seq, height, proof] = arrayOf(decodeCbor(bytes, SMALL_LIMITS), 3, 'proof message');
  return Object.freeze({ seq: uint(seq, 'proof seq'), height: uint(height, 'proof height'), proof: proofFromCbor(proof!) });
}
