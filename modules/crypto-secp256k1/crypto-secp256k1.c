/*
 * Native secp256k1 ECDSA and SHA-256 for the device (native module layer, Moddable xsmc).
 *
 * Why libsecp256k1 (vendored in ./libsecp256k1, MIT) rather than Moddable's modules/crypt/arith
 * or ESP-IDF's mbedTLS:
 *  - it is the C code the gateway already trusts (npm `secp256k1` 5.0.2), constant time, with
 *    RFC 6979 nonces and low-S normalisation built in and high-S rejected by verify, so the
 *    results are byte-identical to the portable provider (noble) without new crypto code;
 *    Moddable's arith draws its nonce at random and does not normalise S, so RFC 6979 and low-S
 *    would have to be written here; mbedTLS exists on the ESP32 build only, so the desktop
 *    build could not prove the device's code;
 *  - memory: no XS heap at all. The signing table is `const` (64 KB, flash on an ESP32,
 *    ECMULT_GEN_PREC_BITS=4); the verification table is built once into a static buffer whose
 *    size is set by ECMULT_WINDOW_SIZE (2^(w-2) points of 64 bytes: w=6 → 1 KB of RAM);
 *  - 32-bit friendly: 10x26 field and 8x32 scalar, no GMP, no assembly; the desktop build uses
 *    the same configuration, so what the vectors prove here is the device's arithmetic.
 * SHA-256 is the library's own (one small C implementation, identical on every platform),
 * not Moddable's crypt Digest, which would add a class, a module and a copy per call.
 *
 * Every function reads its inputs in place (xsmcGetBufferReadable, no copy) and writes into an
 * output buffer the caller passes, so nothing here allocates in the XS heap and no pointer is
 * held across a garbage collection. Shapes are checked in crypto-secp256k1.ts as well; here a
 * wrong size makes sign/publicKey fail and verify return false, never a crash.
 */

#include "xsmc.h"
#include "mc.xs.h"
#ifdef __has_include
	#if __has_include("mc.defines.h")
		#include "mc.defines.h"
	#endif
#endif

#ifdef MODDEF_SECP256K1_WINDOW
	#define ECMULT_WINDOW_SIZE MODDEF_SECP256K1_WINDOW
#else
	#define ECMULT_WINDOW_SIZE 6
#endif
#define ECMULT_GEN_PREC_BITS 4
#define USE_ECMULT_STATIC_PRECOMPUTATION 1
#define USE_NUM_NONE 1
#define USE_FIELD_INV_BUILTIN 1
#define USE_SCALAR_INV_BUILTIN 1
#define USE_FIELD_10X26 1
#define USE_SCALAR_8X32 1

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "libsecp256k1/secp256k1.c"
#pragma GCC diagnostic pop

#define kDigestBytes 32
#define kPrivateKeyBytes 32
#define kPublicKeyBytes 33
#define kSignatureBytes 64

// The library's own size constants are `static const` variables, not constant expressions, so
// the buffer is sized here (context + verification table; the signing table is static, no
// endomorphism) and checked against secp256k1_context_preallocated_size() when first used.
#define kContextBytes (ROUND_TO_ALIGN(sizeof(secp256k1_context)) + ROUND_TO_ALIGN(sizeof(secp256k1_ge_storage) * ECMULT_TABLE_SIZE(WINDOW_G)))
#define kContextFlags (SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY)

// One context for the life of the firmware, outside the XS heap. Built on first use (the
// verification table costs 2^(w-2) point additions, not worth paying at boot if unused).
static uint8_t gContextMemory[kContextBytes] __attribute__((aligned(16)));
static secp256k1_context *gContext = NULL;

static secp256k1_context *context(xsMachine *the)
{
	if (!gContext) {
		if (secp256k1_context_preallocated_size(kContextFlags) > sizeof(gContextMemory))
			xsUnknownError("secp256k1 context does not fit");
		gContext = secp256k1_context_preallocated_create(gContextMemory, kContextFlags);
	}
	return gContext;
}

