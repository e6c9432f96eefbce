// State proofs (core layer, merkle): what a light peer checks a contract-state answer with,
// membership or non-membership, against a state root it verified itself (docs/protocol.md
// §6.3.3). Wire: [depth, bitmap, siblings] or [depth, bitmap, siblings, otherKeyHash,
// otherValueHash], decoded with SMALL_LIMITS. The verifier is a pure function returning a Result:
// forged, truncated or oversized input gets a typed code, never an exception of another type.

import { equalBytes } from '../codec/bytes.js';
import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { bytes, listOf, uint } from '../codec/shape.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SHA256_BYTES } from '../crypto/crypto-port.js';
import { BotError, type Result, attempt, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { SMT_KEY_BITS, smtBit, smtEmpty, smtKeyHash, smtLeafHash, smtNodeHash, smtValueHash } from './sparse-merkle-hash.js';

/** The leaf a non-membership proof found where the key would be. */
export interface SmtOtherLeaf {
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
}

export interface StateProof {
  /** Levels from the root to the end of the key's path (0..256). */
  readonly depth: number;
  /** ceil(depth / 8) bytes; bit i (MSB first) is 1 when the sibling at depth i is not EMPTY. */
  readonly bitmap: Uint8Array;
  /** The non-EMPTY siblings, root first. */
  readonly siblings: readonly Uint8Array[];
  /** Absent: the path ends at the key's own leaf (membership) or at EMPTY (non-membership). */
  readonly other?: SmtOtherLeaf;
}

/** What a proof established, once it verified. */
export interface StateProofFact {
  readonly present: boolean;
}

export function stateProofToCbor(p: StateProof): CborValue {
  const head: CborValue[] = [p.depth, p.bitmap, p.siblings];
  return p.other ? [...head, p.other.keyHash, p.other.valueHash] : head;
}

export function encodeStateProof(p: StateProof): Uint8Array {
  return encodeCbor(stateProofToCbor(p));
}

/** Decodes untrusted bytes: CBOR under SMALL_LIMITS, then the shape. Throws BotError. */
export function decodeStateProof(encoded: Uint8Array): StateProof {
  return stateProofFromCbor(decodeCbor(encoded, SMALL_LIMITS));
}

export function stateProofFromCbor(value: CborValue): StateProof {
  if (!Array.isArray(value) || (value.length !== 3 && value.length !== 5)) throw new BotError(ErrorCode.BAD_SHAPE, 'state proof must be an array of 3 or 5');
  const [depth, bitmap, siblings, otherKey, otherValue] = value as readonly CborValue[];
  if (!(bitmap instanceof Uint8Array)) throw new BotError(ErrorCode.BAD_SHAPE, 'state proof bitmap must be a byte string');
  const proof = {
    depth: uint(depth, 'state proof depth'),
    bitmap,
    siblings: listOf(siblings, 'state proof siblings').map((h) => bytes(h, SHA256_BYTES, 'state proof sibling')),
  };
  if (value.length === 3) return Object.freeze(proof);
  return Object.freeze({ ...proof, other: Object.freeze({ keyHash: bytes(otherKey, SHA256_BYTES, 'other key hash'), valueHash: bytes(otherValue, SHA256_BYTES, 'other value hash') }) });
}

const is32 = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length === SHA256_BYTES;

/**
 * Checks that at state root `root`, `key` of `contract` holds `value` (membership) or, with
 * `value` undefined, holds nothing (non-membership). `proof` is decoded or its wire bytes.
 * Every failure is a Result with a code: the decoder's (1xx), PROOF_SHAPE or BAD_PROOF.
 */
export function verifyStateProof(
  crypto: CryptoProvider,
  root: Uint8Array,
  contract: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: StateProof | Uint8Array,
): Result<StateProofFact> {
  const decoded = proof instanceof Uint8Array ? attempt(() => decodeStateProof(proof)) : ok(proof);
  if (!decoded.ok) return decoded;
  const keyHash = attempt(() => smtKeyHash(crypto, contract, key));
  if (!keyHash.ok) return keyHash;
  if (value !== undefined && !(value instanceof Uint8Array)) return fail(ErrorCode.BAD_SHAPE, 'value must be a byte string');
  return verifyStateProofHashed(crypto, root, keyHash.value, value === undefined ? undefined : smtValueHash(crypto, value), decoded.value);
}

/** verifyStateProof for a key hash and a value hash (undefined: non-membership). The checks in the order of §6.3.3. */
export function verifyStateProofHashed(
  crypto: CryptoProvider,
  root: Uint8Array,
  keyHash: Uint8Array,
  valueHash: Uint8Array | undefined,
  proof: StateProof,
): Result<StateProofFact> {
  if (typeof proof !== 'object' || proof === null) return fail(ErrorCode.PROOF_SHAPE, 'not a proof');
  const { depth, bitmap, siblings, other } = proof;
  if (!is32(root) || !is32(keyHash) || (valueHash !== undefined && !is32(valueHash))) return fail(ErrorCode.PROOF_SHAPE, 'root, key hash and value hash are 32 bytes');
  // 1. Sizes, before any hashing.
  if (!Number.isInteger(depth) || depth < 0 || depth > SMT_KEY_BITS) return fail(ErrorCode.PROOF_SHAPE, 'depth out of range');
  if (!(bitmap instanceof Uint8Array) || bitmap.length !== (depth + 7) >>> 3) return fail(ErrorCode.PROOF_SHAPE, 'bitmap length not ceil(depth / 8)');
  if ((depth & 7) !== 0 && (bitmap[bitmap.length - 1]! & (0xff >>> (depth & 7))) !== 0) return fail(ErrorCode.PROOF_SHAPE, 'bitmap bits past the depth');
  let present = 0;
  for (let i = 0; i < depth; i++) present += smtBit(bitmap, i);
  if (!Array.isArray(siblings) || siblings.length !== present) return fail(ErrorCode.PROOF_SHAPE, 'sibling count not the bitmap count');
  for (const s of siblings) if (!is32(s)) return fail(ErrorCode.PROOF_SHAPE, 'sibling not 32 bytes');
  if (other !== undefined && (typeof other !== 'object' || other === null || !is32(other.keyHash) || !is32(other.valueHash))) return fail(ErrorCode.PROOF_SHAPE, 'other leaf not two 32-byte hashes');
  // 2. The form fits the claim, and the path is the canonical one (a path never ends beside EMPTY).
  if (valueHash !== undefined && other !== undefined) return fail(ErrorCode.PROOF_SHAPE, 'a membership proof names no other leaf');
  if (depth > 0 && smtBit(bitmap, depth - 1) === 0) return fail(ErrorCode.PROOF_SHAPE, 'last sibling EMPTY: not the canonical path');
  // 3. Another leaf proves absence only if it is another key on the same path.
  if (other !== undefined) {
    if (equalBytes(other.keyHash, keyHash)) return fail(ErrorCode.BAD_PROOF, 'the leaf found is the key itself');
    for (let i = 0; i < depth; i++) if (smtBit(other.keyHash, i) !== smtBit(keyHash, i)) return fail(ErrorCode.BAD_PROOF, 'the leaf found is not on the key path');
  }
  // 4. Hash from the end of the path up to the root.
  const empty = smtEmpty(crypto);
  let hash = valueHash !== undefined ? smtLeafHash(crypto, keyHash, valueHash) : other !== undefined ? smtLeafHash(crypto, other.keyHash, other.valueHash) : empty;
  let next = siblings.length;
  for (let i = depth - 1; i >= 0; i--) {
    const sibling = smtBit(bitmap, i) ? siblings[--next]! : empty;
    hash = smtBit(keyHash, i) ? smtNodeHash(crypto, sibling, hash) : smtNodeHash(crypto, hash, sibling);
  }
  return equalBytes(hash, root) ? ok({ present: valueHash !== undefined }) : fail(ErrorCode.BAD_PROOF, 'root mismatch');
}
