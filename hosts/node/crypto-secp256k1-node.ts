// The native crypto provider on Node (Node host layer, shared by the gateway and the
// desktop host, so it lives below both): libsecp256k1
// through the npm `secp256k1` package (v5, N-API) for keys, signing and
// verification, and SHA-256 through node:crypto (OpenSSL) for all but short messages, which
// the core's plain-JS sha256Short hashes for less (see sha256 below). It implements the
// core's CryptoProvider port and must stay byte-identical to noble-crypto.ts:
// RFC 6979 nonces, low-S, 64-byte compact r || s; verify never throws.
// test/crypto-native.test.ts holds it to every shared vector and to noble.
//
// BIP-340 Schnorr verification (FROST commits) is noble's: the npm `secp256k1` binding
// exposes no schnorrsig, node:crypto has no secp256k1 Schnorr, and the WASM build of
// libsecp256k1 that has it (tiny-secp256k1) would be a new dependency for about one
// verification per header on a gateway. noble follows BIP-340 and its test vectors
// (test/vectors/schnorr.json), as libsecp256k1 does on the device.

import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { SHA256_SHORT_MAX, sha256Short } from '../../src/crypto/sha256-short.js';
import { PRIVATE_KEY_BYTES, PUBLIC_KEY_BYTES, SHA256_BYTES, SIGNATURE_BYTES } from '../../src/crypto/crypto-port.js';
import { verifySchnorrNoble } from '../../src/crypto/noble-crypto.js';

/** The part of the `secp256k1` v5 API used here (the package ships no types). */
interface Secp256k1Api {
  privateKeyVerify(privateKey: Uint8Array): boolean;
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
}

// The curve order n, big-endian.
const CURVE_ORDER = Uint8Array.from(
  Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex'),
);
const CURVE_ORDER_BIG = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');

let api: Secp256k1Api | undefined;

/**
 * Loads the native binding itself (`secp256k1/bindings.js`), not the package's main
 * entry: that one silently falls back to elliptic (pure JS) when the addon is missing,
 * and a "native" provider that is secretly JS would make every figure a lie.
 */
function loadNative(): Secp256k1Api {
  if (api) return api;
  const require = createRequire(import.meta.url);
  try {
    api = require('secp256k1/bindings.js') as Secp256k1Api;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`native libsecp256k1 (npm secp256k1) could not be loaded: ${reason}`);
  }
  return api;
}

/** Whether a 32-byte big-endian value is ≥ n. */
function atLeastOrder(digest: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    if (digest[i] !== CURVE_ORDER[i]) return digest[i]! > CURVE_ORDER[i]!;
  }
  return true;
}

/**
 * The digest as RFC 6979 uses it. The bundled libsecp256k1 (0.1) feeds the raw digest
 * into its nonce HMAC, whereas RFC 6979 (bits2octets) and noble reduce it mod n first:
 * for the ~2^-128 digests ≥ n the two would pick different nonces. Signing over
 * digest - n is the same ECDSA equation (e is taken mod n anyway) with the RFC's nonce.
 */
function reducedDigest(digest: Uint8Array): Uint8Array {
  if (!atLeastOrder(digest)) return digest;
  const reduced = BigInt(`0x${Buffer.from(digest).toString('hex')}`) - CURVE_ORDER_BIG;
  return Uint8Array.from(Buffer.from(reduced.toString(16).padStart(64, '0'), 'hex'));
}

const isBytes = (value: unknown, length: number): value is Uint8Array =>
  value instanceof Uint8Array && value.length === length;

export function createNativeCrypto(): CryptoProvider {
  const secp = loadNative();
  return Object.freeze({
    name: 'secp256k1-native',
    // Short messages (Merkle leaves and nodes, transaction ids, signing digests) in JS: a native
    // call costs more than the one or two compressions, and its Buffer is an off-heap allocation
    // the collector must track (a 4096-leaf block tree: ~1.3 µs per leaf against ~3.3 with
    // hash() and scratch inputs, measured). Longer ones: one-shot hash (no Hash object: ~0.7 µs
    // against ~1.3 µs for createHash on 65 bytes). Its Buffer owns a 32-byte ArrayBuffer of its
    // own, so a plain Uint8Array view of it needs no copy.
    sha256(data: Uint8Array): Uint8Array {
      if (data.length <= SHA256_SHORT_MAX) return sha256Short(data);
      const digest = hash('sha256', data, 'buffer');
      return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
    },
    publicKey(privateKey: Uint8Array): Uint8Array {
      // The binding writes into a fresh Uint8Array of its own; slice() keeps the "copy" promise explicit.
      return secp.publicKeyCreate(privateKey, true).slice();
    },
    sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
      if (digest.length !== SHA256_BYTES) throw new RangeError('sign: digest must be 32 bytes');
      // libsecp256k1's default nonce function is RFC 6979 (no extra data), and its
      // signer always normalises s to the low half, as noble's lowS: true does.
      return secp.ecdsaSign(reducedDigest(digest), privateKey).signature.slice();
    },
    verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
      // Length checks first: the binding would also accept 65-byte uncompressed keys.
      if (!isBytes(signature, SIGNATURE_BYTES) || !isBytes(digest, SHA256_BYTES) || !isBytes(publicKey, PUBLIC_KEY_BYTES)) {
        return false;
      }
      try {
        // secp256k1_ecdsa_verify rejects high-S itself; r or s zero fails verification,
        // r or s ≥ n fails compact parsing and an off-curve key fails key parsing (both throw).
        return secp.ecdsaVerify(signature, digest, publicKey);
      } catch {
        return false;
      }
    },
    verifySchnorr: verifySchnorrNoble,
    isValidPrivateKey(privateKey: Uint8Array): boolean {
      return isBytes(privateKey, PRIVATE_KEY_BYTES) && secp.privateKeyVerify(privateKey);
    },
  });
}
