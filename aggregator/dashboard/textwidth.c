/*
 * textwidth.c — display widths with mbrtowc + wcwidth (see textwidth.h).
 *
 * Promises: hc_tw_fit never writes more than cap bytes, never splits a
 * multi-byte character, and its result measures exactly the requested
 * width when it fits.
 */
#include "aggregator/dashboard/textwidth.h"

#include <string.h>

size_t hc_tw_next(const char *s, size_t len, wchar_t *wc)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = mbrtowc(wc, s, len, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*wc = 0xFFFD;
		return 1;
	}
	return n;
}

int hc_tw_char_width(wchar_t wc, bool ascii)
{
	if (ascii)
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
