// The authenticated contract state (core layer, merkle): a sparse Merkle tree over 256-bit key
// hashes with shortcut leaves, as Diem's Jellyfish Merkle tree, its nodes behind a store port
// (sparse-merkle-store.ts). Specified in docs/protocol.md §6.3.3.
//
// Shape: a set S of entries at depth d is EMPTY if S is empty, one leaf if |S| = 1 (at whatever
// depth: the shortcut), and otherwise an inner node over the entries whose key-hash bit d is 0
// (left) and 1 (right). The shape is a function of the set alone, so the root does not depend on
// the order of insertion, and a delete gives back the earlier root exactly.
//
// Why this structure (measured by tools/bench/state-candidates.ts on the same key sets):
// - against a full-depth 256-level sparse tree: about the same proof (+30 bytes of bitmap), but a
//   changed key costs ~256 hashes instead of ~log2(n): 19× (1 M entries) to 38× (10 k) the
//   block's hashing, for 1 000 changed keys;
// - against a 16-ary Merkle-Patricia trie (Ethereum's shape): about the same SHA-256
//   compressions per block (fewer, larger nodes), but a proof carries up to 15 siblings a level:
//   3.5× the bytes (2.5 KB against 0.7 KB at 1 M entries), and nodes, extensions and nibble paths
//   are more to specify and to check on a device;
// - against today's flat list (ledger-state.ts): that rehashes every entry each block and has no
//   proof of absence. A sorted-list tree could prove absence with two neighbours, but an insert
//   moves every later index, so its update cost is the whole state.
//
// Updates are batched: a block's changes are sorted by key hash and applied in one descent, so
// the paths they share are hashed once (about changed × (log2(n) − log2(changed)) + changed hashes).
// Nodes are never changed in place: an update writes new nodes beside the old ones, and every old
// root stays readable while the store keeps its nodes.

import { compareBytes, equalBytes } from '../codec/bytes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { smtBit, smtEmpty, smtKeyHash, smtLeafHash, smtNodeHash, smtValueHash } from './sparse-merkle-hash.js';
import type { StateProof } from './sparse-merkle-proof.js';
import { type SmtNode, type SmtNodeStore, type SmtStoredNode, SmtNodeKind, createMemoryNodeStore, smtNodeOf } from './sparse-merkle-store.js';

/** Set `key` of `contract` to `value`, or delete it (value undefined). */
export interface StateChange {
  readonly contract: Uint8Array;
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

/** A change addressed by its key hash (smtKeyHash). */
export interface HashedChange {
  readonly keyHash: Uint8Array;
  readonly value: Uint8Array | undefined;
}

/** A query's answer at a root: the value (undefined: absent) and the proof of it. */
export interface StateAnswer {
  readonly value: Uint8Array | undefined;
  readonly proof: StateProof;
}

/** An entry on its way into the tree; a leaf already in it carries its hashes. */
interface Entry {
  readonly keyHash: Uint8Array;
  readonly value: Uint8Array | undefined;
  readonly valueHash?: Uint8Array;
  readonly leafHash?: Uint8Array;
}

const EMPTY = 0;
const LEAF = 1;
const INNER = 2;
/** A child no change reached: its kind is read from the store only if a collapse needs it. */
const UNKNOWN = 3;

interface Ref {
  readonly hash: Uint8Array;
  readonly kind: number;
}

export class SparseMerkleTree {
  /** The root of the empty map (EMPTY). */
  readonly emptyRoot: Uint8Array;

  constructor(
    readonly crypto: CryptoProvider,
    readonly store: SmtNodeStore = createMemoryNodeStore(),
  ) {
    this.emptyRoot = smtEmpty(crypto);
  }

  /** The root after `changes` (in order: a later change of the same key wins); the new nodes go to the store in one put. */
  update(root: Uint8Array, changes: Iterable<StateChange>): Uint8Array {
    const hashed: HashedChange[] = [];
    for (const c of changes) hashed.push({ keyHash: smtKeyHash(this.crypto, c.contract, c.key), value: c.value });
    return this.updateHashed(root, hashed);
  }

