/*
 * display_screen.c — the "screen" display: a full-screen ncurses panel
 * for the person at the door.
 *
 * Shows, top to bottom: area name and terminal id; the occupancy figure
 * in large digits ("12 / 300"); a banner: ENTRY OPEN (green), STOP with
 * its reason (red: "STOP: The park full", "STOP: closed by supervisor"),
 * or, while offline, the last known state with its age in yellow ("last
 * known: OPEN, 2 min ago"), never as the present one; the link
 * (ONLINE/OFFLINE), the figure again in plain text, the level and the
 * presses not yet acknowledged;
 * warnings (a refusal by the aggregator: "refused: unknown terminal k9",
 * "another device uses this id"; a storage fault; a stale or missing
 * figure); and the key help line, or the quit question while it stands.
 *
 * The layout is computed from the window's size on every draw: from
 * 40x12 up nothing overlaps and the figure and the banner are always on
 * screen (large digits and a three-row banner when there is room, one
 * row each when not); below 40x12 the first line says the window is too
 * small and the second still gives figure and entry state.
 *
 * Resizing: ncurses only learns of a new size through getch(), which
 * this backend never calls (the keyboard backend reads stdin itself), so
 * every show() asks the tty for its size (TIOCGWINSZ) and, when it
 * changed, resizes ncurses' screen and repaints all of it. show() runs
 * on every 100 ms tick, so a resize is redrawn within one tick.
 *
 * Uses newterm() on stdout so stdin stays free for the keyboard backend;
 * endwin() on close restores the tty. Redraws only when the state or the
 * size differs from the last drawn. Text is cut to the window by display
 * columns (UTF-8 under the user's locale). Log lines go to stderr:
 * redirect it (2>terminal.log) when it is the same tty.
 */
#include <curses.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

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

/* The smallest window laid out in full. */
#define SCREEN_COLS_MIN 40
#define SCREEN_ROWS_MIN 12
/* Below this width the status and help lines use their short forms. */
#define SCREEN_COLS_WIDE 64
/* Warning lines at most (refusal, storage, figure). */
#define WARNINGS_MAX 3
#define TEXT_MAX 256

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

/* Copies the longest prefix of text that fits in cols display columns
 * (whole characters only) into out; returns its width. */
static int fit(const char *text, int cols, char *out, size_t cap)
{
	mbstate_t mb;
	memset(&mb, 0, sizeof mb);
	size_t used = 0, len = strlen(text);
	int width = 0;
	while (used < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, text + used, len - used, &mb);
		int w = 1;
		if (n == (size_t)-1 || n == (size_t)-2) {
			n = 1; /* not valid here: one byte, one column */
			memset(&mb, 0, sizeof mb);
		} else {
			if (n == 0)
				break;
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		if (width + w > cols || used + n >= cap)
			break;
		used += n;
		width += w;
	}
	memcpy(out, text, used);
	out[used] = '\0';
	return width;
}

/* Writes text at (y, x) cut to the columns left on the row. */
static int put(int y, int x, const char *text)
{
	char cut[TEXT_MAX];
	if (x >= COLS)
		return 0;
	int w = fit(text, COLS - x, cut, sizeof cut);
	mvaddstr(y, x, cut);
	return w;
}

/* Writes text centred on row y, cut to the window. */
static void put_centred(int y, const char *text)
{
	char cut[TEXT_MAX];
	int w = fit(text, COLS, cut, sizeof cut);
	mvaddstr(y, (COLS - w) / 2, cut);
}

/* Width of text in display columns. */
static int text_width(const char *text)
{
	char cut[TEXT_MAX];
	return fit(text, TEXT_MAX, cut, sizeof cut);
}

/* Draws text in large digits centred at row y; false (nothing drawn)
 * when it is wider than the window. */
static bool draw_big(int y, const char *text)
{
	int width = (int)strlen(text) * BIG_COLS;
	if (width > COLS)
		return false;
	int x0 = (COLS - width) / 2;
	for (int row = 0; row < BIG_ROWS; row++) {
		for (size_t i = 0; text[i] != '\0'; i++) {
			const char *g = text[i] == ' ' ? "    "
						       : big_glyphs[glyph_index(text[i])][row];
			for (int col = 0; col < BIG_COLS; col++) {
				int x = x0 + (int)i * BIG_COLS + col;
				if (g[col] == '#')
					mvaddch(y + row, x, ' ' | A_REVERSE);
			}
		}
	}
	return true;
}

