// The structures considered for the authenticated contract state, side by side (tools layer,
// Node only): `npx tsx tools/bench/state-candidates.ts [--sizes 10000,100000,1000000]`.
//
// On the same random key hashes, for a block that changes 1 000 of them: how many node hashes and
// SHA-256 compressions each structure spends, and how many bytes a proof takes.
// - compact SMT (chosen, src/merkle/sparse-merkle-tree.ts): binary, a leaf sits where its key
//   hash first differs from every other; node input 83 bytes = 2 compressions;
// - full-depth SMT: binary, every leaf at depth 256, EMPTY subtrees precomputed; the same
//   node input; its proof is the compact proof's non-EMPTY siblings and a 32-byte bitmap;
// - hexary Merkle-Patricia trie (Ethereum's shape, SHA-256 for the hash): a branch node holds 16
//   child hashes, ~530 bytes = 9 compressions; its proof here is the cheapest form, a 2-byte child
//   bitmap and the occupied siblings per branch on the path (Ethereum sends whole nodes: more).
// Counts are exact, from the sorted key set (each structure's shape is a function of the set);
// the compact figures are the ones state-bench.ts measures on the real tree. Time per block is
// the count times the measured cost of one compression on this machine.

import { fileURLToPath } from 'node:url';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { compareBytes } from '../../src/codec/bytes.js';

const BLOCK = 1000;

function lcpBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 256;
}

/** Prefix of `bits` bits as a string key. */
function prefix(k: Uint8Array, bits: number): string {
  let s = `${bits}:`;
  for (let i = 0; i < bits >> 3; i++) s += String.fromCharCode(k[i]!);
  if (bits & 7) s += String.fromCharCode(k[bits >> 3]! & (0xff << (8 - (bits & 7))) & 0xff);
  return s;
}

/** First index in sorted `keys` whose first `bits` bits are ≥ those of `p`'s prefix with nibble/bit value appended. */
function lowerBound(keys: readonly Uint8Array[], probe: Uint8Array): number {
  let a = 0;
  let b = keys.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (compareBytes(keys[m]!, probe) < 0) a = m + 1;
    else b = m;
  }
  return a;
}

/** Whether any key starts with the first `bits` bits of `probe`. */
function anyWithPrefix(keys: readonly Uint8Array[], probe: Uint8Array, bits: number): boolean {
  const lo = new Uint8Array(32);
  for (let i = 0; i < bits; i++) if ((probe[i >> 3]! >> (7 - (i & 7))) & 1) lo[i >> 3]! |= 0x80 >> (i & 7);
  const at = lowerBound(keys, lo);
  return at < keys.length && lcpBits(keys[at]!, lo) >= bits;
}

function withNibble(k: Uint8Array, level: number, nibble: number): Uint8Array {
  const p = k.slice();
  const byte = level >> 1;
  p[byte] = level & 1 ? (p[byte]! & 0xf0) | nibble : (nibble << 4) | (p[byte]! & 0x0f);
  return p;
}

export interface CandidateFigure {
  readonly entries: number;
  readonly structure: string;
  readonly nodeHashes: number;
  readonly compressions: number;
  readonly proofBytes: number;
  /** compressions × the measured ns of one. */
  readonly ms: number;
}

