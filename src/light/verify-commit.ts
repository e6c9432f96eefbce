// Commit signature check shared by verifyHeader and verifyPastHeader (core layer):
// the rules 9–11 of §8.3 as one pure function, run only after every
// check that costs nothing. Signatures are counted before any is verified, and
// verification stops at the threshold, so a hostile commit costs at most
// `threshold` signature checks.
//
//   INSUFFICIENT_SIGNATURES  fewer entries than the threshold
//   BAD_COMMIT               indices not strictly ascending or outside the set
//   BAD_COMMIT_SIGNATURE     one of the first `threshold` entries does not verify
//
// A FROST set (one with a group key) is checked with one BIP-340 verification:
//   BAD_COMMIT               the commit is not one group signature (or a group
//                            signature comes for an ECDSA set)
//   BAD_COMMIT_SIGNATURE     the group signature does not verify under the group key

import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { type Commit, commitDigest } from '../chain/commit.js';
import type { ValidatorSet } from '../chain/validator-set.js';

export function verifyCommitSignatures(
  crypto: CryptoProvider,
  validators: ValidatorSet,
  commit: Commit,
  headerHash: Uint8Array,
): Result<undefined> {
  if (validators.groupKey !== undefined || commit.groupSignature !== undefined) {
    return verifyGroupSignature(crypto, validators, commit, headerHash);
  }
  const { signatures } = commit;
  if (signatures.length < validators.threshold) {
    return fail(ErrorCode.INSUFFICIENT_SIGNATURES, `${signatures.length} of ${validators.threshold} signatures`);
  }
  for (let i = 0; i < signatures.length; i++) {
    const index = signatures[i]!.index;
    if (index >= validators.keys.length || (i > 0 && index <= signatures[i - 1]!.index)) {
      return fail(ErrorCode.BAD_COMMIT, 'validator indices must ascend within the set');
    }
  }
  const digest = commitDigest(crypto, headerHash);
  for (let i = 0; i < validators.threshold; i++) {
    const { index, signature } = signatures[i]!;
    if (!crypto.verify(signature, digest, validators.keys[index]!)) {
      return fail(ErrorCode.BAD_COMMIT_SIGNATURE, `validator ${index} did not sign this header`);
    }
  }
  return ok(undefined);
}

function verifyGroupSignature(crypto: CryptoProvider, validators: ValidatorSet, commit: Commit, headerHash: Uint8Array): Result<undefined> {
  const { groupKey } = validators;
  const { groupSignature } = commit;
  if (groupKey === undefined) return fail(ErrorCode.BAD_COMMIT, 'a group signature for a set without a group key');
  if (groupSignature === undefined) return fail(ErrorCode.BAD_COMMIT, 'this set commits with one FROST group signature');
  if (!crypto.verifySchnorr(groupSignature, commitDigest(crypto, headerHash), groupKey)) {
    return fail(ErrorCode.BAD_COMMIT_SIGNATURE, 'the group key did not sign this header');
  }
  return ok(undefined);
}
