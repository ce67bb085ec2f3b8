/*
 * screen.h — the dashboard's screen as a buffer of cells, and the
 * difference between what is drawn and what is shown (pure).
 *
 * The renderer writes a whole frame into `cur`; hc_screen_flush() hands
 * the edge only the runs of cells that differ from the frame shown
 * before, then remembers the new frame. So an update that moves one
 * figure costs the terminal a few bytes, never a full redraw, and the
 * layout code stays a plain function of the model. A wide character
 * takes its cell plus a continuation cell (ch == 0) to its right.
 * No curses here: the edge (main.c) copies runs out with ncurses.
 */
#ifndef HC_DASH_SCREEN_H
#define HC_DASH_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* Attributes: low bits are styles, bits 8..11 a colour (0: default). */
enum {
	HC_A_BOLD = 1u << 0,
	HC_A_REVERSE = 1u << 1,
	HC_A_DIM = 1u << 2,
	HC_A_UNDERLINE = 1u << 3,
};
enum hc_colour {
	HC_C_DEFAULT,
	HC_C_GREEN,
	HC_C_YELLOW,
	HC_C_RED,
	HC_C_MAGENTA,
	HC_C_CYAN,
	HC_C_COUNT
};
#define HC_A_COLOUR(c) ((uint16_t)((c) << 8))
#define HC_A_COLOUR_OF(a) (((a) >> 8) & 0xF)

struct hc_cell {
	wchar_t ch; /* 0: right half of the wide char before */
	uint16_t attr;
};

struct hc_screen {
	int rows;
	int cols;
	bool ascii;	       /* only printable ASCII is drawn */
	struct hc_cell *cur;   /* the frame being drawn */
	struct hc_cell *shown; /* the frame on the terminal */
	bool full_redraw;      /* next flush sends every cell */
};

/* Sizes both frames (and clears them); the next flush sends everything.
 * False when out of memory (the screen is then 0x0). */
bool hc_screen_resize(struct hc_screen *s, int rows, int cols);
void hc_screen_free(struct hc_screen *s);

/* Fills cur with spaces. */
void hc_screen_clear(struct hc_screen *s);

/* Writes UTF-8 text at (row, col), at most max_cols columns (never half a
 * wide character: a space instead), clipped to the screen. Returns the
 * columns written. */
int hc_screen_put(struct hc_screen *s, int row, int col, int max_cols, const char *utf8,
		  uint16_t attr);

/* Sets the attribute of n cells from (row, col). */
void hc_screen_attr(struct hc_screen *s, int row, int col, int n, uint16_t attr);

/* Calls emit for each run of changed cells (a run never spans rows and
 * starts on a whole character), then makes cur the shown frame. Returns
 * the number of cells sent. */
typedef void (*hc_screen_emit_fn)(void *arg, int row, int col, const struct hc_cell *cells, int n);
size_t hc_screen_flush(struct hc_screen *s, hc_screen_emit_fn emit, void *arg);

#endif
