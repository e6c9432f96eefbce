// Vectors of the authenticated contract state, test/vectors/sparse-merkle.json (tools layer,
// docs/protocol.md §6.3.3). Roots and proofs come from a direct recursive transcription of the
// section (the set-splitting definition, tags as written there, CBOR by cbor-x), not from
// src/merkle/sparse-merkle-*, so the vectors check the core's batched, store-backed tree and its
// verifier against the document. Forged proofs are edits of genuine ones; their codes are the
// section's. Called by generate.ts.

import { ascii, concatBytes, hexToBytes } from '../../src/codec/bytes.js';
import { type CborValue, encodeCbor } from '../../src/codec/cbor.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { type Expect, hex } from '../../test/support/hex-json.js';

const TAGS = {
  SMT_KEY: 'botpeer/smt-key/v1',
  SMT_VALUE: 'botpeer/smt-value/v1',
  SMT_LEAF: 'botpeer/smt-leaf/v1',
  SMT_NODE: 'botpeer/smt-node/v1',
  SMT_EMPTY: 'botpeer/smt-empty/v1',
} as const;

interface RefEntry {
  readonly contract: Uint8Array;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly kh: Uint8Array;
  readonly vh: Uint8Array;
}

const bit = (b: Uint8Array, i: number) => (b[i >> 3]! >> (7 - (i % 8))) & 1;

/** The section's definitions, transcribed: for the vectors here and the property tests (test/sparse-merkle.test.ts). */
export function smtReference(crypto: CryptoProvider) {
  const H = (tag: keyof typeof TAGS, ...parts: Uint8Array[]) => crypto.sha256(concatBytes(ascii(TAGS[tag]), ...parts));
  const keyHash = (contract: Uint8Array, key: Uint8Array) => H('SMT_KEY', encodeCbor([contract, key]));
  const entry = (contract: Uint8Array, key: Uint8Array, value: Uint8Array): RefEntry => ({ contract, key, value, kh: keyHash(contract, key), vh: H('SMT_VALUE', value) });
  const EMPTY = H('SMT_EMPTY');
  /** T(S, d) of §6.3.3. */
  const root = (s: readonly RefEntry[], d = 0): Uint8Array => {
    if (s.length === 0) return EMPTY;
    if (s.length === 1) return H('SMT_LEAF', s[0]!.kh, s[0]!.vh);
    return H('SMT_NODE', root(s.filter((e) => bit(e.kh, d) === 0), d + 1), root(s.filter((e) => bit(e.kh, d) === 1), d + 1));
  };
  /** The proof of §6.3.3 for key hash `kh` in set `s`, as its CBOR value. */
  const prove = (s: readonly RefEntry[], kh: Uint8Array): CborValue[] => {
    const siblings: Uint8Array[] = [];
    const bits: number[] = [];
    let here = s;
    let d = 0;
    while (here.length > 1) {
      const mine = here.filter((e) => bit(e.kh, d) === bit(kh, d));
      const others = here.filter((e) => bit(e.kh, d) !== bit(kh, d));
      bits.push(others.length > 0 ? 1 : 0);
      if (others.length > 0) siblings.push(root(others, d + 1));
      here = mine;
      d++;
    }
    const bitmap = new Uint8Array((d + 7) >> 3);
    bits.forEach((b, i) => (bitmap[i >> 3]! |= b << (7 - (i % 8))));
    const head: CborValue[] = [d, bitmap, siblings];
    const end = here[0];
    return end && hex(end.kh) !== hex(kh) ? [...head, end.kh, end.vh] : head;
  };
  return { H, keyHash, entry, EMPTY, root, prove };
}

