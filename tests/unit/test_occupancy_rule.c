/*
 * test_occupancy_rule.c — occupancy = max(0, entered - exited).
 *
 * Property: the one occupancy function (shared/occupancy.h) is the
 * difference when entries exceed exits, zero at equality and below it,
 * and exact at large totals. Each table row names its case; a failure
 * prints that name and the values involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "shared/occupancy.h"

struct row {
	const char *name;
	int64_t entered;
	int64_t exited;
	int64_t occupancy;
};

static const struct row rows[] = {
	{ "nobody yet", 0, 0, 0 },
	{ "one in", 1, 0, 1 },
	{ "in and out again", 5, 5, 0 },
	{ "more in than out", 12, 7, 5 },
	{ "one more out than in clamps to zero", 7, 8, 0 },
	{ "only exits clamps to zero", 0, 40, 0 },
	{ "large totals stay exact", INT64_C(4000000000000), INT64_C(3999999999999), 1 },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		const struct row *r = &rows[k];
		int64_t got = hc_occupancy(r->entered, r->exited);
		if (got != r->occupancy)
			fail_msg("%s: entered %lld exited %lld: occupancy %lld, expected %lld",
				 r->name, (long long)r->entered, (long long)r->exited,
				 (long long)got, (long long)r->occupancy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
