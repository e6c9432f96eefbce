// Merkle trees over a block's transaction ids (core layer), as in RFC 6962 /
// RFC 9162 §2.1: leaf = SHA-256(0x00 || txId), node = SHA-256(0x01 || left || right),
// so an inner node can never be passed off as a leaf. An odd node at the end of a
// level moves up unchanged, which gives exactly RFC 6962's tree shape.

import { concatBytes } from '../codec/bytes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';

export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;
/** Indices are walked with 32-bit shifts. */
export const MAX_TREE_SIZE = 0xffff_ffff;

export interface InclusionProof {
  readonly index: number;
  readonly size: number;
  /** Sibling hashes from the leaf up. */
  readonly path: readonly Uint8Array[];
}

const leafPrefix = Uint8Array.of(LEAF_PREFIX);

/**
 * Reused hash inputs for the common sizes (a 32-byte leaf, two 32-byte children): a fresh
 * 33- or 65-byte array per hash was a third of a block's tree time on the gateway (allocation and
 * its collection). Safe to share: sha256 is synchronous and keeps nothing of its input. Made on
 * first use, not when the module loads: on a Moddable device this module is preloaded into flash,
 * where a buffer made at load time would be read-only.
 */
const SCRATCH_LEAF = 32;
let leafInput: Uint8Array | undefined;
let nodeInput: Uint8Array | undefined;

export function leafHash(crypto: CryptoProvider, leaf: Uint8Array): Uint8Array {
  if (leaf.length !== SCRATCH_LEAF) return crypto.sha256(concatBytes(leafPrefix, leaf));
  if (!leafInput) {
    leafInput = new Uint8Array(1 + SCRATCH_LEAF);
    leafInput[0] = LEAF_PREFIX;
  }
  leafInput.set(leaf, 1);
  return crypto.sha256(leafInput);
}

export function nodeHash(crypto: CryptoProvider, left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== SCRATCH_LEAF || right.length !== SCRATCH_LEAF) return crypto.sha256(concatBytes(Uint8Array.of(NODE_PREFIX), left, right));
  if (!nodeInput) {
    nodeInput = new Uint8Array(1 + 2 * SCRATCH_LEAF);
    nodeInput[0] = NODE_PREFIX;
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + SCRATCH_LEAF);
  return crypto.sha256(nodeInput);
}

/** Every level of the tree, leaves first; the last level holds the root. */
function levels(crypto: CryptoProvider, leaves: readonly Uint8Array[]): Uint8Array[][] {
  const out: Uint8Array[][] = [leaves.map((leaf) => leafHash(crypto, leaf))];
  for (let level = out[0]!; level.length > 1; ) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(crypto, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    out.push(next);
    level = next;
  }
  return out;
}

/** Root of the tree; the empty tree's root is SHA-256 of nothing. */
export function merkleRoot(crypto: CryptoProvider, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return crypto.sha256(new Uint8Array(0));
  const all = levels(crypto, leaves);
  return all[all.length - 1]![0]!;
}

/** Sibling hashes from leaf `index` up to the root, read off the levels. */
function pathAt(all: readonly Uint8Array[][], index: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let i = index;
  for (let l = 0; l < all.length - 1; l++) {
    const sibling = i ^ 1;
    if (sibling < all[l]!.length) path.push(all[l]![sibling]!);
    i >>>= 1;
  }
  return path;
}

export interface MerkleTree {
  readonly root: Uint8Array;
  /** Proofs for every leaf, read off the same tree. */
  proofs(): InclusionProof[];
}

/** The tree built once, for a block producer that needs both its root (the header) and every proof. */
export function merkleTree(crypto: CryptoProvider, leaves: readonly Uint8Array[]): MerkleTree {
  if (leaves.length === 0) return { root: merkleRoot(crypto, leaves), proofs: () => [] };
  const all = levels(crypto, leaves);
  return {
    root: all[all.length - 1]![0]!,
    proofs: () => leaves.map((_, index) => Object.freeze({ index, size: leaves.length, path: pathAt(all, index) })),
  };
}

/** Proofs for every leaf at once (one pass over the tree). */
export function inclusionProofs(crypto: CryptoProvider, leaves: readonly Uint8Array[]): InclusionProof[] {
  return merkleTree(crypto, leaves).proofs();
}

export function inclusionProof(crypto: CryptoProvider, leaves: readonly Uint8Array[], index: number): InclusionProof {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError('inclusionProof: index out of range');
  return Object.freeze({ index, size: leaves.length, path: pathAt(levels(crypto, leaves), index) });
}
