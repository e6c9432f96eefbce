// Votes (core layer): one consortium member's signature over the header it computed,
// published to the other members (docs/protocol.md §6.9). The signature is exactly a
// commit signature (§6.4), so `threshold` votes for one header assemble into its Commit.
//
// Vote: [height, headerHash, validatorIndex, signature]
// signature: ECDSA over H_COMMIT(headerHash)

import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { equalBytes } from '../codec/bytes.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { arrayOf, bytes, uint } from '../codec/shape.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SHA256_BYTES, SIGNATURE_BYTES } from '../crypto/crypto-port.js';
import { BotError, type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { type Commit, commitDigest } from './commit.js';
import type { ValidatorSet } from './validator-set.js';

export interface Vote {
  readonly height: number;
  readonly headerHash: Uint8Array;
  readonly validatorIndex: number;
  readonly signature: Uint8Array;
}

export function signVote(crypto: CryptoProvider, height: number, headerHash: Uint8Array, validatorIndex: number, privateKey: Uint8Array): Vote {
  return Object.freeze({ height, headerHash, validatorIndex, signature: crypto.sign(commitDigest(crypto, headerHash), privateKey) });
}

export function encodeVote(vote: Vote): Uint8Array {
  return encodeCbor([vote.height, vote.headerHash, vote.validatorIndex, vote.signature]);
}

/** Strict decode (SMALL_LIMITS); throws BotError. Does not check the signature (verifyVote). */
export function decodeVote(encoded: Uint8Array): Vote {
  const [height, hash, index, signature] = arrayOf(decodeCbor(encoded, SMALL_LIMITS), 4, 'vote');
  return Object.freeze({
    height: uint(height, 'vote height'),
    headerHash: bytes(hash, SHA256_BYTES, 'vote header hash'),
    validatorIndex: uint(index, 'validator index'),
    signature: bytes(signature, SIGNATURE_BYTES, 'vote signature'),
  });
}

/**
 * Whether `vote` counts towards the commit of the header `expected` ({height, headerHash} the
 * member computed itself), signed under `validators` (the set for that height). Checks in
 * order: COMMIT_MISMATCH (304) for another height or hash, BAD_COMMIT (309) for an index
 * outside the set, BAD_COMMIT_SIGNATURE (310) for a signature that does not verify.
 */
export function verifyVote(
  crypto: CryptoProvider,
  validators: ValidatorSet,
  expected: { readonly height: number; readonly headerHash: Uint8Array },
  vote: Vote,
): Result<undefined> {
  if (vote.height !== expected.height || !equalBytes(vote.headerHash, expected.headerHash)) {
    return fail(ErrorCode.COMMIT_MISMATCH, 'the vote is for another header');
  }
  const key = validators.keys[vote.validatorIndex];
  if (key === undefined) return fail(ErrorCode.BAD_COMMIT, `validator index ${vote.validatorIndex} outside a set of ${validators.keys.length}`);
  return crypto.verify(vote.signature, commitDigest(crypto, vote.headerHash), key)
    ? ok(undefined)
    : fail(ErrorCode.BAD_COMMIT_SIGNATURE, 'vote signature does not verify for that index');
}

/**
 * The commit of header (`height`, `hash`) made of verified `votes` (any order), entries
 * ascending by index as §6.4 requires. Throws BotError: COMMIT_MISMATCH for a vote of another
 * header, BAD_COMMIT for two votes of one index. How many are enough is the caller's rule.
 */
export function commitFromVotes(height: number, hash: Uint8Array, votes: readonly Vote[]): Commit {
  const sorted = [...votes].sort((a, b) => a.validatorIndex - b.validatorIndex);
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v.height !== height || !equalBytes(v.headerHash, hash)) throw new BotError(ErrorCode.COMMIT_MISMATCH, 'a vote is for another header');
    if (i > 0 && sorted[i - 1]!.validatorIndex === v.validatorIndex) throw new BotError(ErrorCode.BAD_COMMIT, `two votes of index ${v.validatorIndex}`);
  }
  return Object.freeze({
    height,
    headerHash: hash,
    signatures: sorted.map((v) => Object.freeze({ index: v.validatorIndex, signature: v.signature })),
  });
}
