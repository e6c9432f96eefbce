// The state pruning benchmark (tools layer, Node only): `npm run bench:state-prune -- [--sizes 10000,100000] [--blocks 200]`
//
// What bounded memory costs (src/merkle/smt-pruning.ts): the same sparse Merkle tree and the same
// blocks of changes (1 000 changed keys each, 5 % of them new) run twice in one process, once on a
// plain in-memory node store that keeps every version and once with the pruner sweeping it
// (mark from the last 8 roots (KEPT_ROOTS) when the store doubles). Prints per size: ms per block both ways
// and the ratio, nodes held at the end and at most, the sweeps and the nodes they marked, and the
// heap after a GC. Asserts nothing on time.

import { parseArgs } from 'node:util';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { KEPT_ROOTS, SmtPruner } from '../../src/merkle/smt-pruning.js';
import { createMemoryNodeStore } from '../../src/merkle/sparse-merkle-store.js';
import { type StateChange, SparseMerkleTree } from '../../src/merkle/sparse-merkle-tree.js';

const { values } = parseArgs({ options: { sizes: { type: 'string' }, blocks: { type: 'string' }, kept: { type: 'string' } } });
const sizes = (values.sizes ?? '10000,100000').split(',').map(Number);
const BLOCKS = Number(values.blocks ?? 200);
const KEPT = values.kept === undefined ? KEPT_ROOTS : Number(values.kept);
const CHANGES = 1000;
const INSERTS = 50;
const NS = Uint8Array.of(0x00, 0x00);
const crypto = createNativeCrypto();
const gc = (globalThis as { gc?: () => void }).gc;

const keyOf = (i: number) => Uint8Array.of(i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff, 0, 0, 0, 1);
const valueOf = (i: number, v: number) => encodeCbor([keyOf(i), new Uint8Array(33).fill(2), 2, 0, v, 1]);

/** Block b's changes over `entries` keys (the first `entries` + b·INSERTS exist by then): deterministic. */
function blockChanges(entries: number, b: number): StateChange[] {
  const out: StateChange[] = [];
  const existing = entries + b * INSERTS;
  for (let i = 0; i < CHANGES - INSERTS; i++) {
    const k = (b * 7919 + i * 104_729) % existing;
    out.push({ contract: NS, key: keyOf(k), value: valueOf(k, b + 1) });
  }
  for (let i = 0; i < INSERTS; i++) out.push({ contract: NS, key: keyOf(existing + i), value: valueOf(existing + i, 0) });
  return out;
}

function heapMB(): number {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1e6);
}

function run(entries: number, prune: boolean) {
  const store = createMemoryNodeStore();
  const tree = new SparseMerkleTree(crypto, store);
  const initial: StateChange[] = [];
  for (let i = 0; i < entries; i++) initial.push({ contract: NS, key: keyOf(i), value: valueOf(i, 0) });
  let root = tree.update(tree.emptyRoot, initial);
  const pruner = prune ? new SmtPruner(store, tree.emptyRoot, KEPT) : undefined;
  pruner?.noteRoot(root);
  const blocks = Array.from({ length: BLOCKS }, (_, b) => blockChanges(entries, b));
  const built = store.size;
  let max = store.size;
  const started = performance.now();
  for (const changes of blocks) {
    root = tree.update(root, changes);
    pruner?.noteRoot(root);
    max = Math.max(max, store.size);
  }
  const ms = performance.now() - started;
  const heap = heapMB();
  return { root, ms, perBlock: ms / BLOCKS, built, nodes: store.size, max, heap, stats: pruner?.stats };
}

console.log(`state pruning: ${BLOCKS} blocks of ${CHANGES} changes (${INSERTS} new) per size, the last ${KEPT} roots kept; native SHA-256${gc ? '' : ' (run with --expose-gc for heap figures)'}`);
console.log('| entries | ms/block kept all | ms/block pruned | ratio | nodes after build | nodes at end: kept all / pruned (max) | sweeps, nodes marked | heap MB kept all / pruned |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const entries of sizes) {
  const all = run(entries, false);
  const pruned = run(entries, true);
  if (Buffer.compare(all.root, pruned.root) !== 0) throw new Error('pruning changed the root');
  const s = pruned.stats!;
  console.log(`| ${entries} | ${all.perBlock.toFixed(2)} | ${pruned.perBlock.toFixed(2)} | ${(pruned.perBlock / all.perBlock).toFixed(2)}× | ${all.built} | ${all.nodes} / ${pruned.nodes} (${pruned.max}) | ${s.sweeps}, ${s.marked} (${(s.marked / (BLOCKS * CHANGES)).toFixed(1)} per change) | ${all.heap} / ${pruned.heap} |`);
}
