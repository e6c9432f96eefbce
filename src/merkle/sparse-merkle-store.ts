// The node store of the authenticated contract state (core layer, merkle): the port through which
// the sparse Merkle tree reads and writes its nodes, and its in-memory implementation. Nodes are
// addressed by their hash and never changed, so every root once written stays readable (a proof
// at a past height) until a host prunes it; the gateway backs this port with SQLite, writing one
// update's nodes in its block's atomic write. Synchronous on purpose: a tree walk reads one node
// per level, and a promise per node would cost more than the hashing (better-sqlite3 is
// synchronous too).

import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';

export const SmtNodeKind = Object.freeze({ INNER: 0, LEAF: 1 } as const);
export type SmtNodeKind = (typeof SmtNodeKind)[keyof typeof SmtNodeKind];

/** Two children, each a node hash or EMPTY (never both EMPTY, never EMPTY beside a leaf). */
export interface SmtInner {
  readonly kind: typeof SmtNodeKind.INNER;
  readonly left: Uint8Array;
  readonly right: Uint8Array;
}

/** One entry; its value is kept so a past root can answer a query, not only prove it. */
export interface SmtLeaf {
  readonly kind: typeof SmtNodeKind.LEAF;
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
  readonly value: Uint8Array;
}

export type SmtNode = SmtInner | SmtLeaf;

export interface SmtStoredNode {
  readonly hash: Uint8Array;
  readonly node: SmtNode;
}

/** The port. EMPTY is never stored: the tree knows it. */
export interface SmtNodeStore {
  /** The node whose hash is `hash`, or undefined if this store does not hold it (never written, or pruned). */
  get(hash: Uint8Array): SmtNode | undefined;
  /** The nodes one update made, together; a node already held may be written again (same content). */
  put(nodes: readonly SmtStoredNode[]): void;
}

/** Scratch of smtHashKey, made on first use (a preloaded module's load-time buffers are read-only). */
let codes: Uint16Array | undefined;

/**
 * The Map key of a hash: two bytes a UTF-16 code unit, so a 32-byte hash is a 16-char string
 * (distinct hashes, distinct keys), made in one fromCharCode call: a flat string, where one
 * concatenation per unit made a rope that every Map lookup had to flatten.
 */
export function smtHashKey(hash: Uint8Array): string {
  if (hash.length !== 32) {
    let key = String(hash.length);
    for (let i = 0; i < hash.length; i++) key += String.fromCharCode(hash[i]!);
    return key;
  }
  codes ??= new Uint16Array(16);
  for (let i = 0; i < 16; i++) codes[i] = (hash[2 * i]! << 8) | hash[2 * i + 1]!;
  return String.fromCharCode.apply(null, codes as unknown as number[]);
}

export interface MemoryNodeStore extends SmtNodeStore {
  /** Nodes held (every version written since the last sweep). */
  readonly size: number;
  /** Removes every node whose smtHashKey `live` does not hold; returns how many went. */
  sweep(live: ReadonlySet<string>): number;
}

/** Every node in a Map; nothing is removed but by sweep (smt-pruning.ts decides when and what stays). */
export function createMemoryNodeStore(): MemoryNodeStore {
  const nodes = new Map<string, SmtNode>();
  return {
    get size() {
      return nodes.size;
    },
    get: (hash) => nodes.get(smtHashKey(hash)),
    put(written) {
      for (const { hash, node } of written) nodes.set(smtHashKey(hash), node);
    },
    sweep(live) {
      let removed = 0;
      // Deleting the current key while iterating a Map is defined (the iteration goes on).
      for (const key of nodes.keys()) {
        if (!live.has(key)) {
          nodes.delete(key);
          removed++;
        }
      }
      return removed;
    },
  };
}

/** The node of `hash` from `store`; a hash the store does not hold is a STORAGE failure (a pruned root, a lost write). */
export function smtNodeOf(store: SmtNodeStore, hash: Uint8Array): SmtNode {
  const node = store.get(hash);
  if (!node) throw new BotError(ErrorCode.STORAGE, 'state node not in the store (pruned root or lost write)');
  return node;
}
