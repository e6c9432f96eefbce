// The crypto port (core layer): everything the core needs from cryptography.
// A host passes one in; noble-crypto.ts is the portable default, and hosts may
// supply native providers (libsecp256k1 on the gateway, a Moddable native
// module on the device) that must produce byte-identical results.

export const SHA256_BYTES = 32;
export const PRIVATE_KEY_BYTES = 32;
/** Compressed SEC1 public key. */
export const PUBLIC_KEY_BYTES = 33;
/** Compact r || s. */
export const SIGNATURE_BYTES = 64;
/** BIP-340 x-only public key (a FROST group key). */
export const X_ONLY_PUBLIC_KEY_BYTES = 32;
/** BIP-340 Schnorr signature R.x || s. */
export const SCHNORR_SIGNATURE_BYTES = 64;

/** Shape check only (33 bytes, 0x02/0x03 prefix); whether the point is on the curve is the provider's verify. */
export function isCompressedPublicKey(key: Uint8Array): boolean {
  return key.length === PUBLIC_KEY_BYTES && (key[0] === 0x02 || key[0] === 0x03);
}

export interface CryptoProvider {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  /** Compressed public key of a valid private key. */
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** ECDSA over a 32-byte digest: RFC 6979 nonce, low-S, compact 64 bytes. */
  sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** True only for a valid low-S signature by publicKey; false (never a throw) for any bad input. */
  verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
  /**
   * BIP-340 Schnorr verification of a 32-byte message under a 32-byte x-only key. True only for a
   * valid signature; false (never a throw) for any bad input: wrong sizes, x ≥ p or not on the curve,
   * r ≥ p, s ≥ n.
   */
  verifySchnorr(signature: Uint8Array, message: Uint8Array, xOnlyPublicKey: Uint8Array): boolean;
  /** Whether 32 bytes are a valid private key (1 ≤ k < n). */
  isValidPrivateKey(privateKey: Uint8Array): boolean;
}
