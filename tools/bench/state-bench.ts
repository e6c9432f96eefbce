// The state benchmark (tools layer, Node only): `npm run bench:state -- [--sizes 10000,100000,1000000] [--no-xs]`
//
// At 10 k, 100 k and 1 M entries (registry-like accounts: an 8-byte id, a ~53-byte CBOR value):
// - the sparse Merkle tree's build from empty (one batch), its per-block update for a block that
//   changes 1 000 keys (950 updates, 50 inserts): ms, node hashes, nodes written;
// - the same block with the flat state root the chain had before the tree (a Merkle list over
//   every account's leaf, sorted by id; flatRoot below), which rehashes every entry: the baseline,
//   and the ratio;
// - proof bytes (members and absent keys) and proof checks (decode + verify) on Node with the
//   native provider and with noble, and under XS with noble (state-xs-entry.ts).
// One run, one process (the XS worker aside). Prints figures; asserts nothing on time.

import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { bytesToHex as hex } from '../../src/codec/bytes.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { type Account, AccountRole, AccountStatus, LedgerState } from '../../src/contracts/ledger-state.js';
import { compareBytes } from '../../src/codec/bytes.js';
import { merkleRoot } from '../../src/merkle/merkle.js';
import { encodeStateProof } from '../../src/merkle/sparse-merkle-proof.js';
import { createMemoryNodeStore } from '../../src/merkle/sparse-merkle-store.js';
import { type StateChange, SparseMerkleTree } from '../../src/merkle/sparse-merkle-tree.js';
import { runInXs } from '../xs/xs-runner.js';
import { type StateBenchInput, type StateProofCase, type VerifyFigure, runVerifyWorkload } from './state-workload.js';

const XS_ENTRY = fileURLToPath(new URL('./state-xs-entry.ts', import.meta.url));
const INPUT_MODULE = fileURLToPath(new URL('./state-bench-input.ts', import.meta.url));
const CONTRACT = Uint8Array.from([0x72, 0x65, 0x67]); // "reg"
const BLOCK_CHANGES = 1000;
const BLOCK_INSERTS = 50;
const BLOCKS = 5;
const PROOF_SAMPLE = 1000;
const XS_SAMPLE = 100;

/** The former stateRoot (protocol §6.3.1 before the tree): a Merkle list over every account's CBOR leaf, sorted by id. */
function flatRoot(crypto: CryptoProvider, state: LedgerState): Uint8Array {
  const sorted = state.accounts().sort((a, b) => compareBytes(a.id, b.id));
  return merkleRoot(crypto, sorted.map((a) => encodeCbor([0, a.id, a.key, a.role, a.status, a.lastSeq, a.enrolledAt])));
}

interface SizeFigure {
  entries: number;
  buildMs: number;
  heapMB: number;
  blockMs: number;
  blockHashes: number;
  blockNodes: number;
  baselineMs: number;
  memberBytes: number;
  memberMaxBytes: number;
  absentBytes: number;
  depth: number;
  proveUs: number;
  verify: Record<string, number>;
}

