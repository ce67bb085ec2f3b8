/*
 * test_station_last_known.c — what the door is told about the age of
 * its area state (terminal/station.c, hc_station_display_state), and the
 * line display's added keys (hw/display.c).
 *
 * Property: the state is current only while the link that brought it is
 * up; once that link drops it is the last known, aged from the moment it
 * dropped; a new link that brings no state (an aggregator refusing the
 * id with 4004) never makes it current again nor restarts its age, so it
 * still turns stale 15 s after it was last current; a new area message
 * makes it current. restricted_by reaches the display only while
 * restricted. The line display keeps every old key in place and appends
 * known=, stop_by= and refused=.
 *
 * Uses a real journal in a mkdtemp() directory, removed afterwards; the
 * times are made up (the station has no clock of its own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hw/display.h"
#include "terminal/journal.h"
#include "terminal/station.h"

struct fixture {
	char dir[64];
	char path[128];
	struct hc_journal *j;
	struct hc_station st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char err[256];
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/hc-station-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		goto fail;
	snprintf(f->path, sizeof f->path, "%s/terminal-k1.db", f->dir);
	f->j = hc_journal_open(f->path, "k1", err, sizeof err);
	if (f->j == NULL || !hc_station_init(&f->st, "k1", f->j, 100, 0))
		goto fail;
	*state = f;
	return 0;
fail:
	free(f);
	return -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	hc_station_free(&f->st);
	hc_journal_close(f->j);
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
		(void)unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct hc_area_state booth(bool restricted, const char *by, const char *by_name)
{
	struct hc_area_state a = {
		.id = "booth",
		.name = "Photo booth",
		.entered = 2,
		.occupancy = 2,
		.capacity = 3,
		.level = HC_LEVEL_CROWDED,
		.restricted = restricted,
		.updated_at_ms = 1795428000123LL,
	};
	snprintf(a.restricted_by, sizeof a.restricted_by, "%s", by);
	snprintf(a.restricted_by_name, sizeof a.restricted_by_name, "%s", by_name);
	return a;
}

static struct hc_display_state shown(const struct hc_station *st, int64_t now_ms)
{
	struct hc_display_state d;
	hc_station_display_state(st, now_ms, &d);
	return d;
}

static void state_is_current_only_while_its_link_is_up(void **state)
{
	struct fixture *f = *state;
	struct hc_station *st = &f->st;
	hc_station_link(st, true, 1000);
	struct hc_area_state a = booth(false, "", "");
	hc_station_area(st, &a, 1100);
	struct hc_display_state d = shown(st, 4000);
	assert_false(d.last_known);
	assert_false(d.stale);

	hc_station_link(st, false, 5000); /* the link drops */
	d = shown(st, 7000);
	assert_true(d.last_known);
	assert_int_equal(d.known_age_s, 2); /* current until 5000 */
	assert_false(d.stale);

	/* A refused connection: up, no area message, down again. */
	hc_station_link(st, true, 8000);
	d = shown(st, 9000);
	assert_true(d.last_known);
	assert_int_equal(d.known_age_s, 4);
	hc_station_link(st, false, 9500);
	d = shown(st, 10000);
	assert_true(d.last_known);
	assert_int_equal(d.known_age_s, 5);
	assert_false(shown(st, 20000).stale);
	assert_true(shown(st, 20001).stale); /* 15 s after 5000 */
	assert_int_equal(shown(st, 125000).known_age_s, 120);

	/* A link that brings the state again: current, never stale. */
	hc_station_link(st, true, 130000);
	assert_true(shown(st, 130050).last_known);
	hc_station_area(st, &a, 130100);
	d = shown(st, 200000);
	assert_false(d.last_known);
	assert_false(d.stale);
}

static void no_figure_is_neither_current_nor_last_known(void **state)
{
	struct fixture *f = *state;
	hc_station_link(&f->st, true, 1000);
	struct hc_display_state d = shown(&f->st, 2000);
	assert_false(d.have_figure);
	assert_false(d.last_known);
	char line[512];
	hc_display_format_line(&d, line, sizeof line);
	assert_string_equal(line, "k1 area=- occupancy=- capacity=- level=- "
				  "entry=- link=online figure=none pending=0 "
				  "storage=ok known=none stop_by=- refused=-");
}

static void restriction_cause_reaches_the_display_while_restricted(void **state)
{
	struct fixture *f = *state;
	struct hc_station *st = &f->st;
	hc_station_link(st, true, 1000);
	struct hc_area_state a = booth(true, "group:park", "The park");
	hc_station_area(st, &a, 1100);
	struct hc_display_state d = shown(st, 1200);
	assert_string_equal(d.restricted_by, "group:park");
	assert_string_equal(d.restricted_by_name, "The park");
	char line[512];
	hc_display_format_line(&d, line, sizeof line);
	/* The old keys, unchanged and in place, then the new ones. */
	assert_string_equal(line, "k1 area=booth occupancy=2 capacity=3 "
				  "level=crowded entry=STOP link=online figure=fresh "
				  "pending=0 storage=ok known=current "
				  "stop_by=group:park refused=-");

	hc_station_link(st, false, 2000);
	d = shown(st, 3000);
	d.refusal = HC_REFUSAL_REPLACED;
	hc_display_format_line(&d, line, sizeof line);
	assert_string_equal(line, "k1 area=booth occupancy=2 capacity=3 "
				  "level=crowded entry=STOP link=offline figure=fresh "
				  "pending=0 storage=ok known=last "
				  "stop_by=group:park refused=replaced");

	a = booth(false, "", "");
	hc_station_link(st, true, 4000);
	hc_station_area(st, &a, 4100);
	d = shown(st, 4200);
	assert_string_equal(d.restricted_by, "");
	d.refusal = HC_REFUSAL_UNKNOWN_TERMINAL;
	hc_display_format_line(&d, line, sizeof line);
	assert_non_null(strstr(line, " entry=OPEN "));
	assert_non_null(strstr(line, " stop_by=- refused=unknown-terminal"));
	d.refusal = HC_REFUSAL_NOT_AUTHENTICATED;
	hc_display_format_line(&d, line, sizeof line);
	assert_non_null(strstr(line, " stop_by=- refused=not-authenticated"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(state_is_current_only_while_its_link_is_up, setup,
						teardown),
		cmocka_unit_test_setup_teardown(no_figure_is_neither_current_nor_last_known, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			restriction_cause_reaches_the_display_while_restricted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
