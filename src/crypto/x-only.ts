// Whether 32 bytes are a BIP-340 x-only public key (core layer, crypto): x < p and x³ + 7 a square
// mod p, i.e. BIP-340's lift_x succeeds. The crypto port has no such call (verifySchnorr answers
// false alike for a bad key and a bad signature), so this is plain arithmetic, the same on every
// engine. Only a REKEY's admission runs it (one modular power, well under a millisecond on a
// gateway); devices never need it: an off-curve group key verifies nothing.

import { X_ONLY_PUBLIC_KEY_BYTES } from './crypto-port.js';

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** True only for 32 bytes x with x < p and a point (x, y) on secp256k1 (Euler's criterion on x³ + 7). */
export function isXOnlyPublicKey(key: Uint8Array): boolean {
  if (!(key instanceof Uint8Array) || key.length !== X_ONLY_PUBLIC_KEY_BYTES) return false;
  let x = 0n;
  for (const byte of key) x = (x << 8n) | BigInt(byte);
  if (x >= P) return false;
  const y2 = (((x * x) % P) * x + 7n) % P;
  // secp256k1 has no point with y = 0 (its order is odd), so y2 is never 0 here.
  return modPow(y2, (P - 1n) >> 1n, P) === 1n;
}
