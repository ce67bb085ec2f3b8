/*
 * test_restriction_transitions.c — every transition of the entry gate.
 *
 * Property (docs/design.md invariant 5): entry closes at ceil(restrict_at x cap)
 * people; reopens only at or below floor(resume_at x cap) AND after hold_ms;
 * an override wins until released to automatic; the automatic state and its
 * hold clock keep running under an override; thresholds changed while
 * closed apply at the next step; the deadline is when the hold expires.
 *
 * Each table row names a case: a starting state, thresholds, then up to
 * MAX_STEPS actions (step, or set an override), each with the occupancy,
 * capacity and time it runs at and what must hold afterwards: effective
 * restriction, whether the call reported a change, and the deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/restriction.h"

#define NONE INT64_MAX /* no deadline pending */
#define MAX_STEPS 16

/* Venue defaults: with capacity 40 restrict at 40, resume at 36, 60 s. */
static const struct hc_thresholds defaults = {
	.moderate_at = 0.5,
	.crowded_at = 0.8,
	.full_at = 1.0,
	.restrict_at = 1.0,
	.resume_at = 0.9,
	.hold_ms = 60000,
};

static const struct hc_thresholds no_hold = {
	.moderate_at = 0.5,
	.crowded_at = 0.8,
	.full_at = 1.0,
	.restrict_at = 1.0,
	.resume_at = 0.9,
	.hold_ms = 0,
};

/* Reconfigured: resume raised to 0.95 (38 of 40), hold shortened. */
static const struct hc_thresholds resume_raised = {
	.moderate_at = 0.5,
	.crowded_at = 0.8,
	.full_at = 1.0,
	.restrict_at = 1.0,
	.resume_at = 0.95,
	.hold_ms = 30000,
};

/* Reconfigured: restrict lowered to 0.75 (30 of 40). */
static const struct hc_thresholds restrict_lowered = {
	.moderate_at = 0.5,
	.crowded_at = 0.6,
	.full_at = 0.75,
	.restrict_at = 0.75,
	.resume_at = 0.6,
	.hold_ms = 60000,
};

enum action { END = 0, STEP, SET_AUTO, SET_CLOSED, SET_OPEN };

struct step_row {
	enum action action;
	int64_t occupancy;
	int64_t capacity;
	int64_t now_ms;
	const struct hc_thresholds *t; /* NULL: the case's thresholds */
	bool want_restricted;
	bool want_changed;
	int64_t want_deadline_ms;
};

struct case_row {
	const char *name;
	struct hc_restriction start;
	const struct hc_thresholds *t;
	struct step_row steps[MAX_STEPS];
};

/* Starting states. */
#define OPEN                                                                       \
	{                                                                          \
		.restricted = false, .auto_restricted = false, .auto_since_ms = 0, \
		.override = HC_OVERRIDE_AUTO, .hold_expired = false                \
	}
#define CLOSED_SINCE(ms)                                                            \
	{                                                                           \
		.restricted = true, .auto_restricted = true, .auto_since_ms = (ms), \
		.override = HC_OVERRIDE_AUTO, .hold_expired = false                 \
	}

