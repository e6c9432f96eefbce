// The signed messages of the key generation among members on separate machines (tools layer,
// gateway/frost-dkg), docs/protocol.md §12.5. Each is a canonical CBOR array whose first five items
// are the same for every kind and whose last item is a 64-byte compact ECDSA signature by the sender's
// member key over taggedHash(DomainTag.DKG, CBOR(the array without the signature)):
//
//   ROUND1       [0, session, attempt, from, pmsg, ephemeralKey(33), [ciphertext(32)…n]]  + sig
//   COORDINATOR  [1, session, attempt, from, cmsg]                                         + sig
//   COMPLAINT    [2, session, attempt, from, [dealer(33)…]]                                + sig
//   CERT         [3, session, attempt, from, certSig(64)]                                  + sig
//   REVEAL       [4, session, attempt, from, complainer(33), share(32), ephemeralSecret(32)] + sig
//
// `from`, `dealer` and `complainer` are 33-byte compressed member keys; pmsg and cmsg are SimplPedPop's
// participant and coordinator messages (messages.ts). Only the envelope is checked here: sizes that
// depend on the attempt (t, n) are the state machine's (network-dkg.ts), where a well-signed but
// wrong message can name its sender.

import { type CborValue, decodeCbor, encodeCbor } from '../../../src/codec/cbor.js';
import type { DecodeLimits } from '../../../src/codec/limits.js';
import { arrayOf, bytes, listOf, uint } from '../../../src/codec/shape.js';
import type { CryptoProvider } from '../../../src/crypto/crypto-port.js';
import { DomainTag } from '../../../src/crypto/domain.js';
import { taggedHash } from '../../../src/crypto/hash.js';
import { BotError } from '../../../src/errors/bot-error.js';
import { ErrorCode } from '../../../src/errors/error-codes.js';

export const DkgMessageKind = Object.freeze({ ROUND1: 0, COORDINATOR: 1, COMPLAINT: 2, CERT: 3, REVEAL: 4 } as const);
export type DkgMessageKind = (typeof DkgMessageKind)[keyof typeof DkgMessageKind];

/** At most 64 members take part (a CBOR list of shares is then 64 items). */
export const DKG_MAX_PARTICIPANTS = 64;
export const DKG_MAX_SESSION_ID_BYTES = 64;
const KEY_BYTES = 33;
const SIG_BYTES = 64;

/** The largest message is COORDINATOR at 64 members, threshold 64: a cmsg of 97·64 + 33·63 = 8287 bytes. */
export const DKG_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 16384,
  maxDepth: 3,
  maxItems: 80,
  maxArrayLength: DKG_MAX_PARTICIPANTS,
  maxByteStringLength: 8448,
});

interface Head {
  readonly sessionId: Uint8Array;
  readonly attempt: number;
  /** The sender's 33-byte member key. */
  readonly from: Uint8Array;
}

export type DkgMessage =
  | (Head & { readonly kind: typeof DkgMessageKind.ROUND1; readonly pmsg: Uint8Array; readonly ephemeralKey: Uint8Array; readonly ciphertexts: readonly Uint8Array[] })
  | (Head & { readonly kind: typeof DkgMessageKind.COORDINATOR; readonly cmsg: Uint8Array })
  | (Head & { readonly kind: typeof DkgMessageKind.COMPLAINT; readonly dealers: readonly Uint8Array[] })
  | (Head & { readonly kind: typeof DkgMessageKind.CERT; readonly certSig: Uint8Array })
  | (Head & { readonly kind: typeof DkgMessageKind.REVEAL; readonly complainer: Uint8Array; readonly share: Uint8Array; readonly ephemeralSecret: Uint8Array });

function unsignedItems(m: DkgMessage): CborValue[] {
  const head: CborValue[] = [m.kind, m.sessionId, m.attempt, m.from];
  switch (m.kind) {
    case DkgMessageKind.ROUND1: return [...head, m.pmsg, m.ephemeralKey, [...m.ciphertexts]];
    case DkgMessageKind.COORDINATOR: return [...head, m.cmsg];
    case DkgMessageKind.COMPLAINT: return [...head, [...m.dealers]];
    case DkgMessageKind.CERT: return [...head, m.certSig];
    case DkgMessageKind.REVEAL: return [...head, m.complainer, m.share, m.ephemeralSecret];
  }
}

