/*
 * venue_wire.c — filling the wire's plain structs from the server's
 * state (venue_wire.h), so every message the supervisor and map roles
 * send is built by shared/ and the aggregator never writes a field name.
 *
 * Relies on: the published states and overrides (venue_state.c), the
 * ledger for a terminal's sequence and today's sums, corrections.c for
 * an area's corrections and history, the wall clock for "today".
 */
#include "aggregator/venue_wire.h"
#include "aggregator/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"

static enum hc_wire_override wire_override(enum hc_override o)
{
	switch (o) {
	case HC_OVERRIDE_FORCE_CLOSED: return HC_WIRE_OVERRIDE_CLOSED;
	case HC_OVERRIDE_FORCE_OPEN: return HC_WIRE_OVERRIDE_OPEN;
	default: return HC_WIRE_OVERRIDE_AUTO;
	}
}

/* Who forced target id's gate and why, when it is forced. */
static void override_who(const struct hc_server *s, enum hc_sup_target target, const char *id,
			 char *who, size_t who_cap, char *reason, size_t reason_cap)
{
	who[0] = reason[0] = '\0';
	for (int k = 0; k < s->override_count; k++) {
		const struct hc_override_entry *e = &s->overrides[k];
		if (e->target == target && e->mode != HC_OVERRIDE_AUTO && strcmp(e->id, id) == 0) {
			snprintf(who, who_cap, "%s", e->who);
			snprintf(reason, reason_cap, "%s", e->reason);
			return;
		}
	}
}

void hc_venue_wire_area(const struct hc_server *s, int i, struct hc_wire_area *out)
{
	memset(out, 0, sizeof *out);
	out->st = s->areas[i].state;
	out->override = wire_override(s->areas[i].override);
	snprintf(out->group, sizeof out->group, "%s", s->cfg->areas[i].group);
	override_who(s, HC_SUP_AREA, out->st.id, out->override_by, sizeof out->override_by,
		     out->override_reason, sizeof out->override_reason);
	hc_corrections_fill(s->corrections, (uint32_t)s->area_slot[i], out);
}

void hc_venue_wire_group(const struct hc_server *s, int g, struct hc_wire_group *out,
			 const char **ids, uint32_t *id_count)
{
	const struct hc_group_state *st = &s->groups[g].state;
	memset(out, 0, sizeof *out);
	snprintf(out->id, sizeof out->id, "%s", st->id);
	snprintf(out->name, sizeof out->name, "%s", st->name);
	out->occupancy = st->occupancy;
	out->capacity = st->capacity;
	out->level = st->level;
	out->restricted = st->restricted;
	out->override = wire_override(st->override);
	out->updated_at_ms = st->updated_at_ms;
	override_who(s, HC_SUP_GROUP, st->id, out->override_by, sizeof out->override_by,
		     out->override_reason, sizeof out->override_reason);
	*id_count = 0;
	for (int i = 0; i < s->cfg->area_count; i++)
		if (strcmp(s->cfg->areas[i].group, st->id) == 0)
			ids[(*id_count)++] = s->cfg->areas[i].id;
}

void hc_venue_wire_terminal(const struct hc_server *s, int i, struct hc_wire_terminal *out)
{
	const struct hc_terminal_cfg *tc = &s->cfg->terminals[i];
	uint32_t slot = (uint32_t)s->term_slot[i];
	const struct hc_terminal_status *st = &s->terminals[slot];
	memset(out, 0, sizeof *out);
	snprintf(out->id, sizeof out->id, "%s", tc->id);
	snprintf(out->area, sizeof out->area, "%s", tc->area);
	out->online = st->session != NULL;
	out->last_seen_ms = st->last_seen_wall_ms;
	out->last_seq = -1;
	if (st->has_incarnation) {
		out->has_incarnation = true;
		out->incarnation = st->incarnation;
		out->last_seq = hc_ledger_seq_stats(s->ledger, slot, st->incarnation).seq_highest;
	}
	out->missing_seqs = hc_ledger_terminal_missing(s->ledger, slot);
	out->batches_in_flight = st->session != NULL ? (int64_t)st->session->awaiting_commit +
							       st->session->ack_len
						     : 0;
	out->has_today = true;
	hc_ledger_terminal_today(s->ledger, slot, hc_wall_ms(), &out->entered_today,
				 &out->exited_today);
	snprintf(out->version, sizeof out->version, "%s", st->reported_version);
	out->has_reported = st->has_status;
	out->pending = st->pending;
	out->storage_faults = st->storage_faults;
}

struct hc_venue_wire_groups *hc_venue_wire_groups_new(const struct hc_server *s)
{
	struct hc_venue_wire_groups *w = calloc(1, sizeof *w);
	if (w == NULL)
		return NULL;
	for (int g = 0; g < s->cfg->group_count; g++) {
		struct hc_wire_group_entry *e = &w->entries[g];
		hc_venue_wire_group(s, g, &w->groups[g], w->ids[g], &e->area_count);
		e->group = &w->groups[g];
		e->area_ids = w->ids[g];
	}
	w->count = (uint32_t)s->cfg->group_count;
	return w;
}

void hc_venue_wire_groups_free(struct hc_venue_wire_groups *g)
{
	free(g);
}
