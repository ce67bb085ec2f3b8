/*
 * venue_state.c — each area's pushed state (totals, occupancy, level,
 * restriction) with a version counter, kept current after every commit
 * and every restriction hold that expires.
 *
 * Relies on: the ledger for totals, aggregator/congestion.h for level and
 * restriction (fed monotonic milliseconds), lws for the hold timer and to
 * ask connections to write.
 *
 * Promises: an area's version grows whenever anything in its state
 * changes, and only then; connections compare it with the version they
 * last sent, so each gets the latest state and never a backlog
 * (conflation, DESIGN.md invariant 4). occupancy = max(0, entered -
 * exited) while the raw sums are kept and shown. updated_at is the wall
 * time of the change.
 */
#include "aggregator/server_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"

static int64_t occupancy_of(int64_t entered, int64_t exited)
{
	return entered > exited ? entered - exited : 0;
}

static void congestion_timer_due(lws_sorted_usec_list_t *sul);

/* Sets the timer for the next restriction hold to expire, if any. */
static void schedule_congestion_timer(struct hc_server *s)
{
	int64_t deadline_ms = hc_congestion_deadline_ms(s->congestion);
	if (deadline_ms == INT64_MAX) {
		lws_sul_cancel(&s->congestion_sul);
		return;
	}
	int64_t wait_ms = deadline_ms - hc_mono_ms();
	if (wait_ms < 1)
		wait_ms = 1;
	lws_sul_schedule(s->context, 0, &s->congestion_sul, congestion_timer_due,
			 wait_ms * LWS_US_PER_MS);
}

static void congestion_timer_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, congestion_sul);
	hc_venue_state_refresh(s);
}

/* Copies level and restriction of area i from the congestion state. */
static void read_congestion(struct hc_server *s, int i, struct hc_area_state *a)
{
	a->level = hc_congestion_area_level(s->congestion, i);
	a->restricted = hc_congestion_area_restricted(s->congestion, i);
}

bool hc_venue_state_init(struct hc_server *s)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	s->congestion = hc_congestion_new(cfg);
	s->areas = calloc(cfg->area_count ? (size_t)cfg->area_count : 1, sizeof *s->areas);
	if (s->congestion == NULL || s->areas == NULL) {
		hc_error("venue state: out of memory for %d areas", cfg->area_count);
		return false;
	}
	int64_t now_wall_ms = hc_wall_ms();
	for (int i = 0; i < cfg->area_count; i++) {
		struct hc_area_state *a = &s->areas[i].state;
		snprintf(a->id, sizeof a->id, "%s", cfg->areas[i].id);
		snprintf(a->name, sizeof a->name, "%s", cfg->areas[i].name);
		a->capacity = cfg->areas[i].capacity;
		hc_ledger_area_totals(s->ledger, (uint32_t)i, &a->entered, &a->exited);
		a->occupancy = occupancy_of(a->entered, a->exited);
		a->updated_at_ms = now_wall_ms;
		hc_congestion_set_occupancy(s->congestion, i, a->occupancy);
	}
	hc_congestion_evaluate(s->congestion, hc_mono_ms(), NULL, NULL);
	for (int i = 0; i < cfg->area_count; i++) {
		read_congestion(s, i, &s->areas[i].state);
		s->areas[i].version = 1;
		const struct hc_area_state *a = &s->areas[i].state;
		hc_info("area %s: entered %" PRId64 ", exited %" PRId64 ", occupancy %" PRId64
			" of %" PRId64 ", %s%s", a->id, a->entered, a->exited, a->occupancy,
			a->capacity, hc_level_name(a->level), a->restricted ? ", restricted" : "");
	}
	schedule_congestion_timer(s);
	return true;
}

void hc_venue_state_free(struct hc_server *s)
{
	hc_congestion_free(s->congestion);
	s->congestion = NULL;
	free(s->areas);
	s->areas = NULL;
}

void hc_venue_state_refresh(struct hc_server *s)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	int64_t now_wall_ms = hc_wall_ms();
	size_t area_count = cfg->area_count > 0 ? (size_t)cfg->area_count : 0;
	for (int i = 0; i < cfg->area_count; i++) {
		s->area_changed[i] = false;
		if (!s->area_touched[i])
			continue;
		struct hc_area_state *a = &s->areas[i].state;
		int64_t entered, exited;
		hc_ledger_area_totals(s->ledger, (uint32_t)i, &entered, &exited);
		if (entered != a->entered || exited != a->exited) {
			a->entered = entered;
			a->exited = exited;
			a->occupancy = occupancy_of(entered, exited);
			hc_congestion_set_occupancy(s->congestion, i, a->occupancy);
			s->area_changed[i] = true;
		}
	}
	/* Levels and restriction; area_touched is reused for what they
	 * changed now that its counts have been read. */
	bool *by_congestion = s->area_touched;
	memset(by_congestion, 0, area_count * sizeof *by_congestion);
	hc_congestion_evaluate(s->congestion, hc_mono_ms(), by_congestion, NULL);

	bool any = false;
	for (int i = 0; i < cfg->area_count; i++) {
		if (!s->area_changed[i] && !by_congestion[i])
			continue;
		struct hc_area_state *a = &s->areas[i].state;
		bool was_restricted = a->restricted;
		enum hc_level was_level = a->level;
		read_congestion(s, i, a);
		a->updated_at_ms = now_wall_ms;
		s->areas[i].version++;
		any = true;
		if (a->level != was_level || a->restricted != was_restricted)
			hc_info("area %s: occupancy %" PRId64 " of %" PRId64 ", level %s%s",
				a->id, a->occupancy, a->capacity, hc_level_name(a->level),
				a->restricted ? ", entry restricted" : "");
	}
	memset(s->area_touched, 0, area_count * sizeof *s->area_touched);
	if (any) {
		lws_callback_on_writable_all_protocol(s->context,
						      &s->protocols[HC_PROTOCOL_TERMINAL]);
		lws_callback_on_writable_all_protocol(s->context,
						      &s->protocols[HC_PROTOCOL_MAP]);
	}
	schedule_congestion_timer(s);
}