/* A full-width banner of rows (1 or 3) with centred text. */
static void draw_banner(int y, int rows, const char *text, int pair)
{
	attron(COLOR_PAIR(pair) | A_BOLD);
	for (int row = 0; row < rows; row++)
		mvhline(y + row, 0, ' ', COLS);
	put_centred(y + rows / 2, text);
	attroff(COLOR_PAIR(pair) | A_BOLD);
}

/* "12 s ago", "2 min ago", "1 h 05 min ago". */
static void format_age(int64_t age_s, char *out, size_t cap)
{
	if (age_s < 60)
		snprintf(out, cap, "%" PRId64 " s ago", age_s);
	else if (age_s < 3600)
		snprintf(out, cap, "%" PRId64 " min ago", age_s / 60);
	else
		snprintf(out, cap, "%" PRId64 " h %02" PRId64 " min ago", age_s / 3600,
			 age_s / 60 % 60);
}

/* Why entry is restricted, e.g. "The park full", "closed by
 * supervisor", with the group's name cut to name_cols columns; "" when
 * the aggregator did not say. */
static void format_stop_reason(const struct hc_display_state *s, int name_cols, char *out,
			       size_t cap)
{
	const char *by = s->restricted_by;
	const char *group = s->restricted_by_name;
	char name[TEXT_MAX / 2];
	bool is_group = strncmp(by, "group:", 6) == 0;
	bool is_group_override = strncmp(by, "group_override:", 15) == 0;
	if (is_group || is_group_override)
		fit(group[0] != '\0' ? group : by + (is_group ? 6 : 15),
		    name_cols > 1 ? name_cols : 1, name, sizeof name);
	if (strcmp(by, "area") == 0)
		snprintf(out, cap, "area full");
	else if (strcmp(by, "override") == 0)
		snprintf(out, cap, "closed by supervisor");
	else if (is_group)
		snprintf(out, cap, "%s full", name);
	else if (is_group_override)
		snprintf(out, cap, "%s closed by supervisor", name);
	else
		out[0] = '\0';
}

/* The banner's text and colour for s, in the longest form that fits
 * cols columns: a reason or an age is never cut off mid-word. */
static int banner_of(const struct hc_display_state *s, int cols, char *out, size_t cap)
{
	char reason[TEXT_MAX / 2 + 32];
	if (!s->have_figure) {
		if (s->refusal == HC_REFUSAL_UNKNOWN_TERMINAL) {
			snprintf(out, cap, "REFUSED: UNKNOWN TERMINAL");
			return PAIR_STOP;
		}
		if (s->refusal == HC_REFUSAL_NOT_AUTHENTICATED) {
			snprintf(out, cap, "REFUSED: NOT AUTHENTICATED");
			return PAIR_STOP;
		}
		snprintf(out, cap, "WAITING FOR AGGREGATOR");
		return PAIR_WARN;
	}
	if (s->last_known) {
		char age[48];
		format_age(s->known_age_s, age, sizeof age);
		const char *gate = s->restricted ? "STOP" : "OPEN";
		int fixed = text_width("last known: STOP (), ") + text_width(age);
		format_stop_reason(s, cols - fixed - 21, reason, sizeof reason);
		snprintf(out, cap, "last known: %s (%s), %s", gate, reason, age);
		if (!s->restricted || reason[0] == '\0' || text_width(out) > cols)
			snprintf(out, cap, "last known: %s, %s", gate, age);
		return PAIR_WARN;
	}
	if (!s->restricted) {
		snprintf(out, cap, "ENTRY OPEN");
		return PAIR_OPEN;
	}
	format_stop_reason(s, cols - text_width("STOP:  closed by supervisor"), reason,
			   sizeof reason);
	if (reason[0] != '\0')
		snprintf(out, cap, "STOP: %s", reason);
	else
		snprintf(out, cap, "STOP");
	return PAIR_STOP;
}

struct warning {
	char text[TEXT_MAX];
	int pair;
};

