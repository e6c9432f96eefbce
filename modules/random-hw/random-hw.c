/*
 * Random bytes from the platform's cryptographic generator (native module layer,
 * Moddable xsmc): the device key is made from these. Hand-written because Moddable's
 * own `rng` module is an RC4 stream seeded from c_rand(), not a key source.
 *
 *   ESP32   esp_fill_random: the hardware RNG, true random while Wi-Fi or Bluetooth
 *           runs (the firmware makes its key after Wi-Fi is up) or the bootloader's
 *           entropy source is enabled.
 *   Linux   getrandom(2).      macOS   arc4random_buf.      Windows   BCryptGenRandom.
 *
 * Writes into the caller's buffer, read in place (no copy, no XS allocation).
 */

#include "xsmc.h"

#if ESP32
	#include "esp_random.h"
#elif defined(__linux__)
	#include <sys/random.h>
#elif defined(__APPLE__)
	#include <stdlib.h>
#elif defined(_WIN32)
	#include <windows.h>
	#include <bcrypt.h>
	#pragma comment(lib, "bcrypt.lib")
#else
	#error "random-hw: no cryptographic random source for this platform"
#endif

// fill(buffer): fills the whole ArrayBuffer or typed array with random bytes.
void xs_random_hw_fill(xsMachine *the)
{
	void *data;
	xsUnsignedValue size;
	xsmcGetBufferWritable(xsArg(0), &data, &size);
#if ESP32
	esp_fill_random(data, size);
#elif defined(__linux__)
	xsUnsignedValue done = 0;
	while (done < size) {
		ssize_t got = getrandom((uint8_t *)data + done, size - done, 0);
		if (got < 0)
			xsUnknownError("getrandom failed");
		done += (xsUnsignedValue)got;
	}
#elif defined(__APPLE__)
	arc4random_buf(data, size);
#elif defined(_WIN32)
	if (BCryptGenRandom(NULL, (PUCHAR)data, (ULONG)size, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
		xsUnknownError("BCryptGenRandom failed");
#endif
}
