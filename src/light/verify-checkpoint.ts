// Re-anchoring from a checkpoint signed by the chain's operator key (core layer).
// Used when the trust period has run out (or on first start without genesis
// trust). A pure function returning the new trusted state; checks in order:
//
//   1. WRONG_CHAIN              checkpoint header is for another chain
//   2. VALSET_MISMATCH          validator set does not hash to the header's validatorsHash
//   3. FROM_FUTURE              header time is ahead of the clock (beyond drift)
//   4. TRUST_EXPIRED            header is already older than the trust period
//   5. CHECKPOINT_ROLLBACK      header is below the height the peer already trusts
//   6. BAD_CHECKPOINT_SIGNATURE not signed by the operator key

import { equalBytes } from '../codec/bytes.js';
import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { type Checkpoint, checkpointDigest } from '../chain/checkpoint.js';
import { headerHash } from '../chain/header.js';
import { validatorSetHash } from '../chain/validator-set.js';
import type { TrustOptions, TrustedState } from './trust.js';

export interface Anchor {
  readonly chainId: Uint8Array;
  readonly operatorKey: Uint8Array;
}

export function verifyCheckpoint(
  crypto: CryptoProvider,
  anchor: Anchor,
  current: TrustedState | undefined,
  checkpoint: Checkpoint,
  now: number,
  options: TrustOptions,
): Result<TrustedState> {
  const { header, validators, signature } = checkpoint;
  if (!equalBytes(header.chainId, anchor.chainId)) return fail(ErrorCode.WRONG_CHAIN, 'checkpoint is for another chain');
  const validatorsHash = validatorSetHash(crypto, validators);
  if (!equalBytes(validatorsHash, header.validatorsHash)) {
    return fail(ErrorCode.VALSET_MISMATCH, 'validator set does not match the checkpoint header');
  }
  if (header.time > now + options.maxClockDriftMs) return fail(ErrorCode.FROM_FUTURE, 'checkpoint time is ahead of the clock');
  if (now - header.time > options.trustPeriodMs) return fail(ErrorCode.TRUST_EXPIRED, 'checkpoint is older than the trust period');
  if (current && header.height < current.height) {
    return fail(ErrorCode.CHECKPOINT_ROLLBACK, `height ${header.height} < trusted ${current.height}`);
  }
  if (!crypto.verify(signature, checkpointDigest(crypto, header), anchor.operatorKey)) {
    return fail(ErrorCode.BAD_CHECKPOINT_SIGNATURE, 'not signed by the operator key');
  }
  return ok(
    Object.freeze({
      chainId: anchor.chainId,
      height: header.height,
      time: header.time,
      headerHash: headerHash(crypto, header),
      validators,
      validatorsHash,
      nextValidatorsHash: header.nextValidatorsHash,
    }),
  );
}
