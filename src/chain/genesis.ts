// The genesis of a chain (core layer): who validates, who enrols, and the
// permission model. The chain id is derived from it, so two chains never share
// an id and a device's signatures are bound to one genesis.
//
// Genesis: [version, name, time, permission, validatorSet, operatorKey]
// chainId = SHA-256("botpeer/genesis/v1" || CBOR(genesis))[0..8]

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { HEADER_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { PUBLIC_KEY_BYTES, isCompressedPublicKey } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { CHAIN_ID_BYTES } from '../tx/tx.js';
import { arrayOf, bytes, uint } from '../codec/shape.js';
import { type ValidatorSet, validatorSetFromCbor, validatorSetToCbor } from './validator-set.js';

export const GENESIS_VERSION = 1;
export const MAX_CHAIN_NAME_BYTES = 32;

/** Who may join and who validates: a setting of the genesis, not a fork of the code. */
export const Permission = Object.freeze({
  /** One operator runs every validator. */
  PRIVATE: 0,
  /** Several members, each with its own validating gateway. */
  CONSORTIUM: 1,
} as const);
export type Permission = (typeof Permission)[keyof typeof Permission];

export interface Genesis {
  readonly name: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  readonly time: number;
  readonly permission: Permission;
  readonly validators: ValidatorSet;
  /** Signs enrolments, revocations and re-anchoring checkpoints. */
  readonly operatorKey: Uint8Array;
}

export function genesisToCbor(genesis: Genesis): CborValue {
  return [GENESIS_VERSION, genesis.name, genesis.time, genesis.permission, validatorSetToCbor(genesis.validators), genesis.operatorKey];
}

export function encodeGenesis(genesis: Genesis): Uint8Array {
  return encodeCbor(genesisToCbor(genesis));
}

export function decodeGenesis(encoded: Uint8Array): Genesis {
  const [version, name, time, permission, validators, operatorKey] = arrayOf(decodeCbor(encoded, HEADER_LIMITS), 6, 'genesis');
  if (version !== GENESIS_VERSION) throw new BotError(ErrorCode.BAD_SHAPE, `genesis version ${String(version)}`);
  if (!(name instanceof Uint8Array) || name.length > MAX_CHAIN_NAME_BYTES) {
    throw new BotError(ErrorCode.BAD_SHAPE, `name must be at most ${MAX_CHAIN_NAME_BYTES} bytes`);
  }
  const operator = bytes(operatorKey, PUBLIC_KEY_BYTES, 'operator key');
  if (!isCompressedPublicKey(operator)) throw new BotError(ErrorCode.BAD_KEY, 'operator key must be a compressed SEC1 key');
  const model = uint(permission, 'permission');
  if (model !== Permission.PRIVATE && model !== Permission.CONSORTIUM) throw new BotError(ErrorCode.BAD_SHAPE, 'permission');
  return Object.freeze({
    name,
    time: uint(time, 'time'),
    permission: model,
    validators: validatorSetFromCbor(validators!),
    operatorKey: operator,
  });
}

/** Full 32-byte genesis hash: the previous-header hash of block 1. */
export function genesisHash(crypto: CryptoProvider, genesis: Genesis): Uint8Array {
  return taggedHash(crypto, DomainTag.GENESIS, encodeGenesis(genesis));
}

export function chainIdOf(crypto: CryptoProvider, genesis: Genesis): Uint8Array {
  return genesisHash(crypto, genesis).slice(0, CHAIN_ID_BYTES);
}