static const struct case_row cases[] = {
	{ "open stays open one below restrict",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 39, 40, 1000, NULL, false, false, NONE },
	  } },
	{ "closes at exactly restrict",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 40, 40, 1000, NULL, true, true, 61000 },
	  } },
	{ "closes when a batch jumps over restrict",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 55, 40, 1000, NULL, true, true, 61000 },
	  } },
	{ "stays closed at resume+1 after hold",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 37, 40, 120000, NULL, true, false, NONE },
	  } },
	{ "stays closed at resume before hold",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 36, 40, 59999, NULL, true, false, 60000 },
	  } },
	{ "reopens at resume exactly when hold passes",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 36, 40, 60000, NULL, false, true, NONE },
	  } },
	{ "reopens well below after hold",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 3, 40, 90000, NULL, false, true, NONE },
	  } },
	{ "empty before hold stays closed until the deadline",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 0, 40, 10000, NULL, true, false, 60000 },
		  { STEP, 0, 40, 59999, NULL, true, false, 60000 },
		  { STEP, 0, 40, 60000, NULL, false, true, NONE },
	  } },
	{ "stays closed at restrict long after hold",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 40, 40, 200000, NULL, true, false, NONE },
	  } },
	{ "flapping one person around restrict does not reopen",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 39, 40, 0, NULL, false, false, NONE },
		  { STEP, 40, 40, 1000, NULL, true, true, 61000 },
		  { STEP, 39, 40, 2000, NULL, true, false, 61000 },
		  { STEP, 40, 40, 3000, NULL, true, false, 61000 },
		  { STEP, 39, 40, 4000, NULL, true, false, 61000 },
		  { STEP, 39, 40, 120000, NULL, true, false, NONE },
		  { STEP, 37, 40, 121000, NULL, true, false, NONE },
		  { STEP, 36, 40, 122000, NULL, false, true, NONE },
	  } },
	{ "hold counts from the first close, not from re-touching restrict",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 40, 40, 0, NULL, true, true, 60000 },
		  { STEP, 41, 40, 50000, NULL, true, false, 60000 },
		  { STEP, 30, 40, 60000, NULL, false, true, NONE },
	  } },
	{ "force closed while empty",
	  OPEN,
	  &defaults,
	  {
		  { SET_CLOSED, 0, 40, 1000, NULL, true, true, NONE },
		  { STEP, 0, 40, 500000, NULL, true, false, NONE },
	  } },
	{ "force open while over",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 45, 40, 0, NULL, true, true, 60000 },
		  { SET_OPEN, 45, 40, 1000, NULL, false, true, 60000 },
		  { STEP, 80, 40, 2000, NULL, false, false, 60000 },
	  } },
	{ "force open before reaching restrict keeps tracking auto",
	  OPEN,
	  &defaults,
	  {
		  { SET_OPEN, 10, 40, 0, NULL, false, false, NONE },
		  { STEP, 40, 40, 5000, NULL, false, false, 65000 },
	  } },
	{ "release to auto closes at once when over",
	  OPEN,
	  &defaults,
	  {
		  { SET_OPEN, 45, 40, 0, NULL, false, false, 60000 },
		  { SET_AUTO, 45, 40, 1000, NULL, true, true, 60000 },
	  } },
	{ "release to auto opens at once when below and held",
	  OPEN,
	  &defaults,
	  {
		  { SET_CLOSED, 5, 40, 0, NULL, true, true, NONE },
		  { SET_AUTO, 5, 40, 1000, NULL, false, true, NONE },
	  } },
	{ "hold keeps counting during force closed",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 40, 40, 0, NULL, true, true, 60000 },
		  { SET_CLOSED, 40, 40, 1000, NULL, true, false, 60000 },
		  { STEP, 20, 40, 30000, NULL, true, false, 60000 },
		  { SET_AUTO, 20, 40, 61000, NULL, false, true, NONE },
	  } },
	{ "hold keeps counting during force open",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 40, 40, 0, NULL, true, true, 60000 },
		  { SET_OPEN, 40, 40, 1000, NULL, false, true, 60000 },
		  { SET_AUTO, 30, 40, 30000, NULL, true, true, 60000 },
		  { STEP, 30, 40, 60000, NULL, false, true, NONE },
	  } },
	{ "overriding to the state already shown reports no change",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { SET_CLOSED, 40, 40, 1000, NULL, true, false, 60000 },
		  { SET_CLOSED, 40, 40, 2000, NULL, true, false, 60000 },
	  } },
	{ "capacity raised while closed reopens once hold passed",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 40, 40, 30000, NULL, true, false, 60000 },
		  { STEP, 40, 50, 40000, NULL, true, false, 60000 },
		  { STEP, 40, 50, 60000, NULL, false, true, NONE },
	  } },
	{ "capacity lowered restricts at once",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 35, 40, 0, NULL, false, false, NONE },
		  { STEP, 35, 30, 1000, NULL, true, true, 61000 },
	  } },
	{ "resume raised and hold shortened while closed",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 38, 40, 30000, NULL, true, false, 60000 },
		  { STEP, 38, 40, 30000, &resume_raised, false, true, NONE },
	  } },
	{ "hold lengthened after it expired starts waiting again",
	  CLOSED_SINCE(0),
	  &resume_raised,
	  {
		  { STEP, 39, 40, 40000, NULL, true, false, NONE },
		  { STEP, 39, 40, 50000, &defaults, true, false, 60000 },
	  } },
	{ "restrict fraction lowered restricts at once",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 30, 40, 0, NULL, false, false, NONE },
		  { STEP, 30, 40, 1000, &restrict_lowered, true, true, 61000 },
	  } },
	{ "hold 0 closes with nothing to wait for",
	  OPEN,
	  &no_hold,
	  {
		  { STEP, 40, 40, 1000, NULL, true, true, NONE },
		  { STEP, 37, 40, 1000, NULL, true, false, NONE },
		  { STEP, 36, 40, 1000, NULL, false, true, NONE },
	  } },
	{ "capacity 0 never restricts",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 1000000, 0, 1000, NULL, false, false, NONE },
	  } },
	{ "capacity set to 0 while closed reopens at once",
	  CLOSED_SINCE(0),
	  &defaults,
	  {
		  { STEP, 50, 0, 1000, NULL, false, true, NONE },
	  } },
	{ "force closed applies with capacity 0",
	  OPEN,
	  &defaults,
	  {
		  { SET_CLOSED, 5, 0, 1000, NULL, true, true, NONE },
	  } },
	{ "clock going backwards does not pass the hold",
	  CLOSED_SINCE(100000),
	  &defaults,
	  {
		  { STEP, 0, 40, 50000, NULL, true, false, 160000 },
		  { STEP, 0, 40, 160000, NULL, false, true, NONE },
	  } },
	/* docs/congestion.md, the exhibition room (times from 10:00:00). */
	{ "docs: exhibition room of 40",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 0, 40, 0, NULL, false, false, NONE },
		  { STEP, 39, 40, 898000, NULL, false, false, NONE },
		  { STEP, 40, 40, 900000, NULL, true, true, 960000 },
		  { STEP, 39, 40, 910000, NULL, true, false, 960000 },
		  { STEP, 40, 40, 912000, NULL, true, false, 960000 },
		  { STEP, 36, 40, 940000, NULL, true, false, 960000 },
		  { STEP, 36, 40, 960000, NULL, false, true, NONE },
		  { STEP, 40, 40, 966000, NULL, true, true, 1026000 },
		  { STEP, 38, 40, 1080000, NULL, true, false, NONE },
		  { STEP, 36, 40, 1100000, NULL, false, true, NONE },
		  { SET_CLOSED, 30, 40, 1200000, NULL, true, true, NONE },
		  { SET_AUTO, 12, 40, 1500000, NULL, false, true, NONE },
	  } },
	/* docs/congestion.md, the lawn of 2000 (times from 14:41:00). */
	{ "docs: lawn of 2000",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 1996, 2000, 0, NULL, false, false, NONE },
		  { STEP, 2003, 2000, 2000, NULL, true, true, 62000 },
		  { STEP, 1950, 2000, 30000, NULL, true, false, 62000 },
		  { STEP, 1890, 2000, 62000, NULL, true, false, NONE },
		  { STEP, 1801, 2000, 190000, NULL, true, false, NONE },
		  { STEP, 1795, 2000, 192000, NULL, false, true, NONE },
		  { STEP, 1999, 2000, 540000, NULL, false, false, NONE },
		  { STEP, 2000, 2000, 542000, NULL, true, true, 602000 },
	  } },
	{ "capacity 1: one person closes, empty reopens",
	  OPEN,
	  &defaults,
	  {
		  { STEP, 1, 1, 0, NULL, true, true, 60000 },
		  { STEP, 0, 1, 60000, NULL, false, true, NONE },
	  } },
};

