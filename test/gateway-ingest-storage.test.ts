// Ingest when the ledger write fails (test layer, Node only): a transaction whose original was
// never made durable must not be answered REPLAY (the device would then treat it as accepted and
// get NOT_FOUND for its proof), and the failure is transient for the device (INTERNAL), not a
// permanent rejection that would make it drop the readings. Ingest runs with its real admission
// on a real state; the store, bus and verify pool are in-memory stand-ins.

import test from 'ava';
import {
  AccountRole, AccountStatus, ErrorCode, LedgerState, Quantity, TxKind, chainTopics, decodeAck, encodeTx, errorName, keyId, readingsBody, signTx, txId,
} from '../src/index.js';
import type { Bus } from '../tools/gateway/bus.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { type DeployedHost, type HostAdmission, callBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import { Ingest } from '../tools/gateway/ingest.js';
import type { LedgerStore } from '../tools/gateway/ledger-store.js';
import { RateLimiter } from '../tools/gateway/rate-limiter.js';
import { TX_ID_BYTES, type VerifyJob } from '../tools/gateway/verify-pool.js';

const crypto = createNativeCrypto();

test('a failed ledger write answers the whole batch of that sender INTERNAL, never REPLAY for a copy whose original was not stored', async (t) => {
  const chainId = new Uint8Array(8).fill(5);
  const topics = chainTopics(chainId);
  const privateKey = crypto.sha256(Uint8Array.of(7));
  const publicKey = crypto.publicKey(privateKey);
  const sender = keyId(crypto, publicKey);
  let working = LedgerState.fromEntries([{ id: sender, key: publicKey, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 0 }], []);
  const acks: { seq: number; code: number }[] = [];
  const bus = {
    publish: async (_topic: string, payload: Uint8Array) => void acks.push(decodeAck(payload)),
  } as unknown as Bus;
  let failWrites = true;
  const stored: number[] = [];
  const store = {
    appendPending: (rows: readonly { seq: number }[]) => {
      if (failWrites) throw new Error('disk full');
      stored.push(...rows.map((r) => r.seq));
    },
  } as unknown as LedgerStore;
  const ingest = new Ingest({
    crypto, topics, store, bus, now: () => 1_800_000_000_000,
    working: () => working,
    // Every wire verifies; ids are the real ones.
    check: async (jobs: readonly VerifyJob[]) => {
      const ids = new Uint8Array(TX_ID_BYTES * jobs.length);
      jobs.forEach((job, i) => ids.set(txId(crypto, job.wire), TX_ID_BYTES * i));
      return { codes: new Uint16Array(jobs.length), ids };
    },
    rate: new RateLimiter({ perSecond: 1000, burst: 1000, floodRejections: 1000, floodWindowMs: 1000 }),
    onAdmitted: () => {},
    onFlood: () => {},
    onStorageFailure: () => {
      working = LedgerState.fromEntries([{ id: sender, key: publicKey, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 0 }], []);
    },
  });
  const wire = encodeTx(signTx(crypto, chainId, { kind: TxKind.READINGS, sender, seq: 1, time: 1_800_000_000, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2000] }]) }, privateKey));
  // The device sent seq 1 and, its ack late, sent it again: both copies land in one batch.
  ingest.handle(wire, undefined);
  ingest.handle(wire, undefined);
  await ingest.drain();
  t.deepEqual(acks.map((a) => `${a.seq} ${errorName(a.code)}`), ['1 INTERNAL', '1 INTERNAL'], 'neither copy is REPLAY: nothing was stored');
  t.deepEqual(stored, []);
  // The device sends it again once the disk is back: accepted, as the acks promised.
  failWrites = false;
  acks.length = 0;
  ingest.handle(wire, undefined);
  await ingest.drain();
  t.deepEqual(acks, [], 'accepted: no ack, the proof will be the ack (§9.2)');
  t.deepEqual(stored, [1]);
});

test("after the sandbox itself failed on a call, the batch's later deployed calls are refused INTERNAL without running (the producer's hold ends)", async (t) => {
  const chainId = new Uint8Array(8).fill(6);
  const topics = chainTopics(chainId);
  const privateKey = crypto.sha256(Uint8Array.of(8));
  const publicKey = crypto.publicKey(privateKey);
  const sender = keyId(crypto, publicKey);
  const working = LedgerState.fromEntries([{ id: sender, key: publicKey, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: 0, enrolledAt: 0 }], []);
  const acks: { seq: number; code: number }[] = [];
  const bus = { publish: async (_topic: string, payload: Uint8Array) => void acks.push(decodeAck(payload)) } as unknown as Bus;
  let runs = 0;
  let heldWhileRunning = false;
  const ingest: Ingest = new Ingest({
    crypto, topics, bus, now: () => 1_800_000_000_000,
    store: { appendPending: () => t.fail('nothing is admitted') } as unknown as LedgerStore,
    working: () => working,
    check: async (jobs: readonly VerifyJob[]) => {
      const ids = new Uint8Array(TX_ID_BYTES * jobs.length);
      jobs.forEach((job, i) => ids.set(txId(crypto, job.wire), TX_ID_BYTES * i));
      return { codes: new Uint16Array(jobs.length), ids };
    },
    deployed: {
      admit: async (): Promise<HostAdmission> => {
        runs++;
        heldWhileRunning = ingest.holding;
        return { verdict: { ok: false, code: ErrorCode.INTERNAL, reason: 'sandbox: no answer' }, effects: { error: { code: ErrorCode.INTERNAL, message: 'sandbox: no answer' } }, hostFailure: true };
      },
    } as unknown as DeployedHost,
    rate: new RateLimiter({ perSecond: 1000, burst: 1000, floodRejections: 1000, floodWindowMs: 1000 }),
    onAdmitted: () => t.fail('nothing is admitted'),
    onFlood: () => {},
    onStorageFailure: () => {},
  });
  for (let seq = 1; seq <= 3; seq++) {
    ingest.handle(encodeTx(signTx(crypto, chainId, { kind: TxKind.INVOKE, sender, seq, time: 1_800_000_000, body: callBody('11'.repeat(32), 'mint', null) as never }, privateKey)), undefined);
  }
  await ingest.drain();
  t.is(runs, 1, 'only the first call ran');
  t.true(heldWhileRunning);
  t.false(ingest.holding);
  t.deepEqual(acks.map((a) => `${a.seq} ${errorName(a.code)}`), ['1 INTERNAL', '2 INTERNAL', '3 INTERNAL']);
});
