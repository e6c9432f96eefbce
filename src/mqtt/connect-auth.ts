// Device authentication at MQTT CONNECT (core layer, docs/protocol.md §9.6). MQTT 3.1.1 has
// no challenge-response (aedes and NATS's MQTT listener speak only 3.1.1), so a device proves
// possession of its key with a signed, time-stamped password, one signature per connection:
//
//   client id = username = the device id, 16 lowercase hex digits
//   password  = hex of CBOR [timeMs, signature]
//   signature = ECDSA (§4) over H_CONNECT(CBOR([chainId, deviceId, timeMs]))
//
// On a public chain a device that is not enrolled yet connects to enrol itself: its password is
// then hex of CBOR [timeMs, signature, publicKey, powNonce], the same signature by that key, its
// id keyId(publicKey), and the self-enrolment's proof of work (src/tx/self-enroll.ts), checked
// (one hash) before the signature. The broker accepts this form also once the device is enrolled,
// when publicKey is its key: a device that missed the ack of its enrolment still connects.
//
// The broker accepts a token only within CONNECT_WINDOW_MS of its own clock and only with a
// timeMs above the last one it accepted from that device (and above its own start time), so a
// recorded CONNECT is never accepted twice. The MQTT client asks for a fresh password at every
// (re)connection: `password` is a function.

import { bytesToHex, hexToBytes } from '../codec/bytes.js';
import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import { bytes } from '../codec/shape.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SIGNATURE_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { PUBLIC_KEY_BYTES } from '../crypto/crypto-port.js';
import { equalBytes } from '../codec/bytes.js';
import { type KeyPair, keyId } from '../tx/identity.js';
import { POW_NONCE_BYTES, checkPow } from '../tx/self-enroll.js';

/** How far a token's time may be from the broker's clock, either way. */
export const CONNECT_WINDOW_MS = 120_000;
/** Hex characters of the largest well-formed password: CBOR array(2), uint (≤ 9), bstr(64) (66). */
export const CONNECT_PASSWORD_MAX_CHARS = 2 * (1 + 9 + 2 + SIGNATURE_BYTES);
/** ... and of the self-enrolling form: then also bstr(33) (35) and bstr(8) (9). */
export const SELF_ENROLL_PASSWORD_MAX_CHARS = CONNECT_PASSWORD_MAX_CHARS + 2 * (2 + PUBLIC_KEY_BYTES + 1 + POW_NONCE_BYTES);

/** MQTT 3.1.1 CONNACK return codes the broker answers with (MQTT 5 reason codes in brackets). */
export const ConnackCode = Object.freeze({
  ACCEPTED: 0,
  /** Client id not a device id, or not equal to the username (0x85). */
  IDENTIFIER_REJECTED: 2,
  /** Password missing, malformed, outside the window, replayed, or not signed by the device's key (0x86). */
  BAD_CREDENTIALS: 4,
  /** Not enrolled, revoked, or on the blocklist (0x87). */
  NOT_AUTHORIZED: 5,
} as const);
export type ConnackCode = (typeof ConnackCode)[keyof typeof ConnackCode];

export function connectDigest(crypto: CryptoProvider, chainId: Uint8Array, deviceId: Uint8Array, timeMs: number): Uint8Array {
  return taggedHash(crypto, DomainTag.CONNECT, encodeCbor([chainId, deviceId, timeMs]));
}

/** The CONNECT password's bytes, CBOR [timeMs, signature]. */
export function makeConnectToken(crypto: CryptoProvider, chainId: Uint8Array, keys: KeyPair, timeMs: number): Uint8Array {
  const signature = crypto.sign(connectDigest(crypto, chainId, keyId(crypto, keys.publicKey), timeMs), keys.privateKey);
  return encodeCbor([timeMs, signature]);
}

/** The self-enrolling form of the password's bytes (public chain): CBOR [timeMs, signature, publicKey, powNonce]. */
export function makeSelfEnrollConnectToken(crypto: CryptoProvider, chainId: Uint8Array, keys: KeyPair, timeMs: number, powNonce: Uint8Array): Uint8Array {
  const signature = crypto.sign(connectDigest(crypto, chainId, keyId(crypto, keys.publicKey), timeMs), keys.privateKey);
  return encodeCbor([timeMs, signature, keys.publicKey, powNonce]);
}

