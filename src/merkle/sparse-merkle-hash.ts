// The hashes of the authenticated contract state (core layer, merkle): a sparse Merkle tree over
// 256-bit key hashes with shortcut leaves (docs/protocol.md §6.3.3). Every hash is tagged, so a
// key, a value, a leaf, an inner node and the empty subtree can never stand for one another:
//
//   keyHash   = H_SMT_KEY(CBOR([contract, key]))        contract and key: byte strings
//   valueHash = H_SMT_VALUE(value)
//   leaf      = H_SMT_LEAF(keyHash ‖ valueHash)
//   node      = H_SMT_NODE(left ‖ right)
//   EMPTY     = H_SMT_EMPTY("")                          the empty subtree, and the empty map's root
//
// A leaf and a node each take two SHA-256 blocks with or without the tag (65 bytes already do),
// so the tags cost nothing. The inputs are written into scratch arrays made on first use, not at
// module load: on a Moddable device a preloaded module's load-time buffers are read-only.

import { MajorType, writeHead, headSize } from '../codec/cbor-head.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SHA256_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';

/** Key hashes are 256 bits, so a path has at most 256 levels. */
export const SMT_KEY_BITS = 256;

let leafInput: Uint8Array | undefined;
let nodeInput: Uint8Array | undefined;
/** One per crypto provider: EMPTY is the same bytes for all, but a provider is the only hash we may call. */
let emptyRoot: Uint8Array | undefined;

function scratch(tag: Uint8Array): Uint8Array {
  const input = new Uint8Array(tag.length + 2 * SHA256_BYTES);
  input.set(tag, 0);
  return input;
}

/** The hash of the empty subtree (and the root of the empty map). Do not write into it. */
export function smtEmpty(crypto: CryptoProvider): Uint8Array {
  emptyRoot ??= crypto.sha256(DomainTag.SMT_EMPTY);
  return emptyRoot;
}

export function smtLeafHash(crypto: CryptoProvider, keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  leafInput ??= scratch(DomainTag.SMT_LEAF);
  const at = DomainTag.SMT_LEAF.length;
  leafInput.set(keyHash, at);
  leafInput.set(valueHash, at + SHA256_BYTES);
  return crypto.sha256(leafInput);
}

export function smtNodeHash(crypto: CryptoProvider, left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeInput ??= scratch(DomainTag.SMT_NODE);
  const at = DomainTag.SMT_NODE.length;
  nodeInput.set(left, at);
  nodeInput.set(right, at + SHA256_BYTES);
  return crypto.sha256(nodeInput);
}

export function smtValueHash(crypto: CryptoProvider, value: Uint8Array): Uint8Array {
  return taggedHash(crypto, DomainTag.SMT_VALUE, value);
}

/**
 * The tree position of `key` in `contract`'s state: keys are namespaced by contract, and the
 * CBOR array keeps (contract, key) pairs apart however their bytes split. Throws
 * BotError(BAD_SHAPE) if either is not a Uint8Array.
 */
export function smtKeyHash(crypto: CryptoProvider, contract: Uint8Array, key: Uint8Array): Uint8Array {
  if (!(contract instanceof Uint8Array) || !(key instanceof Uint8Array)) throw new BotError(ErrorCode.BAD_SHAPE, 'contract and key must be byte strings');
  const tag = DomainTag.SMT_KEY;
  const input = new Uint8Array(tag.length + 1 + headSize(contract.length) + contract.length + headSize(key.length) + key.length);
  input.set(tag, 0);
  input[tag.length] = 0x82; // array(2)
  let at = writeHead(input, tag.length + 1, MajorType.BYTES, contract.length);
  input.set(contract, at);
  at = writeHead(input, at + contract.length, MajorType.BYTES, key.length);
  input.set(key, at);
  return crypto.sha256(input);
}

/** Bit `depth` of a key hash, most significant bit of byte 0 first: 0 goes left, 1 right. */
export function smtBit(keyHash: Uint8Array, depth: number): number {
  return (keyHash[depth >>> 3]! >>> (7 - (depth & 7))) & 1;
}
