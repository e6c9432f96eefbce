// Keys and ids (core layer). A device id is derived from the public key, so it
// needs no registry to be unique; the registry binds it to the key at enrolment.

import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { PRIVATE_KEY_BYTES, isCompressedPublicKey } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';

/** 8 bytes: 2^32 devices before a birthday collision is likely, and enrolment refuses duplicates. */
export const ID_BYTES = 8;

export interface KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Id of any key holder (device, gateway, operator): SHA-256(tag || compressed key), first 8 bytes. */
export function keyId(crypto: CryptoProvider, publicKey: Uint8Array): Uint8Array {
  if (!isCompressedPublicKey(publicKey)) throw new BotError(ErrorCode.BAD_KEY, 'public key must be a 33-byte compressed SEC1 key');
  return taggedHash(crypto, DomainTag.DEVICE_ID, publicKey).slice(0, ID_BYTES);
}

/**
 * A new key from the host's random port (the device's hardware RNG). Draws again in
 * the ~2^-128 case that the bytes are not a valid scalar, a bounded number of times.
 */
export function generateKeyPair(crypto: CryptoProvider, randomBytes: (length: number) => Uint8Array): KeyPair {
  for (let attempt = 0; attempt < 8; attempt++) {
    const privateKey = randomBytes(PRIVATE_KEY_BYTES);
    if (privateKey.length === PRIVATE_KEY_BYTES && crypto.isValidPrivateKey(privateKey)) {
      return Object.freeze({ privateKey, publicKey: crypto.publicKey(privateKey) });
    }
  }
  throw new BotError(ErrorCode.INTERNAL, 'random source gave no valid key in 8 draws');
}

export function keyPairFromPrivate(crypto: CryptoProvider, privateKey: Uint8Array): KeyPair {
  if (!crypto.isValidPrivateKey(privateKey)) throw new BotError(ErrorCode.BAD_KEY, 'invalid private key');
  return Object.freeze({ privateKey, publicKey: crypto.publicKey(privateKey) });
}
