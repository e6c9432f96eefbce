// Cut markers (core layer): a consortium member's signed "block `height` ends here",
// published into the ordered transaction stream (docs/protocol.md §6.8).
//
// Cut: [height, proposerIndex, signature]
// signature: ECDSA by the member key over H_CUT(CBOR([chainId, height])). The index is not
// signed: it only says which key of the set for `height` to verify with, and a wrong one fails.

import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { arrayOf, bytes, uint } from '../codec/shape.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SIGNATURE_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { BotError, type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { CHAIN_ID_BYTES } from '../tx/tx.js';
import type { ValidatorSet } from './validator-set.js';

export interface Cut {
  readonly height: number;
  /** Index of the signing key in the validator set for `height`. */
  readonly proposerIndex: number;
  readonly signature: Uint8Array;
}

export function cutDigest(crypto: CryptoProvider, chainId: Uint8Array, height: number): Uint8Array {
  if (chainId.length !== CHAIN_ID_BYTES) throw new BotError(ErrorCode.WRONG_CHAIN, 'chain id must be 8 bytes');
  return taggedHash(crypto, DomainTag.CUT, encodeCbor([chainId, height]));
}

export function signCut(crypto: CryptoProvider, chainId: Uint8Array, height: number, proposerIndex: number, privateKey: Uint8Array): Cut {
  return Object.freeze({ height, proposerIndex, signature: crypto.sign(cutDigest(crypto, chainId, height), privateKey) });
}

export function encodeCut(cut: Cut): Uint8Array {
  return encodeCbor([cut.height, cut.proposerIndex, cut.signature]);
}

/** Strict decode (SMALL_LIMITS); throws BotError. Does not check the signature (verifyCut). */
export function decodeCut(encoded: Uint8Array): Cut {
  const [height, index, signature] = arrayOf(decodeCbor(encoded, SMALL_LIMITS), 3, 'cut');
  return Object.freeze({
    height: uint(height, 'cut height'),
    proposerIndex: uint(index, 'proposer index'),
    signature: bytes(signature, SIGNATURE_BYTES, 'cut signature'),
  });
}

/**
 * Whether `cut` is signed by the key at its index of `validators` (the set that signs its
 * height): BAD_COMMIT (309) for an index outside the set, BAD_SIGNATURE (200) for a signature
 * that does not verify. Whether its height is the one due is the caller's rule.
 */
export function verifyCut(crypto: CryptoProvider, chainId: Uint8Array, validators: ValidatorSet, cut: Cut): Result<undefined> {
  const key = validators.keys[cut.proposerIndex];
  if (key === undefined) return fail(ErrorCode.BAD_COMMIT, `proposer index ${cut.proposerIndex} outside a set of ${validators.keys.length}`);
  return crypto.verify(cut.signature, cutDigest(crypto, chainId, cut.height), key)
    ? ok(undefined)
    : fail(ErrorCode.BAD_SIGNATURE, 'cut signature does not verify for that index');
}