/* Runs one action and returns whether it reported a change. */
static bool run_action(struct hc_restriction *r, const struct step_row *s,
		       const struct hc_thresholds *t)
{
	switch (s->action) {
	case STEP: return hc_restriction_step(r, s->occupancy, s->capacity, t, s->now_ms);
	case SET_AUTO:
		return hc_restriction_override(r, HC_OVERRIDE_AUTO, s->occupancy, s->capacity, t,
					       s->now_ms);
	case SET_CLOSED:
		return hc_restriction_override(r, HC_OVERRIDE_FORCE_CLOSED, s->occupancy,
					       s->capacity, t, s->now_ms);
	case SET_OPEN:
		return hc_restriction_override(r, HC_OVERRIDE_FORCE_OPEN, s->occupancy, s->capacity,
					       t, s->now_ms);
	case END: break;
	}
	fail_msg("unknown action %d", (int)s->action);
	return false;
}

static void every_transition_matches_the_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_row *c = &cases[i];
		struct hc_restriction r = c->start;
		assert_int_not_equal(c->steps[0].action, END);
		for (size_t k = 0; k < MAX_STEPS && c->steps[k].action != END; k++) {
			const struct step_row *s = &c->steps[k];
			const struct hc_thresholds *t = s->t != NULL ? s->t : c->t;
			bool changed = run_action(&r, s, t);
			int64_t deadline_ms = hc_restriction_deadline_ms(&r, t);
			if (r.restricted != s->want_restricted || changed != s->want_changed ||
			    deadline_ms != s->want_deadline_ms)
				fail_msg("%s, step %zu (occupancy %lld of %lld at %lld ms): "
					 "restricted %d changed %d deadline %lld; "
					 "want %d %d %lld",
					 c->name, k + 1, (long long)s->occupancy,
					 (long long)s->capacity, (long long)s->now_ms, r.restricted,
					 changed, (long long)deadline_ms, s->want_restricted,
					 s->want_changed, (long long)s->want_deadline_ms);
		}
	}
}

