/*
 * display_screen.c — the "screen" display: a full-screen ncurses panel
 * for the person at the door.
 *
 * Shows, top to bottom: terminal and area name; the occupancy figure in
 * large digits ("12 / 300"); a wide ENTRY OPEN (green) or STOP (red)
 * banner; the link (ONLINE/OFFLINE), the level, a warning when the figure
 * is stale or missing, the presses not yet acknowledged, a storage fault
 * warning; and the key help line. Uses newterm() on stdout so stdin stays
 * free for the keyboard backend; endwin() on close restores the tty.
 * Redraws only when the state differs from the last one drawn. Log lines
 * go to stderr: redirect it (2>terminal.log) when it is the same tty.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/display.h"
#include "shared/log.h"

/* Large digits, 5 rows by 4 columns; '#' cells are drawn as blocks. */
#define BIG_ROWS 5
#define BIG_COLS 4
static const char *const big_glyphs[12][BIG_ROWS] = {
	{ "### ", "# # ", "# # ", "# # ", "### " }, /* 0 */
	{ " #  ", "##  ", " #  ", " #  ", "### " }, /* 1 */
	{ "### ", "  # ", "### ", "#   ", "### " }, /* 2 */
	{ "### ", "  # ", "### ", "  # ", "### " }, /* 3 */
	{ "# # ", "# # ", "### ", "  # ", "  # " }, /* 4 */
	{ "### ", "#   ", "### ", "  # ", "### " }, /* 5 */
	{ "### ", "#   ", "### ", "# # ", "### " }, /* 6 */
	{ "### ", "  # ", "  # ", "  # ", "  # " }, /* 7 */
	{ "### ", "# # ", "### ", "# # ", "### " }, /* 8 */
	{ "### ", "# # ", "### ", "  # ", "### " }, /* 9 */
	{ "  # ", "  # ", " #  ", "#   ", "#   " }, /* / */
	{ "    ", "    ", "### ", "    ", "    " }, /* - */
};

enum { PAIR_OPEN = 1, PAIR_STOP, PAIR_WARN, PAIR_OK };

struct screen_display {
	SCREEN *screen;
	bool drawn;
	struct hc_display_state last;
};

static int glyph_index(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c == '/' ? 10 : 11;
}

/* Draws text in large digits centred on row y; falls back to plain text
 * when the screen is too narrow. */
static void draw_big(int y, const char *text)
{
	int width = (int)strlen(text) * BIG_COLS;
	if (width > COLS) {
		mvprintw(y + BIG_ROWS / 2, 0, "%s", text);
		return;
	}
	int x0 = (COLS - width) / 2;
	for (int row = 0; row < BIG_ROWS; row++) {
		for (size_t i = 0; text[i] != '\0'; i++) {
			const char *g = text[i] == ' '
				? "    " : big_glyphs[glyph_index(text[i])][row];
			for (int col = 0; col < BIG_COLS; col++) {
				int x = x0 + (int)i * BIG_COLS + col;
				if (g[col] == '#')
					mvaddch(y + row, x, ' ' | A_REVERSE);
			}
		}
	}
}

/* A full-width banner of three rows with centred text. */
static void draw_banner(int y, const char *text, int pair)
{
	attron(COLOR_PAIR(pair) | A_BOLD);
	for (int row = 0; row < 3; row++)
		mvhline(y + row, 0, ' ', COLS);
	mvprintw(y + 1, (COLS - (int)strlen(text)) / 2, "%s", text);
	attroff(COLOR_PAIR(pair) | A_BOLD);
}

static void draw(const struct hc_display_state *s)
{
	erase();
	const char *area = s->area_name[0] != '\0' ? s->area_name
			   : s->area_id[0] != '\0' ? s->area_id : "(no area yet)";
	attron(A_BOLD);
	mvprintw(0, 0, "%s", area);
	attroff(A_BOLD);
	mvprintw(0, COLS > 30 ? COLS - 30 : 0, "terminal %s", s->terminal_id);

	char figure[48];
	if (s->have_figure)
		snprintf(figure, sizeof figure, "%" PRId64 " / %" PRId64,
			 s->occupancy_shown, s->capacity);
	else
		snprintf(figure, sizeof figure, "- / -");
	draw_big(2, figure);

	if (!s->have_figure)
		draw_banner(8, "WAITING FOR AGGREGATOR", PAIR_WARN);
	else if (s->restricted)
		draw_banner(8, "STOP", PAIR_STOP);
	else
		draw_banner(8, "ENTRY OPEN", PAIR_OPEN);

	int y = 12;
	attron(COLOR_PAIR(s->online ? PAIR_OK : PAIR_STOP) | A_BOLD);
	mvprintw(y, 0, "%s", s->online ? "ONLINE" : "OFFLINE");
	attroff(COLOR_PAIR(s->online ? PAIR_OK : PAIR_STOP) | A_BOLD);
	printw("   level: %s", s->have_figure && s->level ? s->level : "-");
	printw("   not yet acknowledged: %" PRId64, s->pending_presses);
	y++;
	if (!s->have_figure || s->stale) {
		attron(COLOR_PAIR(PAIR_WARN) | A_BOLD);
		mvprintw(y++, 0, "%s", s->have_figure
			 ? "FIGURE STALE: link lost, occupancy may be out of date"
			 : "NO FIGURE YET: occupancy unknown");
		attroff(COLOR_PAIR(PAIR_WARN) | A_BOLD);
	}
	if (s->storage_fault) {
		attron(COLOR_PAIR(PAIR_STOP) | A_BOLD);
		mvprintw(y++, 0, "STORAGE FAULT: presses kept in memory, "
				 "retrying; tell a supervisor");
		attroff(COLOR_PAIR(PAIR_STOP) | A_BOLD);
	}
	mvprintw(LINES - 1, 0,
		 "i / + / Up: ENTER     o / - / Down: EXIT     q: quit");
	refresh();
}

static void screen_show(struct hc_display *d, const struct hc_display_state *s)
{
	struct screen_display *sd = d->priv;
	if (sd->drawn && memcmp(&sd->last, s, sizeof *s) == 0)
		return;
	sd->last = *s;
	sd->drawn = true;
	draw(s);
}

static void screen_close(struct hc_display *d)
{
	struct screen_display *sd = d->priv;
	if (sd == NULL)
		return;
	endwin();
	delscreen(sd->screen);
	free(sd);
	d->priv = NULL;
}

bool hc_display_screen_open(struct hc_display *d, char *err, size_t err_len)
{
	struct screen_display *sd = calloc(1, sizeof *sd);
	if (sd == NULL) {
		snprintf(err, err_len, "display screen: out of memory");
		return false;
	}
	sd->screen = newterm(NULL, stdout, stdin);
	if (sd->screen == NULL) {
		snprintf(err, err_len,
			 "display screen: cannot start ncurses on stdout "
			 "(is TERM set and stdout a terminal?)");
		free(sd);
		return false;
	}
	set_term(sd->screen);
	curs_set(0);
	if (has_colors()) {
		start_color();
		init_pair(PAIR_OPEN, COLOR_BLACK, COLOR_GREEN);
		init_pair(PAIR_STOP, COLOR_WHITE, COLOR_RED);
		init_pair(PAIR_WARN, COLOR_BLACK, COLOR_YELLOW);
		init_pair(PAIR_OK, COLOR_GREEN, COLOR_BLACK);
	}
	d->name = "screen";
	d->show = screen_show;
	d->close = screen_close;
	d->priv = sd;
	return true;
}
