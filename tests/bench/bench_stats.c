/*
 * bench_stats.c — bounded sample arrays and their percentiles.
 *
 * Relies on: nothing but libc and jansson.
 *
 * Promises: memory is fixed at init (a sample beyond the capacity is
 * counted as dropped, never stored, so a long run cannot grow without
 * bound); percentiles are nearest-rank over the sorted samples, so p99 is
 * a value that was actually observed.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "tests/bench/bench.h"

bool bench_samples_init(struct bench_samples *s, size_t cap)
{
	memset(s, 0, sizeof *s);
	s->values = malloc((cap ? cap : 1) * sizeof *s->values);
	if (s->values == NULL) {
		hc_error("bench: out of memory for %zu samples", cap);
		return false;
	}
	s->cap = cap;
	return true;
}

void bench_samples_free(struct bench_samples *s)
{
	free(s->values);
	memset(s, 0, sizeof *s);
}

void bench_samples_add(struct bench_samples *s, int64_t value)
{
	if (s->len < s->cap)
		s->values[s->len++] = value;
	else
		s->dropped++;
}

static int compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank percentile p (0..100) of n sorted values. */
static int64_t nearest_rank(const int64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

struct bench_summary bench_samples_summarize(struct bench_samples *s)
{
	struct bench_summary sum;
	memset(&sum, 0, sizeof sum);
	if (s->len == 0)
		return sum;
	qsort(s->values, s->len, sizeof *s->values, compare_int64);
	double total = 0;
	for (size_t i = 0; i < s->len; i++)
		total += (double)s->values[i];
	sum.count = s->len;
	sum.min = s->values[0];
	sum.max = s->values[s->len - 1];
	sum.p50 = nearest_rank(s->values, s->len, 50);
	sum.p90 = nearest_rank(s->values, s->len, 90);
	sum.p99 = nearest_rank(s->values, s->len, 99);
	sum.mean = total / (double)s->len;
	return sum;
}

json_t *bench_summary_json(const struct bench_summary *sum, double scale)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)sum->count,
			 "min", (double)sum->min / scale, "p50", (double)sum->p50 / scale, "p90",
			 (double)sum->p90 / scale, "p99", (double)sum->p99 / scale, "max",
			 (double)sum->max / scale, "mean", sum->mean / scale);
}
