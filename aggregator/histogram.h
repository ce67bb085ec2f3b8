/*
 * histogram.h — a fixed-bucket latency histogram (pure: no clock).
 *
 * Used for the commit latency that /metrics exposes in the Prometheus
 * histogram form: cumulative counts per upper bound, a count and a sum.
 * Bounds are fixed at compile time so an observation is a short scan and
 * the memory never grows, however long the festival day.
 */
#ifndef HC_HISTOGRAM_H
#define HC_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

/* Upper bounds in microseconds; observations above the last go to +Inf. */
#define HC_HISTOGRAM_BOUNDS_US                                                                    \
	{                                                                                         \
		250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, \
			2500000, 5000000                                                          \
	}
#define HC_HISTOGRAM_BUCKETS 14

struct hc_histogram {
	uint64_t bucket[HC_HISTOGRAM_BUCKETS + 1]; /* non-cumulative; last: +Inf */
	uint64_t count;
	int64_t sum_us;
};

/* The upper bound of bucket i (0 <= i < HC_HISTOGRAM_BUCKETS), in us. */
int64_t hc_histogram_bound_us(size_t i);

/* Counts one observation (negative values count as 0). */
void hc_histogram_observe(struct hc_histogram *h, int64_t value_us);

/* Observations <= bucket i's bound (i == HC_HISTOGRAM_BUCKETS: all). */
uint64_t hc_histogram_cumulative(const struct hc_histogram *h, size_t i);

#endif
