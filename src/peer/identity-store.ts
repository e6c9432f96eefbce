// The device's identity and small persistent values (core layer): which keys
// of the KeyValueStore port the peer uses, and the key pair made on first boot.
// The private key is made from the host's random port (the hardware RNG) and
// never leaves the store.

import { equalBytes } from '../codec/bytes.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { type CryptoProvider, PRIVATE_KEY_BYTES } from '../crypto/crypto-port.js';
import { type KeyPair, generateKeyPair, keyPairFromPrivate } from '../tx/identity.js';
import { POW_NONCE_BYTES } from '../tx/self-enroll.js';
import type { RandomSource } from '../ports/random.js';
import type { KeyValueStore } from '../ports/storage.js';

/** KeyValueStore keys: short ASCII (Preference/NVS allows 15 characters). */
export const StoreKey = Object.freeze({
  /** 32-byte private key. */
  KEY: 'bp.key',
  /** CBOR uint: the highest sequence number reserved (never used again after a reboot). */
  SEQ_CEILING: 'bp.seq',
  /** CBOR [1, header, validatorSet]: the trusted header; absent while trust is the genesis. */
  TRUST: 'bp.trust',
  /** The chain id, once the gateway accepted one of this device's transactions on that chain. */
  ACCEPTED: 'bp.accepted',
  /** Public chain: CBOR-free [chainId 8 ‖ powNonce 8], the self-enrolment's proof of work, minted once. */
  POW_NONCE: 'bp.pow',
} as const);

/** First boot: makes the key from `random` and stores it; later boots load it. A stored key that is not valid is an error, never replaced. */
export function loadOrCreateKeyPair(crypto: CryptoProvider, store: KeyValueStore, random: RandomSource): KeyPair {
  const stored = store.get(StoreKey.KEY);
  if (stored !== undefined) {
    if (stored.length !== PRIVATE_KEY_BYTES || !crypto.isValidPrivateKey(stored)) {
      // Replacing it would silently give the device a new identity: the operator must decide.
      throw new BotError(ErrorCode.STORAGE, 'stored device key is corrupt');
    }
    return keyPairFromPrivate(crypto, stored.slice());
  }
  const keys = generateKeyPair(crypto, random);
  store.set(StoreKey.KEY, keys.privateKey);
  return keys;
}

/** The stored self-enrolment nonce (StoreKey.POW_NONCE: chainId ‖ nonce) if it was minted for `chainId`, else undefined. */
export function storedPowNonce(store: KeyValueStore, chainId: Uint8Array): Uint8Array | undefined {
  const stored = store.get(StoreKey.POW_NONCE);
  if (stored === undefined || stored.length !== chainId.length + POW_NONCE_BYTES || !equalBytes(stored.subarray(0, chainId.length), chainId)) return undefined;
  return stored.slice(chainId.length);
}