static uint8_t *readable(xsMachine *the, int index, xsUnsignedValue expected)
{
	void *data;
	xsUnsignedValue size;
	xsmcGetBufferReadable(xsArg(index), &data, &size);
	return (size == expected) ? (uint8_t *)data : NULL;
}

static uint8_t *writable(xsMachine *the, int index, xsUnsignedValue expected)
{
	void *data;
	xsUnsignedValue size;
	xsmcGetBufferWritable(xsArg(index), &data, &size);
	if (size != expected)
		xsRangeError("output buffer size");
	return (uint8_t *)data;
}

// sha256(data, out32)
void xs_secp256k1_sha256(xsMachine *the)
{
	void *data;
	xsUnsignedValue size;
	uint8_t *out = writable(the, 1, kDigestBytes);
	secp256k1_sha256 hash;

	xsmcGetBufferReadable(xsArg(0), &data, &size);
	secp256k1_sha256_initialize(&hash);
	secp256k1_sha256_write(&hash, (const unsigned char *)data, size);
	secp256k1_sha256_finalize(&hash, out);
}

// isValidPrivateKey(key) → boolean
void xs_secp256k1_is_valid_private_key(xsMachine *the)
{
	const uint8_t *key = readable(the, 0, kPrivateKeyBytes);
	xsmcSetBoolean(xsResult, key && secp256k1_ec_seckey_verify(context(the), key));
}

// publicKey(privateKey, out33) → false when the key is not 1 ≤ k < n
void xs_secp256k1_public_key(xsMachine *the)
{
	const uint8_t *key = readable(the, 0, kPrivateKeyBytes);
	uint8_t *out = writable(the, 1, kPublicKeyBytes);
	secp256k1_pubkey point;
	size_t length = kPublicKeyBytes;
	int ok = key && secp256k1_ec_pubkey_create(context(the), &point, key)
		&& secp256k1_ec_pubkey_serialize(context(the), out, &length, &point, SECP256K1_EC_COMPRESSED);
	xsmcSetBoolean(xsResult, ok);
}

// sign(digest32, privateKey, out64) → false when the key is invalid. RFC 6979 nonce (the
// library's default nonce function, no extra entropy) and low-S (the library always normalises).
void xs_secp256k1_sign(xsMachine *the)
{
	const uint8_t *digest = readable(the, 0, kDigestBytes);
	const uint8_t *key = readable(the, 1, kPrivateKeyBytes);
	uint8_t *out = writable(the, 2, kSignatureBytes);
	secp256k1_ecdsa_signature signature;
	int ok = digest && key && secp256k1_ecdsa_sign(context(the), &signature, digest, key, NULL, NULL)
		&& secp256k1_ecdsa_signature_serialize_compact(context(the), out, &signature);
	xsmcSetBoolean(xsResult, ok);
}

// verify(signature64, digest32, publicKey33) → boolean. Compact parse refuses r or s ≥ n;
// secp256k1_ecdsa_verify refuses high S and zero r or s; pubkey parse refuses points off the curve.
void xs_secp256k1_verify(xsMachine *the)
{
	const uint8_t *bytes = readable(the, 0, kSignatureBytes);
	const uint8_t *digest = readable(the, 1, kDigestBytes);
	const uint8_t *key = readable(the, 2, kPublicKeyBytes);
	secp256k1_ecdsa_signature signature;
	secp256k1_pubkey point;
	int ok = bytes && digest && key
		&& ((key[0] == 0x02) || (key[0] == 0x03))
		&& secp256k1_ecdsa_signature_parse_compact(context(the), &signature, bytes)
		&& secp256k1_ec_pubkey_parse(context(the), &point, key, kPublicKeyBytes)
		&& secp256k1_ecdsa_verify(context(the), &signature, digest, &point);
	xsmcSetBoolean(xsResult, ok);
}

// Static RAM the context uses (for the memory budget).
void xs_secp256k1_context_bytes(xsMachine *the)
{
	xsmcSetInteger(xsResult, (xsIntegerValue)sizeof(gContextMemory));
}
