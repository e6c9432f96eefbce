// Authenticated state across restarts and over months (issue 12): the SQLite store persists every
// contract entry a block touched (set or delete) in the block's atomic write, a restart rebuilds
// the same state root as the newest header's stateRoot, and the in-memory node store stays bounded
// over many blocks of changes while proofs against the newest root still verify.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  ContractId, LedgerState, bytesToHex, contractNamespace, createNobleCrypto, decodeLightBlock, encodeLightBlock, genesisHash, headerHash,
  buildHeader, keyId, signCommit, verifyStateProof, type Header,
} from '../src/index.js';
import { enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { restoreCommittedState } from '../tools/gateway/restore-state.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { GENESIS_TIME, makeFixture, orderedSigners } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const f = makeFixture(crypto, 'state-persistence');
const NS = Uint8Array.of(0x00, 0x07);
const u8 = (...b: number[]) => Uint8Array.from(b);

/** Commits the state's touched entries as block `height` whose header names its root. */
function commit(store: ReturnType<typeof openSqliteStore>, state: LedgerState, height: number, prevHash: Uint8Array): Header {
  const header = buildHeader(crypto, { chainId: f.chainId, height, time: GENESIS_TIME + height * 1000, prevHash }, state, []);
  const hash = headerHash(crypto, header);
  const signers = orderedSigners(f.setA, f.validatorKeys).slice(0, f.setA.threshold).map((k, index) => ({ index, privateKey: k.privateKey }));
  const lightBlock = encodeLightBlock({ header, commit: signCommit(crypto, height, hash, signers) });
  store.commitBlock({ height, hash, time: header.time, txCount: 0, lightBlock }, state.takeTouched());
  return header;
}

test('contract entries persist with their block, deletes too, and a restart rebuilds the header\'s stateRoot', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ledger.sqlite');
  let store = openSqliteStore(path);
  const state = LedgerState.fromGenesis(crypto, f.genesis);
  state.putEntry(NS, u8(1), u8(10));
  state.putEntry(NS, u8(2), u8(20));
  state.putEntry(u8(0x00, 0x08), u8(1), u8(30));
  let header = commit(store, state, 1, genesisHash(crypto, f.genesis));
  state.putEntry(NS, u8(1), undefined);
  state.putEntry(NS, u8(2), u8(21));
  header = commit(store, state, 2, headerHash(crypto, header));
  const before = state.root(crypto);
  t.deepEqual(before, header.stateRoot);
  store.close();

  store = openSqliteStore(path);
  t.teardown(() => store.close());
  t.deepEqual(store.contractEntries().map((e) => [bytesToHex(e.namespace), bytesToHex(e.key), bytesToHex(e.value!)]), [['0007', '02', '15'], ['0008', '01', '1e']], 'the deleted entry is gone, the changed one updated');
  const restored = restoreCommittedState(crypto, f.genesis, store);
  t.is(bytesToHex(restored.root(crypto)), bytesToHex(before), 'same root as before the restart');
  t.is(bytesToHex(restored.root(crypto)), bytesToHex(header.stateRoot), 'and as the newest header\'s stateRoot');
  t.deepEqual(restored.entry(NS, u8(2)), u8(21));
  t.is(restored.entry(NS, u8(1)), undefined);
});

