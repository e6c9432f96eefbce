// The authenticated contract state (src/merkle/sparse-merkle-*): properties over random maps and
// orders, checked against the transcription of docs/protocol.md §6.3.3 that made the vectors, and
// the verifier's answer to anything a lying gateway could send. The fixed vectors run on Node and
// XS in test/vectors.test.ts.

import test from 'ava';
import fc from 'fast-check';
import { bytesToHex as hex } from '../src/codec/bytes.js';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { BotError } from '../src/errors/bot-error.js';
import { ErrorCode } from '../src/errors/error-codes.js';
import { smtKeyHash } from '../src/merkle/sparse-merkle-hash.js';
import { type StateProof, decodeStateProof, encodeStateProof, verifyStateProof, verifyStateProofHashed } from '../src/merkle/sparse-merkle-proof.js';
import { type SmtNodeStore, type SmtStoredNode, createMemoryNodeStore } from '../src/merkle/sparse-merkle-store.js';
import { type StateChange, SparseMerkleTree } from '../src/merkle/sparse-merkle-tree.js';
import { smtReference } from '../tools/vectors/sparse-merkle-vectors.js';

const crypto = createNobleCrypto();
const ref = smtReference(crypto);
const CONTRACTS = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(1, 0)];

/** Small key and contract domains, so sets repeat keys and share contracts. */
const changeArb = fc.record({
  contract: fc.constantFrom(...CONTRACTS),
  key: fc.uint8Array({ minLength: 0, maxLength: 2 }).filter((k) => k.length < 2 || k[0]! < 4),
  value: fc.option(fc.uint8Array({ minLength: 0, maxLength: 6 }), { nil: undefined, freq: 4 }),
});

/** The map `changes` leave, applied in order (a later change of a key wins; undefined deletes). */
function mapOf(changes: readonly StateChange[]): Map<string, StateChange> {
  const map = new Map<string, StateChange>();
  for (const c of changes) {
    const id = hex(smtKeyHash(crypto, c.contract, c.key));
    if (c.value === undefined) map.delete(id);
    else map.set(id, c);
  }
  return map;
}

const refRoot = (map: Map<string, StateChange>) => hex(ref.root([...map.values()].map((c) => ref.entry(c.contract, c.key, c.value!))));

/** `items` cut into consecutive batches at the given points. */
function batches<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let at = 0;
  for (const p of [...points, items.length]) {
    out.push(items.slice(at, p));
    at = p;
  }
  return out;
}

test('the root is the definition\'s root of the map the changes leave, whatever the batching', (t) => {
  fc.assert(
    fc.property(fc.array(changeArb, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), (changes, cuts) => {
      const tree = new SparseMerkleTree(crypto);
      let root = tree.emptyRoot;
      for (const batch of batches(changes, cuts)) root = tree.update(root, batch);
      return hex(root) === refRoot(mapOf(changes));
    }),
    { numRuns: 150 },
  );
  t.pass();
});

test('the root does not depend on insertion order, and deletes give back every earlier root', (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(changeArb.filter((c) => c.value !== undefined), { maxLength: 40, selector: (c) => hex(smtKeyHash(crypto, c.contract, c.key)) }),
      fc.array(changeArb.filter((c) => c.value !== undefined), { minLength: 1, maxLength: 20 }),
      fc.integer(),
      (base, extra, seed) => {
        const tree = new SparseMerkleTree(crypto);
        const before = tree.update(tree.emptyRoot, base);
        const shuffled = fc.sample(fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }), { numRuns: 1, seed })[0]!;
        let oneByOne = tree.emptyRoot;
        for (const c of shuffled) oneByOne = tree.update(oneByOne, [c]);
        if (hex(oneByOne) !== hex(before)) return false;
        // Add or overwrite, then undo: delete what was new, put back what was overwritten.
        const after = tree.update(before, extra);
        const baseMap = mapOf(base);
        const undo = extra.map((c) => {
          const was = baseMap.get(hex(smtKeyHash(crypto, c.contract, c.key)));
          return { contract: c.contract, key: c.key, value: was?.value };
        });
        const restored = tree.update(after, undo);
        // The old root stays readable beside the new one (nothing is changed in place).
        for (const c of base) if (hex(tree.get(before, c.contract, c.key)!) !== hex(c.value!)) return false;
        return hex(restored) === hex(before);
      },
    ),
    { numRuns: 150 },
  );
  t.pass();
});

