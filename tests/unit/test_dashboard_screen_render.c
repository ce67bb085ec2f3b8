/*
 * test_dashboard_screen_render.c — the dashboard's frame and what reaches
 * the terminal.
 *
 * Property: at 80x24 every area, group and door has its row, a Japanese
 * name lines up with a Latin one by display width; after the first full
 * frame an update of one area sends only a few cells (never a full
 * redraw), an unchanged frame sends none, a resize sends everything
 * once; a wide character is never split; a dropped link shows
 * "disconnected since hh:mm:ss" and STALE; the ASCII fallback puts
 * nothing but printable ASCII on the screen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/dashboard/render.h"
#include "aggregator/dashboard/textwidth.h"

#define OHORU "\xe5\xa4\xa7\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xab" /* 大ホール */

static size_t cells_sent;
static void count(void *arg, int row, int col, const struct hc_cell *cells, int n)
{
	(void)arg;
	(void)row;
	(void)cells;
	assert_true(col >= 0);
	assert_true(cells[0].ch != 0); /* a run starts on a whole character */
	cells_sent += (size_t)n;
}

/* Row r of the current frame as UTF-8 (continuation cells skipped). */
static void row_text(const struct hc_screen *s, int r, char *out, size_t cap)
{
	size_t o = 0;
	for (int c = 0; c < s->cols && o + 5 < cap; c++) {
		wchar_t wc = s->cur[(size_t)r * (size_t)s->cols + (size_t)c].ch;
		if (wc == 0)
			continue;
		char mb[8];
		int n = wctomb(mb, wc);
		if (n > 0) {
			memcpy(out + o, mb, (size_t)n);
			o += (size_t)n;
		}
	}
	out[o] = '\0';
}

/* Cell column of the first occurrence of ch in row r, or -1. */
static int cell_col(const struct hc_screen *s, int r, wchar_t ch)
{
	for (int c = 0; c < s->cols; c++)
		if (s->cur[(size_t)r * (size_t)s->cols + (size_t)c].ch == ch)
			return c;
	return -1;
}

static int find_row(const struct hc_screen *s, const char *needle)
{
	char line[1024];
	for (int r = 0; r < s->rows; r++) {
		row_text(s, r, line, sizeof line);
		if (strstr(line, needle) != NULL)
			return r;
	}
	return -1;
}

static struct hc_model model;
static struct hc_wire_area areas[2];
static struct hc_wire_group groups[1];
static struct hc_wire_terminal terms[2];

static int setup(void **state)
{
	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return -1;
	hc_model_init(&model);
	memset(areas, 0, sizeof areas);
	snprintf(areas[0].st.id, sizeof areas[0].st.id, "hall");
	snprintf(areas[0].st.name, sizeof areas[0].st.name, "Main hall");
	areas[0].st.occupancy = 12;
	areas[0].st.entered = 12;
	areas[0].st.capacity = 50;
	snprintf(areas[1].st.id, sizeof areas[1].st.id, "oh");
	snprintf(areas[1].st.name, sizeof areas[1].st.name, "%s", OHORU);
	areas[1].st.occupancy = 34;
	areas[1].st.entered = 34;
	areas[1].st.capacity = 50;
	areas[1].st.level = HC_LEVEL_MODERATE;
	memset(groups, 0, sizeof groups);
	snprintf(groups[0].id, sizeof groups[0].id, "park");
	snprintf(groups[0].name, sizeof groups[0].name, "The park");
	groups[0].occupancy = 46;
	groups[0].capacity = 100;
	memset(terms, 0, sizeof terms);
	snprintf(terms[0].id, sizeof terms[0].id, "d1");
	snprintf(terms[0].area, sizeof terms[0].area, "hall");
	terms[0].online = true;
	snprintf(terms[1].id, sizeof terms[1].id, "d2");
	snprintf(terms[1].area, sizeof terms[1].area, "oh");
	struct hc_wire_sup_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = HC_WIRE_SUP_SNAPSHOT;
	snprintf(msg.venue, sizeof msg.venue, "Fest");
	msg.areas = areas;
	msg.area_count = 2;
	msg.groups = groups;
	msg.group_count = 1;
	msg.terminals = terms;
	msg.terminal_count = 2;
	return hc_model_apply(&model, &msg, 1000, 1700000000000LL) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	hc_model_free(&model);
	return 0;
}

static void test_rows_and_alignment_at_80x24(void **state)
{
	(void)state;
	struct hc_screen s = { 0 };
	struct hc_ui ui;
	hc_ui_init(&ui);
	assert_true(hc_screen_resize(&s, 24, 80));
	hc_render(&s, &model, &ui, 1000, 1700000000000LL, NULL);
	int hall = find_row(&s, "Main hall"), oh = find_row(&s, OHORU);
	int park = find_row(&s, "[The park]"), d1 = find_row(&s, " d1 "), d2 = find_row(&s, " d2 ");
	assert_true(hall > 0 && oh > 0 && park > 0 && d1 > 0 && d2 > 0);
	assert_true(find_row(&s, "OFFLINE") == d2);
	/* "12/50" and "34/50": the '/' in the same cell column */
	assert_int_equal(cell_col(&s, hall, L'/'), cell_col(&s, oh, L'/'));
	assert_int_equal(cell_col(&s, hall, L'%'), cell_col(&s, oh, L'%'));
	char line[1024];
	row_text(&s, oh, line, sizeof line);
	assert_int_equal(hc_tw_width(line, false), 80);
	hc_screen_free(&s);
}

