// Validator sets (core layer): [threshold, [publicKey…]] with keys sorted and
// distinct, so a set has exactly one encoding and one hash. A commit is valid
// when `threshold` of these keys signed the header hash.

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { compareBytes } from '../codec/bytes.js';
import { HEADER_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { PUBLIC_KEY_BYTES, isCompressedPublicKey } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { arrayOf, bytes, listOf, uint } from '../codec/shape.js';

export const MAX_VALIDATORS = 64;

export interface ValidatorSet {
  readonly threshold: number;
  readonly keys: readonly Uint8Array[];
}

/** Builds a set from keys in any order (sorted here). Throws BotError(BAD_VALIDATOR_SET). */
export function makeValidatorSet(threshold: number, keys: readonly Uint8Array[]): ValidatorSet {
  const set = { threshold, keys: [...keys].sort(compareBytes) };
  checkValidatorSet(set);
  return Object.freeze(set);
}

export function checkValidatorSet(set: ValidatorSet): void {
  const n = set.keys.length;
  if (n < 1 || n > MAX_VALIDATORS) throw new BotError(ErrorCode.BAD_VALIDATOR_SET, `1..${MAX_VALIDATORS} validators`);
  if (!Number.isSafeInteger(set.threshold) || set.threshold < 1 || set.threshold > n) {
    throw new BotError(ErrorCode.BAD_VALIDATOR_SET, 'threshold must be in 1..n');
  }
  for (let i = 0; i < n; i++) {
    const key = set.keys[i]!;
    if (!isCompressedPublicKey(key)) {
      throw new BotError(ErrorCode.BAD_VALIDATOR_SET, 'keys are compressed SEC1');
    }
    if (i > 0 && compareBytes(set.keys[i - 1]!, key) >= 0) {
      throw new BotError(ErrorCode.BAD_VALIDATOR_SET, 'keys must be sorted and distinct');
    }
  }
}

export function validatorSetToCbor(set: ValidatorSet): CborValue {
  return [set.threshold, set.keys];
}

export function validatorSetFromCbor(value: CborValue): ValidatorSet {
  const [threshold, keys] = arrayOf(value, 2, 'validator set');
  const set = {
    threshold: uint(threshold, 'threshold'),
    keys: listOf(keys, 'validator keys').map((key) => bytes(key, PUBLIC_KEY_BYTES, 'validator key')),
  };
  checkValidatorSet(set);
  return Object.freeze(set);
}

export function encodeValidatorSet(set: ValidatorSet): Uint8Array {
  return encodeCbor(validatorSetToCbor(set));
}

export function decodeValidatorSet(encoded: Uint8Array): ValidatorSet {
  return validatorSetFromCbor(decodeCbor(encoded, HEADER_LIMITS));
}

export function validatorSetHash(crypto: CryptoProvider, set: ValidatorSet): Uint8Array {
  return taggedHash(crypto, DomainTag.VALIDATORS, encodeValidatorSet(set));
}
