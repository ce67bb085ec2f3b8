/*
 * venue_samples.c — the history sampler: at every sample interval
 * boundary (wall clock), one record per area with its occupancy, level,
 * restriction and the entries and exits during the interval, queued to
 * the store and fed to the supervisors' last hour.
 *
 * Relies on: aggregator/history.h for the boundaries and the
 * during-interval arithmetic, the ledger for totals, the commit queue
 * (hc_server_queue_records / hc_server_kick_commit), the corrections'
 * sample ring, shared/occupancy.h, and an lws timer. From
 * aggregator/server_internal.h it needs struct hc_server (cfg, areas,
 * area_slot, area_ids, ledger, corrections, context, sample_sul,
 * sample_boundary_ms, sample_interval_ms, sample_entered_at_start,
 * sample_exited_at_start), struct hc_store_record and the hc_server_* /
 * hc_venue_* declarations.
 *
 * Promises: a sample names the interval before the boundary its timer
 * was set for, never one derived from the clock when it fires; a store
 * that is behind drops the interval's samples with a WARN, never blocks.
 */
#include "aggregator/venue_samples.h"

#include "aggregator/history.h"
#include "aggregator/server_commit.h"
#include "aggregator/server_internal.h"
#include "aggregator/venue_refresh.h"

#include <inttypes.h>
#include <stdlib.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/occupancy.h"

static void sample_due(lws_sorted_usec_list_t *sul);

static void schedule_sample(struct hc_server *s, int64_t after_wall_ms)
{
	s->sample_boundary_ms = hc_history_next_boundary(after_wall_ms, s->sample_interval_ms);
	int64_t wait_ms = s->sample_boundary_ms - hc_wall_ms();
	if (wait_ms < 1)
		wait_ms = 1;
	lws_sul_schedule(s->context, 0, &s->sample_sul, sample_due, wait_ms * LWS_US_PER_MS);
}

/* Writes one sample per area for the interval that just ended. The
 * interval is the one before the boundary the timer was set for, not
 * one derived from the clock now, so a timer firing a little early or
 * late never names the wrong minute. */
static void sample_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, sample_sul);
	int64_t boundary_ms = s->sample_boundary_ms;
	int64_t now_wall_ms = hc_wall_ms();
	if (now_wall_ms < boundary_ms) { /* early: wait for it */
		lws_sul_schedule(s->context, 0, &s->sample_sul, sample_due,
				 (boundary_ms - now_wall_ms) * LWS_US_PER_MS);
		return;
	}
	const struct hc_venue_cfg *cfg = s->cfg;
	struct hc_store_record *recs = calloc((size_t)cfg->area_count, sizeof *recs);
	if (recs == NULL) {
		hc_error("history: out of memory for %d samples", cfg->area_count);
	} else {
		for (int i = 0; i < cfg->area_count; i++) {
			const struct hc_area_state *a = &s->areas[i].state;
			uint32_t slot = (uint32_t)s->area_slot[i];
			int64_t entered, exited;
			hc_ledger_area_totals(s->ledger, slot, &entered, &exited);
			struct hc_store_record *r = &recs[i];
			r->kind = HC_RECORD_SAMPLE;
			r->at_ms = now_wall_ms;
			snprintf(r->id, sizeof r->id, "%s", a->id);
			r->minute_ms = boundary_ms - s->sample_interval_ms;
			r->occupancy = hc_occupancy(entered, exited);
			snprintf(r->level, sizeof r->level, "%s", hc_level_name(a->level));
			r->restricted = a->restricted;
			r->entered = hc_history_during(entered, s->sample_entered_at_start[slot]);
			r->exited = hc_history_during(exited, s->sample_exited_at_start[slot]);
			s->sample_entered_at_start[slot] = entered;
			s->sample_exited_at_start[slot] = exited;
			hc_corrections_sample(s->corrections, slot, r->occupancy, r->entered,
					      r->exited, s->sample_interval_ms);
		}
		if (hc_server_queue_records(s, recs, (size_t)cfg->area_count))
			hc_server_kick_commit(s);
		else
			hc_warn("history: storage is behind; the samples of the interval"
				" ending at %" PRId64 " are dropped",
				boundary_ms);
		free(recs);
		hc_venue_state_wake_supervisors(s); /* their last hour moved */
	}
	schedule_sample(s, now_wall_ms > boundary_ms ? now_wall_ms : boundary_ms);
}

void hc_venue_state_start_samples(struct hc_server *s)
{
	for (uint32_t slot = 0; slot < hc_slots_count(s->area_ids); slot++)
		hc_ledger_area_totals(s->ledger, slot, &s->sample_entered_at_start[slot],
				      &s->sample_exited_at_start[slot]);
	schedule_sample(s, hc_wall_ms());
}