  updateHashed(root: Uint8Array, changes: readonly HashedChange[]): Uint8Array {
    if (changes.length === 0) return root;
    for (const c of changes) {
      if (!(c.keyHash instanceof Uint8Array) || c.keyHash.length !== 32) throw new BotError(ErrorCode.BAD_SHAPE, 'key hash must be 32 bytes');
      if (c.value !== undefined && !(c.value instanceof Uint8Array)) throw new BotError(ErrorCode.BAD_SHAPE, 'value must be a byte string');
    }
    // Stable sort, then keep the last change of each key.
    const sorted = changes.map((c, i) => ({ c, i })).sort((a, b) => compareBytes(a.c.keyHash, b.c.keyHash) || a.i - b.i);
    const ops: Entry[] = [];
    for (const { c } of sorted) {
      if (ops.length > 0 && equalBytes(ops[ops.length - 1]!.keyHash, c.keyHash)) ops[ops.length - 1] = c;
      else ops.push(c);
    }
    const written: SmtStoredNode[] = [];
    const result = this.apply(root, 0, ops, 0, ops.length, written);
    if (written.length > 0) this.store.put(written);
    return result.hash;
  }

  /** The value of `key` in `contract` at `root`, or undefined. */
  get(root: Uint8Array, contract: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    return this.getHashed(root, smtKeyHash(this.crypto, contract, key));
  }

  getHashed(root: Uint8Array, keyHash: Uint8Array): Uint8Array | undefined {
    let hash = root;
    for (let depth = 0; !this.isEmpty(hash); depth++) {
      const node = smtNodeOf(this.store, hash);
      if (node.kind === SmtNodeKind.LEAF) return equalBytes(node.keyHash, keyHash) ? node.value : undefined;
      hash = smtBit(keyHash, depth) ? node.right : node.left;
    }
    return undefined;
  }

  /** The value of `key` in `contract` at `root` and its proof (membership, or non-membership if absent). */
  prove(root: Uint8Array, contract: Uint8Array, key: Uint8Array): StateAnswer {
    return this.proveHashed(root, smtKeyHash(this.crypto, contract, key));
  }

  proveHashed(root: Uint8Array, keyHash: Uint8Array): StateAnswer {
    const siblings: Uint8Array[] = [];
    const bitmap = new Uint8Array(32);
    let hash = root;
    let depth = 0;
    let end: SmtNode | undefined;
    while (!this.isEmpty(hash)) {
      const node = smtNodeOf(this.store, hash);
      if (node.kind === SmtNodeKind.LEAF) {
        end = node;
        break;
      }
      const bit = smtBit(keyHash, depth);
      const sibling = bit ? node.left : node.right;
      if (!this.isEmpty(sibling)) {
        bitmap[depth >>> 3]! |= 0x80 >>> (depth & 7);
        siblings.push(sibling);
      }
      hash = bit ? node.right : node.left;
      depth++;
    }
    const path = { depth, bitmap: bitmap.slice(0, (depth + 7) >>> 3), siblings };
    if (end?.kind === SmtNodeKind.LEAF) {
      if (equalBytes(end.keyHash, keyHash)) return { value: end.value, proof: path };
      return { value: undefined, proof: { ...path, other: { keyHash: end.keyHash, valueHash: end.valueHash } } };
    }
    return { value: undefined, proof: path };
  }

  private isEmpty(hash: Uint8Array): boolean {
    return hash === this.emptyRoot || equalBytes(hash, this.emptyRoot);
  }

