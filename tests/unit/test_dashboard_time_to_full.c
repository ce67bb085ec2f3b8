/*
 * test_dashboard_time_to_full.c — the dashboard's "full in ~N min".
 *
 * Property: from the occupancy samples of the last minutes, a steady
 * inflow gives the minutes until capacity (rounded up), an outflow says
 * emptying, no flow says steady, a noisy flow (bursts and pauses around
 * a trend) gives the trend's answer, an area at or over capacity is
 * FULL whatever the flow, and too little history says unknown. Each row
 * names its case; a failure prints it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/dashboard/ttf.h"

#define MIN_MS 60000

struct row {
	const char *name;
	int64_t start;	  /* occupancy at t = 0 */
	double per_min;	  /* trend */
	int64_t noise[8]; /* added to successive samples, cycling */
	int samples;	  /* one every 10 s */
	int64_t capacity;
	enum hc_ttf_kind kind;
	int64_t minutes_lo, minutes_hi; /* FILLING: the answer in this range */
	const char *text;		/* hc_ttf_text, or NULL to skip */
};

static const struct row rows[] = {
	{ "steady inflow of 10/min, 100 to go",
	  100,
	  10,
	  { 0 },
	  31,
	  250,
	  HC_TTF_FILLING,
	  10,
	  10,
	  "full in ~10 min" },
	{ "steady inflow rounds up: 85 to go at 3/min",
	  0,
	  3,
	  { 0 },
	  31,
	  100,
	  HC_TTF_FILLING,
	  29,
	  29,
	  NULL },
	{ "outflow", 200, -6, { 0 }, 31, 300, HC_TTF_EMPTYING, 0, 0, "emptying" },
	{ "zero flow", 50, 0, { 0 }, 31, 300, HC_TTF_STEADY, 0, 0, "steady" },
	{ "noisy inflow of 10/min: bursts and pauses",
	  100,
	  10,
	  { 9, -7, 4, -9, 8, -3, 0, -2 },
	  31,
	  250,
	  HC_TTF_FILLING,
	  9,
	  11,
	  NULL },
	{ "noisy around zero stays steady",
	  80,
	  0,
	  { 1, -1, 0, 1, -1, 0, 1, -1 },
	  31,
	  300,
	  HC_TTF_STEADY,
	  0,
	  0,
	  NULL },
	{ "already full, still filling", 300, 5, { 0 }, 31, 300, HC_TTF_FULL, 0, 0, "FULL" },
	{ "over capacity while emptying", 350, -5, { 0 }, 31, 300, HC_TTF_FULL, 0, 0, NULL },
	{ "one sample is not a flow", 10, 5, { 0 }, 1, 300, HC_TTF_UNKNOWN, 0, 0, "-" },
	{ "20 s of history is too little", 10, 5, { 0 }, 3, 300, HC_TTF_UNKNOWN, 0, 0, NULL },
	{ "unlimited capacity never fills", 10, 5, { 0 }, 31, 0, HC_TTF_STEADY, 0, 0, NULL },
	{ "days away is steady, not a number",
	  0,
	  0.3,
	  { 0 },
	  31,
	  1000000,
	  HC_TTF_STEADY,
	  0,
	  0,
	  NULL },
	{ "one person short at a fast flow: ~1 min",
	  179,
	  30,
	  { 0 },
	  31,
	  330,
	  HC_TTF_FILLING,
	  1,
	  1,
	  NULL },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		const struct row *w = &rows[r];
		struct hc_ttf_sample s[64];
		for (int i = 0; i < w->samples; i++) {
			int64_t t = (int64_t)i * 10000;
			s[i].t_ms = t;
			s[i].occupancy = w->start + (int64_t)(w->per_min * (double)t / MIN_MS) +
					 w->noise[i % 8];
		}
		/* the last sample is the current figure; make it the trend's own
		 * so the distance to capacity is what the row says */
		s[w->samples - 1].occupancy -= w->noise[(w->samples - 1) % 8];
		int64_t now = (int64_t)(w->samples - 1) * 10000;
		struct hc_ttf t = hc_ttf_estimate(s, (size_t)w->samples, w->capacity, now,
						  HC_TTF_WINDOW_MS_DEFAULT);
		if (t.kind != w->kind ||
		    (w->kind == HC_TTF_FILLING &&
		     (t.minutes < w->minutes_lo || t.minutes > w->minutes_hi))) {
			print_error("case '%s': kind %d minutes %lld (%.2f/min), want kind %d"
				    " minutes %lld..%lld\n",
				    w->name, t.kind, (long long)t.minutes, t.per_min, w->kind,
				    (long long)w->minutes_lo, (long long)w->minutes_hi);
			fail();
		}
		if (w->text != NULL) {
			char text[32];
			hc_ttf_text(&t, text, sizeof text);
			if (strcmp(text, w->text) != 0) {
				print_error("case '%s': text '%s', want '%s'\n", w->name, text,
					    w->text);
				fail();
			}
		}
	}
}

/* Samples older than the window do not count: an old rush is not a trend. */
static void test_window_forgets_old_rush(void **state)
{
	(void)state;
	struct hc_ttf_sample s[] = {
		{ 0, 0 },	 { 60000, 100 }, /* a rush ten minutes ago */
		{ 600000, 100 }, { 630000, 100 }, { 660000, 100 },
	};
	struct hc_ttf t = hc_ttf_estimate(s, 5, 300, 660000, HC_TTF_WINDOW_MS_DEFAULT);
	assert_int_equal(t.kind, HC_TTF_STEADY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_window_forgets_old_rush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