/** A deterministic stream of 32-bit numbers (xorshift). */
function rng(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const idOf = (i: number) => Uint8Array.of(0xb0, 0x75, i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255, 0, 1);

function accountOf(crypto: CryptoProvider, i: number, lastSeq: number): Account {
  const key = new Uint8Array(33);
  key[0] = 2;
  key.set(crypto.sha256(idOf(i)), 1);
  return { id: idOf(i), key, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq, enrolledAt: 1 };
}

/** The leaf ledger-state.ts makes of an account, as the value under its id. */
const valueOf = (a: Account) => encodeCbor([0, a.id, a.key, a.role, a.status, a.lastSeq, a.enrolledAt]);
const changeOf = (a: Account): StateChange => ({ contract: CONTRACT, key: a.id, value: valueOf(a) });

function counting(crypto: CryptoProvider): { crypto: CryptoProvider; count: () => number } {
  let n = 0;
  return { crypto: { ...crypto, sha256: (d: Uint8Array) => (n++, crypto.sha256(d)) }, count: () => n };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (t: number) => +(performance.now() - t).toFixed(1);

/** The blocks of one size: each changes BLOCK_CHANGES accounts (the last BLOCK_INSERTS of them new). */
function blocksOf(entries: number, next: () => number): { updated: number[]; inserted: number[] }[] {
  let fresh = entries;
  return Array.from({ length: BLOCKS }, () => ({
    updated: Array.from({ length: BLOCK_CHANGES - BLOCK_INSERTS }, () => next() % entries),
    inserted: Array.from({ length: BLOCK_INSERTS }, () => fresh++),
  }));
}

function runSize(entries: number, log: (line: string) => void): { figure: SizeFigure; xs: StateBenchInput['sizes'][number] } {
  const native = createNativeCrypto();
  const noble = createNobleCrypto();
  const next = rng(entries);
  const blocks = blocksOf(entries, next);

  // --- the tree
  const counted = counting(native);
  const memory = createMemoryNodeStore();
  let written = 0;
  const tree = new SparseMerkleTree(counted.crypto, { get: memory.get, put: (nodes) => ((written += nodes.length), memory.put(nodes)) });
  const all: StateChange[] = [];
  for (let i = 0; i < entries; i++) all.push(changeOf(accountOf(native, i, 0)));
  let t = performance.now();
  let root = tree.update(tree.emptyRoot, all);
  const buildMs = ms(t);
  all.length = 0;
  const heapMB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  log(`  ${entries}: tree built in ${buildMs} ms (${memory.size} nodes, heap ${heapMB} MB)`);
  const blockMs: number[] = [];
  const blockHashes: number[] = [];
  const blockNodes: number[] = [];
  const seqs = new Map<number, number>();
  for (const b of blocks) {
    const changes = [...b.updated, ...b.inserted].map((i) => {
      const seq = (seqs.get(i) ?? 0) + 1;
      seqs.set(i, seq);
      return changeOf(accountOf(native, i, seq));
    });
    const hashes = counted.count();
    const nodes = written;
    t = performance.now();
    root = tree.update(root, changes);
    blockMs.push(ms(t));
    blockHashes.push(counted.count() - hashes);
    blockNodes.push(written - nodes);
  }

  // --- proofs: members and absent keys
  const total = entries + BLOCKS * BLOCK_INSERTS;
  const members = Array.from({ length: PROOF_SAMPLE }, () => idOf(next() % total));
  const absent = Array.from({ length: PROOF_SAMPLE }, () => idOf(total + (next() % 1_000_000_000)));
  t = performance.now();
  const answers = [...members, ...absent].map((key) => ({ key, ...tree.prove(root, CONTRACT, key) }));
  const proveUs = +(((performance.now() - t) * 1000) / answers.length).toFixed(1);
  const cases: StateProofCase[] = answers.map((a) => ({ contract: hex(CONTRACT), key: hex(a.key), value: a.value ? hex(a.value) : null, proof: hex(encodeStateProof(a.proof)) }));
  const bytes = (cs: readonly StateProofCase[]) => cs.map((c) => c.proof.length / 2);
  const mean = (xs: readonly number[]) => Math.round(xs.reduce((s, x) => s + x, 0) / xs.length);
  const sizes = { entries, root: hex(root), cases };
  const verify: Record<string, number> = {};
  for (const [name, crypto, rounds] of [['native', native, 5], ['noble', noble, 2]] as const) {
    verify[`Node ${name}`] = runVerifyWorkload(crypto, { sizes: [sizes] }, rounds, () => performance.now())[0]!.microseconds;
  }
  const depth = mean(answers.slice(0, PROOF_SAMPLE).map((a) => a.proof.depth));

  // --- the baseline: the former flat root over the same accounts, the same blocks
  const accounts: Account[] = [];
  for (let i = 0; i < entries; i++) accounts.push(accountOf(native, i, 0));
  const state = LedgerState.fromEntries(accounts, []);
  accounts.length = 0;
  const baselineMs: number[] = [];
  const baseSeqs = new Map<number, number>();
  for (const b of blocks.slice(0, entries >= 1_000_000 ? 2 : 3)) {
    for (const i of [...b.updated, ...b.inserted]) {
      const seq = (baseSeqs.get(i) ?? 0) + 1;
      baseSeqs.set(i, seq);
      state.putAccount(accountOf(native, i, seq));
    }
    t = performance.now();
    flatRoot(native, state);
    baselineMs.push(ms(t));
  }

  const figure: SizeFigure = {
    entries,
    buildMs,
    heapMB,
    blockMs: median(blockMs),
    blockHashes: median(blockHashes),
    blockNodes: median(blockNodes),
    baselineMs: median(baselineMs),
    memberBytes: mean(bytes(cases.slice(0, PROOF_SAMPLE))),
    memberMaxBytes: Math.max(...bytes(cases.slice(0, PROOF_SAMPLE))),
    absentBytes: mean(bytes(cases.slice(PROOF_SAMPLE))),
    depth,
    proveUs,
    verify,
  };
  const xsCases = [...cases.slice(0, XS_SAMPLE / 2), ...cases.slice(PROOF_SAMPLE, PROOF_SAMPLE + XS_SAMPLE / 2)];
  return { figure, xs: { entries, root: sizes.root, cases: xsCases } };
}

/** Hands the XS entry its input: the placeholder module's contents replaced by the proofs made here. */
function inputPlugin(input: StateBenchInput): Plugin {
  return {
    name: 'state-bench-input',
    setup(b) {
      b.onLoad({ filter: /state-bench-input\.ts$/ }, (args) =>
        args.path === INPUT_MODULE ? { contents: `export const input = ${JSON.stringify(input)};`, loader: 'js' } : undefined,
      );
    },
  };
}

export async function runStateBench(sizes: readonly number[], withXs: boolean, log: (line: string) => void = () => {}): Promise<{ figures: SizeFigure[]; table: string }> {
  const figures: SizeFigure[] = [];
  const xsInput: StateBenchInput['sizes'][number][] = [];
  for (const n of sizes) {
    const { figure, xs } = runSize(n, log);
    figures.push(figure);
    xsInput.push(xs);
    (globalThis as { gc?: () => void }).gc?.();
  }
  if (withXs) {
    const { result } = await runInXs<VerifyFigure[]>(XS_ENTRY, { plugins: [inputPlugin({ sizes: xsInput })] });
    for (const r of result) figures.find((f) => f.entries === r.entries)!.verify['XS noble'] = r.microseconds;
  }
  return { figures, table: stateTable(figures) };
}

export function stateTable(figures: readonly SizeFigure[]): string {
  const verifiers = [...new Set(figures.flatMap((f) => Object.keys(f.verify)))];
  const cols: [string, (f: SizeFigure) => string | number][] = [
    ['entries', (f) => f.entries],
    ['build ms', (f) => f.buildMs],
    ['heap MB', (f) => f.heapMB],
    [`block ms (${BLOCK_CHANGES} keys)`, (f) => f.blockMs],
    ['hashes/block', (f) => f.blockHashes],
    ['nodes/block', (f) => f.blockNodes],
    ['flat root ms', (f) => f.baselineMs],
    ['× faster', (f) => (f.baselineMs / f.blockMs).toFixed(0)],
    ['depth', (f) => f.depth],
    ['proof B member (max)', (f) => `${f.memberBytes} (${f.memberMaxBytes})`],
    ['proof B absent', (f) => f.absentBytes],
    ['prove µs', (f) => f.proveUs],
    ...verifiers.map((v): [string, (f: SizeFigure) => string | number] => [`verify µs ${v}`, (f) => f.verify[v] ?? '-']),
  ];
  const rows = [cols.map(([h]) => h), ...figures.map((f) => cols.map(([, get]) => String(get(f))))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = process.argv.indexOf('--sizes');
  const sizes = arg > 0 ? process.argv[arg + 1]!.split(',').map(Number) : [10_000, 100_000, 1_000_000];
  const { table } = await runStateBench(sizes, !process.argv.includes('--no-xs'), (line) => console.log(line));
  console.log(table);
}
