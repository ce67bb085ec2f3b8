/*
 * restriction.c — the entry-restriction state machine (pure).
 *
 * docs/design.md invariant 5: restriction has hysteresis. Relies on levels.c
 * to turn threshold fractions into people. Promises, for every call:
 *   - automatic closing happens at occupancy >= ceil(restrict_at x cap);
 *   - automatic reopening needs BOTH occupancy <= floor(resume_at x cap)
 *     AND hold_ms elapsed since it closed, so one person leaving and
 *     coming back never makes the gate flap;
 *   - the automatic state is tracked even under an override, so releasing
 *     the override applies it at once, hold clock included;
 *   - an override wins: force closed is restricted, force open is not;
 *   - capacity 0 means unlimited: never restricted automatically.
 * No clocks: now_ms is an argument (any monotonic millisecond clock).
 * docs/congestion.md walks through examples.
 */
#include "aggregator/restriction.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "aggregator/levels.h"

static const char *const override_names[] = {
	[HC_OVERRIDE_AUTO] = "auto",
	[HC_OVERRIDE_FORCE_CLOSED] = "closed",
	[HC_OVERRIDE_FORCE_OPEN] = "open",
};

#define OVERRIDE_COUNT (sizeof(override_names) / sizeof(override_names[0]))

const char *hc_override_name(enum hc_override o)
{
	if ((size_t)o >= OVERRIDE_COUNT)
		return "unknown";
	return override_names[o];
}

bool hc_override_parse(const char *name, enum hc_override *out)
{
	assert(out != NULL);
	if (name == NULL)
		return false;
	for (size_t i = 0; i < OVERRIDE_COUNT; i++) {
		if (strcmp(name, override_names[i]) == 0) {
			*out = (enum hc_override)i;
			return true;
		}
	}
	return false;
}

void hc_restriction_init(struct hc_restriction *r)
{
	assert(r != NULL);
	memset(r, 0, sizeof(*r));
	r->restricted = false;
	r->auto_restricted = false;
	r->auto_since_ms = 0;
	r->override = HC_OVERRIDE_AUTO;
	r->hold_expired = false;
}

/* True once hold_ms has passed since the automatic restriction began.
 * A clock that went backwards (now before auto_since_ms) has not passed
 * the hold. */
static bool hold_has_passed(const struct hc_restriction *r, int64_t hold_ms, int64_t now_ms)
{
	if (now_ms < r->auto_since_ms)
		return false;
	return now_ms - r->auto_since_ms >= hold_ms;
}

/* Advances the automatic state (what the thresholds alone say). */
static void step_automatic(struct hc_restriction *r, int64_t occupancy, int64_t capacity,
			   const struct hc_thresholds *t, int64_t now_ms)
{
	if (capacity == 0) {
		/* Unlimited: nothing to restrict, and no hold to honour. */
		r->auto_restricted = false;
		r->hold_expired = false;
		return;
	}
	if (r->auto_restricted) {
		bool held = hold_has_passed(r, t->hold_ms, now_ms);
		r->hold_expired = held;
		if (held && occupancy <= hc_threshold_people_floor(t->resume_at, capacity)) {
			r->auto_restricted = false;
			r->hold_expired = false;
		}
	}
	/* Checked after a reopening too: with resume_at >= restrict_at (a
	 * config that should not exist) the gate must still never stand open
	 * at or over the restrict threshold; it closes again with a new hold. */
	if (!r->auto_restricted && occupancy >= hc_threshold_people(t->restrict_at, capacity)) {
		r->auto_restricted = true;
		r->auto_since_ms = now_ms;
		r->hold_expired = hold_has_passed(r, t->hold_ms, now_ms);
	}
}

/* The state shown at the doors: the override's, or the automatic one. */
static bool effective_state(const struct hc_restriction *r)
{
	switch (r->override) {
	case HC_OVERRIDE_FORCE_CLOSED: return true;
	case HC_OVERRIDE_FORCE_OPEN: return false;
	case HC_OVERRIDE_AUTO: break;
	}
	return r->auto_restricted;
}

bool hc_restriction_step(struct hc_restriction *r, int64_t occupancy, int64_t capacity,
			 const struct hc_thresholds *t, int64_t now_ms)
{
	assert(r != NULL);
	assert(t != NULL);
	assert(occupancy >= 0);
	assert(capacity >= 0);
	assert(t->hold_ms >= 0);
	assert((size_t)r->override < OVERRIDE_COUNT);

	bool was_restricted = r->restricted;
	step_automatic(r, occupancy, capacity, t, now_ms);
	r->restricted = effective_state(r);

	assert(capacity > 0 || !r->auto_restricted);
	assert(!r->hold_expired || r->auto_restricted);
	return r->restricted != was_restricted;
}

bool hc_restriction_override(struct hc_restriction *r, enum hc_override o, int64_t occupancy,
			     int64_t capacity, const struct hc_thresholds *t, int64_t now_ms)
{
	assert(r != NULL);
	assert((size_t)o < OVERRIDE_COUNT);
	r->override = o;
	return hc_restriction_step(r, occupancy, capacity, t, now_ms);
}

int64_t hc_restriction_deadline_ms(const struct hc_restriction *r, const struct hc_thresholds *t)
{
	assert(r != NULL);
	assert(t != NULL);
	assert(t->hold_ms >= 0);

	if (!r->auto_restricted || r->hold_expired)
		return INT64_MAX;
	if (r->auto_since_ms > INT64_MAX - t->hold_ms)
		return INT64_MAX;
	return r->auto_since_ms + t->hold_ms;
}