/* The warning lines for s, most important first; returns how many. */
static int warnings_of(const struct hc_display_state *s, bool wide, struct warning w[WARNINGS_MAX])
{
	int n = 0;
	if (s->refusal == HC_REFUSAL_UNKNOWN_TERMINAL)
		snprintf(w[n++].text, sizeof w[0].text, "refused: unknown terminal %s%s",
			 s->terminal_id, wide ? " (not in the venue config); retrying" : "");
	else if (s->refusal == HC_REFUSAL_NOT_AUTHENTICATED)
		snprintf(w[n++].text, sizeof w[0].text,
			 "refused: %s not enrolled or wrong secret%s", s->terminal_id,
			 wide ? " (enroll it, check its secret); retrying" : "");
	else if (s->refusal == HC_REFUSAL_REPLACED)
		snprintf(w[n++].text, sizeof w[0].text, "another device uses this id%s%s%s",
			 wide ? " (" : "", wide ? s->terminal_id : "", wide ? "); retrying" : "");
	if (n > 0)
		w[n - 1].pair = PAIR_STOP;
	if (s->storage_fault) {
		snprintf(w[n].text, sizeof w[0].text, "%s",
			 wide ? "STORAGE FAULT: presses kept in memory, retrying; "
				"tell a supervisor"
			      : "STORAGE FAULT: tell a supervisor");
		w[n++].pair = PAIR_STOP;
	}
	if (!s->have_figure || s->stale) {
		snprintf(w[n].text, sizeof w[0].text, "%s",
			 s->have_figure ? (wide ? "FIGURE STALE: link lost, occupancy "
						  "may be out of date"
						: "FIGURE STALE: may be out of date")
					: "NO FIGURE YET: occupancy unknown");
		w[n++].pair = PAIR_WARN;
	}
	return n;
}

/* Row 0: the area name on the left, the terminal id on the right when
 * both fit; the name is cut first, the id dropped only when even a
 * short name would not fit beside it. */
static void draw_header(const struct hc_display_state *s)
{
	const char *area = s->area_name[0] != '\0' ? s->area_name
			   : s->area_id[0] != '\0' ? s->area_id
						   : "(no area yet)";
	char right[HC_ID_LEN_MAX + 16];
	snprintf(right, sizeof right, "terminal %s", s->terminal_id);
	int area_w = text_width(area);
	if (area_w + 2 + text_width(right) > COLS)
		snprintf(right, sizeof right, "%s", s->terminal_id);
	int right_w = text_width(right);
	int room = COLS - right_w - 2;
	if (room < 8) {
		right[0] = '\0';
		room = COLS;
	}
	char cut[TEXT_MAX];
	fit(area, room, cut, sizeof cut);
	attron(A_BOLD);
	mvaddstr(0, 0, cut);
	attroff(A_BOLD);
	if (right[0] != '\0')
		mvaddstr(0, COLS - right_w, right);
}

/* The link, the figure in plain text (so it reads out of a capture and
 * at any size), the level and the presses not yet acknowledged. */
static void draw_status(int y, const struct hc_display_state *s, const char *figure, bool wide)
{
	int pair = s->online ? PAIR_OK : PAIR_STOP;
	const char *level = s->have_figure && s->level ? s->level : "-";
	attron(COLOR_PAIR(pair) | A_BOLD);
	int x = put(y, 0, s->online ? "ONLINE" : "OFFLINE");
	attroff(COLOR_PAIR(pair) | A_BOLD);
	char rest[TEXT_MAX];
	if (wide)
		snprintf(rest, sizeof rest, "   %s   level: %s   not yet acknowledged: %" PRId64,
			 figure, level, s->pending_presses);
	else
		snprintf(rest, sizeof rest, "  %s  %s  unacked: %" PRId64, figure, level,
			 s->pending_presses);
	put(y, x, rest);
}

/* The bottom row: the quit question while it stands, else key help. */
static void draw_last_row(const struct hc_display_state *s, bool wide)
{
	int y = LINES - 1;
	if (s->quit_asking) {
		attron(COLOR_PAIR(PAIR_WARN) | A_BOLD);
		mvhline(y, 0, ' ', COLS);
		put(y, 0,
		    wide ? "quit? y/n   y (or q): quit   n: keep counting"
			 : "quit? y/n  (presses still count)");
		attroff(COLOR_PAIR(PAIR_WARN) | A_BOLD);
		return;
	}
	put(y, 0,
	    wide ? "i / + / Up: ENTER   o / - / Down: EXIT   u: UNDO   q: quit"
		 : "i/+ ENTER  o/- EXIT  u UNDO  q quit");
}

