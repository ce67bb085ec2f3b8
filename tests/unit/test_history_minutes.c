/*
 * test_history_minutes.c — history intervals, UTC text and CSV lines.
 *
 * Property: a time falls in the interval that starts at the multiple of
 * the interval at or below it (also before 1970), the next boundary is
 * strictly later, entries during an interval are the difference of
 * totals, the export's times parse only in the documented forms (and
 * only real dates), and a sample becomes exactly one CSV line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/history.h"

/* 2026-11-23T10:00:00Z */
#define T10 1795428000000LL

static void a_time_falls_in_the_interval_starting_at_or_before_it(void **state)
{
	(void)state;
	static const struct {
		int64_t wall_ms, interval_ms, start_ms, next_ms;
	} cases[] = {
		{ T10, 60000, T10, T10 + 60000 }, /* on the boundary */
		{ T10 + 1, 60000, T10, T10 + 60000 },
		{ T10 + 59999, 60000, T10, T10 + 60000 }, /* last ms of the minute */
		{ T10 - 1, 60000, T10 - 60000, T10 },
		{ T10 + 1500, 1000, T10 + 1000, T10 + 2000 }, /* test interval of 1 s */
		{ -1, 60000, -60000, 0 },		      /* before 1970 */
		{ 0, 60000, 0, 60000 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(hc_history_bucket_start(cases[i].wall_ms, cases[i].interval_ms),
				 cases[i].start_ms);
		assert_int_equal(hc_history_next_boundary(cases[i].wall_ms, cases[i].interval_ms),
				 cases[i].next_ms);
	}
}

static void entries_during_an_interval_are_the_growth_of_the_total(void **state)
{
	(void)state;
	assert_int_equal(hc_history_during(412, 400), 12);
	assert_int_equal(hc_history_during(400, 400), 0);
	assert_int_equal(hc_history_during(0, 0), 0);
}

static void utc_times_parse_in_the_documented_forms_only(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_true(hc_history_parse_utc("2026-11-23T10:00Z", &ms));
	assert_int_equal(ms, T10);
	assert_true(hc_history_parse_utc("2026-11-23T10:00:30Z", &ms));
	assert_int_equal(ms, T10 + 30000);
	assert_true(hc_history_parse_utc("2024-02-29T00:00Z", &ms)); /* leap day */
	static const char *const bad[] = {
		"2026-11-23T10:00", /* no Z */
		"2026-11-23 10:00Z",
		"2026-11-23T10:00+01:00",
		"2026-02-29T00:00Z", /* not a leap year */
		"2026-02-30T10:00Z",
		"2026-13-01T00:00Z",
		"2026-11-23T24:00Z",
		"2026-11-23T10:60Z",
		"2026-11-23T10:00:60Z",
		"2026-1-23T10:00:00Z",
		"+026-11-23T10:00Z",
		"1969-12-31T23:59Z", /* before 1970 */
		"yesterday",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (hc_history_parse_utc(bad[i], &ms))
			fail_msg("'%s' parsed", bad[i]);
}

static void times_print_back_as_they_parse(void **state)
{
	(void)state;
	char text[32];
	hc_history_format_utc(T10, text, sizeof text);
	assert_string_equal(text, "2026-11-23T10:00Z");
	hc_history_format_utc(T10 + 61000, text, sizeof text);
	assert_string_equal(text, "2026-11-23T10:01:01Z");
	int64_t ms;
	assert_true(hc_history_parse_utc(text, &ms));
	assert_int_equal(ms, T10 + 61000);
}

static void ranges_must_run_forward_and_span_at_most_a_year(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_true(hc_history_range_valid(T10, T10 + 60000, &why));
	assert_false(hc_history_range_valid(T10, T10, &why));
	assert_non_null(strstr(why, "before"));
	assert_false(hc_history_range_valid(T10 + 1, T10, &why));
	assert_true(hc_history_range_valid(T10, T10 + HC_HISTORY_RANGE_MS_MAX, &why));
	assert_false(hc_history_range_valid(T10, T10 + HC_HISTORY_RANGE_MS_MAX + 1, &why));
	assert_non_null(strstr(why, "366 days"));
}

static void a_sample_is_one_csv_line(void **state)
{
	(void)state;
	char line[128];
	size_t n = hc_history_csv_row(line, sizeof line, "hall", T10, 107, "low", false, 12, 5);
	assert_string_equal(line, "hall,2026-11-23T10:00Z,107,low,0,12,5\n");
	assert_int_equal(n, strlen(line));
	n = hc_history_csv_row(line, sizeof line, "lawn", T10 + 60000, 2003, "full", true, 7, 0);
	assert_string_equal(line, "lawn,2026-11-23T10:01Z,2003,full,1,7,0\n");
	assert_int_equal(hc_history_csv_row(line, 10, "hall", T10, 1, "low", false, 0, 0), 0);
	assert_string_equal(HC_HISTORY_CSV_HEADER,
			    "area,minute_utc,occupancy,level,restricted,entered,exited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_time_falls_in_the_interval_starting_at_or_before_it),
		cmocka_unit_test(entries_during_an_interval_are_the_growth_of_the_total),
		cmocka_unit_test(utc_times_parse_in_the_documented_forms_only),
		cmocka_unit_test(times_print_back_as_they_parse),
		cmocka_unit_test(ranges_must_run_forward_and_span_at_most_a_year),
		cmocka_unit_test(a_sample_is_one_csv_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
