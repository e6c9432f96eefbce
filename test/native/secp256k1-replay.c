/*
 * Replays crypto cases against the device's secp256k1 (test layer, C; built as a 32-bit program
 * by test/modules-cross.test.ts). Compiles modules/crypto-secp256k1/secp256k1-core.c into itself,
 * the very code and configuration the firmware runs, and checks every line of its input, one case
 * a line, hex fields separated by spaces, expected outputs recorded from the noble provider:
 *   H <data> <sha256>             K <key> <0|1>              P <key> <public key | ->
 *   S <digest> <key> <sig | ->    V <sig> <digest> <public key> <0|1>
 *   B <sig> <message> <x-only key> <0|1>   (BIP-340 Schnorr verify)
 * An empty input is written `-`.
 * Prints one line per mismatch and `cases <n> failures <m>`; exits 1 when any case fails.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../modules/crypto-secp256k1/secp256k1-core.c"

static int hexValue(char c)
{
	if ((c >= '0') && (c <= '9')) return c - '0';
	if ((c >= 'a') && (c <= 'f')) return c - 'a' + 10;
	if ((c >= 'A') && (c <= 'F')) return c - 'A' + 10;
	return -1;
}

/* Decodes a hex field into a fresh buffer; *size gets its length. NULL on bad hex. */
static uint8_t *unhex(const char *text, size_t *size)
{
	size_t length = strlen(text), i;
	uint8_t *out;
	if (strcmp(text, "-") == 0) length = 0;
	if (length % 2) return NULL;
	out = malloc(length / 2 + 1);
	for (i = 0; i < length / 2; i++) {
		int high = hexValue(text[2 * i]), low = hexValue(text[2 * i + 1]);
		if ((high < 0) || (low < 0)) { free(out); return NULL; }
		out[i] = (uint8_t)((high << 4) | low);
	}
	*size = length / 2;
	return out;
}

static void tohex(const uint8_t *data, size_t size, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < size; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * size] = 0;
}

#define kMaxFields 5

int main(void)
{
	char *line = NULL;
	size_t capacity = 0;
	long cases = 0, failures = 0, lineNumber = 0;
	ssize_t got;

	if (!botpeer_secp256k1_ready()) {
		printf("context does not fit\n");
		return 1;
	}
	while ((got = getline(&line, &capacity, stdin)) >= 0) {
		char *fields[kMaxFields + 1], *token, *save = NULL;
		uint8_t *bytes[kMaxFields] = { NULL };
		size_t sizes[kMaxFields] = { 0 };
		int count = 0, i, ok = 1, expected = 0;
		char got64[2 * 64 + 1] = "-", want[2 * 64 + 1] = "";
		uint8_t out[64];

		lineNumber++;
		for (token = strtok_r(line, " \r\n", &save); token && (count <= kMaxFields); token = strtok_r(NULL, " \r\n", &save))
			fields[count++] = token;
		if (count == 0) continue;
		cases++;
		/* the last field is the expected answer, kept as text; the others are hex inputs */
		for (i = 1; i < count - 1; i++) {
			bytes[i] = unhex(fields[i], &sizes[i]);
			if (!bytes[i]) ok = 0;
		}
		snprintf(want, sizeof(want), "%s", fields[count - 1]);
		expected = (strcmp(want, "1") == 0);
		if (!ok) {
			printf("line %ld: bad hex\n", lineNumber);
			failures++;
		}
		else switch (fields[0][0]) {
		case 'H':
			botpeer_secp256k1_sha256(bytes[1], sizes[1], out);
			tohex(out, 32, got64);
			ok = (count == 3) && (strcmp(got64, want) == 0);
			break;
		case 'K':
			ok = (count == 3) && (sizes[1] == 32) && (botpeer_secp256k1_is_valid_private_key(bytes[1]) == expected);
			snprintf(got64, sizeof(got64), "%d", !expected);
			break;
		case 'P':
			ok = (count == 3) && (sizes[1] == 32);
			if (ok && botpeer_secp256k1_public_key(bytes[1], out)) tohex(out, 33, got64);
			ok = ok && (strcmp(got64, want) == 0);
			break;
		case 'S':
			ok = (count == 4) && (sizes[1] == 32) && (sizes[2] == 32);
			if (ok && botpeer_secp256k1_sign(bytes[1], bytes[2], out)) tohex(out, 64, got64);
			ok = ok && (strcmp(got64, want) == 0);
			break;
		case 'V':
			ok = (count == 5) && (sizes[1] == 64) && (sizes[2] == 32) && (sizes[3] == 33)
				&& (botpeer_secp256k1_verify(bytes[1], bytes[2], bytes[3]) == expected);
			snprintf(got64, sizeof(got64), "%d", !expected);
			break;
		case 'B':
			ok = (count == 5) && (sizes[1] == 64) && (sizes[3] == 32)
				&& (botpeer_secp256k1_schnorr_verify(bytes[1], bytes[2], sizes[2], bytes[3]) == expected);
			snprintf(got64, sizeof(got64), "%d", !expected);
			break;
		default:
			ok = 0;
		}
		if (!ok) {
			printf("line %ld (%c): got %s, want %s\n", lineNumber, fields[0][0], got64, want);
			failures++;
		}
		for (i = 0; i < kMaxFields; i++) free(bytes[i]);
	}
	free(line);
	printf("cases %ld failures %ld context %u bytes\n", cases, failures, (unsigned)botpeer_secp256k1_context_bytes());
	return failures ? 1 : 0;
}
