// The device's crypto provider (native module layer, Moddable only): the core's
// CryptoProvider over libsecp256k1 in C (crypto-secp256k1.c says why that library).
// Byte-identical to the portable noble provider: same RFC 6979 signatures, same
// low-S rule, same public keys, same BIP-340 verdicts; the shared vectors prove it on the desktop build.
// Shapes are checked here, at the boundary, so the native side only sees buffers
// of the right size; verify answers false for anything malformed and never throws.

import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import * as native from './secp256k1-native.js';

// The crypto port's sizes, repeated rather than imported so this module has no
// run-time dependency on the core's module layout.
const SHA256_BYTES = 32;
const PRIVATE_KEY_BYTES = 32;
const PUBLIC_KEY_BYTES = 33;
const SIGNATURE_BYTES = 64;
const X_ONLY_PUBLIC_KEY_BYTES = 32;

function isBytes(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.length === length);
}

function sha256(data: Uint8Array): Uint8Array {
  if (!isBytes(data)) throw new TypeError('sha256: expected Uint8Array');
  const out = new Uint8Array(SHA256_BYTES);
  native.sha256(data, out);
  return out;
}

function publicKey(privateKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(PUBLIC_KEY_BYTES);
  if (!isBytes(privateKey, PRIVATE_KEY_BYTES) || !native.publicKey(privateKey, out)) {
    throw new RangeError('publicKey: invalid private key');
  }
  return out;
}

function sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (!isBytes(digest, SHA256_BYTES)) throw new RangeError('sign: digest must be 32 bytes');
  const out = new Uint8Array(SIGNATURE_BYTES);
  if (!isBytes(privateKey, PRIVATE_KEY_BYTES) || !native.sign(digest, privateKey, out)) {
    throw new RangeError('sign: invalid private key');
  }
  return out;
}

function verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  if (!isBytes(signature, SIGNATURE_BYTES) || !isBytes(digest, SHA256_BYTES) || !isBytes(publicKey, PUBLIC_KEY_BYTES)) {
    return false;
  }
  return native.verify(signature, digest, publicKey);
}

/** BIP-340 (libsecp256k1's xonly_pubkey_parse + schnorrsig_verify): one check for a FROST commit. */
function verifySchnorr(signature: Uint8Array, message: Uint8Array, xOnlyPublicKey: Uint8Array): boolean {
  if (!isBytes(signature, SIGNATURE_BYTES) || !isBytes(message, SHA256_BYTES) || !isBytes(xOnlyPublicKey, X_ONLY_PUBLIC_KEY_BYTES)) {
    return false;
  }
  return native.verifySchnorr(signature, message, xOnlyPublicKey);
}

function isValidPrivateKey(privateKey: Uint8Array): boolean {
  return isBytes(privateKey, PRIVATE_KEY_BYTES) && native.isValidPrivateKey(privateKey);
}

// One frozen provider: it holds no state (the C context is static), so every caller shares it.
const provider: CryptoProvider = Object.freeze({ name: 'secp256k1-native', sha256, publicKey, sign, verify, verifySchnorr, isValidPrivateKey });

export function createSecp256k1Crypto(): CryptoProvider {
  return provider;
}

/** Static RAM outside the XS heap that the native context holds (for the memory budget). */
export function nativeContextBytes(): number {
  return native.contextBytes();
}
