/*
 * ttf.h — time to full: when will an area fill up at the net inflow of
 * the last few minutes (pure).
 *
 * What lives here: one function that takes occupancy samples (time,
 * people) and the capacity, fits the net inflow over a window by least
 * squares (so a noisy flow of bursts and pauses gives its trend, not its
 * last wiggle), and says "full in ~N min", "emptying", "steady",
 * "full" or "unknown" (too little history). No clocks: now is an
 * argument. The dashboard shows the answer beside each area.
 */
#ifndef HC_DASH_TTF_H
#define HC_DASH_TTF_H

#include <stddef.h>
#include <stdint.h>

/* The inflow is fitted over this much history, and needs at least
 * HC_TTF_SPAN_MS_MIN of it between the oldest and newest sample used. */
#define HC_TTF_WINDOW_MS_DEFAULT (5 * 60 * 1000)
#define HC_TTF_SPAN_MS_MIN (30 * 1000)
/* A net flow slower than this (people per minute, either way) is steady. */
#define HC_TTF_STEADY_PER_MIN 0.2
/* Further away than this is shown as steady, not as "full in ~3000 min". */
#define HC_TTF_MINUTES_MAX (12 * 60)

struct hc_ttf_sample {
	int64_t t_ms;
	int64_t occupancy;
};

enum hc_ttf_kind {
	HC_TTF_UNKNOWN,	 /* not enough history yet */
	HC_TTF_FULL,	 /* at or over capacity already */
	HC_TTF_FILLING,	 /* minutes says when */
	HC_TTF_EMPTYING, /* net outflow */
	HC_TTF_STEADY,	 /* no net flow worth a forecast */
};

struct hc_ttf {
	enum hc_ttf_kind kind;
	int64_t minutes; /* FILLING: whole minutes, rounded up, >= 1 */
	double per_min;	 /* fitted net flow, people per minute */
};

/* samples oldest first; those older than now_ms - window_ms are ignored.
 * capacity <= 0 means unlimited (never full). */
struct hc_ttf hc_ttf_estimate(const struct hc_ttf_sample *samples, size_t n, int64_t capacity,
			      int64_t now_ms, int64_t window_ms);

/* "full in ~12 min", "emptying", "steady", "FULL", "-" into out. */
void hc_ttf_text(const struct hc_ttf *t, char *out, size_t cap);

#endif
