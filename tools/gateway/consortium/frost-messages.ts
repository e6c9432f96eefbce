// FROST signing messages on a consortium's vote stream (tools layer): the CBOR encodings of
// docs/protocol.md §12.3.1 ("FROST commits"). They share the stream with ECDSA votes (§6.9), which
// are 4-element arrays; every FROST message is an array of 6 or 7 whose first item is its kind and
// whose last is its sender's signature:
//
//   NONCE      [0, height, headerHash, index, pubnonce66, sig64]                 a member's round-1 nonce
//   REQUEST    [1, height, headerHash, coordinator, session, [[index, pubnonce66]…], sig64]
//                                                                               the signers, ascending by index
//   PARTIAL    [2, height, headerHash, index, session, psig32, sig64]            a signer's round-2 share
//   SIGNATURE  [3, height, headerHash, coordinator, signature64, sig64]          the aggregated BIP-340 signature
//   RENONCE    [4, height, headerHash, coordinator, session, sig64]              "send fresh nonces" (a retry)
//
// `index` and `coordinator` are indices in the set that signs `height`, which are also the FROST
// identifiers; `session` is k·n + coordinator for the coordinator's k-th session at that height (a
// retry is a new session), so sessions of different coordinators never share a number.
//
// sig64 is a compact ECDSA signature by the sender's member key (the key at `index` for NONCE and
// PARTIAL, at `coordinator` for the others, in the set that signs `height`) over
// H_FROST_MESSAGE(CBOR([chainId, the message array without sig64]))): whoever holds the vote stream
// can show which member sent each message (who was asked to sign, whose share was bad), whatever
// the transport's credentials. The key is known only to a member that knows that set, so decoding
// (here) and verifying (verifyFrostMessage, at the height's turn) are separate steps.

import { type CborValue, decodeCbor, encodeCbor } from '../../../src/codec/cbor.js';
import type { DecodeLimits } from '../../../src/codec/limits.js';
import { arrayOf, bytes, listOf, uint } from '../../../src/codec/shape.js';
import {
  BotError, CHAIN_ID_BYTES, type CryptoProvider, DomainTag, ErrorCode, type Result, SIGNATURE_BYTES, type ValidatorSet, fail, ok, taggedHash,
} from '../../../src/index.js';

export const FrostKind = Object.freeze({ NONCE: 0, REQUEST: 1, PARTIAL: 2, SIGNATURE: 3, RENONCE: 4 } as const);

export const PUBNONCE_BYTES = 66;
export const PSIG_BYTES = 32;
export const GROUP_SIGNATURE_BYTES = 64;
const HASH_BYTES = 32;

/** A REQUEST of 64 signers is about 4.6 KB; a pubnonce is a 66-byte string, the longest. */
const FROST_LIMITS: DecodeLimits = Object.freeze({ maxBytes: 6144, maxDepth: 4, maxItems: 256, maxArrayLength: 64, maxByteStringLength: 66 });

export interface SignerNonce {
  readonly index: number;
  readonly pubnonce: Uint8Array;
}

/** A message's content: what its sender signs. */
export type FrostMessage =
  | { readonly kind: typeof FrostKind.NONCE; readonly height: number; readonly headerHash: Uint8Array; readonly index: number; readonly pubnonce: Uint8Array }
  | { readonly kind: typeof FrostKind.REQUEST; readonly height: number; readonly headerHash: Uint8Array; readonly coordinator: number; readonly session: number; readonly signers: readonly SignerNonce[] }
  | { readonly kind: typeof FrostKind.PARTIAL; readonly height: number; readonly headerHash: Uint8Array; readonly index: number; readonly session: number; readonly psig: Uint8Array }
  | { readonly kind: typeof FrostKind.SIGNATURE; readonly height: number; readonly headerHash: Uint8Array; readonly coordinator: number; readonly signature: Uint8Array }
  | { readonly kind: typeof FrostKind.RENONCE; readonly height: number; readonly headerHash: Uint8Array; readonly coordinator: number; readonly session: number };

/** A message as it travels: its content and its sender's ECDSA signature (`signature` is SIGNATURE's group signature). */
export type SignedFrostMessage = FrostMessage & { readonly memberSignature: Uint8Array };

/** The set index of the member that sends (and signs) a message. */
export function frostSender(m: FrostMessage): number {
  return m.kind === FrostKind.NONCE || m.kind === FrostKind.PARTIAL ? m.index : m.coordinator;
}

/** The message array without its signature. */
function fields(m: FrostMessage): CborValue[] {
  const head = [m.kind, m.height, m.headerHash] as CborValue[];
  switch (m.kind) {
    case FrostKind.NONCE: return [...head, m.index, m.pubnonce];
    case FrostKind.REQUEST: return [...head, m.coordinator, m.session, m.signers.map((s) => [s.index, s.pubnonce])];
    case FrostKind.PARTIAL: return [...head, m.index, m.session, m.psig];
    case FrostKind.SIGNATURE: return [...head, m.coordinator, m.signature];
    case FrostKind.RENONCE: return [...head, m.coordinator, m.session];
  }
}

