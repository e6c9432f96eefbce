// The contract interface and registry (core): every registered contract has a unique id and owns
// distinct kinds; transactions reach their contract; contract entries are leaves of the state
// root, set and deleted, persisted through takeTouched and restored by fromEntries; a clone
// shares the tree yet keeps its own root.

import test from 'ava';
import {
  CONTRACTS, ContractId, LedgerState, TxKind, blocklist, contractById, contractNamespace, contractOf, createNobleCrypto,
  deviceRegistry, governance, queryContract, type SignedTx, verifyStateProof, ErrorCode,
} from '../src/index.js';

const crypto = createNobleCrypto();
const tx = (kind: TxKind, body: unknown[]): SignedTx => ({ kind, sender: new Uint8Array(8), seq: 1, time: 0, body, signature: new Uint8Array(64) }) as unknown as SignedTx;

test('each contract has its own id and kinds, and each kind but READINGS and INVOKE has exactly one contract', (t) => {
  const ids = CONTRACTS.map((c) => c.id);
  t.is(new Set(ids).size, ids.length, 'ids are unique');
  const owned = CONTRACTS.flatMap((c) => c.kinds);
  t.is(new Set(owned).size, owned.length, 'no kind has two contracts');
  for (const kind of Object.values(TxKind)) {
    const expected = kind !== TxKind.READINGS && kind !== TxKind.INVOKE;
    t.is(owned.includes(kind), expected, `kind ${kind}`);
  }
  t.false(owned.includes(TxKind.INVOKE), 'INVOKE is routed by its contract id, not owned');
});

test('transactions reach their contract: by kind, and INVOKE by its body\'s contract id', (t) => {
  t.is(contractOf(tx(TxKind.ENROLL, [])), deviceRegistry);
  t.is(contractOf(tx(TxKind.BLOCK_LIFT, [])), blocklist);
  t.is(contractOf(tx(TxKind.GOVERN, [])), governance);
  t.is(contractOf(tx(TxKind.INVOKE, [ContractId.BLOCKLIST, 0, []])), blocklist);
  t.is(contractOf(tx(TxKind.INVOKE, [0xfff0, 0, []])), undefined);
  t.is(contractById(ContractId.REGISTRY), deviceRegistry);
});

test('queries: an account, an absent entry, and typed refusals for unknown contracts, methods and arguments', (t) => {
  const id = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const state = LedgerState.fromEntries([{ id, key: new Uint8Array(33).fill(2), role: 2, status: 0, lastSeq: 4, enrolledAt: 1 }], []);
  const account = queryContract(crypto, state, ContractId.REGISTRY, 0, [id]);
  t.true(account.ok && account.value instanceof Uint8Array);
  const absent = queryContract(crypto, state, ContractId.BLOCKLIST, 0, [id]);
  t.true(absent.ok && absent.value === undefined, 'not blocked: nothing there');
  for (const [contract, method, args] of [[0xfff0, 0, [id]], [ContractId.REGISTRY, 9, [id]], [ContractId.REGISTRY, 0, [new Uint8Array(3)]]] as const) {
    const refused = queryContract(crypto, state, contract, method, args as unknown as Uint8Array[]);
    t.true(!refused.ok && refused.code === ErrorCode.BAD_REQUEST, `${contract}/${method}`);
  }
});

test('contract entries: set and delete move the root, a delete gives the earlier root back, and they persist and prove', (t) => {
  const ns = contractNamespace(0x0777);
  const state = LedgerState.fromEntries([], []);
  const empty = state.root(crypto);
  const store = state.storeOf(ns);
  store.set(Uint8Array.of(1), Uint8Array.of(0xaa));
  store.set(Uint8Array.of(2), Uint8Array.of(0xbb));
  const two = state.root(crypto);
  t.notDeepEqual(two, empty);
  t.deepEqual(store.get(Uint8Array.of(1)), Uint8Array.of(0xaa));

  const touched = state.takeTouched().entries;
  t.is(touched.length, 2, 'both writes are for the block\'s write');
  const restored = LedgerState.fromEntries([], [], undefined, touched);
  t.deepEqual(restored.root(crypto), two, 'a state rebuilt from the stored entries has the same root');

  const present = state.prove(crypto, ns, Uint8Array.of(2));
  t.deepEqual(present.value, Uint8Array.of(0xbb));
  t.true(verifyStateProof(crypto, two, ns, Uint8Array.of(2), Uint8Array.of(0xbb), present.proof).ok, 'membership');
  t.false(verifyStateProof(crypto, two, ns, Uint8Array.of(2), Uint8Array.of(0xbc), present.proof).ok, 'another value is refused');
  const absent = state.prove(crypto, ns, Uint8Array.of(3));
  t.is(absent.value, undefined);
  t.true(verifyStateProof(crypto, two, ns, Uint8Array.of(3), undefined, absent.proof).ok, 'non-membership');

  store.delete(Uint8Array.of(2));
  store.delete(Uint8Array.of(1));
  t.deepEqual(state.root(crypto), empty, 'deleting every entry gives the empty root back');
  t.deepEqual(state.takeTouched().entries.map((e) => e.value), [undefined, undefined], 'deletes are written too');
});

test('a clone shares the tree but keeps its own root: the original\'s root and proofs stay as they were', (t) => {
  const ns = contractNamespace(0x0777);
  const state = LedgerState.fromEntries([], []);
  state.storeOf(ns).set(Uint8Array.of(1), Uint8Array.of(1));
  const before = state.root(crypto);
  const next = state.clone();
  next.storeOf(ns).set(Uint8Array.of(1), Uint8Array.of(2));
  t.notDeepEqual(next.root(crypto), before);
  t.deepEqual(state.root(crypto), before);
  const proof = state.prove(crypto, ns, Uint8Array.of(1));
  t.true(verifyStateProof(crypto, before, ns, Uint8Array.of(1), Uint8Array.of(1), proof.proof).ok);
});
