/*
 * Native secp256k1 ECDSA, BIP-340 Schnorr verification and SHA-256 for the device (native module layer, Moddable xsmc): the XS
 * binding of secp256k1-core.c, which holds the library, its configuration and the reasons for it.
 *
 * Memory: no XS heap at all. Both precomputed tables are `const` (flash on an ESP32); the
 * library's context is a static buffer of a few hundred bytes (contextBytes() reports it).
 *
 * Every function reads its inputs in place (xsmcGetBufferReadable, no copy) and writes into an
 * output buffer the caller passes, so nothing here allocates in the XS heap and no pointer is
 * held across a garbage collection. Shapes are checked in crypto-secp256k1.ts as well; here a
 * wrong size makes sign/publicKey fail and verify return false, never a crash.
 */

#include "xsmc.h"
#include "mc.xs.h"
// The library half is compiled into this translation unit: the manifest names one C file per
// module, and this keeps secp256k1-core.c free of any SDK header for the cross-compile check.
#include "secp256k1-core.c"

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

static void ready(xsMachine *the)
{
	if (!botpeer_secp256k1_ready())
		xsUnknownError("secp256k1 context does not fit");
}

// sha256(data, out32)
void xs_secp256k1_sha256(xsMachine *the)
{
	void *data;
	xsUnsignedValue size;
	uint8_t *out = writable(the, 1, kSecp256k1DigestBytes);

	xsmcGetBufferReadable(xsArg(0), &data, &size);
	botpeer_secp256k1_sha256((const uint8_t *)data, size, out);
}

// isValidPrivateKey(key) → boolean
void xs_secp256k1_is_valid_private_key(xsMachine *the)
{
	const uint8_t *key = readable(the, 0, kSecp256k1PrivateKeyBytes);
	ready(the);
	xsmcSetBoolean(xsResult, key && botpeer_secp256k1_is_valid_private_key(key));
}

// publicKey(privateKey, out33) → false when the key is not 1 ≤ k < n
void xs_secp256k1_public_key(xsMachine *the)
{
	const uint8_t *key = readable(the, 0, kSecp256k1PrivateKeyBytes);
	uint8_t *out = writable(the, 1, kSecp256k1PublicKeyBytes);
	ready(the);
	xsmcSetBoolean(xsResult, key && botpeer_secp256k1_public_key(key, out));
}

// sign(digest32, privateKey, out64) → false when the key is invalid (RFC 6979, low S)
void xs_secp256k1_sign(xsMachine *the)
{
	const uint8_t *digest = readable(the, 0, kSecp256k1DigestBytes);
	const uint8_t *key = readable(the, 1, kSecp256k1PrivateKeyBytes);
	uint8_t *out = writable(the, 2, kSecp256k1SignatureBytes);
	ready(the);
	xsmcSetBoolean(xsResult, digest && key && botpeer_secp256k1_sign(digest, key, out));
}

// verify(signature64, digest32, publicKey33) → boolean
void xs_secp256k1_verify(xsMachine *the)
{
	const uint8_t *signature = readable(the, 0, kSecp256k1SignatureBytes);
	const uint8_t *digest = readable(the, 1, kSecp256k1DigestBytes);
	const uint8_t *key = readable(the, 2, kSecp256k1PublicKeyBytes);
	ready(the);
	xsmcSetBoolean(xsResult, signature && digest && key && botpeer_secp256k1_verify(signature, digest, key));
}

// verifySchnorr(signature64, message32, xOnlyKey32) → boolean (BIP-340; a FROST group signature)
void xs_secp256k1_verify_schnorr(xsMachine *the)
{
	const uint8_t *signature = readable(the, 0, kSecp256k1SchnorrBytes);
	const uint8_t *message = readable(the, 1, kSecp256k1DigestBytes);
	const uint8_t *key = readable(the, 2, kSecp256k1XOnlyKeyBytes);
	ready(the);
	xsmcSetBoolean(xsResult, signature && message && key
		&& botpeer_secp256k1_schnorr_verify(signature, message, kSecp256k1DigestBytes, key));
}

// Static RAM the context uses (for the memory budget).
void xs_secp256k1_context_bytes(xsMachine *the)
{
	xsmcSetInteger(xsResult, (xsIntegerValue)botpeer_secp256k1_context_bytes());
}
