// Inclusion proof verification and encoding (core layer), RFC 9162 §2.1.3.2.
// Wire: [index, size, [siblingHash…]].

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { MajorType, checkUint, headSize, writeHead } from '../codec/cbor-head.js';
import { equalBytes } from '../codec/bytes.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { BotError, type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SHA256_BYTES } from '../crypto/crypto-port.js';
import { arrayOf, bytes, listOf, uint } from '../codec/shape.js';
import { type InclusionProof, MAX_TREE_SIZE, leafHash, nodeHash } from './merkle.js';

/** A tree of at most 2^32 - 1 leaves has paths of at most 32 hashes. */
export const MAX_PROOF_PATH = 32;

/** The head of a 3-element array; a path hash is a 2-byte head (0x58 0x20) and its 32 bytes. */
const ARRAY_3 = 0x83;
const PATH_HASH_BYTES = 2 + SHA256_BYTES;

/**
 * Checks that `leaf` (a transaction id) is at `proof.index` of a tree of
 * `proof.size` leaves whose root is `root`. The cheap shape checks come first.
 */
export function verifyInclusion(
  crypto: CryptoProvider,
  leaf: Uint8Array,
  proof: InclusionProof,
  root: Uint8Array,
): Result<undefined> {
  const { index, size, path } = proof;
  if (!Number.isInteger(size) || size < 1 || size > MAX_TREE_SIZE) return fail(ErrorCode.PROOF_SHAPE, 'tree size out of range');
  if (!Number.isInteger(index) || index < 0 || index >= size) return fail(ErrorCode.PROOF_SHAPE, 'index not below size');
  if (path.length > MAX_PROOF_PATH) return fail(ErrorCode.PROOF_SHAPE, 'path too long');

  let fn = index;
  let sn = size - 1;
  let hash = leafHash(crypto, leaf);
  for (const sibling of path) {
    if (sn === 0) return fail(ErrorCode.BAD_PROOF, 'path longer than the tree is deep');
    if ((fn & 1) === 1 || fn === sn) {
      hash = nodeHash(crypto, sibling, hash);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      }
    } else {
      hash = nodeHash(crypto, hash, sibling);
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  if (sn !== 0) return fail(ErrorCode.BAD_PROOF, 'path shorter than the tree is deep');
  return equalBytes(hash, root) ? ok(undefined) : fail(ErrorCode.BAD_PROOF, 'root mismatch');
}

export function proofToCbor(p: InclusionProof): CborValue {
  return [p.index, p.size, p.path];
}

export function proofFromCbor(value: CborValue): InclusionProof {
  const [index, size, path] = arrayOf(value, 3, 'inclusion proof');
  return Object.freeze({
    index: uint(index, 'leaf index'),
    size: uint(size, 'tree size'),
    path: listOf(path, 'proof path').map((h) => bytes(h, SHA256_BYTES, 'proof hash')),
  });
}

/** Bytes of the proof's encoding, for a caller that writes it into its own buffer with writeProof. */
export function proofSize(p: InclusionProof): number {
  return 1 + headSize(p.index) + headSize(p.size) + headSize(p.path.length) + p.path.length * PATH_HASH_BYTES;
}

/**
 * Writes the proof at `at` of `out` (proofSize(p) bytes there) as encodeProof would, without the
 * generic encoder: the gateway sends one per transaction. Returns the offset after it. Throws
 * BotError(UNSUPPORTED_TYPE) for values encodeProof could not give (a caller bug).
 */
export function writeProof(out: Uint8Array, at: number, p: InclusionProof): number {
  checkUint(p.index, 'proof index');
  checkUint(p.size, 'proof size');
  out[at] = ARRAY_3;
  let next = writeHead(out, at + 1, MajorType.UINT, p.index);
  next = writeHead(out, next, MajorType.UINT, p.size);
  next = writeHead(out, next, MajorType.ARRAY, p.path.length);
  for (const hash of p.path) {
    if (hash.length !== SHA256_BYTES) throw new BotError(ErrorCode.UNSUPPORTED_TYPE, `proof path hashes are ${SHA256_BYTES} bytes, got ${hash.length}`);
    next = writeHead(out, next, MajorType.BYTES, SHA256_BYTES);
    out.set(hash, next);
    next += SHA256_BYTES;
  }
  return next;
}

export function encodeProof(p: InclusionProof): Uint8Array {
  return encodeCbor(proofToCbor(p));
}

export function decodeProof(encoded: Uint8Array): InclusionProof {
  return proofFromCbor(decodeCbor(encoded, SMALL_LIMITS));
}
