/*
 * levels.c — congestion level of an area or group (pure).
 *
 * Turns threshold fractions (shared/config.h struct hc_thresholds) into
 * whole people and an occupancy into a level. Relies only on libm.
 * Promises: the result depends on occupancy, capacity and thresholds alone;
 * a fraction times a capacity that is a whole number on paper is that whole
 * number here (0.07 x 100 = 7 people, although the double product is
 * 7.000000000000001), so the doors never disagree with the venue plan by
 * one person. docs/congestion.md explains the levels with worked examples.
 */
#include "aggregator/levels.h"

#include <assert.h>
#include <math.h>

/* A product this close (relative) to a whole number is that number.
 * Storing the fraction and rounding the product each err by at most
 * 2^-53 relative (~1e-16), so 1e-12 covers rounding with a wide margin
 * while a fraction written with up to ~10 significant digits is never
 * mistaken for a whole number of people. */
#define PRODUCT_TOLERANCE_REL 1e-12

/* Largest people count a threshold may come to; keeps the conversion from
 * double to int64_t defined for absurd fractions. */
#define PEOPLE_MAX ((double)INT64_MAX / 2.0)

/* fraction x capacity, snapped to the nearest whole number when it is
 * within PRODUCT_TOLERANCE_REL (relative) of it. */
static double snapped_product(double fraction, int64_t capacity)
{
	double product = fraction * (double)capacity;
	double nearest = nearbyint(product);
	double tolerance = PRODUCT_TOLERANCE_REL * fmax(1.0, fabs(product));

	if (fabs(product - nearest) <= tolerance)
		return nearest;
	return product;
}

/* Clamps a whole-valued double into [0, PEOPLE_MAX] and converts it. */
static int64_t people_from_double(double people)
{
	if (people <= 0.0)
		return 0;
	if (people >= PEOPLE_MAX)
		return (int64_t)PEOPLE_MAX;
	return (int64_t)people;
}

int64_t hc_threshold_people(double fraction, int64_t capacity)
{
	assert(capacity >= 0);
	assert(!isnan(fraction));

	if (capacity == 0 || fraction <= 0.0)
		return 0;
	int64_t people = people_from_double(ceil(snapped_product(fraction, capacity)));
	if (people < 1)
		people = 1;
	assert(people >= 1);
	return people;
}

int64_t hc_threshold_people_floor(double fraction, int64_t capacity)
{
	assert(capacity >= 0);
	assert(!isnan(fraction));

	if (capacity == 0 || fraction <= 0.0)
		return 0;
	int64_t people = people_from_double(floor(snapped_product(fraction, capacity)));
	assert(people >= 0);
	return people;
}

enum hc_level hc_level_for(int64_t occupancy, int64_t capacity, const struct hc_thresholds *t)
{
	assert(t != NULL);
	assert(occupancy >= 0);
	assert(capacity >= 0);

	if (capacity == 0)
		return HC_LEVEL_LOW;
	if (occupancy >= hc_threshold_people(t->full_at, capacity))
		return HC_LEVEL_FULL;
	if (occupancy >= hc_threshold_people(t->crowded_at, capacity))
		return HC_LEVEL_CROWDED;
	if (occupancy >= hc_threshold_people(t->moderate_at, capacity))
		return HC_LEVEL_MODERATE;
	return HC_LEVEL_LOW;
}
