// The light-client header verifier (core layer): a pure function of
// (trusted state, candidate light block, now, options) that returns a Result.
// Moving trust is a separate step (applyHeader). Checks run cheapest first, and
// every signature check comes after all checks that cost nothing:
//
//   1. TRUST_EXPIRED           the trusted header is older than the trust period
//   2. WRONG_CHAIN             header's chain id is not the trusted chain's
//   3. NOT_NEWER               height does not move forward
//   4. TIME_NOT_MONOTONIC      time does not move forward
//   5. FROM_FUTURE             time is more than maxClockDrift ahead of now
//   6. COMMIT_MISMATCH         commit is for another height or header hash
//   7. PREV_HASH_MISMATCH      adjacent header does not link to the trusted one
//   8. VALSET_MISMATCH         adjacent: validators are not the ones the trusted header named;
//                              or the supplied set does not hash to the header's validatorsHash
//      VALSET_CHANGED          non-adjacent: validators differ from the trusted set, or the trusted
//                              header announced a different next set (fetch the range)
//   9. INSUFFICIENT_SIGNATURES fewer signatures than the threshold (counted before verifying any)
//  10. BAD_COMMIT              indices not strictly ascending or outside the set
//  11. BAD_COMMIT_SIGNATURE    a signature does not verify (stops once the threshold is reached)
//
// Skipping: while the validator set is unchanged (the trusted header names its own
// set as the next one), a header any distance ahead is accepted on one commit by
// the trusted set. Once a change is announced the outgoing set may not vouch for
// anything beyond the adjacent header. A change of set is accepted only on
// the adjacent header whose validatorsHash the old set signed as nextValidatorsHash.

import { equalBytes } from '../codec/bytes.js';
import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { LightBlock } from '../chain/commit.js';
import { type Header, headerHash } from '../chain/header.js';
import { type ValidatorSet, validatorSetHash } from '../chain/validator-set.js';
import type { TrustOptions, TrustedState } from './trust.js';
import { verifyCommitSignatures } from './verify-commit.js';

export interface VerifiedHeader {
  readonly header: Header;
  readonly headerHash: Uint8Array;
  readonly validators: ValidatorSet;
}

export function verifyHeader(
  crypto: CryptoProvider,
  trusted: TrustedState,
  block: LightBlock,
  now: number,
  options: TrustOptions,
): Result<VerifiedHeader> {
  const { header, commit } = block;
  if (now - trusted.time > options.trustPeriodMs) return fail(ErrorCode.TRUST_EXPIRED, 'trusted header is past the trust period');
  if (!equalBytes(header.chainId, trusted.chainId)) return fail(ErrorCode.WRONG_CHAIN, 'header is for another chain');
  if (header.height <= trusted.height) return fail(ErrorCode.NOT_NEWER, `height ${header.height} ≤ trusted ${trusted.height}`);
  if (header.time <= trusted.time) return fail(ErrorCode.TIME_NOT_MONOTONIC, 'time does not move forward');
  if (header.time > now + options.maxClockDriftMs) return fail(ErrorCode.FROM_FUTURE, 'header time is ahead of the clock');

  const hash = headerHash(crypto, header);
  if (commit.height !== header.height || !equalBytes(commit.headerHash, hash)) {
    return fail(ErrorCode.COMMIT_MISMATCH, 'commit is not for this header');
  }

  const adjacent = header.height === trusted.height + 1;
  if (adjacent && !equalBytes(header.prevHash, trusted.headerHash)) {
    return fail(ErrorCode.PREV_HASH_MISMATCH, 'does not link to the trusted header');
  }
  const signers = selectValidators(crypto, trusted, block, adjacent);
  if (!signers.ok) return signers;
  const validators = signers.value;

  const signed = verifyCommitSignatures(crypto, validators, commit, hash);
  if (!signed.ok) return signed;
  return ok(Object.freeze({ header, headerHash: hash, validators }));
}

function selectValidators(crypto: CryptoProvider, trusted: TrustedState, block: LightBlock, adjacent: boolean): Result<ValidatorSet> {
  const claimed = block.header.validatorsHash;
  if (adjacent) {
    if (!equalBytes(claimed, trusted.nextValidatorsHash)) {
      return fail(ErrorCode.VALSET_MISMATCH, 'validators differ from the ones the trusted header named');
    }
  } else if (!equalBytes(claimed, trusted.validatorsHash) || !equalBytes(trusted.nextValidatorsHash, trusted.validatorsHash)) {
    return fail(ErrorCode.VALSET_CHANGED, 'validator set changes after the trusted header: verify the range');
  }
  if (equalBytes(claimed, trusted.validatorsHash)) return ok(trusted.validators);
  if (!block.validators || !equalBytes(validatorSetHash(crypto, block.validators), claimed)) {
    return fail(ErrorCode.VALSET_MISMATCH, 'supplied validator set does not match the header');
  }
  return ok(block.validators);
}

/** Moves trust to a header that verifyHeader accepted. */
export function applyHeader(trusted: TrustedState, verified: VerifiedHeader): TrustedState {
  const { header, validators } = verified;
  return Object.freeze({
    chainId: trusted.chainId,
    height: header.height,
    time: header.time,
    headerHash: verified.headerHash,
    validators,
    validatorsHash: header.validatorsHash,
    nextValidatorsHash: header.nextValidatorsHash,
  });
}
