// Types for secp256k1-native.js (native module layer, Moddable only). Sizes are not
// checked by the types: crypto-secp256k1.ts checks them before calling.

export function sha256(data: Uint8Array, out: Uint8Array): void;
export function isValidPrivateKey(privateKey: Uint8Array): boolean;
/** Writes the 33-byte compressed key into `out`; false when the private key is invalid. */
export function publicKey(privateKey: Uint8Array, out: Uint8Array): boolean;
/** Writes the 64-byte compact r || s into `out`; false when the private key is invalid. */
export function sign(digest: Uint8Array, privateKey: Uint8Array, out: Uint8Array): boolean;
export function verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
/** BIP-340 over a 32-byte message and a 32-byte x-only key (libsecp256k1's schnorrsig). */
export function verifySchnorr(signature: Uint8Array, message: Uint8Array, xOnlyKey: Uint8Array): boolean;
/** Static RAM (outside the XS heap) held by the library's context. */
export function contextBytes(): number;
