// Commit signature check shared by verifyHeader and verifyPastHeader (core layer):
// the rules 9–11 of §8.3 as one pure function, run only after every
// check that costs nothing. Signatures are counted before any is verified, and
// verification stops at the threshold, so a hostile commit costs at most
// `threshold` signature checks.
//
//   INSUFFICIENT_SIGNATURES  fewer entries than the threshold
//   BAD_COMMIT               indices not strictly ascending or outside the set
//   BAD_COMMIT_SIGNATURE     one of the first `threshold` entries does not verify

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
