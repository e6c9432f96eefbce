// Checkpoints (core layer): a header and its validator set, signed by the
// chain's operator key, for re-anchoring a light peer whose trust period ran out.
//
// Checkpoint: [header, validatorSet, operatorSignature]
// signature: ECDSA over SHA-256("botpeer/checkpoint/v1" || headerHash)

import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { itemEnd } from '../codec/cbor-scan.js';
import { HEADER_LIMITS } from '../codec/limits.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SIGNATURE_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { arrayOf, bytes } from '../codec/shape.js';
import { type Header, headerHash, headerToCbor, receivedHeader } from './header.js';
import { type ValidatorSet, validatorSetFromCbor, validatorSetToCbor } from './validator-set.js';

export interface Checkpoint {
  readonly header: Header;
  readonly validators: ValidatorSet;
  readonly signature: Uint8Array;
}

export function checkpointDigest(crypto: CryptoProvider, header: Header): Uint8Array {
  return taggedHash(crypto, DomainTag.CHECKPOINT, headerHash(crypto, header));
}

export function signCheckpoint(
  crypto: CryptoProvider,
  header: Header,
  validators: ValidatorSet,
  operatorPrivateKey: Uint8Array,
): Checkpoint {
  return Object.freeze({ header, validators, signature: crypto.sign(checkpointDigest(crypto, header), operatorPrivateKey) });
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  return encodeCbor([headerToCbor(c.header), validatorSetToCbor(c.validators), c.signature]);
}

export function decodeCheckpoint(encoded: Uint8Array): Checkpoint {
  const [header, validators, signature] = arrayOf(decodeCbor(encoded, HEADER_LIMITS), 3, 'checkpoint');
  return Object.freeze({
    header: receivedHeader(header!, encoded.subarray(1, itemEnd(encoded, 1))),
    validators: validatorSetFromCbor(validators!),
    signature: bytes(signature, SIGNATURE_BYTES, 'operator signature'),
  });
}
