// The proof message (core layer, mqtt): docs/protocol.md §9.3, the inclusion proofs of
// one or more of a device's transactions in one block.
//
// proofs: [height, seq₁, proof₁, …, seqₙ, proofₙ]    n ≥ 1, seq₁ < … < seqₙ, proof = [index, size, path]
//
// One message per device per block (split only where SMALL_LIMITS would be exceeded) instead of
// one per transaction: a device that sent several transactions into one block gets one MQTT
// message, and the gateway publishes one. Flat rather than a list of pairs, so that it nests no
// deeper than the one-proof message did (SMALL_LIMITS.maxDepth 4). The proof is also the
// positive acknowledgement of a transaction (§9.2, §11.4).
//
// Decoded strictly on the device; encoded by the gateway for every device of every block, so
// the encoder writes straight into an exactly sized buffer (cbor-head.ts, writeProof) instead
// of going through cbor-x's generic encoder. The bytes are cbor-x's (test/wire-encoders.test.ts,
// and under XS test/suites/wire-suite.ts).

import { decodeCbor } from '../codec/cbor.js';
import { MajorType, checkUint, headSize, writeHead } from '../codec/cbor-head.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { listOf, uint } from '../codec/shape.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { InclusionProof } from '../merkle/merkle.js';
import { proofFromCbor, proofSize, writeProof } from '../merkle/proof.js';

/** One transaction's inclusion proof. */
export interface TxProof {
  readonly seq: number;
  readonly proof: InclusionProof;
}

export interface ProofMessage {
  readonly height: number;
  /** At least one, in strictly ascending seq order. */
  readonly proofs: readonly TxProof[];
}

/** Proofs in one message: (SMALL_LIMITS.maxArrayLength - 1) / 2, the top array's bound. */
export const MAX_PROOFS_PER_MESSAGE = Math.floor((SMALL_LIMITS.maxArrayLength - 1) / 2);

/** CBOR data items of one entry (seq, proof array, index, size, path array, its hashes). */
const itemsOf = (p: TxProof) => 5 + p.proof.path.length;
const entrySize = (p: TxProof) => headSize(p.seq) + proofSize(p.proof);

function check(m: ProofMessage): void {
  checkUint(m.height, 'proof height');
  if (m.proofs.length === 0) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'a proof message holds at least one proof');
  m.proofs.forEach((p, i) => {
    checkUint(p.seq, 'proof seq');
    if (i > 0 && p.seq <= m.proofs[i - 1]!.seq) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, 'proof seqs must ascend');
  });
}

/**
 * Encodes one proof message, whatever its size (the decoder's limits are the caller's business:
 * packProofMessages keeps within them). Throws BotError(UNSUPPORTED_TYPE) for an empty list, seqs
 * not ascending, a negative or unsafe integer or a path hash not of 32 bytes (a caller bug).
 */
export function encodeProofMessage(m: ProofMessage): Uint8Array {
  check(m);
  let size = headSize(2 * m.proofs.length + 1) + headSize(m.height);
  for (const p of m.proofs) size += entrySize(p);
  const out = new Uint8Array(size);
  let at = writeHead(out, 0, MajorType.ARRAY, 2 * m.proofs.length + 1);
  at = writeHead(out, at, MajorType.UINT, m.height);
  for (const p of m.proofs) at = writeProof(out, writeHead(out, at, MajorType.UINT, p.seq), p.proof);
  return out;
}

/**
 * The proof messages of one device's transactions in block `height` (`proofs` in ascending seq
 * order): as few as fit SMALL_LIMITS (bytes, items, array length), so a device decodes every one.
 * A single proof always fits (a path of 32 hashes is 1 120 bytes). Same throws as encodeProofMessage.
 */
export function packProofMessages(height: number, proofs: readonly TxProof[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const fixed = 2 + headSize(height); // the top head (≤ 2 bytes: at most 63 elements) and the height
  let start = 0;
  while (start < proofs.length) {
    let bytes = fixed + entrySize(proofs[start]!);
    let items = 2 + itemsOf(proofs[start]!);
    let end = start + 1;
    for (; end < proofs.length && end - start < MAX_PROOFS_PER_MESSAGE; end++) {
      const p = proofs[end]!;
      if (bytes + entrySize(p) > SMALL_LIMITS.maxBytes || items + itemsOf(p) > SMALL_LIMITS.maxItems) break;
      bytes += entrySize(p);
      items += itemsOf(p);
    }
    out.push(encodeProofMessage({ height, proofs: proofs.slice(start, end) }));
    start = end;
  }
  return out;
}

/** Strict: an array of 2n + 1 (n ≥ 1) items, seqs strictly ascending, each proof §7.1's shape; else BAD_SHAPE. */
export function decodeProofMessage(bytes: Uint8Array): ProofMessage {
  const items = listOf(decodeCbor(bytes, SMALL_LIMITS), 'proof message');
  if (items.length < 3 || items.length % 2 === 0) throw new BotError(ErrorCode.BAD_SHAPE, 'proof message must be [height, seq, proof, …] with at least one proof');
  const height = uint(items[0], 'proof height');
  const proofs: TxProof[] = [];
  for (let i = 1; i < items.length; i += 2) {
    const seq = uint(items[i], 'proof seq');
    if (proofs.length > 0 && seq <= proofs[proofs.length - 1]!.seq) throw new BotError(ErrorCode.BAD_SHAPE, 'proof seqs must ascend');
    proofs.push(Object.freeze({ seq, proof: proofFromCbor(items[i + 1]!) }));
  }
  return Object.freeze({ height, proofs: Object.freeze(proofs) });
}
