// Encrypting a key-generation share to its receiver (tools layer, gateway/frost-dkg), as the
// ChillDKG draft's EncPedPop does (BlockstreamResearch/bip-frost-dkg, encpedpop.py): the dealer
// draws a fresh ephemeral key e per attempt and publishes E = e·G; the pad for receiver R is
//   taggedHash(DomainTag.DKG_SHARE, ecdh || sessionId || attempt(u32be) || from(33) || to(33))
// with ecdh = the 33-byte compressed point e·R (= r·E for the receiver), and the ciphertext is
// share XOR pad. Why ephemeral and not the dealer's member key: a complaint is settled by the dealer
// revealing e, which lets everyone recompute this attempt's pads, decrypt the ciphertext it
// published and check it against its commitment; a static key could never be revealed, and
// without it a dealer could encrypt garbage and then "reveal" a good share to frame the receiver.
// The attempt is abandoned whenever a complaint is raised, so revealing e costs nothing.

import { getSharedSecret } from '@noble/secp256k1';
import type { CryptoProvider } from '../../../src/crypto/crypto-port.js';
import { DomainTag } from '../../../src/crypto/domain.js';
import { taggedHash } from '../../../src/crypto/hash.js';
import { u32be } from './group.js';

export const SHARE_BYTES = 32;

export interface PadContext {
  readonly sessionId: Uint8Array;
  readonly attempt: number;
  /** Dealer's member key (33 bytes). */
  readonly from: Uint8Array;
  /** Receiver's member key (33 bytes). */
  readonly to: Uint8Array;
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(SHARE_BYTES);
  for (let i = 0; i < SHARE_BYTES; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export function sharePad(crypto: CryptoProvider, ecdh: Uint8Array, c: PadContext): Uint8Array {
  return taggedHash(crypto, DomainTag.DKG_SHARE, ecdh, c.sessionId, u32be(c.attempt), c.from, c.to);
}

/** The dealer's side: share XOR pad(e·to). Also what anyone computes from a revealed e. */
export function encryptShare(crypto: CryptoProvider, share: Uint8Array, ephemeralSecret: Uint8Array, c: PadContext): Uint8Array {
  return xor32(share, sharePad(crypto, getSharedSecret(ephemeralSecret, c.to, true), c));
}

/** The receiver's side: ciphertext XOR pad(myKey·E). Throws if E is not a point (the caller checked it). */
export function decryptShare(crypto: CryptoProvider, ciphertext: Uint8Array, receiverSecret: Uint8Array, ephemeralKey: Uint8Array, c: PadContext): Uint8Array {
  return xor32(ciphertext, sharePad(crypto, getSharedSecret(receiverSecret, ephemeralKey, true), c));
}
