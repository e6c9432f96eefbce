// Interop: botpeer's signatures verify with an independent implementation
// (OpenSSL through node:crypto), OpenSSL's signatures verify with botpeer once
// low-S, and an independent strict CBOR decoder (cborg) reads every transaction.

import test from 'ava';
import { decode as cborgDecode } from 'cborg';
import { createPublicKey, generateKeyPairSync, sign as osslSign, verify as osslVerify } from 'node:crypto';
import txVectors from './vectors/tx.json' with { type: 'json' };
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { decodeTx, txSigningPreimage } from '../src/tx/tx.js';
import { hex, unhex } from './support/hex-json.js';

const crypto = createNobleCrypto();
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** DER SubjectPublicKeyInfo prefix for a compressed secp256k1 key (id-ecPublicKey, secp256k1). */
const SPKI_PREFIX = unhex('3036301006072a8648ce3d020106052b8104000a032200');

function opensslKey(compressed: Uint8Array) {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, compressed]), format: 'der', type: 'spki' });
}

const validTxs = txVectors.verify.filter((v) => v.expect.ok);

test('every botpeer transaction signature verifies with OpenSSL', (t) => {
  const chainId = unhex(txVectors.chainId);
  for (const v of validTxs) {
    const tx = decodeTx(unhex(v.wire));
    const ok = osslVerify('sha256', txSigningPreimage(chainId, tx), { key: opensslKey(unhex(v.publicKey)), dsaEncoding: 'ieee-p1363' }, tx.signature);
    t.true(ok, v.name);
  }
  t.true(validTxs.length >= 8);
});

test('OpenSSL signatures verify with botpeer once normalised to low-S', (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const compressed = Uint8Array.from([y[31]! & 1 ? 3 : 2, ...x]);
  for (let i = 0; i < 20; i++) {
    const message = crypto.sha256(Uint8Array.of(i));
    const signature = new Uint8Array(osslSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    const s = BigInt('0x' + hex(signature.slice(32)));
    const lowS = s > SECP256K1_N / 2n ? SECP256K1_N - s : s;
    signature.set(unhex(lowS.toString(16).padStart(64, '0')), 32);
    t.true(crypto.verify(signature, crypto.sha256(message), compressed), `signature ${i}`);
  }
});

test('cborg in strict mode reads every transaction as botpeer does', (t) => {
  const strict = { strict: true, rejectDuplicateMapKeys: true, allowIndefinite: false, allowUndefined: false, allowNaN: false, allowInfinity: false, allowBigInt: false, useMaps: true } as const;
  for (const v of validTxs) {
    const bytes = unhex(v.wire);
    const theirs = cborgDecode(bytes, strict) as unknown[];
    const ours = decodeTx(bytes);
    t.is(theirs.length, 6, v.name);
    t.deepEqual(theirs.slice(0, 4), [ours.kind, Uint8Array.from(ours.sender), ours.seq, ours.time], v.name);
    t.deepEqual(theirs[5], Uint8Array.from(ours.signature), v.name);
  }
});

test('cborg in strict mode also refuses what botpeer calls non-canonical', (t) => {
  const nonCanonical = txVectors.verify.find((v) => v.name === 'non-canonical seq')!;
  t.throws(() => cborgDecode(unhex(nonCanonical.wire), { strict: true }));
});
