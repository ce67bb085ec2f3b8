/*
 * histogram.c — fixed-bucket latency histogram (see histogram.h).
 */
#include "aggregator/histogram.h"

#include <assert.h>

static const int64_t bounds_us[HC_HISTOGRAM_BUCKETS] = HC_HISTOGRAM_BOUNDS_US;

int64_t hc_histogram_bound_us(size_t i)
{
	assert(i < HC_HISTOGRAM_BUCKETS);
	return bounds_us[i];
}

void hc_histogram_observe(struct hc_histogram *h, int64_t value_us)
{
	if (value_us < 0)
		value_us = 0;
	size_t i = 0;
	while (i < HC_HISTOGRAM_BUCKETS && value_us > bounds_us[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum_us += value_us;
}

uint64_t hc_histogram_cumulative(const struct hc_histogram *h, size_t i)
{
	assert(i <= HC_HISTOGRAM_BUCKETS);
	uint64_t n = 0;
	for (size_t k = 0; k <= i; k++)
		n += h->bucket[k];
	return n;
}