static void init_starts_open_and_automatic(void **state)
{
	(void)state;
	struct hc_restriction r;
	memset(&r, 0xa5, sizeof(r));
	hc_restriction_init(&r);
	assert_false(r.restricted);
	assert_false(r.auto_restricted);
	assert_int_equal(r.override, HC_OVERRIDE_AUTO);
	assert_true(hc_restriction_deadline_ms(&r, &defaults) == NONE);
}

static void override_names_round_trip(void **state)
{
	(void)state;
	const struct {
		const char *name;
		enum hc_override o;
	} rows[] = {
		{ "auto", HC_OVERRIDE_AUTO },
		{ "closed", HC_OVERRIDE_FORCE_CLOSED },
		{ "open", HC_OVERRIDE_FORCE_OPEN },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum hc_override o = HC_OVERRIDE_AUTO;
		assert_string_equal(hc_override_name(rows[i].o), rows[i].name);
		assert_true(hc_override_parse(rows[i].name, &o));
		assert_int_equal(o, rows[i].o);
	}
	const char *bad[] = { "", "Auto", "close", "opened", "force_open" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum hc_override o = HC_OVERRIDE_FORCE_OPEN;
		assert_false(hc_override_parse(bad[i], &o));
		assert_int_equal(o, HC_OVERRIDE_FORCE_OPEN);
	}
	assert_false(hc_override_parse(NULL, &(enum hc_override){ HC_OVERRIDE_AUTO }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_transition_matches_the_table),
		cmocka_unit_test(init_starts_open_and_automatic),
		cmocka_unit_test(override_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
