/*
 * config_thresholds.c — the threshold and capacity rules (config.h) and
 * the threshold keys of [venue], [area] and [group].
 *
 * The rules (ranges, order) are functions declared in config.h, so the
 * aggregator's set_thresholds command accepts exactly what a config file
 * may say. An area or group inherits every threshold it does not give
 * from [venue]; an ordering fault is blamed on the later of the two keys
 * as given in that section, else in [venue].
 */
#include "shared/config_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The thresholds struct the current section's threshold keys write. */
struct hc_thresholds *config_current_thresholds(struct loader *L)
{
	switch (L->kind) {
	case SEC_VENUE: return &L->cfg->thresholds;
	case SEC_AREA: return &L->cfg->areas[L->index].thresholds;
	case SEC_GROUP: return &L->cfg->groups[L->index].thresholds;
	default: return NULL;
	}
}

_Static_assert(K_HOLD - K_MODERATE == HC_THRESHOLD_HOLD - HC_THRESHOLD_MODERATE,
	       "threshold keys in the same order as enum hc_threshold_key");

static const char *const threshold_names[HC_THRESHOLD_KEY_COUNT] = {
	[HC_THRESHOLD_MODERATE] = "moderate_at", [HC_THRESHOLD_CROWDED] = "crowded_at",
	[HC_THRESHOLD_FULL] = "full_at",	 [HC_THRESHOLD_RESTRICT] = "restrict_at",
	[HC_THRESHOLD_RESUME] = "resume_at",	 [HC_THRESHOLD_HOLD] = "hold_s",
};

const char *hc_threshold_key_name(enum hc_threshold_key k)
{
	return k < HC_THRESHOLD_KEY_COUNT ? threshold_names[k] : "?";
}

bool hc_threshold_key_parse(const char *name, enum hc_threshold_key *out)
{
	for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++) {
		if (strcmp(name, threshold_names[k]) == 0) {
			*out = (enum hc_threshold_key)k;
			return true;
		}
	}
	return false;
}

bool hc_threshold_set(struct hc_thresholds *t, enum hc_threshold_key k, double value,
		      const char **range)
{
	bool resume = k == HC_THRESHOLD_RESUME;
	if (k == HC_THRESHOLD_HOLD) {
		*range = "an integer 0..86400";
		if (!isfinite(value) || value != floor(value) || value < 0 || value > HOLD_S_MAX)
			return false;
		t->hold_ms = (int64_t)value * 1000;
		return true;
	}
	*range = resume ? "a number >= 0 and <= 10" : "a number > 0 and <= 10";
	if (!isfinite(value) || (resume ? value < 0 : value <= 0) || value > THRESHOLD_FRACTION_MAX)
		return false;
	switch (k) {
	case HC_THRESHOLD_MODERATE: t->moderate_at = value; break;
	case HC_THRESHOLD_CROWDED: t->crowded_at = value; break;
	case HC_THRESHOLD_FULL: t->full_at = value; break;
	case HC_THRESHOLD_RESTRICT: t->restrict_at = value; break;
	case HC_THRESHOLD_RESUME: t->resume_at = value; break;
	default: return false;
	}
	return true;
}

double hc_threshold_get(const struct hc_thresholds *t, enum hc_threshold_key k)
{
	switch (k) {
	case HC_THRESHOLD_MODERATE: return t->moderate_at;
	case HC_THRESHOLD_CROWDED: return t->crowded_at;
	case HC_THRESHOLD_FULL: return t->full_at;
	case HC_THRESHOLD_RESTRICT: return t->restrict_at;
	case HC_THRESHOLD_RESUME: return t->resume_at;
	case HC_THRESHOLD_HOLD: return (double)(t->hold_ms / 1000);
	default: return 0;
	}
}