/** The digest the sender signs: taggedHash(DKG, CBOR of the message without its signature). */
export function dkgMessageDigest(crypto: CryptoProvider, m: DkgMessage): Uint8Array {
  return taggedHash(crypto, DomainTag.DKG, encodeCbor(unsignedItems(m)));
}

/** The wire bytes of m signed with privateKey (which must be the key of m.from). */
export function encodeDkgMessage(crypto: CryptoProvider, m: DkgMessage, privateKey: Uint8Array): Uint8Array {
  return encodeCbor([...unsignedItems(m), crypto.sign(dkgMessageDigest(crypto, m), privateKey)]);
}

function byteString(value: CborValue | undefined, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new BotError(ErrorCode.BAD_SHAPE, `${what} must be a byte string`);
  return value;
}

const ITEM_COUNT: Readonly<Record<DkgMessageKind, number>> = Object.freeze({ 0: 8, 1: 6, 2: 6, 3: 6, 4: 8 });

/**
 * Strict decode and signature check under `from`. Throws BotError: codec codes, BAD_SHAPE,
 * UNKNOWN_KIND, BAD_SIGNATURE. Whether `from` is a participant is the caller's question.
 */
export function decodeDkgMessage(crypto: CryptoProvider, wire: Uint8Array): DkgMessage {
  const items = listOf(decodeCbor(wire, DKG_LIMITS), 'DKG message');
  const kind = uint(items[0], 'DKG message kind');
  if (!(kind in ITEM_COUNT)) throw new BotError(ErrorCode.UNKNOWN_KIND, `DKG message kind ${kind}`);
  const v = arrayOf(items, ITEM_COUNT[kind as DkgMessageKind], `DKG message of kind ${kind}`);
  const sessionId = v[1];
  if (!(sessionId instanceof Uint8Array) || sessionId.length === 0 || sessionId.length > DKG_MAX_SESSION_ID_BYTES) {
    throw new BotError(ErrorCode.BAD_SHAPE, `DKG session id must be 1..${DKG_MAX_SESSION_ID_BYTES} bytes`);
  }
  const head: Head = { sessionId, attempt: uint(v[2], 'DKG attempt'), from: bytes(v[3], KEY_BYTES, 'DKG sender') };
  let m: DkgMessage;
  switch (kind) {
    case DkgMessageKind.ROUND1: {
      const ciphertexts = listOf(v[6], 'DKG ciphertexts').map((c) => bytes(c, 32, 'DKG ciphertext'));
      m = { ...head, kind, pmsg: byteString(v[4], 'DKG pmsg'), ephemeralKey: bytes(v[5], KEY_BYTES, 'DKG ephemeral key'), ciphertexts };
      break;
    }
    case DkgMessageKind.COORDINATOR:
      m = { ...head, kind, cmsg: byteString(v[4], 'DKG cmsg') };
      break;
    case DkgMessageKind.COMPLAINT:
      m = { ...head, kind, dealers: listOf(v[4], 'DKG dealers').map((d) => bytes(d, KEY_BYTES, 'DKG dealer')) };
      break;
    case DkgMessageKind.CERT:
      m = { ...head, kind, certSig: bytes(v[4], SIG_BYTES, 'DKG certificate signature') };
      break;
    default:
      m = {
        ...head,
        kind: DkgMessageKind.REVEAL,
        complainer: bytes(v[4], KEY_BYTES, 'DKG complainer'),
        share: bytes(v[5], 32, 'DKG revealed share'),
        ephemeralSecret: bytes(v[6], 32, 'DKG ephemeral secret'),
      };
  }
  const sig = bytes(v[v.length - 1], SIG_BYTES, 'DKG signature');
  if (!crypto.verify(sig, dkgMessageDigest(crypto, m), m.from)) throw new BotError(ErrorCode.BAD_SIGNATURE, 'DKG message signature does not verify under its sender');
  return m;
}
