// Block headers (core layer).
//
// Header: [version, chainId, height, time, prevHash, txRoot, txCount,
//          stateRoot, validatorsHash, nextValidatorsHash]
// hash = SHA-256("botpeer/header/v1" || CBOR(header)). Time is in milliseconds
// (blocks come every second or faster); transaction times are in seconds.

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { HEADER_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SHA256_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { CHAIN_ID_BYTES } from '../tx/tx.js';
import { arrayOf, bytes, uint } from '../codec/shape.js';

export const HEADER_VERSION = 1;

export interface Header {
  readonly chainId: Uint8Array;
  readonly height: number;
  readonly time: number;
  readonly prevHash: Uint8Array;
  readonly txRoot: Uint8Array;
  readonly txCount: number;
  readonly stateRoot: Uint8Array;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
}

export function headerToCbor(h: Header): CborValue {
  return [
    HEADER_VERSION, h.chainId, h.height, h.time, h.prevHash, h.txRoot, h.txCount, h.stateRoot, h.validatorsHash, h.nextValidatorsHash,
  ];
}

export function headerFromCbor(value: CborValue): Header {
  const f = arrayOf(value, 10, 'header');
  if (f[0] !== HEADER_VERSION) throw new BotError(ErrorCode.BAD_SHAPE, `header version ${String(f[0])}`);
  return Object.freeze({
    chainId: bytes(f[1], CHAIN_ID_BYTES, 'chain id'),
    height: uint(f[2], 'height'),
    time: uint(f[3], 'time'),
    prevHash: bytes(f[4], SHA256_BYTES, 'prev hash'),
    txRoot: bytes(f[5], SHA256_BYTES, 'tx root'),
    txCount: uint(f[6], 'tx count'),
    stateRoot: bytes(f[7], SHA256_BYTES, 'state root'),
    validatorsHash: bytes(f[8], SHA256_BYTES, 'validators hash'),
    nextValidatorsHash: bytes(f[9], SHA256_BYTES, 'next validators hash'),
  });
}

export function encodeHeader(header: Header): Uint8Array {
  return encodeCbor(headerToCbor(header));
}

export function decodeHeader(encoded: Uint8Array): Header {
  return headerFromCbor(decodeCbor(encoded, HEADER_LIMITS));
}

export function headerHash(crypto: CryptoProvider, header: Header): Uint8Array {
  return taggedHash(crypto, DomainTag.HEADER, encodeHeader(header));
}
