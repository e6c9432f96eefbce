// Validator sets (core layer): [threshold, [publicKey…]] with keys sorted and
// distinct, so a set has exactly one encoding and one hash. A commit is valid
// when `threshold` of these keys signed the header hash.
//
// A set may instead name the FROST scheme: [threshold, [publicKey…], groupKey],
// groupKey the 32-byte x-only BIP-340 key of the members' threshold key. Its
// commit is then one Schnorr signature under groupKey; the members' own keys stay
// in the set for votes, approvals and accountability. The two-field form is
// unchanged, so every ECDSA set keeps its encoding, hash and chain id.

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { compareBytes } from '../codec/bytes.js';
import { HEADER_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { PUBLIC_KEY_BYTES, X_ONLY_PUBLIC_KEY_BYTES, isCompressedPublicKey } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { arrayOf, bytes, listOf, uint } from '../codec/shape.js';

export const MAX_VALIDATORS = 64;

export interface ValidatorSet {
  readonly threshold: number;
  readonly keys: readonly Uint8Array[];
  /**
   * Present for the FROST scheme: the x-only BIP-340 group key that signs commits. Whether it is a
   * point on the curve is the provider's verifySchnorr (an off-curve key verifies nothing).
   */
  readonly groupKey?: Uint8Array;
}

/** Builds a set from keys in any order (sorted here); a group key makes it a FROST set. Throws BotError(BAD_VALIDATOR_SET). */
export function makeValidatorSet(threshold: number, keys: readonly Uint8Array[], groupKey?: Uint8Array): ValidatorSet {
  const sorted = [...keys].sort(compareBytes);
  const set: ValidatorSet = groupKey === undefined ? { threshold, keys: sorted } : { threshold, keys: sorted, groupKey };
  checkValidatorSet(set);
  return Object.freeze(set);
}

/** Whether commits for this set are one FROST (BIP-340) signature rather than `threshold` ECDSA ones. */
export function isFrostSet(set: ValidatorSet): set is ValidatorSet & { readonly groupKey: Uint8Array } {
  return set.groupKey !== undefined;
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
  if (set.groupKey !== undefined && !(set.groupKey instanceof Uint8Array && set.groupKey.length === X_ONLY_PUBLIC_KEY_BYTES)) {
    throw new BotError(ErrorCode.BAD_VALIDATOR_SET, 'a group key is 32 bytes (x-only)');
  }
}

export function validatorSetToCbor(set: ValidatorSet): CborValue {
  return set.groupKey === undefined ? [set.threshold, set.keys] : [set.threshold, set.keys, set.groupKey];
}

export function validatorSetFromCbor(value: CborValue): ValidatorSet {
  const frost = Array.isArray(value) && value.length === 3;
  const [threshold, keys, groupKey] = arrayOf(value, frost ? 3 : 2, 'validator set');
  const list = listOf(keys, 'validator keys');
  const base = {
    threshold: uint(threshold, 'threshold'),
    keys: list.map((key) => bytes(key, PUBLIC_KEY_BYTES, 'validator key')),
  };
  const set: ValidatorSet = frost ? { ...base, groupKey: bytes(groupKey, X_ONLY_PUBLIC_KEY_BYTES, 'group key') } : base;
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