/** H_FROST_MESSAGE(CBOR([chainId, message array without its signature])): what the sender signs. */
export function frostMessageDigest(crypto: CryptoProvider, chainId: Uint8Array, m: FrostMessage): Uint8Array {
  if (chainId.length !== CHAIN_ID_BYTES) throw new BotError(ErrorCode.WRONG_CHAIN, 'chain id must be 8 bytes');
  return taggedHash(crypto, DomainTag.FROST_MESSAGE, encodeCbor([chainId, fields(m)]));
}

/** Signs a message with the sender's member key (the key at frostSender(m) in the set that signs its height). */
export function signFrostMessage<M extends FrostMessage>(crypto: CryptoProvider, chainId: Uint8Array, m: M, privateKey: Uint8Array): M & { readonly memberSignature: Uint8Array } {
  return { ...m, memberSignature: crypto.sign(frostMessageDigest(crypto, chainId, m), privateKey) };
}

export function encodeFrostMessage(m: SignedFrostMessage): Uint8Array {
  return encodeCbor([...fields(m), m.memberSignature]);
}

/** Whether these vote-stream bytes are a FROST message rather than an ECDSA vote (a 4-array), without a full decode. */
export function isFrostMessage(encoded: Uint8Array): boolean {
  // CBOR arrays of 6 and 7 items start 0x86 and 0x87; a vote starts 0x84.
  return encoded.length > 0 && (encoded[0] === 0x86 || encoded[0] === 0x87);
}

/** Strict decode; throws BotError (codec codes, BAD_SHAPE). Checks no signature (verifyFrostMessage). */
export function decodeFrostMessage(encoded: Uint8Array): SignedFrostMessage {
  const value = decodeCbor(encoded, FROST_LIMITS);
  const items = listOf(value, 'FROST message');
  const kind = uint(items[0], 'FROST message kind');
  const height = uint(items[1], 'FROST height');
  const headerHash = bytes(items[2], HASH_BYTES, 'FROST header hash');
  const signed = (length: number, what: string) => {
    const all = arrayOf(value, length, what);
    return { all, memberSignature: bytes(all[length - 1], SIGNATURE_BYTES, 'FROST message signature') };
  };
  switch (kind) {
    case FrostKind.NONCE: {
      const { all: [, , , index, pubnonce], memberSignature } = signed(6, 'FROST nonce');
      return { kind, height, headerHash, index: uint(index, 'signer index'), pubnonce: bytes(pubnonce, PUBNONCE_BYTES, 'pubnonce'), memberSignature };
    }
    case FrostKind.REQUEST: {
      const { all: [, , , coordinator, session, list], memberSignature } = signed(7, 'FROST request');
      const signers = listOf(list, 'FROST signers').map((entry) => {
        const [index, pubnonce] = arrayOf(entry, 2, 'FROST signer');
        return { index: uint(index, 'signer index'), pubnonce: bytes(pubnonce, PUBNONCE_BYTES, 'pubnonce') };
      });
      for (let i = 1; i < signers.length; i++) {
        if (signers[i]!.index <= signers[i - 1]!.index) throw new BotError(ErrorCode.BAD_SHAPE, 'FROST signers must ascend by index');
      }
      return { kind, height, headerHash, coordinator: uint(coordinator, 'coordinator'), session: uint(session, 'session'), signers, memberSignature };
    }
    case FrostKind.PARTIAL: {
      const { all: [, , , index, session, psig], memberSignature } = signed(7, 'FROST partial signature');
      return { kind, height, headerHash, index: uint(index, 'signer index'), session: uint(session, 'session'), psig: bytes(psig, PSIG_BYTES, 'partial signature'), memberSignature };
    }
    case FrostKind.SIGNATURE: {
      const { all: [, , , coordinator, signature], memberSignature } = signed(6, 'FROST signature');
      return { kind, height, headerHash, coordinator: uint(coordinator, 'coordinator'), signature: bytes(signature, GROUP_SIGNATURE_BYTES, 'group signature'), memberSignature };
    }
    case FrostKind.RENONCE: {
      const { all: [, , , coordinator, session], memberSignature } = signed(6, 'FROST renonce');
      return { kind, height, headerHash, coordinator: uint(coordinator, 'coordinator'), session: uint(session, 'session'), memberSignature };
    }
    default:
      throw new BotError(ErrorCode.BAD_SHAPE, `unknown FROST message kind ${kind}`);
  }
}

/**
 * Whether `m` is signed by its sender's key in `validators` (the set that signs m.height):
 * BAD_COMMIT (309) for a sender index outside the set, BAD_SIGNATURE (200) for a signature that
 * does not verify (another chain, another member's key, altered content).
 */
export function verifyFrostMessage(crypto: CryptoProvider, chainId: Uint8Array, validators: ValidatorSet, m: SignedFrostMessage): Result<undefined> {
  const sender = frostSender(m);
  const key = validators.keys[sender];
  if (key === undefined) return fail(ErrorCode.BAD_COMMIT, `FROST message sender ${sender} outside a set of ${validators.keys.length}`);
  return crypto.verify(m.memberSignature, frostMessageDigest(crypto, chainId, m), key)
    ? ok(undefined)
    : fail(ErrorCode.BAD_SIGNATURE, `FROST message signature does not verify for member ${sender}`);
}
