// The verify pool's check() (test layer, Node only): what ingest relies on so that its own
// thread neither decodes nor hashes. Per job, in order and across batches and workers, the
// code of the first failure (the decode error's own code, or BAD_SIGNATURE) and, for a valid
// transaction, its id; and the workers' OS thread ids for CPU accounting. (verify(), the
// boolean form, is covered with crashes and closing in crypto-native.test.ts.)

import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  ErrorCode, Quantity, TxKind, concatBytes, encodeTx, errorName, keyId, readingsBody, signTx, txId,
} from '../src/index.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { TX_ID_BYTES, type VerifyJob, createVerifyPool } from '../tools/gateway/verify-pool.js';

const crypto = createNativeCrypto();
const CHAIN_ID = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const privateKey = crypto.sha256(new TextEncoder().encode('verify pool check'));
const publicKey = crypto.publicKey(privateKey);
const otherKey = crypto.publicKey(crypto.sha256(new TextEncoder().encode('another device')));
const sender = keyId(crypto, publicKey);

const reading = (seq: number, chainId = CHAIN_ID) =>
  encodeTx(signTx(crypto, chainId, { kind: TxKind.READINGS, sender, seq, time: 1_767_225_600, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [seq] }]) }, privateKey));

/** Jobs of every kind, with the code each must get. */
function jobs(count: number): { jobs: VerifyJob[]; expected: number[] } {
  const out: VerifyJob[] = [];
  const expected: number[] = [];
  for (let i = 0; i < count; i++) {
    const wire = reading(i + 1);
    const [job, code]: [VerifyJob, number] = (() => {
      switch (i % 7) {
        case 1: return [{ wire, publicKey: otherKey }, ErrorCode.BAD_SIGNATURE];
        case 2: return [{ wire: reading(i + 1, new Uint8Array(8).fill(9)), publicKey }, ErrorCode.BAD_SIGNATURE];
        case 3: return [{ wire: wire.subarray(0, wire.length - 3), publicKey }, ErrorCode.MALFORMED_CBOR];
        case 4: {
          const small = reading(5); // seq 5 sits in its head byte; written as 0x18 0x05 it is the same value, not canonical
          return [{ wire: concatBytes(small.subarray(0, 11), Uint8Array.of(0x18, small[11]!), small.subarray(12)), publicKey }, ErrorCode.NON_CANONICAL];
        }
        case 5: return [{ wire: new Uint8Array(5000), publicKey }, ErrorCode.TOO_LARGE];
        case 6: return [{ wire, publicKey: publicKey.subarray(1) }, ErrorCode.BAD_SIGNATURE]; // not a key
        default: return [{ wire, publicKey }, ErrorCode.OK];
      }
    })();
    out.push(job);
    expected.push(code);
  }
  return { jobs: out, expected };
}

test('check() gives each job its code and each valid transaction its id, in order across batches', async (t) => {
  const { jobs: all, expected } = jobs(300);
  // Small batches, so one call spans many replies from both workers.
  const pool = createVerifyPool({ workers: 2, chainId: CHAIN_ID, maxBatch: 16 });
  try {
    for (const slice of [all, all.slice(0, 10), all.slice(7, 8)]) {
      const offset = slice === all ? 0 : all.indexOf(slice[0]!);
      const { codes, ids } = await pool.check(slice);
      t.is(codes.length, slice.length);
      t.is(ids.length, TX_ID_BYTES * slice.length);
      t.deepEqual([...codes].map(errorName), expected.slice(offset, offset + slice.length).map(errorName));
      slice.forEach((job, i) => {
        if (codes[i] === ErrorCode.OK) t.deepEqual(ids.subarray(TX_ID_BYTES * i, TX_ID_BYTES * (i + 1)), txId(crypto, job.wire), `id of job ${offset + i}`);
      });
    }
    const empty = await pool.check([]);
    t.is(empty.codes.length, 0);
    t.deepEqual(await pool.verify(all.slice(0, 7)), expected.slice(0, 7).map((code) => code === ErrorCode.OK));
  } finally {
    await pool.close();
  }
});

test('the pool names its workers\' OS threads (Linux), which belong to this process', async (t) => {
  const pool = createVerifyPool({ workers: 2, chainId: CHAIN_ID });
  try {
    await pool.verify(jobs(4).jobs); // a round trip: each worker has reported its id by now
    await pool.verify(jobs(40).jobs);
    const tids = pool.threadIds();
    if (process.platform !== 'linux') return t.deepEqual(tids, []);
    t.is(tids.length, 2);
    t.is(new Set(tids).size, 2);
    for (const tid of tids) {
      t.not(tid, process.pid, 'not the main thread');
      t.notThrows(() => readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8'), `thread ${tid} is ours`);
    }
  } finally {
    await pool.close();
  }
  t.deepEqual(pool.threadIds(), [], 'none once closed');
});