int hc_thresholds_order_faults(const struct hc_thresholds *t, struct hc_threshold_fault faults[3])
{
	int n = 0;
	if (t->moderate_at > t->crowded_at) {
		faults[n] = (struct hc_threshold_fault){ HC_THRESHOLD_MODERATE,
							 HC_THRESHOLD_CROWDED, "" };
		snprintf(faults[n++].message, sizeof faults[0].message,
			 "moderate_at (%g) must be <= crowded_at (%g)", t->moderate_at,
			 t->crowded_at);
	}
	if (t->crowded_at > t->full_at) {
		faults[n] = (struct hc_threshold_fault){ HC_THRESHOLD_CROWDED, HC_THRESHOLD_FULL,
							 "" };
		snprintf(faults[n++].message, sizeof faults[0].message,
			 "crowded_at (%g) must be <= full_at (%g)", t->crowded_at, t->full_at);
	}
	if (t->resume_at >= t->restrict_at) {
		faults[n] = (struct hc_threshold_fault){ HC_THRESHOLD_RESUME, HC_THRESHOLD_RESTRICT,
							 "" };
		snprintf(faults[n++].message, sizeof faults[0].message,
			 "resume_at (%g) must be < restrict_at (%g)", t->resume_at, t->restrict_at);
	}
	return n;
}

bool hc_capacity_valid(bool is_group, int64_t capacity, const char **range)
{
	*range = is_group ? "an integer 1..256000000" : "an integer 1..1000000";
	return capacity >= 1 &&
	       capacity <= (is_group ? (int64_t)HC_GROUP_CAPACITY_MAX : HC_AREA_CAPACITY_MAX);
}

/* Applies one threshold key given as text; false with the range set. A
 * fraction must be a finite number and hold_s an integer before the
 * shared range check. */
bool config_apply_threshold(struct hc_thresholds *t, enum key k, const char *value,
			    const char **range)
{
	enum hc_threshold_key tk = (enum hc_threshold_key)(k - K_MODERATE);
	double number;
	int64_t whole;
	hc_threshold_set(t, tk, -1, range); /* sets the range text only */
	if (tk == HC_THRESHOLD_HOLD) {
		if (!config_parse_int(value, INT64_MIN, INT64_MAX, &whole) || whole < 0 ||
		    whole > HOLD_S_MAX)
			return false;
		number = (double)whole;
	} else if (!config_parse_number(value, -HUGE_VAL, false, HUGE_VAL, &number)) {
		return false;
	}
	return hc_threshold_set(t, tk, number, range);
}

/* Fills every threshold of t not given in own (line 0) from the venue. */
void config_inherit_thresholds(struct hc_thresholds *t, const struct key_lines *own,
			       const struct hc_thresholds *venue)
{
	if (!own->line[K_MODERATE])
		t->moderate_at = venue->moderate_at;
	if (!own->line[K_CROWDED])
		t->crowded_at = venue->crowded_at;
	if (!own->line[K_FULL])
		t->full_at = venue->full_at;
	if (!own->line[K_RESTRICT])
		t->restrict_at = venue->restrict_at;
	if (!own->line[K_RESUME])
		t->resume_at = venue->resume_at;
	if (!own->line[K_HOLD])
		t->hold_ms = venue->hold_ms;
}

/* Line to blame for an ordering fault between keys a and b: the later of
 * the two as given in this section, else as given in [venue]. */
static int blame_line(const struct loader *L, const struct key_lines *own, enum key a, enum key b)
{
	int own_line = own->line[a] > own->line[b] ? own->line[a] : own->line[b];
	if (own_line != 0)
		return own_line;
	const struct key_lines *v = &L->venue_keys;
	return v->line[a] > v->line[b] ? v->line[a] : v->line[b];
}

/* Checks the order of one resolved threshold set. */
void config_check_threshold_order(struct loader *L, const char *label,
				  const struct hc_thresholds *t, const struct key_lines *own)
{
	struct hc_threshold_fault faults[3];
	int n = hc_thresholds_order_faults(t, faults);
	for (int i = 0; i < n; i++)
		config_error_at(L,
				blame_line(L, own, (enum key)(K_MODERATE + faults[i].a),
					   (enum key)(K_MODERATE + faults[i].b)),
				"%s: %s", label, faults[i].message);
}