/**
 * What a device gives its MQTT client: its id as username, and a fresh password at every connection.
 * `powNonce`: on a public chain, the self-enrolment's nonce while the device is not enrolled (the
 * self-enrolling form of the token), else undefined; asked at every connection.
 */
export function connectCredentials(
  crypto: CryptoProvider, chainId: Uint8Array, keys: KeyPair, clock: { now(): number }, powNonce?: () => Uint8Array | undefined,
): { username: string; password: () => string } {
  const username = bytesToHex(keyId(crypto, keys.publicKey));
  return Object.freeze({
    username,
    password: () => {
      const timeMs = Math.floor(clock.now());
      const nonce = powNonce?.();
      return bytesToHex(nonce ? makeSelfEnrollConnectToken(crypto, chainId, keys, timeMs, nonce) : makeConnectToken(crypto, chainId, keys, timeMs));
    },
  });
}

/**
 * The password's token, either form: lowercase hex of at most `maxChars`, CBOR (SMALL_LIMITS) of
 * an array of `length` starting [timeMs, signature]; the other fields are the caller's to read.
 * Throws BotError: the decode's 1xx, BAD_SHAPE (`shape` says the form).
 */
function readToken(password: string, maxChars: number, length: number, shape: string): { timeMs: number; signature: Uint8Array; fields: readonly CborValue[] } {
  if (password.length === 0 || password.length > maxChars || password.length % 2 !== 0 || !/^[0-9a-f]+$/.test(password)) {
    throw new BotError(ErrorCode.BAD_SHAPE, `connect password is lowercase hex of at most ${maxChars} characters`);
  }
  const fields = decodeCbor(hexToBytes(password), SMALL_LIMITS);
  if (!Array.isArray(fields) || fields.length !== length) throw new BotError(ErrorCode.BAD_SHAPE, shape);
  const timeMs = fields[0];
  if (typeof timeMs !== 'number' || !Number.isSafeInteger(timeMs) || timeMs < 0) throw new BotError(ErrorCode.BAD_SHAPE, 'timeMs must be a uint');
  return { timeMs, signature: bytes(fields[1], SIGNATURE_BYTES, 'signature'), fields };
}

/**
 * The self-enrolling token's time and key, once its key's id is `deviceId`, its proof of work
 * has `powBits` and its signature verifies (in that order: the cheap checks first). Throws
 * BotError: the decode's 1xx, BAD_SHAPE, BAD_KEY, BAD_POW, BAD_SIGNATURE.
 */
export function openSelfEnrollConnectToken(
  crypto: CryptoProvider, chainId: Uint8Array, deviceId: Uint8Array, password: string, powBits: number,
): { readonly timeMs: number; readonly publicKey: Uint8Array } {
  const { timeMs, signature, fields } = readToken(password, SELF_ENROLL_PASSWORD_MAX_CHARS, 4, 'self-enrolling connect token is [timeMs, signature, publicKey, powNonce]');
  const publicKey = bytes(fields[2], PUBLIC_KEY_BYTES, 'publicKey');
  const nonce = bytes(fields[3], POW_NONCE_BYTES, 'powNonce');
  if (!equalBytes(keyId(crypto, publicKey), deviceId)) throw new BotError(ErrorCode.BAD_KEY, 'the key is not the device id\'s');
  if (!checkPow(crypto, chainId, publicKey, nonce, powBits)) throw new BotError(ErrorCode.BAD_POW, `proof of work under ${powBits} bits`);
  if (!crypto.verify(signature, connectDigest(crypto, chainId, deviceId, timeMs), publicKey)) {
    throw new BotError(ErrorCode.BAD_SIGNATURE, 'connect token not signed by the device key for this chain');
  }
  return Object.freeze({ timeMs, publicKey });
}

/**
 * The token's time, once its signature by `publicKey` for `deviceId` on this chain verifies.
 * Throws BotError: the decode's 1xx, BAD_SHAPE, BAD_SIGNATURE. Window and replay are the broker's.
 */
export function openConnectToken(crypto: CryptoProvider, chainId: Uint8Array, deviceId: Uint8Array, publicKey: Uint8Array, password: string): number {
  const { timeMs, signature } = readToken(password, CONNECT_PASSWORD_MAX_CHARS, 2, 'connect token is [timeMs, signature]');
  if (!crypto.verify(signature, connectDigest(crypto, chainId, deviceId, timeMs), publicKey)) {
    throw new BotError(ErrorCode.BAD_SIGNATURE, 'connect token not signed by the device key for this chain');
  }
  return timeMs;
}