/** A deterministic shuffle (xorshift), so the orders in the file never change. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function sparseMerkleVectors(crypto: CryptoProvider) {
  const ref = smtReference(crypto);
  const OK: Expect = { ok: true };
  const fail = (code: number): Expect => ({ ok: false, code });
  const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  const registry = ascii('registry');
  const blocklist = ascii('blocklist');
  const value = (n: number) => encodeCbor([n, u32(n * 7919)]);

  // Two keys whose hashes share their first 12 bits: found by counting, so the set has a run of
  // inner nodes with an EMPTY sibling (a long shared prefix), and proofs with zero bits in the bitmap.
  const twin = (() => {
    const seen = new Map<number, number>();
    for (let n = 0; ; n++) {
      const kh = ref.keyHash(registry, u32(n));
      const prefix = (kh[0]! << 4) | (kh[1]! >> 4);
      const before = seen.get(prefix);
      if (before !== undefined) return [before, n] as const;
      seen.set(prefix, n);
    }
  })();

  const sets: { name: string; reason: string; entries: RefEntry[] }[] = [
    { name: 'empty', reason: 'the empty map: its root is EMPTY', entries: [] },
    { name: 'one', reason: 'one entry: the root is its leaf (depth 0)', entries: [ref.entry(registry, u32(1), value(1))] },
    {
      name: 'twins',
      reason: `two keys whose hashes share 12 leading bits (registry keys ${twin[0]} and ${twin[1]}) and a third: inner nodes with an EMPTY sibling`,
      entries: [ref.entry(registry, u32(twin[0]), value(twin[0])), ref.entry(registry, u32(twin[1]), value(twin[1])), ref.entry(blocklist, u32(twin[0]), value(0))],
    },
    {
      name: 'two contracts',
      reason: 'the same user keys in two contracts are different entries',
      entries: [1, 2, 3, 4, 5, 6, 7, 8].flatMap((n) => [ref.entry(registry, u32(n), value(n)), ref.entry(blocklist, u32(n), value(100 + n))]),
    },
    { name: 'sixty-four', reason: '64 entries of one contract', entries: Array.from({ length: 64 }, (_, n) => ref.entry(registry, u32(1000 + n), value(n))) },
  ];

  const keyHashes = [
    { contract: hex(registry), key: hex(u32(1)), preimage: hex(encodeCbor([registry, u32(1)])) },
    { contract: hex(blocklist), key: hex(u32(1)), preimage: hex(encodeCbor([blocklist, u32(1)])) },
    { contract: hex(ascii('c')), key: '', preimage: hex(encodeCbor([ascii('c'), new Uint8Array(0)])) },
  ].map((k) => ({ ...k, keyHash: hex(ref.H('SMT_KEY', hexToBytes(k.preimage))) }));

  const setJson = sets.map((s, i) => ({
    name: s.name,
    reason: s.reason,
    entries: s.entries.map((e) => ({ contract: hex(e.contract), key: hex(e.key), value: hex(e.value), keyHash: hex(e.kh), valueHash: hex(e.vh) })),
    root: hex(ref.root(s.entries)),
    // Insertion orders (indices into entries): as listed, reversed, and two shuffles.
    orders: s.entries.length < 2 ? [s.entries.map((_, j) => j)] : [s.entries.map((_, j) => j), s.entries.map((_, j) => s.entries.length - 1 - j), shuffled(s.entries.map((_, j) => j), 7 + i), shuffled(s.entries.map((_, j) => j), 1234 + i)],
  }));

  // Updates applied in turn to "two contracts": each step's root is the reference root of the set it leaves.
  const base = sets[3]!.entries;
  const steps: { changes: { contract: Uint8Array; key: Uint8Array; value: Uint8Array | null }[]; reason: string }[] = [
    { reason: 'change one value', changes: [{ contract: registry, key: u32(3), value: value(33) }] },
    { reason: 'insert two and delete one in one batch', changes: [{ contract: registry, key: u32(9), value: value(9) }, { contract: blocklist, key: u32(9), value: value(109) }, { contract: blocklist, key: u32(2), value: null }] },
    { reason: 'a key changed twice in one batch: the later change wins', changes: [{ contract: registry, key: u32(4), value: value(1) }, { contract: registry, key: u32(4), value: value(44) }] },
    { reason: 'delete a key that is absent: nothing changes', changes: [{ contract: registry, key: u32(77), value: null }] },
    { reason: 'undo every change: the first root comes back', changes: [{ contract: registry, key: u32(3), value: value(3) }, { contract: registry, key: u32(9), value: null }, { contract: blocklist, key: u32(9), value: null }, { contract: blocklist, key: u32(2), value: value(102) }, { contract: registry, key: u32(4), value: value(4) }] },
  ];
  let current = [...base];
  const updates = steps.map((step) => {
    for (const c of step.changes) {
      const kh = ref.keyHash(c.contract, c.key);
      current = current.filter((e) => hex(e.kh) !== hex(kh));
      if (c.value) current.push(ref.entry(c.contract, c.key, c.value));
    }
    return { reason: step.reason, changes: step.changes.map((c) => ({ contract: hex(c.contract), key: hex(c.key), value: c.value ? hex(c.value) : null })), root: hex(ref.root(current)) };
  });

  // Proofs: genuine ones (the bytes src must also produce), then forgeries.
  type ProofCase = { name: string; reason: string; set: string; contract: string; key: string; value: string | null; proof: string; canonical: boolean; expect: Expect };
  const proofs: ProofCase[] = [];
  const setOf = (name: string) => sets.find((s) => s.name === name)!;
  const genuine = (name: string, reason: string, set: string, contract: Uint8Array, key: Uint8Array) => {
    const s = setOf(set).entries;
    const kh = ref.keyHash(contract, key);
    const found = s.find((e) => hex(e.kh) === hex(kh));
    const proof = ref.prove(s, kh);
    proofs.push({ name, reason, set, contract: hex(contract), key: hex(key), value: found ? hex(found.value) : null, proof: hex(encodeCbor(proof)), canonical: true, expect: OK });
    return { proof, value: found?.value };
  };
  const forged = (name: string, reason: string, set: string, contract: Uint8Array, key: Uint8Array, valueClaimed: Uint8Array | null, proof: Uint8Array | CborValue, expect: Expect) =>
    proofs.push({ name, reason, set, contract: hex(contract), key: hex(key), value: valueClaimed ? hex(valueClaimed) : null, proof: hex(proof instanceof Uint8Array ? proof : encodeCbor(proof)), canonical: false, expect });

  // Which non-member key of "sixty-four" ends at EMPTY, and which at another leaf: found by trying.
  const s64 = setOf('sixty-four').entries;
  const absentEnd = (wantOther: boolean) => {
    for (let n = 5000; ; n++) if ((ref.prove(s64, ref.keyHash(registry, u32(n))).length === 5) === wantOther) return u32(n);
  };
  const emptyKey = absentEnd(false);
  // A member whose path is not a whole number of bytes, so its bitmap has padding bits to forge.
  const memberN = s64.findIndex((e) => (ref.prove(s64, e.kh)[0] as number) % 8 !== 0) + 1000;
  const otherKey = absentEnd(true);

  const member = genuine('member, 64 entries', 'a present key: the path ends at its own leaf', 'sixty-four', registry, u32(memberN));
  genuine('member of a one-entry map', 'depth 0: the root is the leaf', 'one', registry, u32(1));
  genuine('member below a shared prefix', 'the bitmap has zero bits: EMPTY siblings are not sent', 'twins', registry, u32(twin[1]));
  genuine('member, other contract', 'blocklist key 5 beside registry key 5', 'two contracts', blocklist, u32(5));
  const absentEmpty = genuine('absent: EMPTY subtree', 'the path ends at an EMPTY child', 'sixty-four', registry, emptyKey);
  const absentOther = genuine('absent: another leaf on the path', 'the path ends at a leaf of another key that shares the path', 'sixty-four', registry, otherKey);
  genuine('absent from the empty map', 'depth 0, the root is EMPTY', 'empty', registry, u32(1));
  genuine('absent from a one-entry map', 'depth 0, the root is another key\'s leaf', 'one', registry, u32(2));
  genuine('absent: same key, other contract', 'registry key 77 is absent even where blocklist has entries', 'two contracts', registry, u32(77));

  const mp = member.proof as [number, Uint8Array, Uint8Array[]];
  const flip = (b: Uint8Array, at: number) => {
    const c = b.slice();
    c[at]! ^= 1;
    return c;
  };
  forged('wrong value', 'a genuine path, but the claimed value is not the one stored', 'sixty-four', registry, u32(memberN), value(999), mp, fail(ErrorCode.BAD_PROOF));
  forged('sibling byte flipped', 'one bit of one sibling changed', 'sixty-four', registry, u32(memberN), member.value!, [mp[0], mp[1], [flip(mp[2][0]!, 5), ...mp[2].slice(1)]], fail(ErrorCode.BAD_PROOF));
  forged('membership proof offered as absence', 'the present key claimed absent with its own path', 'sixty-four', registry, u32(memberN), null, mp, fail(ErrorCode.BAD_PROOF));
  forged('absence claimed with the key\'s own leaf as the other leaf', 'a non-membership proof must name another key', 'sixty-four', registry, u32(memberN), null, [...mp, ref.keyHash(registry, u32(memberN)), ref.entry(registry, u32(memberN), member.value!).vh], fail(ErrorCode.BAD_PROOF));
  const op = absentOther.proof as [number, Uint8Array, Uint8Array[], Uint8Array, Uint8Array];
  forged('other leaf off the path', 'a leaf whose key hash does not share the path bits', 'sixty-four', registry, otherKey, null, [op[0], op[1], op[2], flip(op[3], 0), op[4]], fail(ErrorCode.BAD_PROOF));
  forged('present key claimed absent with a neighbour', 'the other-leaf form for a present key, taking another member\'s leaf', 'sixty-four', registry, u32(memberN), null, [mp[0], mp[1], mp[2], s64[(memberN - 999) % 64]!.kh, s64[(memberN - 999) % 64]!.vh], fail(ErrorCode.BAD_PROOF));
  forged('other leaf in a membership proof', 'a membership claim with the five-item form', 'sixty-four', registry, otherKey, value(1), op, fail(ErrorCode.PROOF_SHAPE));
  const ep = absentEmpty.proof as [number, Uint8Array, Uint8Array[]];
  const bits = (bm: Uint8Array, depth: number) => Array.from({ length: depth }, (_, i) => bit(bm, i));
  const bitmapOf = (b: readonly number[]) => {
    const out = new Uint8Array((b.length + 7) >> 3);
    b.forEach((x, i) => (out[i >> 3]! |= x << (7 - (i % 8))));
    return out;
  };
  const shallower = bits(ep[1], ep[0]).slice(0, -1);
  if (shallower[shallower.length - 1] !== 1) throw new Error('generator: pick a key whose path has a sibling one level up');
  forged('absence proven at a shallower depth', 'the last level dropped: the path ends above the real EMPTY', 'sixty-four', registry, emptyKey, null, [ep[0] - 1, bitmapOf(shallower), ep[2].slice(0, -1)], fail(ErrorCode.BAD_PROOF));
  forged('depth over 256', 'a path longer than a key hash has bits', 'sixty-four', registry, u32(memberN), member.value!, [257, new Uint8Array(33), []], fail(ErrorCode.PROOF_SHAPE));
  forged('bitmap too short', 'the bitmap is not ceil(depth / 8) bytes', 'sixty-four', registry, u32(memberN), member.value!, [mp[0], new Uint8Array(0), mp[2]], fail(ErrorCode.PROOF_SHAPE));
  if (mp[0] % 8 === 0) throw new Error('generator: the member proof needs padding bits');
  forged('bitmap bit past the depth', 'padding bits of the bitmap must be 0', 'sixty-four', registry, u32(memberN), member.value!, [mp[0], Uint8Array.from(mp[1], (b, i) => (i === mp[1].length - 1 ? b | 1 : b)), mp[2]], fail(ErrorCode.PROOF_SHAPE));
  forged('one sibling dropped', 'fewer siblings than bits set in the bitmap', 'sixty-four', registry, u32(memberN), member.value!, [mp[0], mp[1], mp[2].slice(1)], fail(ErrorCode.PROOF_SHAPE));
  forged('last sibling EMPTY', 'a path cannot end beside EMPTY (the leaf would have moved up): not canonical', 'sixty-four', registry, u32(memberN), member.value!, [mp[0] + 1, bitmapOf([...bits(mp[1], mp[0]), 0]), mp[2]], fail(ErrorCode.PROOF_SHAPE));
  forged('sibling of 31 bytes', 'every sibling is bstr(32)', 'sixty-four', registry, u32(memberN), member.value!, [mp[0], mp[1], [mp[2][0]!.slice(1), ...mp[2].slice(1)]], fail(ErrorCode.BAD_SHAPE));
  forged('array of 4', 'a proof is an array of 3 or 5', 'sixty-four', registry, u32(memberN), member.value!, [mp[0], mp[1], mp[2], new Uint8Array(32)], fail(ErrorCode.BAD_SHAPE));
  const wire = encodeCbor(mp);
  forged('truncated', 'the wire bytes cut short by one byte', 'sixty-four', registry, u32(memberN), member.value!, wire.slice(0, -1), fail(ErrorCode.MALFORMED_CBOR));
  forged('oversized', 'more than 64 siblings: over SMALL_LIMITS before anything is hashed', 'sixty-four', registry, u32(memberN), member.value!, [256, new Uint8Array(32).fill(0xff), Array.from({ length: 65 }, () => new Uint8Array(32))], fail(ErrorCode.TOO_LARGE));
  forged('non-canonical CBOR', 'the depth as a two-byte head', 'sixty-four', registry, u32(memberN), member.value!, Uint8Array.from([wire[0]!, 0x18, mp[0], ...wire.slice(2)]), fail(ErrorCode.NON_CANONICAL));
  forged('proof against another root', 'a genuine proof of "two contracts" checked against "sixty-four"', 'sixty-four', blocklist, u32(5), value(105), ref.prove(setOf('two contracts').entries, ref.keyHash(blocklist, u32(5))), fail(ErrorCode.BAD_PROOF));
  forged('a leaf posed as an inner node', 'a one-entry map\'s proof stretched one level with its own leaf as sibling', 'one', registry, u32(1), value(1), [1, Uint8Array.of(0x80), [ref.root(setOf('one').entries)]], fail(ErrorCode.BAD_PROOF));

  return {
    tags: Object.entries(TAGS).map(([name, ascii_]) => ({ name, ascii: ascii_, hex: hex(ascii(ascii_)) })),
    emptyRoot: hex(ref.EMPTY),
    keyHashes,
    sets: setJson,
    updates: { set: 'two contracts', steps: updates },
    proofs,
  };
}
