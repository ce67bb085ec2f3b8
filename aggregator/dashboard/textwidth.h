/*
 * textwidth.h — display width of UTF-8 text in terminal columns, and
 * fitting text into a column (pure, given the process's locale).
 *
 * Area names are UTF-8 and may be Japanese: "大ホール" takes 8 columns
 * for 4 characters, so columns line up only when text is measured with
 * wcwidth(3), never by bytes or characters. Relies on the C library's
 * mbrtowc and wcwidth under an UTF-8 LC_CTYPE (the dashboard calls
 * setlocale at start). In ASCII mode every character outside printable
 * ASCII is shown as one '?' so the screen stays aligned on any terminal.
 */
#ifndef HC_DASH_TEXTWIDTH_H
#define HC_DASH_TEXTWIDTH_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Decodes the next character of s (at most len bytes): its code point in
 * *wc, returns bytes used (>= 1); an invalid byte is U+FFFD, one byte. */
size_t hc_tw_next(const char *s, size_t len, wchar_t *wc);

/* Columns a character takes: 0..2 (control characters and unknowns: 1,
 * shown as '?'). ascii: 1 for everything. */
int hc_tw_char_width(wchar_t wc, bool ascii);

/* Columns the whole string takes. */
int hc_tw_width(const char *utf8, bool ascii);

/* Writes into out (NUL-terminated UTF-8, or ASCII in ascii mode) the
 * text cut to at most width columns (never half a wide character) and
 * padded with spaces to exactly width; right: pad on the left instead.
 * Returns the columns taken, always width when cap is large enough
 * (4 * width + 1 bytes always is). */
int hc_tw_fit(const char *utf8, int width, bool ascii, bool right, char *out, size_t cap);

#endif