test('every member and non-member gets a proof that verifies, and only for the true claim', (t) => {
  fc.assert(
    fc.property(fc.array(changeArb, { maxLength: 50 }), fc.array(changeArb, { minLength: 1, maxLength: 8 }), (changes, queries) => {
      const tree = new SparseMerkleTree(crypto);
      const root = tree.update(tree.emptyRoot, changes);
      const map = mapOf(changes);
      for (const q of [...map.values(), ...queries]) {
        const truth = map.get(hex(smtKeyHash(crypto, q.contract, q.key)))?.value;
        const { value, proof } = tree.prove(root, q.contract, q.key);
        if ((value === undefined ? '-' : hex(value)) !== (truth === undefined ? '-' : hex(truth))) return false;
        const wire = encodeStateProof(proof);
        if (!verifyStateProof(crypto, root, q.contract, q.key, value, wire).ok) return false;
        // The same proof for the opposite claim, or another value, is refused.
        const lie = value === undefined ? Uint8Array.of(9, 9, 9, 9, 9, 9, 9) : undefined;
        const refused = verifyStateProof(crypto, root, q.contract, q.key, lie, wire);
        if (refused.ok) return false;
        if (value !== undefined && verifyStateProof(crypto, root, q.contract, q.key, Uint8Array.of(...value, 0), wire).ok) return false;
      }
      return true;
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test('a mutated proof is refused with a code: never accepted, never another exception', (t) => {
  const tree = new SparseMerkleTree(crypto);
  const changes = Array.from({ length: 300 }, (_, i) => ({ contract: CONTRACTS[i % 3]!, key: Uint8Array.of(i >> 8, i & 255), value: Uint8Array.of(i & 255) }));
  const root = tree.update(tree.emptyRoot, changes);
  const cases = [...changes.slice(0, 20).map((c) => ({ ...c, member: true })), ...Array.from({ length: 20 }, (_, i) => ({ contract: Uint8Array.of(7), key: Uint8Array.of(i), value: undefined, member: false }))];
  fc.assert(
    fc.property(fc.constantFrom(...cases), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat(), (c, flips, cut) => {
      const wire = encodeStateProof(tree.prove(root, c.contract, c.key).proof);
      const bad = wire.slice();
      for (const [at, x] of flips) bad[at % bad.length]! ^= x;
      for (const bytes of [bad, wire.slice(0, cut % wire.length)]) {
        const r = verifyStateProof(crypto, root, c.contract, c.key, c.value, bytes);
        if (r.ok) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('anything in place of a decoded proof gets PROOF_SHAPE, not a TypeError', (t) => {
  const tree = new SparseMerkleTree(crypto);
  const root = tree.update(tree.emptyRoot, [{ contract: CONTRACTS[0]!, key: Uint8Array.of(1), value: Uint8Array.of(2) }, { contract: CONTRACTS[0]!, key: Uint8Array.of(2), value: Uint8Array.of(3) }]);
  const kh = smtKeyHash(crypto, CONTRACTS[0]!, Uint8Array.of(1));
  const junk: unknown[] = [null, 3, 'proof', {}, { depth: 1 }, { depth: 1, bitmap: Uint8Array.of(0x80), siblings: [3] }, { depth: 1.5, bitmap: new Uint8Array(1), siblings: [] }, { depth: 0, bitmap: new Uint8Array(0), siblings: [], other: 5 }, { depth: 0, bitmap: new Uint8Array(0), siblings: 'x' }];
  for (const j of junk) {
    const r = verifyStateProofHashed(crypto, root, kh, undefined, j as StateProof);
    t.false(r.ok, JSON.stringify(j));
    if (!r.ok) t.is(r.code, ErrorCode.PROOF_SHAPE, JSON.stringify(j));
  }
  const r = verifyStateProof(crypto, root, 'registry' as unknown as Uint8Array, Uint8Array.of(1), undefined, new Uint8Array(0));
  t.false(r.ok);
});

test('an update writes only the nodes on the changed paths, in one put', (t) => {
  const puts: number[] = [];
  const memory = createMemoryNodeStore();
  const store: SmtNodeStore = { get: (h) => memory.get(h), put: (nodes: readonly SmtStoredNode[]) => (puts.push(nodes.length), memory.put(nodes)) };
  const tree = new SparseMerkleTree(crypto, store);
  const n = 4096;
  const root = tree.update(tree.emptyRoot, Array.from({ length: n }, (_, i) => ({ contract: CONTRACTS[0]!, key: Uint8Array.of(i >> 8, i & 255), value: Uint8Array.of(1) })));
  t.deepEqual(puts.length, 1);
  const depth = tree.prove(root, CONTRACTS[0]!, Uint8Array.of(0, 7)).proof.depth;
  tree.update(root, [{ contract: CONTRACTS[0]!, key: Uint8Array.of(0, 7), value: Uint8Array.of(2) }]);
  t.is(puts[1], depth + 1, 'one leaf and one inner node per level above it');
  t.true(depth < 24, `depth ${depth} at ${n} entries`);
});

test('a root whose nodes the store does not hold is a STORAGE error', (t) => {
  const tree = new SparseMerkleTree(crypto);
  const error = t.throws(() => tree.get(new Uint8Array(32).fill(7), CONTRACTS[0]!, Uint8Array.of(1)), { instanceOf: BotError });
  t.is(error?.code, ErrorCode.STORAGE);
  t.throws(() => tree.update(tree.emptyRoot, [{ contract: 'x' as unknown as Uint8Array, key: Uint8Array.of(1), value: undefined }]), { instanceOf: BotError });
});

test('the wire form decodes back to the same proof', (t) => {
  const tree = new SparseMerkleTree(crypto);
  const root = tree.update(tree.emptyRoot, Array.from({ length: 100 }, (_, i) => ({ contract: CONTRACTS[1]!, key: Uint8Array.of(i), value: Uint8Array.of(i, i) })));
  for (const key of [Uint8Array.of(5), Uint8Array.of(200)]) {
    const { proof } = tree.prove(root, CONTRACTS[1]!, key);
    t.deepEqual(decodeStateProof(encodeStateProof(proof)), proof);
  }
});
