// Property tests (fast-check): untrusted bytes only ever yield a value or a
// BotError, valid transactions round-trip, and Merkle proofs hold for any tree.

import test from 'ava';
import fc from 'fast-check';
import { decodeCbor, encodeCbor } from '../src/codec/cbor.js';
import { TX_LIMITS } from '../src/codec/limits.js';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { BotError } from '../src/errors/bot-error.js';
import { decodeCheckpoint } from '../src/chain/checkpoint.js';
import { decodeLightBlock } from '../src/chain/commit.js';
import { inclusionProofs, merkleRoot, merkleTree } from '../src/merkle/merkle.js';
import { decodeProof, verifyInclusion } from '../src/merkle/proof.js';
import { decodeAck } from '../src/mqtt/ack-message.js';
import { decodeRequest, decodeResponse } from '../src/mqtt/messages.js';
import { decodeProofMessage } from '../src/mqtt/proof-message.js';
import { MAX_READING, MIN_READING, readingsBody } from '../src/tx/bodies.js';
import { keyId } from '../src/tx/identity.js';
import { Quantity, TxKind } from '../src/tx/kinds.js';
import { decodeTx, encodeTx, signTx, verifyTxSignature } from '../src/tx/tx.js';
import { testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const decoders = { decodeCbor: (b: Uint8Array) => decodeCbor(b, TX_LIMITS), decodeTx, decodeLightBlock, decodeCheckpoint, decodeProof, decodeAck, decodeProofMessage, decodeRequest, decodeResponse };

function onlyBotErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    if (!(error instanceof BotError)) throw error;
  }
  return true;
}

test('random bytes never escape as anything but a BotError', (t) => {
  for (const [name, decode] of Object.entries(decoders)) {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => onlyBotErrors(() => decode(bytes))), { numRuns: 400 });
    t.pass(name);
  }
});

// Structured garbage reaches deeper than random bytes: valid CBOR of the wrong shape.
const cborValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.maxSafeInteger(), fc.integer(), fc.uint8Array({ maxLength: 40 }), fc.array(tie('value'), { maxLength: 7 })),
})).value;

test('well-formed CBOR of any shape is decoded or refused with a BotError', (t) => {
  for (const [name, decode] of Object.entries(decoders)) {
    fc.assert(fc.property(cborValue, (value) => onlyBotErrors(() => decode(encodeCbor(value as never)))), { numRuns: 300 });
    t.pass(name);
  }
});

test('any valid readings transaction round-trips and verifies; one flipped bit does not', (t) => {
  const device = testKey(crypto, 'property device');
  const sender = keyId(crypto, device.publicKey);
  const chainId = new Uint8Array(8).fill(1);
  const series = fc.record({
    quantity: fc.constantFrom(...Object.values(Quantity)),
    scale: fc.integer({ min: -9, max: 9 }),
    interval: fc.integer({ min: 1, max: 86_400 }),
    values: fc.array(fc.integer({ min: MIN_READING, max: MAX_READING }), { minLength: 1, maxLength: 32 }),
  });
  fc.assert(
    fc.property(fc.array(series, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.nat(), fc.nat(), (s, seq, time, bit) => {
      const tx = signTx(crypto, chainId, { kind: TxKind.READINGS, sender, seq, time, body: readingsBody(s) }, device.privateKey);
      const wire = encodeTx(tx);
      const decoded = decodeTx(wire);
      if (!verifyTxSignature(crypto, chainId, decoded, device.publicKey).ok) return false;
      const corrupted = wire.slice();
      corrupted[bit % wire.length]! ^= 1 << bit % 8;
      try {
        return !verifyTxSignature(crypto, chainId, decodeTx(corrupted), device.publicKey).ok;
      } catch (error) {
        return error instanceof BotError;
      }
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test('every leaf of any tree has a proof that verifies, and only at its own index', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 70 }), (leaves) => {
      const root = merkleRoot(crypto, leaves);
      return inclusionProofs(crypto, leaves).every((proof, i) => {
        const own = verifyInclusion(crypto, leaves[i]!, proof, root).ok;
        const other = leaves.length > 1 && verifyInclusion(crypto, leaves[i]!, { ...proof, index: (i + 1) % leaves.length }, root).ok;
        return own && (!other || leaves[i]!.every((b, j) => b === leaves[(i + 1) % leaves.length]![j]));
      });
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test('a tree built once gives the same root and proofs as merkleRoot and inclusionProofs', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 0, maxLength: 70 }), (leaves) => {
      const tree = merkleTree(crypto, leaves);
      t.deepEqual(tree.root, merkleRoot(crypto, leaves));
      t.deepEqual(tree.proofs(), leaves.length ? inclusionProofs(crypto, leaves) : []);
    }),
    { numRuns: 100 },
  );
});