static void test_incremental_flush(void **state)
{
	(void)state;
	struct hc_screen s = { 0 };
	struct hc_ui ui;
	hc_ui_init(&ui);
	assert_true(hc_screen_resize(&s, 24, 80));
	hc_render(&s, &model, &ui, 1000, 1700000000000LL, NULL);
	cells_sent = 0;
	hc_screen_flush(&s, count, NULL);
	assert_int_equal(cells_sent, 24 * 80); /* first frame: everything */
	hc_render(&s, &model, &ui, 1000, 1700000000000LL, NULL);
	cells_sent = 0;
	hc_screen_flush(&s, count, NULL);
	assert_int_equal(cells_sent, 0); /* nothing changed */
	struct hc_wire_sup_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = HC_WIRE_SUP_AREA;
	msg.area = areas[0];
	msg.area.st.occupancy = 13;
	msg.area.st.entered = 13;
	assert_true(hc_model_apply(&model, &msg, 2000, 1700000000000LL));
	hc_render(&s, &model, &ui, 2000, 1700000000000LL, NULL);
	cells_sent = 0;
	hc_screen_flush(&s, count, NULL);
	assert_true(cells_sent > 0);
	assert_true(cells_sent < 40); /* the figure and the detail line */
	assert_true(hc_screen_resize(&s, 30, 100));
	hc_render(&s, &model, &ui, 2000, 1700000000000LL, NULL);
	cells_sent = 0;
	hc_screen_flush(&s, count, NULL);
	assert_int_equal(cells_sent, 30 * 100); /* a resize redraws once */
	hc_screen_free(&s);
}

static void test_wide_char_never_split(void **state)
{
	(void)state;
	struct hc_screen s = { 0 };
	assert_true(hc_screen_resize(&s, 2, 10));
	assert_int_equal(hc_screen_put(&s, 0, 0, 10, OHORU, 0), 8);
	assert_int_equal(s.cur[1].ch, 0); /* continuation */
	/* 3 columns hold one wide character and a space, never half of one */
	hc_screen_clear(&s);
	assert_int_equal(hc_screen_put(&s, 0, 0, 3, OHORU, 0), 3);
	assert_int_equal(s.cur[2].ch, L' ');
	/* writing over the right half of a wide character blanks its left half */
	hc_screen_clear(&s);
	hc_screen_put(&s, 0, 0, 10, OHORU, 0);
	hc_screen_put(&s, 0, 1, 1, "x", 0);
	assert_int_equal(s.cur[0].ch, L' ');
	assert_int_equal(s.cur[1].ch, L'x');
	hc_screen_free(&s);
}

static void test_stale_marker(void **state)
{
	(void)state;
	struct hc_screen s = { 0 };
	struct hc_ui ui;
	hc_ui_init(&ui);
	assert_true(hc_screen_resize(&s, 24, 80));
	hc_model_disconnected(&model, 1700000000000LL);
	hc_render(&s, &model, &ui, 3000, 1700000005000LL, NULL);
	char want[64], clock[16];
	hc_render_clock(1700000000000LL, clock, sizeof clock);
	snprintf(want, sizeof want, "disconnected since %s", clock);
	assert_int_equal(find_row(&s, want), 0);
	assert_true(find_row(&s, "STALE") >= 0);
	assert_true(find_row(&s, "Main hall") > 0); /* last figures still shown */
	hc_screen_free(&s);
	model.connected = true;
	model.disconnected_since_wall_ms = 0;
}

static void test_ascii_fallback(void **state)
{
	(void)state;
	struct hc_screen s = { 0 };
	struct hc_ui ui;
	hc_ui_init(&ui);
	assert_true(hc_screen_resize(&s, 24, 80));
	s.ascii = true;
	hc_render(&s, &model, &ui, 1000, 1700000000000LL, NULL);
	for (int i = 0; i < 24 * 80; i++)
		if (s.cur[i].ch < 0x20 || s.cur[i].ch > 0x7e) {
			print_error("cell %d holds U+%04X\n", i, (unsigned)s.cur[i].ch);
			fail();
		}
	assert_true(find_row(&s, "????") > 0);
	hc_screen_free(&s);
}

static void test_scrolls_to_selection(void **state)
{
	(void)state;
	struct hc_screen s = { 0 };
	struct hc_ui ui;
	hc_ui_init(&ui);
	assert_true(hc_screen_resize(&s, 24, 80));
	struct hc_layout layout;
	hc_render(&s, &model, &ui, 1000, 1700000000000LL, &layout);
	assert_true(layout.area_rows >= 3);
	assert_true(layout.door_rows >= 2);
	ui.sel[HC_PANE_AREAS] = 99; /* clamped to the last row */
	hc_render(&s, &model, &ui, 1000, 1700000000000LL, NULL);
	assert_int_equal(ui.sel[HC_PANE_AREAS], 2);
	hc_screen_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_and_alignment_at_80x24),
		cmocka_unit_test(test_incremental_flush),
		cmocka_unit_test(test_wide_char_never_split),
		cmocka_unit_test(test_stale_marker),
		cmocka_unit_test(test_ascii_fallback),
		cmocka_unit_test(test_scrolls_to_selection),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
