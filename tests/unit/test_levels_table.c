/*
 * test_levels_table.c — congestion levels at every threshold edge.
 *
 * Property: an area's level is low / moderate / crowded / full exactly at
 * ceil(fraction x capacity) people, one person below an edge is the level
 * under it, capacity 0 is unlimited (always low), and a fraction times a
 * capacity that is whole on paper is whole here. Each table row names its
 * case; a failure prints that name and the values involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aggregator/levels.h"

/* The venue defaults of shared/config.h, written out. */
static const struct hc_thresholds defaults = {
	.moderate_at = 0.5,
	.crowded_at = 0.8,
	.full_at = 1.0,
	.restrict_at = 1.0,
	.resume_at = 0.9,
	.hold_ms = 60000,
};

static const struct hc_thresholds custom = {
	.moderate_at = 0.3,
	.crowded_at = 0.6,
	.full_at = 0.9,
	.restrict_at = 0.9,
	.resume_at = 0.7,
	.hold_ms = 60000,
};

/* 0.07 x 100 is 7.000000000000001 as a double: a naive ceil says 8. */
static const struct hc_thresholds inexact = {
	.moderate_at = 0.07,
	.crowded_at = 0.29,
	.full_at = 0.57,
	.restrict_at = 0.57,
	.resume_at = 0.29,
	.hold_ms = 0,
};

struct level_row {
	const char *name;
	const struct hc_thresholds *t;
	int64_t capacity;
	int64_t occupancy;
	enum hc_level want;
};

static const struct level_row level_rows[] = {
	/* A small exhibition room: moderate 20, crowded 32, full 40. */
	{ "cap40 empty", &defaults, 40, 0, HC_LEVEL_LOW },
	{ "cap40 one below moderate", &defaults, 40, 19, HC_LEVEL_LOW },
	{ "cap40 at moderate", &defaults, 40, 20, HC_LEVEL_MODERATE },
	{ "cap40 one above moderate", &defaults, 40, 21, HC_LEVEL_MODERATE },
	{ "cap40 one below crowded", &defaults, 40, 31, HC_LEVEL_MODERATE },
	{ "cap40 at crowded", &defaults, 40, 32, HC_LEVEL_CROWDED },
	{ "cap40 one above crowded", &defaults, 40, 33, HC_LEVEL_CROWDED },
	{ "cap40 one below full", &defaults, 40, 39, HC_LEVEL_CROWDED },
	{ "cap40 at full", &defaults, 40, 40, HC_LEVEL_FULL },
	{ "cap40 one above full", &defaults, 40, 41, HC_LEVEL_FULL },
	{ "cap40 far over", &defaults, 40, 400, HC_LEVEL_FULL },
	/* A large lawn: moderate 1000, crowded 1600, full 2000. */
	{ "cap2000 one below moderate", &defaults, 2000, 999, HC_LEVEL_LOW },
	{ "cap2000 at moderate", &defaults, 2000, 1000, HC_LEVEL_MODERATE },
	{ "cap2000 one above moderate", &defaults, 2000, 1001, HC_LEVEL_MODERATE },
	{ "cap2000 one below crowded", &defaults, 2000, 1599, HC_LEVEL_MODERATE },
	{ "cap2000 at crowded", &defaults, 2000, 1600, HC_LEVEL_CROWDED },
	{ "cap2000 one above crowded", &defaults, 2000, 1601, HC_LEVEL_CROWDED },
	{ "cap2000 one below full", &defaults, 2000, 1999, HC_LEVEL_CROWDED },
	{ "cap2000 at full", &defaults, 2000, 2000, HC_LEVEL_FULL },
	{ "cap2000 one above full", &defaults, 2000, 2001, HC_LEVEL_FULL },
	/* Capacity 0 is unlimited. */
	{ "cap0 empty", &defaults, 0, 0, HC_LEVEL_LOW },
	{ "cap0 one person", &defaults, 0, 1, HC_LEVEL_LOW },
	{ "cap0 a crowd", &defaults, 0, 1000000, HC_LEVEL_LOW },
	/* Capacity 1: every threshold rounds up to one person. */
	{ "cap1 empty", &defaults, 1, 0, HC_LEVEL_LOW },
	{ "cap1 one person is full", &defaults, 1, 1, HC_LEVEL_FULL },
	{ "cap1 two people", &defaults, 1, 2, HC_LEVEL_FULL },
	/* 80 % of 25 is 20 people (exact as a double, but a classic worry),
	 * 50 % of 25 is 13 (12.5 rounded up). */
	{ "cap25 one below moderate 13", &defaults, 25, 12, HC_LEVEL_LOW },
	{ "cap25 at moderate 13", &defaults, 25, 13, HC_LEVEL_MODERATE },
	{ "cap25 one below crowded 20", &defaults, 25, 19, HC_LEVEL_MODERATE },
	{ "cap25 at crowded 20 (0.8*25)", &defaults, 25, 20, HC_LEVEL_CROWDED },
	{ "cap25 one above crowded", &defaults, 25, 21, HC_LEVEL_CROWDED },
	{ "cap25 at full 25", &defaults, 25, 25, HC_LEVEL_FULL },
	/* Custom fractions 0.3 / 0.6 / 0.9 of 10: edges 3, 6, 9. */
	{ "custom cap10 below moderate", &custom, 10, 2, HC_LEVEL_LOW },
	{ "custom cap10 at moderate 3", &custom, 10, 3, HC_LEVEL_MODERATE },
	{ "custom cap10 below crowded", &custom, 10, 5, HC_LEVEL_MODERATE },
	{ "custom cap10 at crowded 6", &custom, 10, 6, HC_LEVEL_CROWDED },
	{ "custom cap10 below full", &custom, 10, 8, HC_LEVEL_CROWDED },
	{ "custom cap10 at full 9", &custom, 10, 9, HC_LEVEL_FULL },
	{ "custom cap10 at capacity", &custom, 10, 10, HC_LEVEL_FULL },
	/* Products that are not exact as doubles: 7, 29, 57 of 100. */
	{ "inexact cap100 below moderate 7", &inexact, 100, 6, HC_LEVEL_LOW },
	{ "inexact cap100 at moderate 7 (0.07*100)", &inexact, 100, 7, HC_LEVEL_MODERATE },
	{ "inexact cap100 below crowded 29", &inexact, 100, 28, HC_LEVEL_MODERATE },
	{ "inexact cap100 at crowded 29", &inexact, 100, 29, HC_LEVEL_CROWDED },
	{ "inexact cap100 below full 57", &inexact, 100, 56, HC_LEVEL_CROWDED },
	{ "inexact cap100 at full 57", &inexact, 100, 57, HC_LEVEL_FULL },
};

