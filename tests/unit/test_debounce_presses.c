/*
 * test_debounce_presses.c — button edges become presses: bounces inside
 * the debounce window are ignored, two presses just outside it both
 * count, a held button never repeats, a button held at start counts only
 * after a release, and a clock stepping back never silences a button.
 *
 * A fake line source: each case is a list of (line, level, time) edges
 * fed to the pure core (hw/debounce.c) with a fake clock in the
 * timestamps, exactly as the GPIO backends feed kernel events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hw/debounce.h"

#define MS INT64_C(1000000) /* ns */
#define US INT64_C(1000)
#define WINDOW_MS 30

struct edge {
	size_t line;
	bool active;
	int64_t at_ns;
};

/* Feeds edges; returns the presses per line in counts[]. */
static void feed(struct hc_debounce *d, const struct edge *e, size_t n,
		 int64_t counts[HC_DEBOUNCE_LINES_MAX])
{
	for (size_t i = 0; i < HC_DEBOUNCE_LINES_MAX; i++)
		counts[i] = 0;
	for (size_t i = 0; i < n; i++)
		if (hc_debounce_edge(d, e[i].line, e[i].active, e[i].at_ns))
			counts[e[i].line]++;
}

#define FEED(d, edges, counts) feed((d), (edges), sizeof(edges) / sizeof((edges)[0]), (counts))

static void bounces_inside_the_window_are_ignored(void **state)
{
	(void)state;
	struct hc_debounce d;
	hc_debounce_init(&d, 3, WINDOW_MS);
	/* One press with a 6 ms bounce burst, a hold, one release with its
	 * own burst: a single press. */
	const struct edge e[] = {
		{ 0, true, 1000 * MS }, { 0, false, 1001 * MS },
		{ 0, true, 1002 * MS }, { 0, false, 1004 * MS },
		{ 0, true, 1006 * MS }, { 0, false, 1500 * MS },
		{ 0, true, 1502 * MS }, { 0, false, 1505 * MS },
		{ 0, true, 1529 * MS }, { 0, false, 1529 * MS + 999 * US },
	};
	int64_t c[HC_DEBOUNCE_LINES_MAX];
	FEED(&d, e, c);
	assert_int_equal(c[0], 1);
	assert_int_equal(d.lines[0].bounces, 8);
	assert_false(d.lines[0].active);
}

static void two_presses_just_outside_the_window_both_count(void **state)
{
	(void)state;
	struct hc_debounce d;
	hc_debounce_init(&d, 3, WINDOW_MS);
	/* press, release 15 ms later (a bounce by time: ignored, but a
	 * release), then a press exactly one window after the first. */
	const struct edge e[] = {
		{ 1, true, 5000 * MS },
		{ 1, false, 5015 * MS },
		{ 1, true, (5000 + WINDOW_MS) * MS },
		{ 1, false, (5000 + 2 * WINDOW_MS) * MS },
		{ 1, true, (5000 + 3 * WINDOW_MS) * MS },
	};
	int64_t c[HC_DEBOUNCE_LINES_MAX];
	FEED(&d, e, c);
	assert_int_equal(c[1], 3);
	/* One nanosecond less and the second one is a bounce. */
	hc_debounce_init(&d, 3, WINDOW_MS);
	const struct edge f[] = {
		{ 1, true, 5000 * MS },
		{ 1, false, 5015 * MS },
		{ 1, true, (5000 + WINDOW_MS) * MS - 1 },
	};
	FEED(&d, f, c);
	assert_int_equal(c[1], 1);
}

static void a_held_button_does_not_repeat(void **state)
{
	(void)state;
	struct hc_debounce d;
	hc_debounce_init(&d, 3, WINDOW_MS);
	/* Pressed and held 10 s; the kernel reports the active level again
	 * now and then (a lost release, noise that never reaches release):
	 * still one press. The release then allows the next one. */
	struct edge e[64];
	size_t n = 0;
	e[n++] = (struct edge){ 2, true, 0 };
	for (int64_t t = 100; t <= 10000; t += 500)
		e[n++] = (struct edge){ 2, true, t * MS };
	e[n++] = (struct edge){ 2, false, 10100 * MS };
	e[n++] = (struct edge){ 2, true, 10400 * MS };
	int64_t c[HC_DEBOUNCE_LINES_MAX];
	feed(&d, e, n, c);
	assert_int_equal(c[2], 2);
}

static void lines_are_debounced_independently(void **state)
{
	(void)state;
	struct hc_debounce d;
	hc_debounce_init(&d, 3, WINDOW_MS);
	/* ENTER and EXIT pressed 1 ms apart: both count. */
	const struct edge e[] = {
		{ 0, true, 100 * MS },	{ 1, true, 101 * MS }, { 0, false, 102 * MS },
		{ 1, false, 103 * MS }, { 0, true, 104 * MS }, { 1, true, 105 * MS },
	};
	int64_t c[HC_DEBOUNCE_LINES_MAX];
	FEED(&d, e, c);
	assert_int_equal(c[0], 1);
	assert_int_equal(c[1], 1);
	assert_int_equal(c[2], 0);
}

static void a_button_held_at_start_counts_after_release(void **state)
{
	(void)state;
	struct hc_debounce d;
	hc_debounce_init(&d, 3, WINDOW_MS);
	hc_debounce_set_level(&d, 0, true);
	const struct edge e[] = {
		{ 0, true, 100 * MS }, /* still held: no press */
		{ 0, false, 900 * MS },
		{ 0, true, 1200 * MS }, /* a real press */
	};
	int64_t c[HC_DEBOUNCE_LINES_MAX];
	FEED(&d, e, c);
	assert_int_equal(c[0], 1);
}

static void a_clock_stepping_back_never_silences_a_button(void **state)
{
	(void)state;
	struct hc_debounce d;
	hc_debounce_init(&d, 3, WINDOW_MS);
	const struct edge e[] = {
		{ 0, true, 3600000 * MS }, { 0, false, 3600200 * MS },
		{ 0, true, 10 * MS }, /* clock stepped back an hour */
		{ 0, false, 300 * MS },	   { 0, true, 600 * MS },
	};
	int64_t c[HC_DEBOUNCE_LINES_MAX];
	FEED(&d, e, c);
	assert_int_equal(c[0], 3);
}

static void a_zero_window_counts_every_press_after_a_release(void **state)
{
	(void)state;
	struct hc_debounce d;
	hc_debounce_init(&d, 1, 0);
	const struct edge e[] = {
		{ 0, true, 1 },
		{ 0, false, 2 },
		{ 0, true, 3 },
		{ 0, true, 4 },
	};
	int64_t c[HC_DEBOUNCE_LINES_MAX];
	FEED(&d, e, c);
	assert_int_equal(c[0], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bounces_inside_the_window_are_ignored),
		cmocka_unit_test(two_presses_just_outside_the_window_both_count),
		cmocka_unit_test(a_held_button_does_not_repeat),
		cmocka_unit_test(lines_are_debounced_independently),
		cmocka_unit_test(a_button_held_at_start_counts_after_release),
		cmocka_unit_test(a_clock_stepping_back_never_silences_a_button),
		cmocka_unit_test(a_zero_window_counts_every_press_after_a_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
