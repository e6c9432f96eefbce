// The portable crypto provider (core layer): @noble/hashes SHA-256 and
// @noble/secp256k1 ECDSA, pure JS, identical on Node and XS. Hosts with a
// native implementation pass their own CryptoProvider instead; on an ESP32 this
// one does not fit (noble-secp256k1 builds a ~0.7 MB base-point table under XS).

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import type { CryptoProvider } from './crypto-port.js';
import {
  PRIVATE_KEY_BYTES,
  PUBLIC_KEY_BYTES,
  SCHNORR_SIGNATURE_BYTES,
  SHA256_BYTES,
  SIGNATURE_BYTES,
  X_ONLY_PUBLIC_KEY_BYTES,
} from './crypto-port.js';

let hashesInstalled = false;

// noble-secp256k1 v3 ships without sync hashes; install them on first use, not at import
// (module objects may be frozen once preloaded on XS).
function installHashes(): void {
  if (hashesInstalled) return;
  secp.hashes.sha256 = (message) => sha256(message);
  secp.hashes.hmacSha256 = (key, message) => hmac(sha256, key, message);
  hashesInstalled = true;
}

/**
 * BIP-340 verification by noble (lift_x, r < p, s < n, R = s·G − e·P with even y and x(R) = r), for
 * this provider and the Node native one. One difference from BIP-340 and libsecp256k1: noble also
 * refuses s = 0. A valid signature with s = 0 would need x(−e·P) = r with e = H(r || P || m), a hash
 * fixed point nobody can construct, so every provider gives the same answer on any input that exists.
 */
export function verifySchnorrNoble(signature: Uint8Array, message: Uint8Array, xOnlyPublicKey: Uint8Array): boolean {
  if (!isBytes(signature, SCHNORR_SIGNATURE_BYTES) || !isBytes(message, SHA256_BYTES) || !isBytes(xOnlyPublicKey, X_ONLY_PUBLIC_KEY_BYTES)) {
    return false;
  }
  installHashes(); // BIP-340's tagged hashes go through secp.hashes.sha256
  try {
    return secp.schnorr.verify(signature, message, xOnlyPublicKey);
  } catch {
    return false; // noble returns false for bad points and scalars; this only guards the boundary
  }
}

const isBytes = (value: unknown, length: number): value is Uint8Array => value instanceof Uint8Array && value.length === length;

export function createNobleCrypto(): CryptoProvider {
  return Object.freeze({
    name: 'noble',
    sha256: (data: Uint8Array) => sha256(data),
    publicKey(privateKey: Uint8Array): Uint8Array {
      installHashes();
      return secp.getPublicKey(privateKey, true);
    },
    sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
      installHashes();
      if (digest.length !== SHA256_BYTES) throw new RangeError('sign: digest must be 32 bytes');
      return secp.sign(digest, privateKey, { prehash: false, lowS: true, extraEntropy: false, format: 'compact' });
    },
    verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
      installHashes();
      if (signature.length !== SIGNATURE_BYTES || digest.length !== SHA256_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) {
        return false;
      }
      try {
        return secp.verify(signature, digest, publicKey, { prehash: false, lowS: true, format: 'compact' });
      } catch {
        return false; // not a point on the curve, r or s out of range
      }
    },
    verifySchnorr(signature: Uint8Array, message: Uint8Array, xOnlyPublicKey: Uint8Array): boolean {
      return verifySchnorrNoble(signature, message, xOnlyPublicKey);
    },
    isValidPrivateKey(privateKey: Uint8Array): boolean {
      return privateKey.length === PRIVATE_KEY_BYTES && secp.utils.isValidSecretKey(privateKey);
    },
  });
}
