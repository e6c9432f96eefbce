// The enrolment request a device prints on first boot (core layer):
// [publicKey, signature] where the signature proves the device holds the key:
// ECDSA over SHA-256("botpeer/enroll-request/v1" || chainId || publicKey).
// The operator's tooling checks it, then signs an ENROLL transaction.

import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SIGNATURE_BYTES, isCompressedPublicKey } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import type { KeyPair } from './identity.js';

export interface EnrollRequest {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export function makeEnrollRequest(crypto: CryptoProvider, chainId: Uint8Array, keys: KeyPair): Uint8Array {
  const signature = crypto.sign(taggedHash(crypto, DomainTag.ENROLL_REQUEST, chainId, keys.publicKey), keys.privateKey);
  return encodeCbor([keys.publicKey, signature]);
}

/** Decodes and checks proof of possession; throws BotError. */
export function openEnrollRequest(crypto: CryptoProvider, chainId: Uint8Array, bytes: Uint8Array): EnrollRequest {
  const value = decodeCbor(bytes, SMALL_LIMITS);
  if (!Array.isArray(value) || value.length !== 2) throw new BotError(ErrorCode.BAD_SHAPE, 'enrol request is [key, signature]');
  const [publicKey, signature] = value;
  if (!(publicKey instanceof Uint8Array) || !isCompressedPublicKey(publicKey)) {
    throw new BotError(ErrorCode.BAD_KEY, 'public key must be a 33-byte compressed SEC1 key');
  }
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
    throw new BotError(ErrorCode.BAD_SHAPE, 'signature must be 64 bytes');
  }
  if (!crypto.verify(signature, taggedHash(crypto, DomainTag.ENROLL_REQUEST, chainId, publicKey), publicKey)) {
    throw new BotError(ErrorCode.BAD_SIGNATURE, 'enrol request not signed by its key for this chain');
  }
  return Object.freeze({ publicKey, signature });
}
