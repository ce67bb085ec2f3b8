/*
 * hex.c — lower-case hex encoding (shared/hex.h).
 */
#include "shared/hex.h"

#include <stdint.h>
#include <string.h>

void hc_hex_encode(const void *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *in = bytes;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* Upper case is refused: every producer writes lower case, and one
 * spelling per value keeps comparisons of hex strings meaningful. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool hc_hex_decode(const char *hex, void *out, size_t n)
{
	if (hex == NULL || strlen(hex) != 2 * n)
		return false;
	uint8_t *o = out;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		o[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}
