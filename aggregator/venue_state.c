/*
 * venue_state.c — what the venue state hands out: the serialised area, group and snapshot messages (once per
 * version, from the message store in venue_cache.c), the live figure of
 * an area, and the JSON of areas, groups, overrides and terminals for
 * supervisors, maps and HTTP.
 *
 * The rest of the venue state is in its own files, each with its
 * header: the derived state and its publication in venue_refresh.c
 * (which calls down into this file for the messages), the start-up,
 * effective settings, overrides and adjustments in venue_settings.c,
 * the history sampler in venue_samples.c, the message store in
 * venue_cache.c. No file below calls a file above it.
 *
 * Relies on: the ledger for totals (by area slot), shared/protocol.h to
 * build area messages, the corrections for the supervisors' history,
 * jansson for the JSON, shared/occupancy.h. From
 * aggregator/server_internal.h it needs struct hc_server (cfg, areas,
 * groups, terminals, term_slot, area_slot, ledger, congestion,
 * corrections, overrides, area_msgs, group_msgs, snapshot_msg,
 * publish_clock, generation, snapshot_generation, sample_interval_ms),
 * struct hc_msg_cache, the session structs and the hc_venue_*
 * declarations.
 *
 * Promises:
 *   - every connection compares an area's or group's version with the
 *     version it last sent, so each gets the latest state and never a
 *     backlog (conflation, docs/design.md invariant 4);
 *   - each published area, group and snapshot message is serialised once
 *     per version and the same bytes are written to every receiver;
 *   - a terminal is never sent a figure older than an ack it already has
 *     (its shown figure adds acked deltas until the next area message,
 *     docs/design.md invariant 3; valid_through_commit, venue_refresh.c);
 *   - occupancy = max(0, entered - exited) (shared/occupancy.h) while the
 *     raw sums are kept and shown; updated_at is the wall time of the
 *     change.
 */
#include "aggregator/venue_state.h"

#include "aggregator/server_internal.h"
#include "aggregator/venue_cache.h"
#include "aggregator/venue_wire.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/occupancy.h"

/* Serialises a JSON value compactly into c under key; takes the ref. */
static bool cache_store_json(struct hc_msg_cache *c, uint64_t key, json_t *value)
{
	char *text = value != NULL ? json_dumps(value, JSON_COMPACT) : NULL;
	json_decref(value);
	if (text == NULL) {
		c->key = 0;
		return false;
	}
	bool ok = venue_cache_store(c, key, text, strlen(text));
	free(text);
	return ok;
}

void hc_venue_area_live(const struct hc_server *s, int i, struct hc_area_state *out)
{
	*out = s->areas[i].state;
	hc_ledger_area_totals(s->ledger, (uint32_t)s->area_slot[i], &out->entered, &out->exited);
	out->occupancy = hc_occupancy(out->entered, out->exited);
}

unsigned char *hc_venue_area_message(struct hc_server *s, int i, size_t *len)
{
	struct hc_msg_cache *c = &s->area_msgs[i];
	if (c->key != s->areas[i].version || c->buf == NULL) {
		char text[1024];
		size_t n = hc_proto_build_area(text, sizeof text, &s->areas[i].state);
		if (n == 0 || !venue_cache_store(c, s->areas[i].version, text, n)) {
			hc_error("area %s: cannot build its message", s->areas[i].state.id);
			return NULL;
		}
	}
	*len = c->len;
	return c->buf;
}

unsigned char *hc_venue_group_message(struct hc_server *s, int g, size_t *len)
{
	struct hc_msg_cache *c = &s->group_msgs[g];
	if (c->key != s->groups[g].version || c->buf == NULL) {
		if (!cache_store_json(c, s->groups[g].version, hc_venue_group_json(s, g))) {
			hc_error("group %s: cannot build its message", s->groups[g].state.id);
			return NULL;
		}
	}
	*len = c->len;
	return c->buf;
}

/* {"type":"snapshot","areas":[...],"groups":[...]} of the published
 * states. New reference or NULL. */
static json_t *snapshot_json(const struct hc_server *s)
{
	struct hc_area_state *areas = calloc((size_t)s->cfg->area_count + 1, sizeof *areas);
	struct hc_venue_wire_groups *groups = hc_venue_wire_groups_new(s);
	json_t *o = NULL;
	if (areas != NULL && groups != NULL) {
		for (int i = 0; i < s->cfg->area_count; i++)
			areas[i] = s->areas[i].state;
		o = hc_area_feed_snapshot_json(areas, (uint32_t)s->cfg->area_count, groups->entries,
					       groups->count);
	}
	free(areas);
	hc_venue_wire_groups_free(groups);
	return o;
}

unsigned char *hc_venue_snapshot_message(struct hc_server *s, size_t *len)
{
	struct hc_msg_cache *c = &s->snapshot_msg;
	/* publish_clock moves with every published area or group; a reload
	 * empties the cache. Key 0 is "empty", so a clock of 0 maps to 1. */
	uint64_t key = s->publish_clock ? s->publish_clock : 1;
	if (c->key != key || c->buf == NULL || s->snapshot_generation != s->generation) {
		if (!cache_store_json(c, key, snapshot_json(s))) {
			hc_error("map: cannot build the snapshot (out of memory)");
			return NULL;
		}
		s->snapshot_generation = s->generation;
	}
	*len = c->len;
	return c->buf;
}

/* ---- JSON for supervisors, maps and HTTP ------------------------------- */

json_t *hc_venue_area_json_full(const struct hc_server *s, int i)
{
	struct hc_wire_area a;
	hc_venue_wire_area(s, i, &a);
	return hc_wire_sup_area_json(&a, false);
}

bool hc_venue_override_who_json(const struct hc_server *s, enum hc_sup_target target,
				const char *id, json_t *o)
{
	for (int k = 0; k < s->override_count; k++) {
		const struct hc_override_entry *e = &s->overrides[k];
		if (e->target == target && e->mode != HC_OVERRIDE_AUTO && strcmp(e->id, id) == 0)
			return json_object_set_new(o, "override_by", json_string(e->who)) == 0 &&
			       json_object_set_new(o, "override_reason", json_string(e->reason)) ==
				       0;
	}
	return true;
}

json_t *hc_venue_group_json(const struct hc_server *s, int g)
{
	struct hc_wire_group group;
	const char *ids[HC_AREAS_MAX];
	uint32_t n;
	hc_venue_wire_group(s, g, &group, ids, &n);
	return hc_area_feed_group_json(&group, ids, n, true);
}

json_t *hc_venue_terminal_json(const struct hc_server *s, int i)
{
	struct hc_wire_terminal t;
	hc_venue_wire_terminal(s, i, &t);
	return hc_wire_sup_terminal_json(&t, false);
}
