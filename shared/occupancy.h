/*
 * occupancy.h — the one rule that turns door counts into occupancy.
 *
 * occupancy = max(0, entered - exited): more exits than entries (a door
 * counted someone twice on the way out, a correction) shows an empty
 * area, never a negative one, while the raw sums are kept and shown as
 * they are. Every part that derives an occupancy — the aggregator's
 * venue state and corrections, the terminal's shown figure, the
 * dashboard — calls this function, so the rule lives in one place.
 *
 * Relies on: nothing but <stdint.h>; no JSON, no clock, no I/O.
 * Promises: never negative; entered - exited when that is not.
 */
#ifndef HC_SHARED_OCCUPANCY_H
#define HC_SHARED_OCCUPANCY_H

#include <stdint.h>

/* max(0, entered - exited). Both are totals of people, never overflowing
 * int64_t in practice (a door counts far below 2^62). */
static inline int64_t hc_occupancy(int64_t entered, int64_t exited)
{
	return entered > exited ? entered - exited : 0;
}

#endif
