// The genesis of a chain (core layer): who validates, who enrols, and the
// permission model. The chain id is derived from it, so two chains never share
// an id and a device's signatures are bound to one genesis.
//
// Genesis: [version, name, time, permission, validatorSet, operatorKey]
//   and, only when permission = PUBLIC, a 7th field: publicLimits
//   [powBits, maxTxsPerBlockPerDevice, maxSelfEnrolPerBlock]
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
  /** Anyone may join: a device enrols itself with a proof of work (src/tx/self-enroll.ts, docs/protocol.md §5.6.1). */
  PUBLIC: 2,
} as const);
export type Permission = (typeof Permission)[keyof typeof Permission];

/** Bounds of the genesis' public limits, checked on decode and on encode. */
export const MAX_POW_BITS = 32;
export const MAX_PUBLIC_QUOTA = 0xffff;

/** What a public chain lets anyone do, per block; deterministic, so every member agrees. */
export interface PublicLimits {
  /** Leading zero bits the self-enrolment proof of work must have (0 = none). */
  readonly powBits: number;
  /** Transactions one device may have in one block. */
  readonly maxTxsPerBlockPerDevice: number;
  /** Self-enrolments one block may hold. */
  readonly maxSelfEnrolPerBlock: number;
}

export interface Genesis {
  readonly name: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  readonly time: number;
  readonly permission: Permission;
  readonly validators: ValidatorSet;
  /** Signs enrolments, revocations and re-anchoring checkpoints. */
  readonly operatorKey: Uint8Array;
  /** Present exactly when permission is PUBLIC. */
  readonly publicLimits?: PublicLimits;
}

/** Throws BotError(BAD_SHAPE) unless the limits are in bounds: powBits 0..32, quotas 1..65535. */
export function checkPublicLimits(limits: PublicLimits): PublicLimits {
  const inRange = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (!inRange(limits.powBits, 0, MAX_POW_BITS)) throw new BotError(ErrorCode.BAD_SHAPE, `powBits must be in 0..${MAX_POW_BITS}`);
  if (!inRange(limits.maxTxsPerBlockPerDevice, 1, MAX_PUBLIC_QUOTA)) throw new BotError(ErrorCode.BAD_SHAPE, `maxTxsPerBlockPerDevice must be in 1..${MAX_PUBLIC_QUOTA}`);
  if (!inRange(limits.maxSelfEnrolPerBlock, 1, MAX_PUBLIC_QUOTA)) throw new BotError(ErrorCode.BAD_SHAPE, `maxSelfEnrolPerBlock must be in 1..${MAX_PUBLIC_QUOTA}`);
  return Object.freeze({ powBits: limits.powBits, maxTxsPerBlockPerDevice: limits.maxTxsPerBlockPerDevice, maxSelfEnrolPerBlock: limits.maxSelfEnrolPerBlock });
}

export function genesisToCbor(genesis: Genesis): CborValue {
  const fields: CborValue[] = [GENESIS_VERSION, genesis.name, genesis.time, genesis.permission, validatorSetToCbor(genesis.validators), genesis.operatorKey];
  // PRIVATE and CONSORTIUM keep their 6 fields, so their encodings and chain ids never change.
  if (genesis.permission === Permission.PUBLIC) {
    if (!genesis.publicLimits) throw new BotError(ErrorCode.BAD_SHAPE, 'a public genesis needs publicLimits');
    const l = checkPublicLimits(genesis.publicLimits);
    fields.push([l.powBits, l.maxTxsPerBlockPerDevice, l.maxSelfEnrolPerBlock]);
  } else if (genesis.publicLimits) {
    throw new BotError(ErrorCode.BAD_SHAPE, 'publicLimits only on a public genesis');
  }
  return fields;
}

export function encodeGenesis(genesis: Genesis): Uint8Array {
  return encodeCbor(genesisToCbor(genesis));
}

export function decodeGenesis(encoded: Uint8Array): Genesis {
  const value = decodeCbor(encoded, HEADER_LIMITS);
  // 7 fields exactly when the permission (field 3) is PUBLIC; checked below.
  const count = Array.isArray(value) && value.length === 7 ? 7 : 6;
  const [version, name, time, permission, validators, operatorKey, limits] = arrayOf(value, count, 'genesis');
  if (version !== GENESIS_VERSION) throw new BotError(ErrorCode.BAD_SHAPE, `genesis version ${String(version)}`);
  if (!(name instanceof Uint8Array) || name.length > MAX_CHAIN_NAME_BYTES) {
    throw new BotError(ErrorCode.BAD_SHAPE, `name must be at most ${MAX_CHAIN_NAME_BYTES} bytes`);
  }
  const operator = bytes(operatorKey, PUBLIC_KEY_BYTES, 'operator key');
  if (!isCompressedPublicKey(operator)) throw new BotError(ErrorCode.BAD_KEY, 'operator key must be a compressed SEC1 key');
  const model = uint(permission, 'permission');
  if (model !== Permission.PRIVATE && model !== Permission.CONSORTIUM && model !== Permission.PUBLIC) throw new BotError(ErrorCode.BAD_SHAPE, 'permission');
  if ((model === Permission.PUBLIC) !== (count === 7)) throw new BotError(ErrorCode.BAD_SHAPE, 'a genesis has 7 fields exactly when it is public');
  let publicLimits: PublicLimits | undefined;
  if (count === 7) {
    const [powBits, perDevice, selfEnrol] = arrayOf(limits!, 3, 'public limits');
    publicLimits = checkPublicLimits({ powBits: uint(powBits, 'powBits'), maxTxsPerBlockPerDevice: uint(perDevice, 'maxTxsPerBlockPerDevice'), maxSelfEnrolPerBlock: uint(selfEnrol, 'maxSelfEnrolPerBlock') });
  }
  return Object.freeze({
    name,
    time: uint(time, 'time'),
    permission: model as Permission,
    validators: validatorSetFromCbor(validators!),
    operatorKey: operator,
    ...(publicLimits ? { publicLimits } : {}),
  });
}

/** Full 32-byte genesis hash: the previous-header hash of block 1. */
export function genesisHash(crypto: CryptoProvider, genesis: Genesis): Uint8Array {
  return taggedHash(crypto, DomainTag.GENESIS, encodeGenesis(genesis));
}

export function chainIdOf(crypto: CryptoProvider, genesis: Genesis): Uint8Array {
  return genesisHash(crypto, genesis).slice(0, CHAIN_ID_BYTES);
}
