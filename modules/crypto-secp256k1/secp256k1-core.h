/*
 * secp256k1 for the device as plain C (native module layer, no Moddable header): the vendored
 * libsecp256k1 configured for a 32-bit microcontroller, behind the few calls the crypto port
 * needs. crypto-secp256k1.c binds them to XS; tools/toolchains/check-modules.sh compiles this
 * half with the ESP32 build's flags and runs it as a 32-bit program against the shared vectors,
 * so neither needs the SDK.
 *
 * Every function takes buffers of the sizes named below (the callers check them) and returns
 * 1 for success or a valid input, 0 otherwise; nothing allocates.
 */
#ifndef BOTPEER_SECP256K1_CORE_H
#define BOTPEER_SECP256K1_CORE_H

#include <stddef.h>
#include <stdint.h>

#define kSecp256k1DigestBytes 32
#define kSecp256k1PrivateKeyBytes 32
#define kSecp256k1PublicKeyBytes 33
#define kSecp256k1SignatureBytes 64
#define kSecp256k1XOnlyKeyBytes 32
#define kSecp256k1SchnorrBytes 64

void botpeer_secp256k1_sha256(const uint8_t *data, size_t size, uint8_t out[32]);
int botpeer_secp256k1_is_valid_private_key(const uint8_t key[32]);
/** 33-byte compressed public key; 0 when the key is not 1 ≤ k < n. */
int botpeer_secp256k1_public_key(const uint8_t key[32], uint8_t out[33]);
/** 64-byte compact r || s, RFC 6979 nonce, low S; 0 when the key is invalid. */
int botpeer_secp256k1_sign(const uint8_t digest[32], const uint8_t key[32], uint8_t out[64]);
/** ECDSA over a 33-byte compressed key; refuses high S, r or s ≥ n or zero, keys off the curve. */
int botpeer_secp256k1_verify(const uint8_t signature[64], const uint8_t digest[32], const uint8_t key[33]);
/** BIP-340 Schnorr verification of a 32-byte message under a 32-byte x-only key. */
int botpeer_secp256k1_schnorr_verify(const uint8_t signature[64], const uint8_t *message, size_t size, const uint8_t key[32]);
/** Static RAM the library's context holds (outside any heap), for the memory budget. */
size_t botpeer_secp256k1_context_bytes(void);
/** 0 when the context could not be built in its static buffer (then every call above fails). */
int botpeer_secp256k1_ready(void);

#endif
