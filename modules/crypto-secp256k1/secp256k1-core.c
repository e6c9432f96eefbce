/*
 * secp256k1 for the device as plain C (native module layer, no Moddable header; see
 * secp256k1-core.h). The vendored libsecp256k1 (vendor/secp256k1, its NOTES.md gives the release)
 * is compiled into this one translation unit with the configuration below, so that the Moddable
 * manifest, which cannot pass -D flags to one file, needs nothing but this file, and no config
 * header: the library reads only these defines (it has no `libsecp256k1-config.h` any more, so
 * the `-DHAVE_CONFIG_H` every ESP32 build passes is harmless).
 *
 * Why libsecp256k1 rather than Moddable's modules/crypt/arith or ESP-IDF's mbedTLS: it is the C
 * code the gateway already trusts, constant time, with RFC 6979 nonces (reducing the digest mod n
 * as the RFC and noble do) and low-S built in and high-S refused by verify, so the results are
 * byte-identical to the portable provider without new crypto code; arith draws its nonce at random
 * and does not normalise S; mbedTLS exists on the ESP32 build only, so the desktop build could not
 * prove the device's code. SHA-256 is the library's own: one small C implementation everywhere.
 */

#include "secp256k1-core.h"

#ifdef __has_include
	#if __has_include("mc.defines.h")
		#include "mc.defines.h" /* a Moddable build: the manifest may change the window */
	#endif
#endif

/* Configuration, as upstream documents it for builds without its build system (configure's
 * --with-ecmult-window and --with-ecmult-gen-kb, --enable-module-*): both tables are `const`
 * (flash on an ESP32, nothing built in RAM). Sizes on a 32-bit target in vendor/secp256k1/NOTES.md. */
#ifdef MODDEF_SECP256K1_WINDOW
	#define ECMULT_WINDOW_SIZE MODDEF_SECP256K1_WINDOW
#else
	#define ECMULT_WINDOW_SIZE 8 /* verification: 2 × 2^(8-2) points of 64 bytes, 8 KB */
#endif
#define COMB_BLOCKS 11 /* signing: --with-ecmult-gen-kb=22, 11 × 2^(6-1) points of 64 bytes, 22 KB */
#define COMB_TEETH 6
#define ENABLE_MODULE_EXTRAKEYS 1 /* x-only keys, needed by schnorrsig */
#define ENABLE_MODULE_SCHNORRSIG 1 /* BIP-340 */
/* The 32-bit arithmetic (10x26 field, 8x32 scalar, modinv32) everywhere, the device's own choice
 * since it has no 128-bit multiply: the desktop build then runs, and its vectors prove, the same
 * code. (Upstream's CI forces it the same way, --with-test-override-wide-multiply=int64.) */
#define USE_FORCE_WIDEMUL_INT64 1
/* The API stays internal to the firmware image: no visibility attribute to export it. */
#define SECP256K1_NO_API_VISIBILITY_ATTRIBUTES 1

#if defined(__GNUC__)
	#pragma GCC diagnostic push
	#pragma GCC diagnostic ignored "-Wunused-function"
	#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include "vendor/secp256k1/src/secp256k1.c"
#include "vendor/secp256k1/src/precomputed_ecmult.c"
#include "vendor/secp256k1/src/precomputed_ecmult_gen.c"
#if defined(__GNUC__)
	#pragma GCC diagnostic pop
#endif

/* One context for the life of the firmware, outside any heap. The tables are static, so it
 * holds only the signing blinding state and the callbacks (a few hundred bytes). */
#define kContextBytes ROUND_TO_ALIGN(sizeof(secp256k1_context))
static uint8_t gContextMemory[kContextBytes] __attribute__((aligned(16)));
static secp256k1_context *gContext = NULL;

static secp256k1_context *context(void)
{
	if (!gContext && (secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE) <= sizeof(gContextMemory)))
		gContext = secp256k1_context_preallocated_create(gContextMemory, SECP256K1_CONTEXT_NONE);
	return gContext;
}

int botpeer_secp256k1_ready(void)
{
	return context() != NULL;
}

size_t botpeer_secp256k1_context_bytes(void)
{
	return sizeof(gContextMemory);
}

void botpeer_secp256k1_sha256(const uint8_t *data, size_t size, uint8_t out[32])
{
	secp256k1_hash_ctx hash_ctx;
	secp256k1_sha256 hash;
	secp256k1_hash_ctx_init(&hash_ctx);
	secp256k1_sha256_initialize(&hash);
	secp256k1_sha256_write(&hash_ctx, &hash, data, size);
	secp256k1_sha256_finalize(&hash_ctx, &hash, out);
}

int botpeer_secp256k1_is_valid_private_key(const uint8_t key[32])
{
	secp256k1_context *ctx = context();
	return ctx && secp256k1_ec_seckey_verify(ctx, key);
}

int botpeer_secp256k1_public_key(const uint8_t key[32], uint8_t out[33])
{
	secp256k1_context *ctx = context();
	secp256k1_pubkey point;
	size_t length = kSecp256k1PublicKeyBytes;
	return ctx && secp256k1_ec_pubkey_create(ctx, &point, key)
		&& secp256k1_ec_pubkey_serialize(ctx, out, &length, &point, SECP256K1_EC_COMPRESSED);
}

/* RFC 6979 nonce (the library's default nonce function, no extra entropy) and low S (the library
 * always normalises). */
int botpeer_secp256k1_sign(const uint8_t digest[32], const uint8_t key[32], uint8_t out[64])
{
	secp256k1_context *ctx = context();
	secp256k1_ecdsa_signature signature;
	return ctx && secp256k1_ecdsa_sign(ctx, &signature, digest, key, secp256k1_nonce_function_rfc6979, NULL)
		&& secp256k1_ecdsa_signature_serialize_compact(ctx, out, &signature);
}

/* Compact parse refuses r or s ≥ n; secp256k1_ecdsa_verify refuses high S and zero r or s; key
 * parse refuses points off the curve. Only compressed keys: the prefix is checked here because
 * the parser would also take a 33-byte prefix it does not mean. */
int botpeer_secp256k1_verify(const uint8_t signature[64], const uint8_t digest[32], const uint8_t key[33])
{
	secp256k1_context *ctx = context();
	secp256k1_ecdsa_signature parsed;
	secp256k1_pubkey point;
	return ctx && ((key[0] == 0x02) || (key[0] == 0x03))
		&& secp256k1_ecdsa_signature_parse_compact(ctx, &parsed, signature)
		&& secp256k1_ec_pubkey_parse(ctx, &point, key, kSecp256k1PublicKeyBytes)
		&& secp256k1_ecdsa_verify(ctx, &parsed, digest, &point);
}

int botpeer_secp256k1_schnorr_verify(const uint8_t signature[64], const uint8_t *message, size_t size, const uint8_t key[32])
{
	secp256k1_context *ctx = context();
	secp256k1_xonly_pubkey point;
	return ctx && secp256k1_xonly_pubkey_parse(ctx, &point, key)
		&& secp256k1_schnorrsig_verify(ctx, signature, message, size, &point);
}
