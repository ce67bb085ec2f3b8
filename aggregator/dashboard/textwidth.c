/*
 * textwidth.c — display widths with mbrtowc + wcwidth (see textwidth.h).
 *
 * Promises: hc_tw_fit never writes more than cap bytes, never splits a
 * multi-byte character, and its result measures exactly the requested
 * width when it fits.
 */
#include "aggregator/dashboard/textwidth.h"

#include <stdint.h>
#include <string.h>

/* UTF-8 is decoded here, not with mbrtowc, so that a C locale (the ASCII
 * fallback) still sees one character, shown as one '?', per character. */
size_t hc_tw_next(const char *s, size_t len, wchar_t *wc)
{
	const unsigned char *u = (const unsigned char *)s;
	*wc = 0xFFFD;
	if (len == 0)
		return 1;
	if (u[0] < 0x80) {
		*wc = u[0];
		return 1;
	}
	size_t n = u[0] >= 0xF0 && u[0] <= 0xF4 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC2 ? 2 : 0;
	if (u[0] > 0xF4 || n == 0 || n > len)
		return 1;
	uint32_t cp = u[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 1;
		cp = (cp << 6) | (u[i] & 0x3F);
	}
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 1; /* overlong, out of range, surrogate */
	*wc = (wchar_t)cp;
	return n;
}

int hc_tw_char_width(wchar_t wc, bool ascii)
{
	if (ascii || wc < 0x80)
		return 1;
	int w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

int hc_tw_width(const char *utf8, bool ascii)
{
	size_t len = strlen(utf8);
	int cols = 0;
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		i += hc_tw_next(utf8 + i, len - i, &wc);
		cols += hc_tw_char_width(wc, ascii);
	}
	return cols;
}

int hc_tw_fit(const char *utf8, int width, bool ascii, bool right, char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	size_t len = strlen(utf8);
	/* First pass: how many bytes and columns fit. */
	size_t take = 0;
	int cols = 0;
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		size_t n = hc_tw_next(utf8 + i, len - i, &wc);
		int w = hc_tw_char_width(wc, ascii);
		if (cols + w > width)
			break;
		cols += w;
		i += n;
		take = i;
	}
	size_t o = 0;
	int pad = width - cols;
	if (right)
		for (; pad > 0 && o + 1 < cap; pad--)
			out[o++] = ' ';
	for (size_t i = 0; i < take;) {
		wchar_t wc;
		size_t n = hc_tw_next(utf8 + i, take - i, &wc);
		bool printable = wc >= 0x20 && wc != 0x7f && wc != 0xFFFD &&
				 (wc < 0x80 || wcwidth(wc) >= 0);
		if (ascii || !printable) {
			if (o + 1 >= cap)
				break;
			out[o++] = (wc >= 0x20 && wc < 0x7f) ? (char)wc : '?';
		} else {
			if (o + n >= cap)
				break;
			memcpy(out + o, utf8 + i, n);
			o += n;
		}
		i += n;
	}
	for (; pad > 0 && o + 1 < cap; pad--)
		out[o++] = ' ';
	out[o] = '\0';
	return width - pad;
}
