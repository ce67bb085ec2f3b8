/*
 * ttf.c — time to full (see ttf.h): a least-squares slope of occupancy
 * over the recent window, turned into minutes to capacity.
 *
 * Relies on nothing but libm. Promises: the result depends only on the
 * arguments; an already full area is FULL whatever the flow.
 */
#include "aggregator/dashboard/ttf.h"

#include <math.h>
#include <stdio.h>

struct hc_ttf hc_ttf_estimate(const struct hc_ttf_sample *samples, size_t n, int64_t capacity,
			      int64_t now_ms, int64_t window_ms)
{
	struct hc_ttf r = { .kind = HC_TTF_UNKNOWN, .minutes = 0, .per_min = 0 };
	if (n == 0)
		return r;
	int64_t occ_now = samples[n - 1].occupancy;
	if (capacity > 0 && occ_now >= capacity) {
		r.kind = HC_TTF_FULL;
		return r;
	}
	/* Least squares over the samples in the window, times in minutes
	 * relative to the newest (keeps the sums small and exact enough). */
	int64_t t_last = samples[n - 1].t_ms;
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	size_t used = 0;
	int64_t t_first = t_last;
	for (size_t i = 0; i < n; i++) {
		if (samples[i].t_ms < now_ms - window_ms)
			continue;
		double x = (double)(samples[i].t_ms - t_last) / 60000.0;
		double y = (double)samples[i].occupancy;
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
		used++;
		if (samples[i].t_ms < t_first)
			t_first = samples[i].t_ms;
	}
	if (used < 2 || t_last - t_first < HC_TTF_SPAN_MS_MIN)
		return r;
	double denom = (double)used * sxx - sx * sx;
	if (denom <= 0)
		return r;
	r.per_min = ((double)used * sxy - sx * sy) / denom;
	if (fabs(r.per_min) < HC_TTF_STEADY_PER_MIN) {
		r.kind = HC_TTF_STEADY;
		return r;
	}
	if (r.per_min < 0) {
		r.kind = HC_TTF_EMPTYING;
		return r;
	}
	if (capacity <= 0) {
		r.kind = HC_TTF_STEADY;
		return r;
	}
	double minutes = ceil((double)(capacity - occ_now) / r.per_min);
	if (minutes > HC_TTF_MINUTES_MAX) {
		r.kind = HC_TTF_STEADY;
		return r;
	}
	r.kind = HC_TTF_FILLING;
	r.minutes = minutes < 1 ? 1 : (int64_t)minutes;
	return r;
}

void hc_ttf_text(const struct hc_ttf *t, char *out, size_t cap)
{
	switch (t->kind) {
	case HC_TTF_FULL: snprintf(out, cap, "FULL"); break;
	case HC_TTF_FILLING: snprintf(out, cap, "full in ~%lld min", (long long)t->minutes); break;
	case HC_TTF_EMPTYING: snprintf(out, cap, "emptying"); break;
	case HC_TTF_STEADY: snprintf(out, cap, "steady"); break;
	default: snprintf(out, cap, "-"); break;
	}
}
