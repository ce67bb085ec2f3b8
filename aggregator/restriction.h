/*
 * restriction.h — the entry-restriction state machine (pure).
 *
 * docs/design.md invariant 5. Automatic: entry closes when occupancy reaches
 * restrict_at x capacity; it reopens only when occupancy is at or below
 * resume_at x capacity AND hold_ms has passed since it closed. A
 * supervisor override (force closed / force open) wins until released
 * back to automatic; on release the automatic state is re-evaluated at
 * once. Time is an argument, so tests and the simulator drive it.
 */
#ifndef HC_RESTRICTION_H
#define HC_RESTRICTION_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/config.h"

enum hc_override {
	HC_OVERRIDE_AUTO,
	HC_OVERRIDE_FORCE_CLOSED,
	HC_OVERRIDE_FORCE_OPEN,
};

struct hc_restriction {
	bool restricted;       /* effective state shown at the doors */
	bool auto_restricted;  /* what the thresholds alone say */
	int64_t auto_since_ms; /* when auto_restricted last became true */
	enum hc_override override;
	bool hold_expired; /* step() saw now - auto_since_ms >= hold_ms
	                              * (so no deadline is pending) */
};

/* "auto", "closed", "open"; and back. */
const char *hc_override_name(enum hc_override o);
bool hc_override_parse(const char *name, enum hc_override *out);

/* Starts open and automatic. */
void hc_restriction_init(struct hc_restriction *r);

/* Re-evaluates with the current occupancy and time. Returns true when
 * the effective state (restricted) changed. */
bool hc_restriction_step(struct hc_restriction *r, int64_t occupancy, int64_t capacity,
			 const struct hc_thresholds *t, int64_t now_ms);

/* Sets or releases an override, then re-evaluates like step(). */
bool hc_restriction_override(struct hc_restriction *r, enum hc_override o, int64_t occupancy,
			     int64_t capacity, const struct hc_thresholds *t, int64_t now_ms);

/* Earliest time at which step() could change the state without a new
 * count (the hold expiring), or INT64_MAX when nothing is waiting:
 * auto_since_ms + hold_ms while auto-restricted and the last step() was
 * before the hold expired. Also reported during an override, since the
 * automatic state keeps being tracked underneath it. */
int64_t hc_restriction_deadline_ms(const struct hc_restriction *r, const struct hc_thresholds *t);

#endif
