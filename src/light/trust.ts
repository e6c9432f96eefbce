// Trust options and trusted state of a light peer (core layer).

import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { type Genesis, chainIdOf, genesisHash } from '../chain/genesis.js';
import { type ValidatorSet, validatorSetHash } from '../chain/validator-set.js';

export interface TrustOptions {
  /** How long a verified header may anchor further verification. Past it, re-anchor from a checkpoint. */
  readonly trustPeriodMs: number;
  /** How far ahead of the peer's clock a header's time may be. */
  readonly maxClockDriftMs: number;
}

export const DEFAULT_TRUST_OPTIONS: TrustOptions = Object.freeze({
  trustPeriodMs: 14 * 24 * 3600 * 1000,
  maxClockDriftMs: 10_000,
});

/** Validated once, when a peer is configured: a bad option is a typed error, not a silent default. */
export function makeTrustOptions(options: Partial<TrustOptions> = {}): TrustOptions {
  const merged = { ...DEFAULT_TRUST_OPTIONS, ...options };
  if (!Number.isSafeInteger(merged.trustPeriodMs) || merged.trustPeriodMs <= 0) {
    throw new BotError(ErrorCode.BAD_TRUST_OPTIONS, 'trustPeriodMs must be a positive integer');
  }
  if (!Number.isSafeInteger(merged.maxClockDriftMs) || merged.maxClockDriftMs < 0 || merged.maxClockDriftMs >= merged.trustPeriodMs) {
    throw new BotError(ErrorCode.BAD_TRUST_OPTIONS, 'maxClockDriftMs must be in [0, trustPeriodMs)');
  }
  return Object.freeze(merged);
}

/** What a light peer trusts: the newest header it verified itself, and the validators of the next one. */
export interface TrustedState {
  readonly chainId: Uint8Array;
  readonly height: number;
  /** Milliseconds; the trust period runs from here. */
  readonly time: number;
  readonly headerHash: Uint8Array;
  readonly validators: ValidatorSet;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
}

/** Trust anchored at genesis: height 0, whose hash is the genesis hash. */
export function trustFromGenesis(crypto: CryptoProvider, genesis: Genesis): TrustedState {
  const hash = validatorSetHash(crypto, genesis.validators);
  return Object.freeze({
    chainId: chainIdOf(crypto, genesis),
    height: 0,
    time: genesis.time,
    headerHash: genesisHash(crypto, genesis),
    validators: genesis.validators,
    validatorsHash: hash,
    nextValidatorsHash: hash,
  });
}
