// FROST signing messages on a consortium's vote stream (tools layer): the CBOR encodings of
// docs/protocol.md §12.3 ("FROST commits"). They share the stream with ECDSA votes (§6.9), which
// are 4-element arrays; every FROST message is an array of 5 or 6 whose first item is its kind.
//
//   NONCE      [0, height, headerHash, index, pubnonce66]                    a member's round-1 nonce
//   REQUEST    [1, height, headerHash, coordinator, session, [[index, pubnonce66]…]]
//                                                                           the signers, ascending by index
//   PARTIAL    [2, height, headerHash, index, session, psig32]               a signer's round-2 share
//   SIGNATURE  [3, height, headerHash, coordinator, signature64]            the aggregated BIP-340 signature
//   RENONCE    [4, height, headerHash, coordinator, session]               "send fresh nonces" (a retry)
//
// `index` and `coordinator` are indices in the set that signs `height`, which are also the FROST
// identifiers; `session` is k·n + coordinator for the coordinator's k-th session at that height (a
// retry is a new session), so sessions of different coordinators never share a number.

import { type CborValue, decodeCbor, encodeCbor } from '../../../src/codec/cbor.js';
import type { DecodeLimits } from '../../../src/codec/limits.js';
import { arrayOf, bytes, listOf, uint } from '../../../src/codec/shape.js';
import { BotError, ErrorCode } from '../../../src/index.js';

export const FrostKind = Object.freeze({ NONCE: 0, REQUEST: 1, PARTIAL: 2, SIGNATURE: 3, RENONCE: 4 } as const);

export const PUBNONCE_BYTES = 66;
export const PSIG_BYTES = 32;
export const GROUP_SIGNATURE_BYTES = 64;
const HASH_BYTES = 32;

/** A REQUEST of 64 signers is about 4.5 KB; a pubnonce is a 66-byte string. */
const FROST_LIMITS: DecodeLimits = Object.freeze({ maxBytes: 6144, maxDepth: 4, maxItems: 256, maxArrayLength: 64, maxByteStringLength: 66 });

export interface SignerNonce {
  readonly index: number;
  readonly pubnonce: Uint8Array;
}

export type FrostMessage =
  | { readonly kind: typeof FrostKind.NONCE; readonly height: number; readonly headerHash: Uint8Array; readonly index: number; readonly pubnonce: Uint8Array }
  | { readonly kind: typeof FrostKind.REQUEST; readonly height: number; readonly headerHash: Uint8Array; readonly coordinator: number; readonly session: number; readonly signers: readonly SignerNonce[] }
  | { readonly kind: typeof FrostKind.PARTIAL; readonly height: number; readonly headerHash: Uint8Array; readonly index: number; readonly session: number; readonly psig: Uint8Array }
  | { readonly kind: typeof FrostKind.SIGNATURE; readonly height: number; readonly headerHash: Uint8Array; readonly coordinator: number; readonly signature: Uint8Array }
  | { readonly kind: typeof FrostKind.RENONCE; readonly height: number; readonly headerHash: Uint8Array; readonly coordinator: number; readonly session: number };

export function encodeFrostMessage(m: FrostMessage): Uint8Array {
  const head = [m.kind, m.height, m.headerHash] as CborValue[];
  switch (m.kind) {
    case FrostKind.NONCE: return encodeCbor([...head, m.index, m.pubnonce]);
    case FrostKind.REQUEST: return encodeCbor([...head, m.coordinator, m.session, m.signers.map((s) => [s.index, s.pubnonce])]);
    case FrostKind.PARTIAL: return encodeCbor([...head, m.index, m.session, m.psig]);
    case FrostKind.SIGNATURE: return encodeCbor([...head, m.coordinator, m.signature]);
    case FrostKind.RENONCE: return encodeCbor([...head, m.coordinator, m.session]);
  }
}

/** Whether these vote-stream bytes are a FROST message rather than an ECDSA vote (a 4-array), without a full decode. */
export function isFrostMessage(encoded: Uint8Array): boolean {
  // CBOR arrays of 5 and 6 items start 0x85 and 0x86; a vote starts 0x84.
  return encoded.length > 0 && (encoded[0] === 0x85 || encoded[0] === 0x86);
}

/** Strict decode; throws BotError (codec codes, BAD_SHAPE). Checks no signature. */
export function decodeFrostMessage(encoded: Uint8Array): FrostMessage {
  const value = decodeCbor(encoded, FROST_LIMITS);
  const items = listOf(value, 'FROST message');
  const kind = uint(items[0], 'FROST message kind');
  const height = uint(items[1], 'FROST height');
  const headerHash = bytes(items[2], HASH_BYTES, 'FROST header hash');
  switch (kind) {
    case FrostKind.NONCE: {
      const [, , , index, pubnonce] = arrayOf(value, 5, 'FROST nonce');
      return { kind, height, headerHash, index: uint(index, 'signer index'), pubnonce: bytes(pubnonce, PUBNONCE_BYTES, 'pubnonce') };
    }
    case FrostKind.REQUEST: {
      const [, , , coordinator, session, list] = arrayOf(value, 6, 'FROST request');
      const signers = listOf(list, 'FROST signers').map((entry) => {
        const [index, pubnonce] = arrayOf(entry, 2, 'FROST signer');
        return { index: uint(index, 'signer index'), pubnonce: bytes(pubnonce, PUBNONCE_BYTES, 'pubnonce') };
      });
      for (let i = 1; i < signers.length; i++) {
        if (signers[i]!.index <= signers[i - 1]!.index) throw new BotError(ErrorCode.BAD_SHAPE, 'FROST signers must ascend by index');
      }
      return { kind, height, headerHash, coordinator: uint(coordinator, 'coordinator'), session: uint(session, 'session'), signers };
    }
    case FrostKind.PARTIAL: {
      const [, , , index, session, psig] = arrayOf(value, 6, 'FROST partial signature');
      return { kind, height, headerHash, index: uint(index, 'signer index'), session: uint(session, 'session'), psig: bytes(psig, PSIG_BYTES, 'partial signature') };
    }
    case FrostKind.SIGNATURE: {
      const [, , , coordinator, signature] = arrayOf(value, 5, 'FROST signature');
      return { kind, height, headerHash, coordinator: uint(coordinator, 'coordinator'), signature: bytes(signature, GROUP_SIGNATURE_BYTES, 'group signature') };
    }
    case FrostKind.RENONCE: {
      const [, , , coordinator, session] = arrayOf(value, 5, 'FROST renonce');
      return { kind, height, headerHash, coordinator: uint(coordinator, 'coordinator'), session: uint(session, 'session') };
    }
    default:
      throw new BotError(ErrorCode.BAD_SHAPE, `unknown FROST message kind ${kind}`);
  }
}
