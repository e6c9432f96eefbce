// One thread of the gateway's verification pool (tools layer, Node only; started by
// verify-pool.ts, which describes the batch layout). For each job it decodes the
// wire strictly (decodeTx), hashes the signing preimage for the pool's chain and
// checks the signature with native libsecp256k1, and, if the request asks for ids,
// hashes the wire into its transaction id, so that the main thread neither decodes
// nor hashes. Any failure of a job is a code for that job, never an error: the
// BotError code of a wire that does not decode, BAD_SIGNATURE for a signature that
// does not verify (or a key libsecp256k1 refuses).

import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { decodeTx, txId, txSigningDigest } from '../../src/tx/tx.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { type BatchReply, type BatchRequest, TX_ID_BYTES, type VerifyWorkerData, replyBytes } from './verify-pool.js';

if (!parentPort) throw new Error('verify-worker.ts runs only as a worker thread of verify-pool.ts');
const port = parentPort;
const { chainId } = workerData as VerifyWorkerData;
// Loaded at start, so a missing native addon fails the worker at once (the pool reports it).
const crypto = createNativeCrypto();

function checkOne(wire: Uint8Array, publicKey: Uint8Array): number {
  let tx;
  try {
    tx = decodeTx(wire);
  } catch (error) {
    return error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR;
  }
  try {
    return crypto.verify(tx.signature, txSigningDigest(crypto, chainId, tx), publicKey) ? ErrorCode.OK : ErrorCode.BAD_SIGNATURE;
  } catch {
    return ErrorCode.BAD_SIGNATURE; // a key libsecp256k1 cannot parse verifies nothing
  }
}

function checkBatch({ count, buffer, withIds }: BatchRequest): Uint8Array {
  const headerBytes = 8 * count;
  const ends = new Uint32Array(buffer, 0, 2 * count);
  const data = new Uint8Array(buffer, headerBytes);
  const reply = new Uint8Array(replyBytes(count, withIds));
  const codes = new Uint16Array(reply.buffer, 0, count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const wireEnd = ends[2 * i]!;
    const keyEnd = ends[2 * i + 1]!;
    // Views, not copies: the batch buffer was transferred to this thread and is ours.
    const wire = data.subarray(start, wireEnd);
    const code = checkOne(wire, data.subarray(wireEnd, keyEnd));
    codes[i] = code;
    if (withIds && code === ErrorCode.OK) reply.set(txId(crypto, wire), 2 * count + TX_ID_BYTES * i);
    start = keyEnd;
  }
  return reply;
}

// This thread's OS id (Linux: /proc/thread-self → "<pid>/task/<tid>"), sent once so the pool can say
// which threads are its workers (a benchmark reads their CPU time from /proc); elsewhere none is sent.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isSafeInteger(tid)) port.postMessage({ id: 0, tid } satisfies BatchReply);
} catch {
  // not Linux
}

port.on('message', (request: BatchRequest) => {
  let reply: BatchReply;
  try {
    reply = { id: request.id, results: checkBatch(request) };
  } catch (error) {
    // Only a malformed batch gets here (e.g. offsets past the buffer); the pool rejects it.
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, reply.results ? [reply.results.buffer as ArrayBuffer] : []);
});