export function candidates(entries: number, nsPerCompression: number, seed = 1): CandidateFigure[] {
  const crypto = createNativeCrypto();
  const keys: Uint8Array[] = [];
  for (let i = 0; i < entries; i++) keys.push(crypto.sha256(Uint8Array.of(seed, i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255)));
  keys.sort(compareBytes);
  const index = new Map(keys.map((k, i) => [k, i]));
  const changed = Array.from({ length: BLOCK }, (_, j) => keys[Math.floor(((j * 2654435761) % 4294967296) / 4294967296 * entries)]!);
  const unique = [...new Set(changed)].sort(compareBytes);
  const leafDepth = (k: Uint8Array) => {
    const i = index.get(k)!;
    const l = i > 0 ? lcpBits(keys[i - 1]!, k) : 0;
    const r = i + 1 < keys.length ? lcpBits(keys[i + 1]!, k) : 0;
    return Math.max(l, r) + 1;
  };

  // Compact SMT: the nodes above each changed leaf, once each.
  const compactNodes = new Set<string>();
  let compactProof = 0;
  for (const k of unique) {
    const m = leafDepth(k);
    for (let d = 0; d < m; d++) compactNodes.add(prefix(k, d));
    let siblings = 0;
    for (let d = 0; d < m; d++) {
      const probe = k.slice();
      probe[d >> 3]! ^= 0x80 >> (d & 7);
      if (anyWithPrefix(keys, probe, d + 1)) siblings++;
    }
    // [depth, bitmap, siblings]: heads 1 + 1..2 + 1 + (ceil(m/8) + 1) + 1..2 + 34 each.
    compactProof += 1 + (m < 24 ? 1 : 2) + 1 + ((m + 7) >> 3) + (siblings < 24 ? 1 : 2) + 34 * siblings;
  }
  const compactHashes = compactNodes.size + unique.length;

  // Full-depth SMT: every level of every changed path.
  let fullNodes = 0;
  for (let d = 0; d < 256; d++) {
    let distinct = 1;
    for (let i = 0; i + 1 < unique.length; i++) if (lcpBits(unique[i]!, unique[i + 1]!) < d) distinct++;
    fullNodes += distinct;
  }
  const fullHashes = fullNodes + unique.length;
  const fullProof = compactProof + unique.length * (2 + 32 - 1) - unique.reduce((s, k) => s + ((leafDepth(k) + 7) >> 3), 0);

  // Hexary trie: branches on the changed paths; a branch at nibble level l for prefix p exists when
  // the keys under p differ at nibble l.
  const hexNodes = new Set<string>();
  let hexProof = 0;
  for (const k of unique) {
    const levels = (leafDepth(k) + 3) >> 2; // nibble levels until the key is alone
    for (let l = 0; l < levels; l++) {
      let occupied = 0;
      for (let n = 0; n < 16; n++) if (anyWithPrefix(keys, withNibble(k, l, n), 4 * l + 4)) occupied++;
      if (occupied < 2) continue; // an extension, not a branch
      hexNodes.add(prefix(k, 4 * l));
      hexProof += 3 + 34 * (occupied - 1);
    }
    hexProof += 2 + 34 + 34; // the leaf: its key rest and value hash
  }
  const per = (n: number) => Math.round(n / unique.length);
  const figures: Omit<CandidateFigure, 'ms'>[] = [
    { entries, structure: 'compact SMT (chosen)', nodeHashes: compactHashes, compressions: 2 * compactHashes, proofBytes: per(compactProof) },
    { entries, structure: 'full-depth SMT', nodeHashes: fullHashes, compressions: 2 * fullHashes, proofBytes: per(fullProof) },
    { entries, structure: 'hexary Patricia trie', nodeHashes: hexNodes.size + unique.length, compressions: 9 * hexNodes.size + 2 * unique.length, proofBytes: per(hexProof) },
  ];
  return figures.map((f) => ({ ...f, ms: +((f.compressions * nsPerCompression) / 1e6).toFixed(1) }));
}

/** ns for one SHA-256 compression: an 83-byte node input (2 compressions), native provider. */
export function nsPerCompression(): number {
  const crypto = createNativeCrypto();
  const input = new Uint8Array(83);
  const runs = 200_000;
  for (let i = 0; i < 20_000; i++) crypto.sha256(input);
  const t = performance.now();
  for (let i = 0; i < runs; i++) {
    input[0] = i;
    crypto.sha256(input);
  }
  return ((performance.now() - t) * 1e6) / runs / 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = process.argv.indexOf('--sizes');
  const sizes = arg > 0 ? process.argv[arg + 1]!.split(',').map(Number) : [10_000, 100_000, 1_000_000];
  const ns = nsPerCompression();
  console.log(`one SHA-256 compression: ${ns.toFixed(0)} ns; a block changes ${BLOCK} keys`);
  console.log('entries    structure                node hashes  compressions  ≈ ms/block  proof bytes (mean)');
  for (const n of sizes) {
    for (const f of candidates(n, ns)) {
      console.log(`${String(n).padStart(9)}  ${f.structure.padEnd(23)}  ${String(f.nodeHashes).padStart(11)}  ${String(f.compressions).padStart(12)}  ${String(f.ms).padStart(10)}  ${String(f.proofBytes).padStart(18)}`);
    }
  }
}
