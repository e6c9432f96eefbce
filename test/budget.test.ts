// The byte budget of transactions (every byte costs battery on a device):
// ≤ 100 bytes for one reading and ≤ 12 bytes per reading in a 32-reading batch,
// signature included, with worst-case-but-realistic field sizes.

import test from 'ava';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { readingsBody } from '../src/tx/bodies.js';
import { keyId } from '../src/tx/identity.js';
import { Quantity, TxKind } from '../src/tx/kinds.js';
import { encodeTx, signTx } from '../src/tx/tx.js';
import { testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const device = testKey(crypto, 'budget');
const chainId = new Uint8Array(8).fill(9);
// A sequence number past 2^32 - 1 would take 9 bytes; a device reserving sequences
// in blocks of 64 would need 4 billion readings to get there.
const WORST_SEQ = 0xffff_ffff;
const TIME = 2_000_000_000;

function sizeOf(values: number[]): number {
  const body = readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 60, values }]);
  const tx = signTx(crypto, chainId, { kind: TxKind.READINGS, sender: keyId(crypto, device.publicKey), seq: WORST_SEQ, time: TIME, body }, device.privateKey);
  return encodeTx(tx).length;
}

test('one reading fits in 100 bytes', (t) => {
  // -327.68 .. 655.35 °C at scale -2 still takes a 2-byte mantissa.
  const size = sizeOf([-32768]);
  t.log(`one-reading transaction: ${size} bytes`);
  t.true(size <= 100, `${size} bytes`);
});

test('a 32-reading batch costs at most 12 bytes per reading', (t) => {
  const size = sizeOf(Array.from({ length: 32 }, (_, i) => 60000 - i));
  t.log(`32-reading transaction: ${size} bytes, ${(size / 32).toFixed(2)} bytes per reading`);
  t.true(size <= 12 * 32, `${size} bytes`);
});
