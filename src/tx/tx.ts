// BoT transactions (core layer): build, sign, encode, decode and verify.
//
// Wire:    [kind, sender, seq, time, body, signature]                 (CBOR array)
// Signed:  SHA-256("botpeer/tx/v1" || CBOR([chainId, kind, sender, seq, time, body]))
// The chain id is signed but not sent (the MQTT topic names the chain), which
// saves 9 bytes per transaction and still makes a signature useless on any
// other chain. The sequence number is per sender and strictly increasing.

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { concatBytes } from '../codec/bytes.js';
import { TX_LIMITS } from '../codec/limits.js';
import { BotError, type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SIGNATURE_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { checkBody } from './bodies.js';
import { ID_BYTES } from './identity.js';
import { type TxKind, isTxKind } from './kinds.js';

export const CHAIN_ID_BYTES = 8;
/** Sequence numbers start at 1; 0 means "nothing sent yet". */
export const MIN_SEQ = 1;

export interface UnsignedTx {
  readonly kind: TxKind;
  /** Id of the signing key (the device id for readings). */
  readonly sender: Uint8Array;
  readonly seq: number;
  /** Seconds since the Unix epoch, device clock: time of the first reading. */
  readonly time: number;
  readonly body: CborValue;
}

export interface SignedTx extends UnsignedTx {
  readonly signature: Uint8Array;
}

/** The exact bytes whose SHA-256 is signed (exposed for interop with other ECDSA implementations). */
export function txSigningPreimage(chainId: Uint8Array, tx: UnsignedTx): Uint8Array {
  if (chainId.length !== CHAIN_ID_BYTES) throw new BotError(ErrorCode.WRONG_CHAIN, 'chain id must be 8 bytes');
  return concatBytes(DomainTag.TX, encodeCbor([chainId, tx.kind, tx.sender, tx.seq, tx.time, tx.body]));
}

export function txSigningDigest(crypto: CryptoProvider, chainId: Uint8Array, tx: UnsignedTx): Uint8Array {
  return crypto.sha256(txSigningPreimage(chainId, tx));
}

/** Checks the fields (throws BotError), then signs. */
export function signTx(crypto: CryptoProvider, chainId: Uint8Array, tx: UnsignedTx, privateKey: Uint8Array): SignedTx {
  checkFields(tx);
  return Object.freeze({ ...tx, signature: crypto.sign(txSigningDigest(crypto, chainId, tx), privateKey) });
}

export function encodeTx(tx: SignedTx): Uint8Array {
  return encodeCbor([tx.kind, tx.sender, tx.seq, tx.time, tx.body, tx.signature]);
}

/** Strictly decodes untrusted bytes into a well-formed transaction; throws BotError. Does not check the signature. */
export function decodeTx(bytes: Uint8Array): SignedTx {
  const value = decodeCbor(bytes, TX_LIMITS);
  if (!Array.isArray(value) || value.length !== 6) throw new BotError(ErrorCode.BAD_SHAPE, 'a transaction is an array of 6');
  const [kind, sender, seq, time, body, signature] = value as CborValue[];
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
    throw new BotError(ErrorCode.BAD_SHAPE, 'signature must be 64 bytes');
  }
  const tx = { kind, sender, seq, time, body, signature } as SignedTx;
  checkFields(tx);
  return Object.freeze(tx);
}

function checkFields(tx: UnsignedTx): void {
  if (typeof tx.kind !== 'number' || !isTxKind(tx.kind)) throw new BotError(ErrorCode.UNKNOWN_KIND, String(tx.kind));
  if (!(tx.sender instanceof Uint8Array) || tx.sender.length !== ID_BYTES) {
    throw new BotError(ErrorCode.BAD_SHAPE, 'sender must be 8 bytes');
  }
  if (typeof tx.seq !== 'number' || !Number.isSafeInteger(tx.seq) || tx.seq < MIN_SEQ) {
    throw new BotError(ErrorCode.BAD_SHAPE, 'seq must be a positive integer');
  }
  if (typeof tx.time !== 'number' || !Number.isSafeInteger(tx.time) || tx.time < 0) {
    throw new BotError(ErrorCode.BAD_SHAPE, 'time must be a non-negative integer');
  }
  checkBody(tx.kind, tx.body);
}

/** Verifies the signature of a decoded transaction against the sender's key on this chain. */
export function verifyTxSignature(
  crypto: CryptoProvider,
  chainId: Uint8Array,
  tx: SignedTx,
  publicKey: Uint8Array,
): Result<undefined> {
  const digest = txSigningDigest(crypto, chainId, tx);
  return crypto.verify(tx.signature, digest, publicKey)
    ? ok(undefined)
    : fail(ErrorCode.BAD_SIGNATURE, 'signature does not verify for this key and chain');
}

/** A transaction's id: SHA-256 of its wire bytes (what Merkle leaves commit to). */
export function txId(crypto: CryptoProvider, wireBytes: Uint8Array): Uint8Array {
  return crypto.sha256(wireBytes);
}
