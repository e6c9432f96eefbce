// Bindings to crypto-secp256k1.c (native module layer, Moddable only). Plain JavaScript
// because Moddable's `@ "native"` host-function syntax has no TypeScript spelling;
// secp256k1-native.d.ts types it. Every function writes into the buffer it is given.

function sha256(data, out) @ "xs_secp256k1_sha256";
function isValidPrivateKey(privateKey) @ "xs_secp256k1_is_valid_private_key";
function publicKey(privateKey, out) @ "xs_secp256k1_public_key";
function sign(digest, privateKey, out) @ "xs_secp256k1_sign";
function verify(signature, digest, publicKey) @ "xs_secp256k1_verify";
function verifySchnorr(signature, message, xOnlyKey) @ "xs_secp256k1_verify_schnorr";
function contextBytes() @ "xs_secp256k1_context_bytes";

export { sha256, isValidPrivateKey, publicKey, sign, verify, verifySchnorr, contextBytes };