  /** The subtree `hash` at `depth` with ops[lo, hi) applied (all of whose key hashes lie under it). */
  private apply(hash: Uint8Array, depth: number, ops: readonly Entry[], lo: number, hi: number, out: SmtStoredNode[]): Ref {
    if (lo === hi) return { hash, kind: UNKNOWN };
    if (this.isEmpty(hash)) return this.build(depth, present(ops, lo, hi), out);
    const node = smtNodeOf(this.store, hash);
    if (node.kind === SmtNodeKind.LEAF) {
      // The leaf joins the changes unless one of them replaces or deletes it.
      const entries = present(ops, lo, hi);
      if (!ops.slice(lo, hi).some((op) => equalBytes(op.keyHash, node.keyHash))) {
        let at = 0;
        while (at < entries.length && compareBytes(entries[at]!.keyHash, node.keyHash) < 0) at++;
        entries.splice(at, 0, { keyHash: node.keyHash, value: node.value, valueHash: node.valueHash, leafHash: hash });
      }
      return this.build(depth, entries, out);
    }
    const mid = split(ops, lo, hi, depth);
    const left = this.apply(node.left, depth + 1, ops, lo, mid, out);
    const right = this.apply(node.right, depth + 1, ops, mid, hi, out);
    if (left.hash === node.left && right.hash === node.right) return { hash, kind: INNER };
    return this.join(left, right, out);
  }

  /** An inner node over two new children, or what is left when one is EMPTY: a leaf moves up (the shortcut). */
  private join(left: Ref, right: Ref, out: SmtStoredNode[]): Ref {
    const leftEmpty = left.kind === EMPTY || (left.kind === UNKNOWN && this.isEmpty(left.hash));
    const rightEmpty = right.kind === EMPTY || (right.kind === UNKNOWN && this.isEmpty(right.hash));
    if (leftEmpty && rightEmpty) return { hash: this.emptyRoot, kind: EMPTY };
    if (leftEmpty && this.kindOf(right) === LEAF) return { hash: right.hash, kind: LEAF };
    if (rightEmpty && this.kindOf(left) === LEAF) return { hash: left.hash, kind: LEAF };
    return this.inner(left.hash, right.hash, out);
  }

  private kindOf(ref: Ref): number {
    if (ref.kind !== UNKNOWN) return ref.kind;
    return smtNodeOf(this.store, ref.hash).kind === SmtNodeKind.LEAF ? LEAF : INNER;
  }

  private inner(left: Uint8Array, right: Uint8Array, out: SmtStoredNode[]): Ref {
    const hash = smtNodeHash(this.crypto, left, right);
    out.push({ hash, node: { kind: SmtNodeKind.INNER, left, right } });
    return { hash, kind: INNER };
  }

  /** The canonical subtree of `entries` (sorted, distinct, all present) at `depth`. */
  private build(depth: number, entries: readonly Entry[], out: SmtStoredNode[]): Ref {
    return this.buildRange(depth, entries, 0, entries.length, out);
  }

  private buildRange(depth: number, entries: readonly Entry[], lo: number, hi: number, out: SmtStoredNode[]): Ref {
    if (lo === hi) return { hash: this.emptyRoot, kind: EMPTY };
    if (hi - lo === 1) {
      const e = entries[lo]!;
      if (e.leafHash) return { hash: e.leafHash, kind: LEAF };
      const value = e.value!;
      const valueHash = e.valueHash ?? smtValueHash(this.crypto, value);
      const hash = smtLeafHash(this.crypto, e.keyHash, valueHash);
      out.push({ hash, node: { kind: SmtNodeKind.LEAF, keyHash: e.keyHash, valueHash, value } });
      return { hash, kind: LEAF };
    }
    const mid = split(entries, lo, hi, depth);
    const left = this.buildRange(depth + 1, entries, lo, mid, out);
    const right = this.buildRange(depth + 1, entries, mid, hi, out);
    return this.inner(left.hash, right.hash, out);
  }
}

/** The entries of ops[lo, hi) that set a value (deletes dropped), as a new array. */
function present(ops: readonly Entry[], lo: number, hi: number): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i < hi; i++) if (ops[i]!.value !== undefined) out.push(ops[i]!);
  return out;
}

/** The first index in [lo, hi) whose key hash has bit `depth` set (the range is sorted and shares the bits above). */
function split(entries: readonly Entry[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (smtBit(entries[m]!.keyHash, depth)) b = m;
    else a = m + 1;
  }
  return a;
}
