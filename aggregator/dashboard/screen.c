/*
 * screen.c — cell buffers and their difference (see screen.h).
 *
 * Promises: after hc_screen_flush the shown frame equals cur; every cell
 * that differed was inside exactly one emitted run.
 */
#include "aggregator/dashboard/screen.h"

#include <stdlib.h>
#include <string.h>

#include "aggregator/dashboard/textwidth.h"

bool hc_screen_resize(struct hc_screen *s, int rows, int cols)
{
	free(s->cur);
	free(s->shown);
	s->cur = s->shown = NULL;
	s->rows = s->cols = 0;
	if (rows <= 0 || cols <= 0)
		return true;
	size_t n = (size_t)rows * (size_t)cols;
	s->cur = calloc(n, sizeof *s->cur);
	s->shown = calloc(n, sizeof *s->shown);
	if (s->cur == NULL || s->shown == NULL) {
		free(s->cur);
		free(s->shown);
		s->cur = s->shown = NULL;
		return false;
	}
	s->rows = rows;
	s->cols = cols;
	hc_screen_clear(s);
	s->full_redraw = true;
	return true;
}

void hc_screen_free(struct hc_screen *s)
{
	free(s->cur);
	free(s->shown);
	s->cur = s->shown = NULL;
	s->rows = s->cols = 0;
}

void hc_screen_clear(struct hc_screen *s)
{
	size_t n = (size_t)s->rows * (size_t)s->cols;
	for (size_t i = 0; i < n; i++)
		s->cur[i] = (struct hc_cell){ .ch = L' ', .attr = 0 };
}

int hc_screen_put(struct hc_screen *s, int row, int col, int max_cols, const char *utf8,
		  uint16_t attr)
{
	if (row < 0 || row >= s->rows || col < 0 || col >= s->cols)
		return 0;
	if (max_cols > s->cols - col)
		max_cols = s->cols - col;
	struct hc_cell *line = s->cur + (size_t)row * (size_t)s->cols;
	size_t len = strlen(utf8);
	int c = 0;
	for (size_t i = 0; i < len && c < max_cols;) {
		wchar_t wc;
		i += hc_tw_next(utf8 + i, len - i, &wc);
		int w = hc_tw_char_width(wc, s->ascii);
		if (s->ascii && (wc < 0x20 || wc >= 0x7f))
			wc = L'?';
		else if (wc < 0x20 || wc == 0x7f)
			wc = L'?';
		if (w == 0)
			continue; /* combining marks are dropped, not stacked */
		if (c + w > max_cols) {
			line[col + c] = (struct hc_cell){ .ch = L' ', .attr = attr };
			c++;
			break;
		}
		line[col + c] = (struct hc_cell){ .ch = wc, .attr = attr };
		if (w == 2)
			line[col + c + 1] = (struct hc_cell){ .ch = 0, .attr = attr };
		c += w;
	}
	/* A wide character whose right half was just overwritten loses it. */
	if (col + c < s->cols && line[col + c].ch == 0)
		line[col + c].ch = L' ';
	if (col > 0 && line[col].ch != 0 && line[col - 1].ch != 0 &&
	    hc_tw_char_width(line[col - 1].ch, s->ascii) == 2)
		line[col - 1].ch = L' ';
	return c;
}

void hc_screen_attr(struct hc_screen *s, int row, int col, int n, uint16_t attr)
{
	if (row < 0 || row >= s->rows)
		return;
	struct hc_cell *line = s->cur + (size_t)row * (size_t)s->cols;
	for (int c = col < 0 ? 0 : col; c < col + n && c < s->cols; c++)
		line[c].attr = attr;
}

static bool same(const struct hc_cell *a, const struct hc_cell *b)
{
	return a->ch == b->ch && a->attr == b->attr;
}

size_t hc_screen_flush(struct hc_screen *s, hc_screen_emit_fn emit, void *arg)
{
	size_t sent = 0;
	for (int r = 0; r < s->rows; r++) {
		const struct hc_cell *cur = s->cur + (size_t)r * (size_t)s->cols;
		const struct hc_cell *old = s->shown + (size_t)r * (size_t)s->cols;
		int c = 0;
		while (c < s->cols) {
			if (!s->full_redraw && same(&cur[c], &old[c])) {
				c++;
				continue;
			}
			int start = c;
			if (start > 0 && cur[start].ch == 0)
				start--; /* begin on the whole wide character */
			int end = c;
			while (end < s->cols && (s->full_redraw || !same(&cur[end], &old[end]) ||
						 (end + 1 < s->cols && cur[end + 1].ch == 0)))
				end++;
			if (end < s->cols && cur[end].ch == 0)
				end++;
			emit(arg, r, start, cur + start, end - start);
			sent += (size_t)(end - start);
			c = end;
		}
	}
	memcpy(s->shown, s->cur, (size_t)s->rows * (size_t)s->cols * sizeof *s->cur);
	s->full_redraw = false;
	return sent;
}
