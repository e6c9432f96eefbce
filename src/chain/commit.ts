// Commits (core layer): the validators' signatures over a header hash.
//
// Commit: [height, headerHash, [[validatorIndex, signature] …]]
// Each signature is ECDSA over SHA-256("botpeer/commit/v1" || headerHash); the
// header hash already covers the chain id. Indices are strictly ascending, so a
// commit has one encoding and a validator cannot be counted twice.
//
// FROST commit (for a set with a group key): [height, headerHash, signature]
// with one 64-byte BIP-340 signature under the group key over the same digest.
// Which form a commit must have is the validator set's to say (verify-commit.ts);
// decoding only tells the two apart by the third field's major type.

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { itemEnd } from '../codec/cbor-scan.js';
import { HEADER_LIMITS } from '../codec/limits.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SCHNORR_SIGNATURE_BYTES, SHA256_BYTES, SIGNATURE_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { arrayOf, bytes, listOf, uint } from '../codec/shape.js';
import { type Header, headerToCbor, receivedHeader } from './header.js';
import { MAX_VALIDATORS, type ValidatorSet, validatorSetFromCbor, validatorSetToCbor } from './validator-set.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';

export interface CommitSignature {
  readonly index: number;
  readonly signature: Uint8Array;
}

export interface Commit {
  readonly height: number;
  readonly headerHash: Uint8Array;
  /** ECDSA entries; empty in a FROST commit. */
  readonly signatures: readonly CommitSignature[];
  /** FROST commits only: the one BIP-340 signature by the set's group key. */
  readonly groupSignature?: Uint8Array;
}

/** What a gateway publishes: a header, its commit, and the validator set when it differs from the previous block's. */
export interface LightBlock {
  readonly header: Header;
  readonly commit: Commit;
  readonly validators?: ValidatorSet;
}

export function commitDigest(crypto: CryptoProvider, hash: Uint8Array): Uint8Array {
  return taggedHash(crypto, DomainTag.COMMIT, hash);
}

/** Signs a header hash with the given validators' keys (each with its index in the set). */
export function signCommit(
  crypto: CryptoProvider,
  height: number,
  hash: Uint8Array,
  signers: readonly { readonly index: number; readonly privateKey: Uint8Array }[],
): Commit {
  const digest = commitDigest(crypto, hash);
  const signatures = [...signers]
    .sort((a, b) => a.index - b.index)
    .map(({ index, privateKey }) => Object.freeze({ index, signature: crypto.sign(digest, privateKey) }));
  return Object.freeze({ height, headerHash: hash, signatures });
}

/**
 * A FROST commit around a group signature made elsewhere (the members' FROST signing, or in
 * tests a single BIP-340 key: a 1-of-1 group) over commitDigest(headerHash).
 */
export function makeGroupCommit(height: number, hash: Uint8Array, groupSignature: Uint8Array): Commit {
  if (groupSignature.length !== SCHNORR_SIGNATURE_BYTES) throw new BotError(ErrorCode.BAD_COMMIT, 'a group signature is 64 bytes');
  return Object.freeze({ height, headerHash: hash, signatures: Object.freeze([]), groupSignature });
}

export function commitToCbor(c: Commit): CborValue {
  if (c.groupSignature) return [c.height, c.headerHash, c.groupSignature];
  return [c.height, c.headerHash, c.signatures.map((s) => [s.index, s.signature])];
}

export function commitFromCbor(value: CborValue): Commit {
  const [height, hash, signatures] = arrayOf(value, 3, 'commit');
  if (signatures instanceof Uint8Array) {
    return makeGroupCommit(
      uint(height, 'commit height'),
      bytes(hash, SHA256_BYTES, 'commit header hash'),
      bytes(signatures, SCHNORR_SIGNATURE_BYTES, 'group signature'),
    );
  }
  const list = listOf(signatures, 'commit signatures');
  if (list.length > MAX_VALIDATORS) throw new BotError(ErrorCode.BAD_COMMIT, `more than ${MAX_VALIDATORS} signatures`);
  return Object.freeze({
    height: uint(height, 'commit height'),
    headerHash: bytes(hash, SHA256_BYTES, 'commit header hash'),
    signatures: list.map((entry) => {
      const [index, signature] = arrayOf(entry, 2, 'commit signature');
      return Object.freeze({ index: uint(index, 'validator index'), signature: bytes(signature, SIGNATURE_BYTES, 'signature') });
    }),
  });
}

export function encodeLightBlock(block: LightBlock): Uint8Array {
  const fields: CborValue[] = [headerToCbor(block.header), commitToCbor(block.commit)];
  if (block.validators) fields.push(validatorSetToCbor(block.validators));
  return encodeCbor(fields);
}

export function decodeLightBlock(encoded: Uint8Array): LightBlock {
  const value = decodeCbor(encoded, HEADER_LIMITS);
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 3)) {
    throw new BotError(ErrorCode.BAD_SHAPE, 'a light block is [header, commit] or [header, commit, validators]');
  }
  // The header is the item after the one-byte array head; its received bytes give its hash.
  const header = receivedHeader(value[0]!, encoded.subarray(1, itemEnd(encoded, 1)));
  const commit = commitFromCbor(value[1]!);
  return Object.freeze(value.length === 3 ? { header, commit, validators: validatorSetFromCbor(value[2]!) } : { header, commit });
}
