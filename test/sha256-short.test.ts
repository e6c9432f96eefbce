// sha256Short (src/crypto/sha256-short.ts), the plain-JS SHA-256 of short messages the Node
// provider uses: byte-identical to OpenSSL's at every length it takes, split into parts anywhere.

import { createHash, randomBytes } from 'node:crypto';
import test from 'ava';
import { SHA256_SHORT_MAX, sha256Short } from '../src/crypto/sha256-short.js';

const openssl = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());

test('sha256Short equals OpenSSL SHA-256 at every length 0..SHA256_SHORT_MAX, however split', (t) => {
  for (let length = 0; length <= SHA256_SHORT_MAX; length++) {
    for (let round = 0; round < 8; round++) {
      const data = new Uint8Array(randomBytes(length));
      const cut = Math.floor((length * round) / 8);
      t.deepEqual(sha256Short(data), openssl(data), `length ${length}`);
      t.deepEqual(sha256Short(data.subarray(0, cut), data.subarray(cut)), openssl(data), `length ${length} cut at ${cut}`);
    }
  }
});

test('sha256Short of the empty message and of FIPS 180-4 "abc"', (t) => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  t.is(hex(sha256Short()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.is(hex(sha256Short(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sha256Short refuses a message longer than SHA256_SHORT_MAX', (t) => {
  t.throws(() => sha256Short(new Uint8Array(SHA256_SHORT_MAX + 1)), { instanceOf: RangeError });
  t.throws(() => sha256Short(new Uint8Array(60), new Uint8Array(60)), { instanceOf: RangeError });
});
