// Bounded memory for the authenticated state (core layer, merkle): the tree never changes a node
// in place, so every block leaves its old path nodes behind. A gateway runs for months, so the
// in-memory node store is swept now and then, keeping only what the newest roots reach.
//
// Policy, like a garbage collector's heap growth: after a sweep that left L live nodes, the next
// sweep runs once the store holds more than 2·L + MIN_SLACK nodes. Marking costs O(L) hashes'
// worth of Map lookups, and at least L + MIN_SLACK nodes were written since the last sweep, so
// the cost per written node is O(1) amortised; memory stays below 2·L + MIN_SLACK + one update.
//
// What stays: every node reachable from the last KEPT_ROOTS roots the tree returned (a proof
// against the newest header needs only the newest; a block producer's next state and a
// consortium member's executed-but-uncommitted blocks need a few more) and from any root the
// caller names. A state whose root was swept away is not lost: ledger-state.ts rebuilds its tree
// from its own leaves (a STORAGE error from the store tells it to).

import { equalBytes } from '../codec/bytes.js';
import { type MemoryNodeStore, SmtNodeKind, smtHashKey } from './sparse-merkle-store.js';

/**
 * Roots kept reachable, newest first: the committed state's and those of the states running ahead of
 * it (a block producer's next state; a consortium member's up to 4 executed, uncommitted blocks).
 * Each kept root holds its block's changed paths alive, so this is also what a sweep marks beyond
 * the live tree: 8 instead of 16 held 40 % fewer nodes and marked as many per change (bench:state-prune).
 */
export const KEPT_ROOTS = 8;
/** A small state is never swept for a handful of garbage nodes. */
export const MIN_SLACK = 4096;

export interface PruneStats {
  /** Sweeps run. */
  sweeps: number;
  /** Nodes removed, over all sweeps. */
  removed: number;
  /** Nodes live after the last sweep. */
  live: number;
  /** Nodes visited by marking, over all sweeps (the cost). */
  marked: number;
}

export class SmtPruner {
  private readonly recent: Uint8Array[] = [];
  private threshold: number;
  readonly stats: PruneStats = { sweeps: 0, removed: 0, live: 0, marked: 0 };

  constructor(
    private readonly store: MemoryNodeStore,
    private readonly emptyRoot: Uint8Array,
    private readonly keptRoots = KEPT_ROOTS,
    private readonly minSlack = MIN_SLACK,
  ) {
    this.threshold = minSlack;
  }

  /** Records a root the tree just returned; sweeps when the store has grown past its threshold. */
  noteRoot(root: Uint8Array, alsoKeep: readonly Uint8Array[] = []): void {
    const last = this.recent[0];
    if (!last || !equalBytes(last, root)) {
      this.recent.unshift(root);
      if (this.recent.length > this.keptRoots) this.recent.length = this.keptRoots;
    }
    if (this.store.size > this.threshold) this.sweep(alsoKeep);
  }

  /** Marks from the kept roots and `alsoKeep`, removes the rest. */
  sweep(alsoKeep: readonly Uint8Array[] = []): void {
    const live = new Set<string>();
    const stack: Uint8Array[] = [...this.recent, ...alsoKeep];
    while (stack.length > 0) {
      const hash = stack.pop()!;
      if (equalBytes(hash, this.emptyRoot)) continue;
      const key = smtHashKey(hash);
      if (live.has(key)) continue;
      const node = this.store.get(hash);
      // A root whose nodes are gone already (an old state's): nothing of it to keep.
      if (!node) continue;
      live.add(key);
      if (node.kind === SmtNodeKind.INNER) stack.push(node.left, node.right);
    }
    this.stats.removed += this.store.sweep(live);
    this.stats.sweeps++;
    this.stats.live = live.size;
    this.stats.marked += live.size;
    this.threshold = 2 * live.size + this.minSlack;
  }
}
