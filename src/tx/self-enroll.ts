// Self-enrolment on a public chain (core layer, tx): a device enrols itself with an
// ENROLL whose sender is its own key id, signed by that key, body [key, 0 (DEVICE),
// powNonce bstr(8)] (docs/protocol.md §5.6.1). The proof of work binds the nonce to
// the chain and the key, so it is made once per device and chain and cannot be
// reused for another key:
//
//   H_POW(CBOR([chainId, key, nonce])) has at least powBits leading zero bits
//
// It makes an identity cost something (the genesis sets powBits); checking it is
// one hash, so the gateway checks it before it spends a signature verification.

import type { CborValue } from '../codec/cbor.js';
import { encodeCbor } from '../codec/cbor.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { Role } from './bodies.js';
import { TxKind } from './kinds.js';

export const POW_NONCE_BYTES = 8;
/** The bound a genesis may set (MAX_POW_BITS of src/chain/genesis.ts): powDigest has 256. */
const MAX_BITS = 32;

export function powDigest(crypto: CryptoProvider, chainId: Uint8Array, key: Uint8Array, nonce: Uint8Array): Uint8Array {
  return taggedHash(crypto, DomainTag.POW, encodeCbor([chainId, key, nonce]));
}

/** Leading zero bits of `digest` (at most 8 × its length). */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Whether `nonce` is a proof of work of at least `powBits` for `key` on this chain. One hash. */
export function checkPow(crypto: CryptoProvider, chainId: Uint8Array, key: Uint8Array, nonce: Uint8Array, powBits: number): boolean {
  if (nonce.length !== POW_NONCE_BYTES) return false;
  return powBits <= 0 || leadingZeroBits(powDigest(crypto, chainId, key, nonce)) >= powBits;
}

/**
 * Searches nonces 0, 1, 2… (8 bytes big-endian) for one that checkPow accepts. Cost: on
 * average 2^powBits SHA-256 hashes of a ~70-byte input, at worst unbounded (each try wins
 * with probability 2^-powBits): 16 bits ≈ 65 000 hashes, a fraction of a second on a
 * desktop and seconds on an ESP32's hardware-less pure-JS hash; every bit more doubles it.
 * A device runs it once per chain and stores the nonce (the peer does, StoreKey.POW_NONCE).
 */
export function mintPowNonce(crypto: CryptoProvider, chainId: Uint8Array, key: Uint8Array, powBits: number): Uint8Array {
  if (!Number.isInteger(powBits) || powBits < 0 || powBits > MAX_BITS) throw new BotError(ErrorCode.BAD_SHAPE, `powBits must be in 0..${MAX_BITS}`);
  const nonce = new Uint8Array(POW_NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  // 2^53 tries before the counter would repeat: never reached.
  for (let i = 0; ; i++) {
    view.setUint32(0, Math.floor(i / 0x1_0000_0000));
    view.setUint32(4, i >>> 0);
    if (checkPow(crypto, chainId, key, nonce, powBits)) return nonce;
  }
}

/** The self-enrolment body: [key, Role.DEVICE, nonce]. */
export function selfEnrollBody(key: Uint8Array, nonce: Uint8Array): CborValue {
  return [key, Role.DEVICE, nonce];
}

/**
 * Whether `kind` and `body` make a self-enrolment (an ENROLL with the 3-field body; checkBody
 * made sure of its shape). The 2-field ENROLL is the operator's (or a member's) enrolment.
 */
export function isSelfEnroll(tx: { readonly kind: number; readonly body: CborValue }): boolean {
  return tx.kind === TxKind.ENROLL && Array.isArray(tx.body) && tx.body.length === 3;
}