/* Below SCREEN_COLS_MIN x SCREEN_ROWS_MIN: say so, and still give the
 * figure and the entry state on the next line. */
static void draw_too_small(const struct hc_display_state *s, const char *figure, const char *banner)
{
	char line[TEXT_MAX + 64];
	snprintf(line, sizeof line, "window too small: %dx%d needed", SCREEN_COLS_MIN,
		 SCREEN_ROWS_MIN);
	attron(A_BOLD);
	put(0, 0, line);
	attroff(A_BOLD);
	if (LINES < 2)
		return;
	snprintf(line, sizeof line, "%s %s%s", figure, banner, s->online ? "" : " OFFLINE");
	put(1, 0, line);
}

static void draw(const struct hc_display_state *s)
{
	erase();
	char figure[48];
	if (s->have_figure)
		snprintf(figure, sizeof figure, "%" PRId64 " / %" PRId64, s->occupancy_shown,
			 s->capacity);
	else
		snprintf(figure, sizeof figure, "- / -");
	char banner[TEXT_MAX];
	int banner_pair = banner_of(s, COLS, banner, sizeof banner);
	if (COLS < SCREEN_COLS_MIN || LINES < SCREEN_ROWS_MIN) {
		draw_too_small(s, figure, banner);
		refresh();
		return;
	}
	bool wide = COLS >= SCREEN_COLS_WIDE;
	struct warning warn[WARNINGS_MAX];
	int warn_count = warnings_of(s, wide, warn);

	/* Rows: header, figure, banner, status, warnings, last row; the
	 * figure and banner grow, then blank rows separate, as room allows. */
	int spare = LINES - (4 + warn_count);
	bool big = spare >= BIG_ROWS && (int)strlen(figure) * BIG_COLS <= COLS;
	spare -= big ? BIG_ROWS : 1;
	int banner_rows = spare >= 2 ? 3 : 1;
	spare -= banner_rows - 1;
	int gaps = spare > 3 ? 3 : spare;

	draw_header(s);
	int y = 1 + (gaps > 0 ? 1 : 0);
	if (big) {
		draw_big(y, figure);
		y += BIG_ROWS;
	} else {
		attron(A_BOLD);
		put_centred(y, figure);
		attroff(A_BOLD);
		y++;
	}
	y += gaps > 1 ? 1 : 0;
	draw_banner(y, banner_rows, banner, banner_pair);
	y += banner_rows + (gaps > 2 ? 1 : 0);
	draw_status(y++, s, figure, wide);
	for (int i = 0; i < warn_count; i++) {
		attron(COLOR_PAIR(warn[i].pair) | A_BOLD);
		put(y++, 0, warn[i].text);
		attroff(COLOR_PAIR(warn[i].pair) | A_BOLD);
	}
	draw_last_row(s, wide);
	refresh();
}

/* True when the tty's size differs from ncurses' idea of it; then
 * resizes ncurses' screen to it. */
static bool follow_resize(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	if (!is_term_resized(ws.ws_row, ws.ws_col))
		return false;
	if (resizeterm(ws.ws_row, ws.ws_col) != OK) {
		hc_warn("display screen: resizing to %ux%u failed", (unsigned)ws.ws_col,
			(unsigned)ws.ws_row);
		return false;
	}
	return true;
}

static void screen_show(struct hc_display *d, const struct hc_display_state *s)
{
	struct screen_display *sd = d->priv;
	bool resized = follow_resize();
	if (!resized && sd->drawn && memcmp(&sd->last, s, sizeof *s) == 0)
		return;
	sd->last = *s;
	sd->drawn = true;
	if (resized)
		clearok(curscr, TRUE); /* repaint every cell, not a diff */
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
	/* Area names are UTF-8: ncursesw needs the user's character type. */
	if (setlocale(LC_CTYPE, "") == NULL)
		hc_warn("display screen: locale not available; names may "
			"show wrongly");
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
