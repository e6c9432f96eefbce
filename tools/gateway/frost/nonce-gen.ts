// NonceGen of the FROST signing BIP draft (siv2r/bip-frost-signing, "Nonce Generation") (tools
// layer, Node side): a signer's first-round secret and public nonces.
//
// rand' is drawn fresh from the CSPRNG on every call; the optional session arguments (secshare,
// pubshare, the x-only group key, the message, extra_in) are hashed in as defense in depth, so an
// accidental rand' repeat still yields a different nonce when anything else differs. nonceGenInternal
// takes rand' as an argument only for the draft's vectors.
//
// Never reuse a secnonce: two partial signatures with one secnonce over different challenges reveal
// the secret share. Sign zeroes the secnonce it is given, which protects one process. Across a crash,
// a member must persist, durably (fsync) and BEFORE its pubnonce leaves the process, a record that
// this nonce was handed out: at least the pubnonce (or a session id / monotonic counter bound into
// extra_in) marked "issued", and then "used" once Sign ran for it. On restart every issued nonce is
// treated as spent: the member never signs with a secnonce it cannot prove unused, it aborts those
// sessions and runs NonceGen again (the secnonce itself need not, and should not, be written to
// disk). The consortium member's journal is tools/gateway/consortium/frost-nonce-journal.ts;
// nothing here persists.

import { randomBytes } from 'node:crypto';
import { FrostInputError } from './errors.js';
import {
  G, PUBNONCE_BYTES, SECNONCE_BYTES, TAG_AUX, TAG_NONCE, cbytes, concat, intToBytes, mulSecret,
  scalarFromBytesWrapping, scalarToBytes, taggedHash, xorBytes,
} from './group.js';

export interface NonceGenInput {
  /** The signer's secret share, 32 bytes (recommended). */
  readonly secshare?: Uint8Array;
  /** The signer's public share, 33 bytes (recommended). */
  readonly pubshare?: Uint8Array;
  /** The x-only (tweaked) threshold public key, 32 bytes (recommended). */
  readonly threshPk?: Uint8Array;
  /** The message, if known in round one. */
  readonly msg?: Uint8Array;
  /** Anything else likely to differ between calls: a session id, a counter, a clock. */
  readonly extraIn?: Uint8Array;
}

export interface Nonces {
  /** 64 bytes k1 || k2. Secret; single use; Sign zeroes it. */
  readonly secnonce: Uint8Array;
  /** 66 bytes cbytes(k1·G) || cbytes(k2·G), sent to the coordinator. */
  readonly pubnonce: Uint8Array;
}

function nonceHash(rand: Uint8Array, pubshare: Uint8Array, threshPk: Uint8Array, msgPrefixed: Uint8Array, extraIn: Uint8Array, i: number): Uint8Array {
  return taggedHash(TAG_NONCE, rand, Uint8Array.of(pubshare.length), pubshare, Uint8Array.of(threshPk.length), threshPk,
    msgPrefixed, intToBytes(extraIn.length, 4), extraIn, Uint8Array.of(i));
}

/** NonceGen with rand' given (the draft's vectors); production code calls nonceGen. */
export function nonceGenInternal(randPrime: Uint8Array, input: NonceGenInput): Nonces {
  const rand = input.secshare === undefined ? randPrime : xorBytes(input.secshare, taggedHash(TAG_AUX, randPrime));
  const pubshare = input.pubshare ?? new Uint8Array(0);
  const threshPk = input.threshPk ?? new Uint8Array(0);
  const msgPrefixed = input.msg === undefined ? Uint8Array.of(0) : concat(Uint8Array.of(1), intToBytes(input.msg.length, 8), input.msg);
  const extraIn = input.extraIn ?? new Uint8Array(0);
  const k1 = scalarFromBytesWrapping(nonceHash(rand, pubshare, threshPk, msgPrefixed, extraIn, 0));
  const k2 = scalarFromBytesWrapping(nonceHash(rand, pubshare, threshPk, msgPrefixed, extraIn, 1));
  if (k1 === 0n || k2 === 0n) throw new Error('NonceGen: zero nonce (negligible probability)');
  const secnonce = concat(scalarToBytes(k1), scalarToBytes(k2));
  const pubnonce = concat(cbytes(mulSecret(G, k1)), cbytes(mulSecret(G, k2)));
  if (secnonce.length !== SECNONCE_BYTES || pubnonce.length !== PUBNONCE_BYTES) throw new Error('NonceGen: bad lengths');
  return { secnonce, pubnonce };
}

/** NonceGen: fresh rand' from the CSPRNG. */
export function nonceGen(input: NonceGenInput = {}): Nonces {
  if (input.secshare !== undefined && input.secshare.length !== 32) throw new FrostInputError('The optional byte array secshare must have length 32.');
  if (input.pubshare !== undefined && input.pubshare.length !== 33) throw new FrostInputError('The optional byte array pubshare must have length 33.');
  if (input.threshPk !== undefined && input.threshPk.length !== 32) throw new FrostInputError('The optional byte array thresh_pk must have length 32.');
  if (input.extraIn !== undefined && input.extraIn.length > 0xffffffff) throw new FrostInputError('extra_in is too long.');
  return nonceGenInternal(new Uint8Array(randomBytes(32)), input);
}