test('a restart refuses a stored state whose root is not the newest header\'s (a lost write)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteStore(join(dir, 'ledger.sqlite'));
  t.teardown(() => store.close());
  const state = LedgerState.fromGenesis(crypto, f.genesis);
  state.putEntry(NS, u8(1), u8(10));
  const header = buildHeader(crypto, { chainId: f.chainId, height: 1, time: GENESIS_TIME + 1000, prevHash: genesisHash(crypto, f.genesis) }, state, []);
  const touched = state.takeTouched();
  const hash = headerHash(crypto, header);
  const signers = orderedSigners(f.setA, f.validatorKeys).slice(0, 3).map((k, index) => ({ index, privateKey: k.privateKey }));
  // The entries left out of the write: what a store without schema 4 would have done.
  store.commitBlock({ height: 1, hash, time: header.time, txCount: 0, lightBlock: encodeLightBlock({ header, commit: signCommit(crypto, 1, hash, signers) }) }, { ...touched, entries: [] });
  t.throws(() => restoreCommittedState(crypto, f.genesis, store), { message: /not block 1's stateRoot/ });
});

test('the node store stays bounded over many blocks of changes, and proofs against the newest root still verify', (t) => {
  const state = LedgerState.fromGenesis(crypto, f.genesis);
  const KEYS = 2000;
  for (let k = 0; k < KEYS; k++) state.putEntry(NS, u8(k >> 8, k & 0xff), u8(0));
  state.root(crypto);
  const counts: number[] = [];
  let committed = state;
  for (let block = 1; block <= 400; block++) {
    // Each block: a producer's next state (a clone), 50 changed keys, its root; it becomes the committed one.
    const next = committed.clone();
    for (let i = 0; i < 50; i++) {
      const k = (block * 53 + i * 37) % KEYS;
      next.putEntry(NS, u8(k >> 8, k & 0xff), i % 10 === 0 ? undefined : u8(block & 0xff, i));
    }
    next.root(crypto);
    committed = next;
    counts.push(committed.stateTreeStats()!.nodes);
  }
  const stats = committed.stateTreeStats()!;
  // Live: ~4000 nodes of a tree of ~2000 leaves, plus the paths of the KEPT_ROOTS older roots.
  // Without sweeping, 400 blocks × 50 changes × ~11 path nodes would pile up.
  const max = Math.max(...counts);
  t.log(`nodes: live ${stats.live} after the last sweep, max held ${max}, now ${stats.nodes}; ${stats.sweeps} sweeps removed ${stats.removed}, marking visited ${stats.marked} nodes in all`);
  t.true(stats.sweeps >= 3, 'swept more than once');
  t.true(max <= 2 * stats.live + 4096 + 50 * 24, `bounded: ${max}`);
  const written = stats.removed + stats.nodes;
  t.true(max * 5 < written, `bounded far below the ${written} nodes written: ${max}`);
  for (const k of [0, 5, 777, 1999]) {
    const key = u8(k >> 8, k & 0xff);
    const answer = committed.prove(crypto, NS, key);
    t.deepEqual(answer.value, committed.entry(NS, key));
    t.true(verifyStateProof(crypto, committed.root(crypto), NS, key, answer.value, answer.proof).ok, `proof of key ${k}`);
  }
  // A state far older than the kept roots: its nodes were swept, and it still proves (rebuilt from its leaves).
  const old = state;
  const answer = old.prove(crypto, NS, u8(0, 5));
  t.true(verifyStateProof(crypto, old.root(crypto), NS, u8(0, 5), answer.value, answer.proof).ok, 'an old state rebuilds what was swept');
});

test('the real gateway restarts with the same state root, the newest header\'s stateRoot', async (t) => {
  const { dir, chain, remove } = makeChainDir('state-restart');
  t.teardown(remove);
  let gateway = await startTestGateway(dir);
  const device = newDeviceKey();
  await enroll(gateway.mqttUrl, chain, [device]);
  const before = bytesToHex(gateway.producer.committedState().root(crypto));
  const height = gateway.store.latestBlock()!.height;
  t.is(bytesToHex(decodeLightBlock(gateway.store.latestBlock()!.lightBlock).header.stateRoot), before);
  await gateway.close();
  gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  t.is(gateway.store.latestBlock()!.height, height);
  t.is(bytesToHex(gateway.producer.committedState().root(crypto)), before, 'same root after the restart');
  const proof = gateway.producer.committedState().prove(crypto, contractNamespace(ContractId.REGISTRY), keyId(crypto, device.publicKey));
  t.truthy(proof.value, 'and it proves the enrolled device');
});

test('a schema 3 ledger (no contract entries) migrates to schema 4 and keeps its rows', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ledger.sqlite');
  let store = openSqliteStore(path);
  const state = LedgerState.fromGenesis(crypto, f.genesis);
  commit(store, state, 1, genesisHash(crypto, f.genesis));
  store.close();
  // Back to what a schema 3 gateway wrote: no contract_entries table.
  const db = new (createRequire(import.meta.url)('better-sqlite3'))(path) as { exec(sql: string): void; pragma(s: string): void; close(): void };
  db.exec('DROP TABLE contract_entries');
  db.pragma('user_version = 3');
  db.close();
  store = openSqliteStore(path);
  t.teardown(() => store.close());
  t.deepEqual(store.contractEntries(), []);
  t.is(store.accounts().length, state.accounts().length);
  t.is(bytesToHex(restoreCommittedState(crypto, f.genesis, store).root(crypto)), bytesToHex(state.root(crypto)));
});
