// The trusted header, persisted (core layer): CBOR [1, header, validatorSet],
// about 350 bytes for a 4-validator chain. The set is the one that signed the
// header (or that the checkpoint named), so the trusted state is rebuilt from
// these two fields alone. Nothing is stored while trust is the genesis.

import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { itemEnd } from '../codec/cbor-scan.js';
import { equalBytes } from '../codec/bytes.js';
import { HEADER_LIMITS } from '../codec/limits.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { arrayOf } from '../codec/shape.js';
import { type Header, headerHash, headerToCbor, receivedHeader } from '../chain/header.js';
import { type ValidatorSet, validatorSetFromCbor, validatorSetHash, validatorSetToCbor } from '../chain/validator-set.js';
import type { TrustedState } from '../light/trust.js';
import { StoreKey } from './identity-store.js';
import type { KeyValueStore } from '../ports/storage.js';

const TRUST_RECORD_VERSION = 1;

export interface TrustRecord {
  readonly header: Header;
  readonly validators: ValidatorSet;
}

export function saveTrust(store: KeyValueStore, record: TrustRecord): void {
  store.set(StoreKey.TRUST, encodeCbor([TRUST_RECORD_VERSION, headerToCbor(record.header), validatorSetToCbor(record.validators)]));
}

/**
 * The stored trusted state, or undefined when there is none or it does not belong to this
 * chain or is inconsistent (then the caller falls back to the genesis). Throws nothing.
 */
export function loadTrust(crypto: CryptoProvider, store: KeyValueStore, chainId: Uint8Array): { state: TrustedState; header: Header } | undefined {
  const bytes = store.get(StoreKey.TRUST);
  if (bytes === undefined) return undefined;
  try {
    const [version, headerValue, setValue] = arrayOf(decodeCbor(bytes, HEADER_LIMITS), 3, 'trust record');
    if (version !== TRUST_RECORD_VERSION) return undefined;
    // The header follows the one-byte array head and the version; hashed from its stored bytes.
    const at = itemEnd(bytes, 1);
    const header = receivedHeader(headerValue!, bytes.subarray(at, itemEnd(bytes, at)));
    const validators = validatorSetFromCbor(setValue!);
    const hash = validatorSetHash(crypto, validators);
    if (!equalBytes(header.chainId, chainId) || !equalBytes(hash, header.validatorsHash)) return undefined;
    const state: TrustedState = Object.freeze({
      chainId,
      height: header.height,
      time: header.time,
      headerHash: headerHash(crypto, header),
      validators,
      validatorsHash: hash,
      nextValidatorsHash: header.nextValidatorsHash,
    });
    return { state, header };
  } catch {
    return undefined;
  }
}
