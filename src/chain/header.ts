// Block headers (core layer).
//
// Header: [version, chainId, height, time, prevHash, txRoot, txCount,
//          stateRoot, validatorsHash, nextValidatorsHash]
// hash = SHA-256("botpeer/header/v1" || CBOR(header)). Time is in milliseconds
// (blocks come every second or faster); transaction times are in seconds.
//
// A header decoded from received bytes is hashed from those bytes, once: the strict
// decode proved them canonical, so they are CBOR(header) without encoding it again.
// On a device that was one encode per verify and one more per hash of a known header
// (verifyHeader, the duplicate check, past headers, checkpoints), each a pass of
// cbor-x's generic encoder over ten fields.

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
  return receivedHeader(decodeCbor(encoded, HEADER_LIMITS), encoded);
}

/**
 * Received headers and what is known of their encoding: the canonical bytes until the first
 * hash (a view into the received message, not a copy), then the hash, so the message's buffer
 * is not kept alive by a header in the ring. Keyed by the frozen header object, so a copy with
 * any field changed is a new key and is hashed from its own encoding. Created on first use: a
 * preloaded module's objects are read-only on XS.
 */
let received: WeakMap<Header, { readonly bytes?: Uint8Array; readonly hash?: Uint8Array }> | undefined;

/**
 * The header in `value`, decoded from `bytes` by a strict decode (decodeCbor or a container's,
 * which proved `bytes` canonical): its hash will be taken from them. For the decoders of the
 * messages that carry a header.
 */
export function receivedHeader(value: CborValue, bytes: Uint8Array): Header {
  const header = headerFromCbor(value);
  (received ??= new WeakMap()).set(header, { bytes });
  return header;
}

export function headerHash(crypto: CryptoProvider, header: Header): Uint8Array {
  const known = received?.get(header);
  if (known === undefined) return taggedHash(crypto, DomainTag.HEADER, encodeHeader(header));
  if (known.hash) return known.hash;
  const hash = taggedHash(crypto, DomainTag.HEADER, known.bytes!);
  received!.set(header, { hash });
  return hash;
}
