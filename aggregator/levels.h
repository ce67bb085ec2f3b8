/*
 * levels.h — congestion level of an area or group (pure).
 *
 * A level is a function of occupancy and capacity only: low below
 * moderate_at, then moderate, crowded, and full at or above full_at, each
 * a fraction of capacity (shared/config.h struct hc_thresholds). Fractions
 * become people with hc_threshold_people(), so "80 % of 25" is 20.
 */
#ifndef HC_LEVELS_H
#define HC_LEVELS_H

#include <stdint.h>

#include "shared/config.h"
#include "shared/types.h"

/* ceil(fraction x capacity), at least 1 for a positive fraction and a
 * positive capacity; 0 when either is 0. A product within 1e-12 (relative)
 * of a whole number counts as that number, so 0.07 x 100 (the double
 * 7.000000000000001) is 7 people, not 8. */
int64_t hc_threshold_people(double fraction, int64_t capacity);

/* floor(fraction x capacity) with the same tolerance (0.9 x 40 is 36):
 * the resume threshold, "reopen at or below this many people". */
int64_t hc_threshold_people_floor(double fraction, int64_t capacity);

/* The level for this occupancy. A capacity of 0 means unlimited: low. */
enum hc_level hc_level_for(int64_t occupancy, int64_t capacity, const struct hc_thresholds *t);

#endif
