/*
 * metrics.c — gathers the aggregator's figures for GET /metrics.
 *
 * Relies on: the loop's state (server_internal.h), venue_state.c for the
 * live area figures (the ones /api/areas serves), the ledger for sequence
 * gaps, prom_text.c for the format.
 *
 * Promises: per area and group its counts, level and restriction; per
 * configured terminal whether it is online, when it was last seen, its
 * batches in flight and missing sequence numbers; for the process the
 * commit latency histogram, connections per role, storage faults and
 * ledger rows. Levels are numbers (0 low .. 3 full): a label that
 * changed with the level would start a new series at every change.
 */
#include "aggregator/metrics.h"

#include <string.h>

#include "aggregator/prom_text.h"
#include "aggregator/server_internal.h"
#include "aggregator/map_role.h"
#include "aggregator/venue_state.h"
#include "shared/clock.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void area_metrics(struct hc_prom_text *t, const struct hc_server *s)
{
	static const struct {
		const char *name, *type, *help;
	} families[] = {
		{ "headcount_area_entered_total", "counter",
		  "People counted in, doors and corrections." },
		{ "headcount_area_exited_total", "counter",
		  "People counted out, doors and corrections." },
		{ "headcount_area_occupancy", "gauge",
		  "People inside now: max(0, entered - exited)." },
		{ "headcount_area_capacity", "gauge", "The area's configured capacity." },
		{ "headcount_area_level", "gauge",
		  "Congestion level: 0 low, 1 moderate, 2 crowded, 3 full." },
		{ "headcount_area_restricted", "gauge", "1 while entry is restricted (STOP)." },
	};
	for (size_t f = 0; f < ARRAY_LEN(families); f++) {
		hc_prom_family(t, families[f].name, families[f].type, families[f].help);
		for (int i = 0; i < s->cfg->area_count; i++) {
			struct hc_area_state a;
			hc_venue_area_live(s, i, &a);
			struct hc_prom_label l = { "area", a.id };
			int64_t v[] = { a.entered,  a.exited,	      a.occupancy,
					a.capacity, (int64_t)a.level, a.restricted ? 1 : 0 };
			hc_prom_int(t, families[f].name, &l, 1, v[f]);
		}
	}
}

static void group_metrics(struct hc_prom_text *t, const struct hc_server *s)
{
	hc_prom_family(t, "headcount_group_occupancy", "gauge",
		       "People inside the group's areas now.");
	for (int g = 0; g < s->cfg->group_count; g++) {
		struct hc_prom_label l = { "group", s->groups[g].state.id };
		hc_prom_int(t, "headcount_group_occupancy", &l, 1,
			    hc_congestion_group_occupancy(s->congestion, g));
	}
	hc_prom_family(t, "headcount_group_restricted", "gauge",
		       "1 while entry to the group is restricted (STOP).");
	for (int g = 0; g < s->cfg->group_count; g++) {
		struct hc_prom_label l = { "group", s->groups[g].state.id };
		hc_prom_int(t, "headcount_group_restricted", &l, 1,
			    s->groups[g].state.restricted ? 1 : 0);
	}
}

static void terminal_metrics(struct hc_prom_text *t, const struct hc_server *s)
{
	static const struct {
		const char *name, *type, *help;
	} families[] = {
		{ "headcount_terminal_online", "gauge", "1 while the terminal is connected." },
		{ "headcount_terminal_last_seen_seconds", "gauge",
		  "Unix time the terminal was last heard from (0: never)." },
		{ "headcount_terminal_pending_batches", "gauge",
		  "Batches received from the terminal and not yet acknowledged." },
		{ "headcount_terminal_missing_seqs", "gauge",
		  "Sequence numbers missing from the terminal's ledger rows (gaps)." },
	};
	for (size_t f = 0; f < ARRAY_LEN(families); f++) {
		hc_prom_family(t, families[f].name, families[f].type, families[f].help);
		for (int i = 0; i < s->cfg->terminal_count; i++) {
			const struct hc_terminal_cfg *tc = &s->cfg->terminals[i];
			uint32_t slot = (uint32_t)s->term_slot[i];
			const struct hc_terminal_status *st = &s->terminals[slot];
			int64_t in_flight = st->session != NULL
						    ? (int64_t)st->session->awaiting_commit +
							      st->session->ack_len
						    : 0;
			int64_t v[] = { st->session != NULL ? 1 : 0, st->last_seen_wall_ms / 1000,
					in_flight, hc_ledger_terminal_missing(s->ledger, slot) };
			struct hc_prom_label l[2] = { { "terminal", tc->id },
						      { "area", tc->area } };
			hc_prom_int(t, families[f].name, l, 2, v[f]);
		}
	}
}

static void process_metrics(struct hc_prom_text *t, const struct hc_server *s)
{
	hc_prom_family(t, "headcount_commit_duration_seconds", "histogram",
		       "Time to make one group commit of the ledger durable.");
	hc_prom_histogram_seconds(t, "headcount_commit_duration_seconds", &s->pipe.commit_latency);

	hc_prom_family(t, "headcount_connections", "gauge", "Open WebSocket connections by role.");
	const struct {
		const char *role;
		uint32_t n;
	} roles[] = { { "terminal", s->terminal_sessions },
		      { "map", hc_map_sessions(&s->pub) },
		      { "supervisor", s->supervisor_sessions } };
	for (size_t r = 0; r < ARRAY_LEN(roles); r++) {
		struct hc_prom_label l = { "role", roles[r].role };
		hc_prom_int(t, "headcount_connections", &l, 1, roles[r].n);
	}
	hc_prom_family(t, "headcount_storage_faults_total", "counter",
		       "Ledger commits that failed (nothing of them was acknowledged).");
	hc_prom_int(t, "headcount_storage_faults_total", NULL, 0,
		    (int64_t)s->pipe.storage_faults_total);
	hc_prom_family(t, "headcount_storage_failing", "gauge",
		       "1 while the last commit failed (/healthz says degraded).");
	hc_prom_int(t, "headcount_storage_failing", NULL, 0, s->pipe.storage_failing ? 1 : 0);
	hc_prom_family(t, "headcount_ledger_rows", "gauge", "Rows in the ledger.");
	hc_prom_int(t, "headcount_ledger_rows", NULL, 0, hc_ledger_row_count(s->ledger));
	hc_prom_family(t, "headcount_uptime_seconds", "gauge",
		       "Seconds since the aggregator started.");
	hc_prom_int(t, "headcount_uptime_seconds", NULL, 0,
		    (hc_mono_ms() - s->started_mono_ms) / 1000);
}

char *hc_metrics_text(const struct hc_server *s, size_t *len)
{
	struct hc_prom_text t;
	hc_prom_init(&t);
	area_metrics(&t, s);
	group_metrics(&t, s);
	terminal_metrics(&t, s);
	process_metrics(&t, s);
	if (t.failed) {
		hc_prom_free(&t);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}
