/*
 * test_calendar_utc.c — UTC calendar fields to seconds.
 *
 * Property: real dates give the seconds since 1970 that timegm gives
 * (leap days included), and every field out of range, every date that
 * does not exist and every year before 1970 is refused rather than
 * moved to another day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "shared/calendar.h"

static void real_dates_give_their_seconds(void **state)
{
	(void)state;
	static const struct {
		int y, mo, d, h, mi, s;
		int64_t secs;
	} cases[] = {
		{ 1970, 1, 1, 0, 0, 0, 0 },
		{ 2026, 11, 23, 10, 0, 0, 1795428000 },
		{ 2026, 11, 23, 10, 1, 1, 1795428061 },
		{ 2024, 2, 29, 0, 0, 0, 1709164800 },	/* leap day */
		{ 2000, 2, 29, 23, 59, 59, 951868799 }, /* leap century */
		{ 2026, 12, 31, 23, 59, 59, 1798761599 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t secs = -1;
		assert_true(hc_calendar_utc_seconds(cases[i].y, cases[i].mo, cases[i].d, cases[i].h,
						    cases[i].mi, cases[i].s, &secs));
		assert_int_equal(secs, cases[i].secs);
	}
}

static void impossible_dates_are_refused_not_moved(void **state)
{
	(void)state;
	static const int bad[][6] = {
		{ 2026, 2, 29, 0, 0, 0 }, /* not a leap year */
		{ 1900, 2, 29, 0, 0, 0 }, /* before 1970 (and no leap day) */
		{ 2100, 2, 29, 0, 0, 0 }, /* century, not a leap year */
		{ 2026, 4, 31, 0, 0, 0 }, /* April has 30 days */
		{ 2026, 2, 30, 10, 0, 0 },
		{ 2026, 0, 1, 0, 0, 0 },
		{ 2026, 13, 1, 0, 0, 0 },
		{ 2026, 1, 0, 0, 0, 0 },
		{ 2026, 1, 32, 0, 0, 0 },
		{ 2026, 1, 1, 24, 0, 0 },
		{ 2026, 1, 1, -1, 0, 0 },
		{ 2026, 1, 1, 0, 60, 0 },
		{ 2026, 1, 1, 0, -1, 0 },
		{ 2026, 12, 31, 23, 59, 60 }, /* a leap second: never written */
		{ 2026, 1, 1, 0, 0, -1 },
		{ 1969, 12, 31, 23, 59, 59 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t secs = 42;
		if (hc_calendar_utc_seconds(bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4],
					    bad[i][5], &secs))
			fail_msg("%04d-%02d-%02d %02d:%02d:%02d accepted", bad[i][0], bad[i][1],
				 bad[i][2], bad[i][3], bad[i][4], bad[i][5]);
		assert_int_equal(secs, 42); /* untouched */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_dates_give_their_seconds),
		cmocka_unit_test(impossible_dates_are_refused_not_moved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