struct people_row {
	const char *name;
	double fraction;
	int64_t capacity;
	int64_t want_ceil;
	int64_t want_floor;
};

static const struct people_row people_rows[] = {
	{ "half of 40", 0.5, 40, 20, 20 },
	{ "0.8 of 40", 0.8, 40, 32, 32 },
	{ "0.9 of 40 (resume)", 0.9, 40, 36, 36 },
	{ "1.0 of 40", 1.0, 40, 40, 40 },
	{ "0.8 of 25", 0.8, 25, 20, 20 },
	{ "0.5 of 25", 0.5, 25, 13, 12 },
	{ "0.9 of 2000", 0.9, 2000, 1800, 1800 },
	{ "0.07 of 100 (double 7.000000000000001)", 0.07, 100, 7, 7 },
	{ "0.29 of 100 (double 28.999999999999996)", 0.29, 100, 29, 29 },
	{ "0.57 of 100 (double 56.99999999999999)", 0.57, 100, 57, 57 },
	{ "tiny fraction rounds up to one person", 0.001, 40, 1, 0 },
	{ "0.5 of 1", 0.5, 1, 1, 0 },
	{ "0.9 of 1", 0.9, 1, 1, 0 },
	{ "1.0 of 1", 1.0, 1, 1, 1 },
	{ "zero fraction", 0.0, 40, 0, 0 },
	{ "capacity 0", 0.8, 0, 0, 0 },
	{ "over capacity fraction", 1.2, 40, 48, 48 },
	{ "real fraction of a large capacity", 0.8000001, 1000000000, 800000100, 800000100 },
	{ "just above a whole number stays above", 0.8000000001, 1000000000, 800000001, 800000000 },
};

static void levels_change_exactly_at_each_threshold(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(level_rows) / sizeof(level_rows[0]); i++) {
		const struct level_row *r = &level_rows[i];
		enum hc_level got = hc_level_for(r->occupancy, r->capacity, r->t);
		if (got != r->want)
			fail_msg("%s: occupancy %lld of capacity %lld: level %d, want %d", r->name,
				 (long long)r->occupancy, (long long)r->capacity, (int)got,
				 (int)r->want);
	}
}

static void threshold_people_round_whole_products_exactly(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(people_rows) / sizeof(people_rows[0]); i++) {
		const struct people_row *r = &people_rows[i];
		int64_t got_ceil = hc_threshold_people(r->fraction, r->capacity);
		int64_t got_floor = hc_threshold_people_floor(r->fraction, r->capacity);
		if (got_ceil != r->want_ceil)
			fail_msg("%s: ceil(%.10g x %lld) = %lld, want %lld", r->name, r->fraction,
				 (long long)r->capacity, (long long)got_ceil,
				 (long long)r->want_ceil);
		if (got_floor != r->want_floor)
			fail_msg("%s: floor(%.10g x %lld) = %lld, want %lld", r->name, r->fraction,
				 (long long)r->capacity, (long long)got_floor,
				 (long long)r->want_floor);
	}
}

/* Walking the occupancy up one person at a time never skips a level
 * and never goes down: the levels are monotonic in occupancy. */
static void levels_never_fall_as_occupancy_rises(void **state)
{
	(void)state;
	const int64_t capacities[] = { 1, 7, 25, 40, 333, 2000 };
	for (size_t k = 0; k < sizeof(capacities) / sizeof(capacities[0]); k++) {
		enum hc_level prev = HC_LEVEL_LOW;
		for (int64_t occ = 0; occ <= capacities[k] * 2; occ++) {
			enum hc_level got = hc_level_for(occ, capacities[k], &defaults);
			assert_true(got >= prev);
			prev = got;
		}
		assert_int_equal(prev, HC_LEVEL_FULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(levels_change_exactly_at_each_threshold),
		cmocka_unit_test(threshold_people_round_whole_products_exactly),
		cmocka_unit_test(levels_never_fall_as_occupancy_rises),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
