// Verifying a header *below* the trusted height (core layer): what a light peer
// needs when an inclusion proof names a block it skipped (skipping verification,
// §8.3) or no longer holds. A pure function of (trusted state, light block, now,
// options); it moves no trust. Checks in this order, cheap ones first:
//
//   1. TRUST_EXPIRED          the trusted header is older than the trust period
//   2. WRONG_CHAIN            header's chain id is not the trusted chain's
//   3. BAD_SHAPE              height 0 (the genesis has no header)
//      ABOVE_TRUSTED          height above the trusted height: verify it forward (verifyHeader)
//   4. TIME_NOT_MONOTONIC     time after the trusted header's (or not before it, below the trusted height)
//   5. COMMIT_MISMATCH        commit is for another height or header hash; or, at the trusted
//                             height, a header other than the trusted one
//   6. VALSET_MISMATCH        header's validatorsHash is not the trusted set's
//   7. INSUFFICIENT_SIGNATURES, BAD_COMMIT, BAD_COMMIT_SIGNATURE   as verifyHeader 9–11,
//                             against the trusted set
//
// Why this is sound. The peer trusts the set V (trusted.validators) under the same
// assumption as skipping verification: within the trust period fewer than
// V.threshold of V's keys are faulty (§8.3, "Skipping"). A commit with threshold valid
// signatures of V over a header hash therefore carries at least one honest signature,
// and an honest validator signs only the one header the chain has at a height. So a
// header below the trusted height that claims V (its validatorsHash is V's hash) and
// carries such a commit is that height's header of the chain the peer follows: its
// txRoot and txCount are the block's, and an inclusion proof against it shows the
// transaction is in that block. Three limits keep the assumption honest:
//   - only the *currently trusted* set vouches: a set the peer trusted earlier may have
//     retired and leaked its keys since (a long-range forgery), so it is never consulted;
//   - the trust period is checked as in verifyHeader: past it, V's keys vouch for nothing;
//   - the header may not be above the trusted height, where V may already have handed
//     over to the next set; forward movement goes through verifyHeader and its time rules.
// A header of a height where another set signed is not provable here (VALSET_MISMATCH):
// the peer keeps recently verified headers for that case.

import { equalBytes } from '../codec/bytes.js';
import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { LightBlock } from '../chain/commit.js';
import { headerHash } from '../chain/header.js';
import type { TrustOptions, TrustedState } from './trust.js';
import { verifyCommitSignatures } from './verify-commit.js';
import type { VerifiedHeader } from './verify-header.js';

export function verifyPastHeader(
  crypto: CryptoProvider,
  trusted: TrustedState,
  block: LightBlock,
  now: number,
  options: TrustOptions,
): Result<VerifiedHeader> {
  const { header, commit } = block;
  if (now - trusted.time > options.trustPeriodMs) return fail(ErrorCode.TRUST_EXPIRED, 'trusted header is past the trust period');
  if (!equalBytes(header.chainId, trusted.chainId)) return fail(ErrorCode.WRONG_CHAIN, 'header is for another chain');
  if (header.height === 0) return fail(ErrorCode.BAD_SHAPE, 'height 0 is the genesis, which has no header');
  if (header.height > trusted.height) return fail(ErrorCode.ABOVE_TRUSTED, `height ${header.height} > trusted ${trusted.height}`);
  const atTrusted = header.height === trusted.height;
  if (atTrusted ? header.time !== trusted.time : header.time >= trusted.time) {
    return fail(ErrorCode.TIME_NOT_MONOTONIC, 'a past header must be older than the trusted one');
  }

  const hash = headerHash(crypto, header);
  if (commit.height !== header.height || !equalBytes(commit.headerHash, hash)) {
    return fail(ErrorCode.COMMIT_MISMATCH, 'commit is not for this header');
  }
  if (atTrusted && !equalBytes(hash, trusted.headerHash)) {
    return fail(ErrorCode.COMMIT_MISMATCH, 'conflicts with the trusted header at the same height');
  }
  if (!equalBytes(header.validatorsHash, trusted.validatorsHash)) {
    return fail(ErrorCode.VALSET_MISMATCH, 'not signed by the trusted validator set');
  }
  const signed = verifyCommitSignatures(crypto, trusted.validators, commit, hash);
  if (!signed.ok) return signed;
  return ok(Object.freeze({ header, headerHash: hash, validators: trusted.validators }));
}
