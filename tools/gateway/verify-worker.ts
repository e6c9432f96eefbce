// One thread of the gateway's verification pool (tools layer, Node only; started by
// verify-pool.ts, which describes the batch layout). For each job it decodes the
// wire strictly (decodeTx), hashes the signing preimage for the pool's chain and
// checks the signature with native libsecp256k1. Any failure of a job — bytes that
// do not decode, a wrong key, a bad signature — is a 0 for that job, never an error.

import { parentPort, workerData } from 'node:worker_threads';
import { decodeTx, txSigningDigest } from '../../src/tx/tx.js';
import { createNativeCrypto } from './crypto-secp256k1-node.js';
import type { BatchReply, BatchRequest, VerifyWorkerData } from './verify-pool.js';

if (!parentPort) throw new Error('verify-worker.ts runs only as a worker thread of verify-pool.ts');
const port = parentPort;
const { chainId } = workerData as VerifyWorkerData;
// Loaded at start, so a missing native addon fails the worker at once (the pool reports it).
const crypto = createNativeCrypto();

function verifyOne(wire: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const tx = decodeTx(wire);
    return crypto.verify(tx.signature, txSigningDigest(crypto, chainId, tx), publicKey);
  } catch {
    return false; // undecodable or non-canonical wire (BotError)
  }
}

function verifyBatch({ count, buffer }: BatchRequest): Uint8Array {
  const headerBytes = 8 * count;
  const ends = new Uint32Array(buffer, 0, 2 * count);
  const data = new Uint8Array(buffer, headerBytes);
  const results = new Uint8Array(count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const wireEnd = ends[2 * i]!;
    const keyEnd = ends[2 * i + 1]!;
    // Views, not copies: the batch buffer was transferred to this thread and is ours.
    results[i] = verifyOne(data.subarray(start, wireEnd), data.subarray(wireEnd, keyEnd)) ? 1 : 0;
    start = keyEnd;
  }
  return results;
}

port.on('message', (request: BatchRequest) => {
  let reply: BatchReply;
  try {
    reply = { id: request.id, results: verifyBatch(request) };
  } catch (error) {
    // Only a malformed batch gets here (e.g. offsets past the buffer); the pool rejects it.
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, reply.results ? [reply.results.buffer as ArrayBuffer] : []);
});
