/*
 * venue_state.c — the venue state's lifecycle (init, free) and what it
 * hands out: the serialised area, group and snapshot messages (once per
 * version, from the message store in venue_cache.c), the live figure of
 * an area, and the JSON of areas, groups, overrides and terminals for
 * supervisors, maps and HTTP.
 *
 * The rest of the venue state is in its own files
 * (aggregator/venue_internal.h): the derived state and its publication
 * in venue_refresh.c, the effective settings, overrides and adjustments
 * in venue_settings.c, the history sampler in venue_samples.c.
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
#include "aggregator/server_internal.h"
#include "aggregator/venue_internal.h"

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
	bool ok = cache_store(c, key, text, strlen(text));
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
		if (n == 0 || !cache_store(c, s->areas[i].version, text, n)) {
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
	json_t *areas = json_array();
	json_t *groups = json_array();
	for (int i = 0; areas != NULL && i < s->cfg->area_count; i++)
		if (json_array_append_new(areas, hc_proto_area_json(&s->areas[i].state)) != 0)
			goto fail;
	for (int g = 0; groups != NULL && g < s->cfg->group_count; g++) {
		json_t *o = hc_venue_group_json(s, g);
		if (o == NULL)
			goto fail;
		json_object_del(o, "type");
		if (json_array_append_new(groups, o) != 0)
			goto fail;
	}
	if (areas == NULL || groups == NULL)
		goto fail;
	return json_pack("{s:s, s:o, s:o}", "type", "snapshot", "areas", areas, "groups", groups);
fail:
	json_decref(areas);
	json_decref(groups);
	return NULL;
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

/* ---- start-up --------------------------------------------------------- */

bool hc_venue_state_init(struct hc_server *s)
{
	char why[200];
	if (!hc_venue_state_apply_config(s, true, why, sizeof why)) {
		hc_error("venue state: %s", why);
		return false;
	}
	s->corrections = hc_corrections_new();
	if (s->corrections == NULL) {
		hc_error("venue state: out of memory for the corrections");
		return false;
	}
	char err[300];
	if (!hc_corrections_load(s->corrections, s->cfg->database, s->area_ids, err, sizeof err))
		hc_warn("supervisors will see no earlier corrections: %s", err);
	if (!hc_corrections_load_samples(s->corrections, s->cfg->database, s->area_ids,
					 hc_wall_ms(), s->sample_interval_ms, err, sizeof err))
		hc_warn("supervisors will see no earlier history: %s", err);
	for (int i = 0; i < s->cfg->area_count; i++) {
		const struct hc_area_state *a = &s->areas[i].state;
		hc_info("area %s: entered %" PRId64 ", exited %" PRId64 ", occupancy %" PRId64
			" of %" PRId64 ", %s%s",
			a->id, a->entered, a->exited, a->occupancy, a->capacity,
			hc_level_name(a->level), a->restricted ? ", restricted" : "");
	}
	return true;
}

void hc_venue_state_free(struct hc_server *s)
{
	for (int i = 0; i < HC_AREAS_MAX; i++)
		venue_cache_free(&s->area_msgs[i]);
	for (int g = 0; g < HC_GROUPS_MAX; g++)
		venue_cache_free(&s->group_msgs[g]);
	venue_cache_free(&s->snapshot_msg);
	hc_congestion_free(s->congestion);
	s->congestion = NULL;
	hc_corrections_free(s->corrections);
	s->corrections = NULL;
	free((struct hc_venue_cfg *)s->cfg);
	s->cfg = NULL;
}

/* ---- JSON for supervisors, maps and HTTP ------------------------------- */

static json_t *utc_or_null(int64_t wall_ms)
{
	if (wall_ms <= 0)
		return json_null();
	char text[32];
	hc_format_utc(wall_ms, text, sizeof text);
	return json_string(text);
}

json_t *hc_venue_area_json_full(const struct hc_server *s, int i)
{
	json_t *o = hc_proto_area_json(&s->areas[i].state);
	const char *group = s->cfg->areas[i].group;
	if (o == NULL ||
	    json_object_set_new(o, "override",
				json_string(hc_override_name(s->areas[i].override))) != 0 ||
	    json_object_set_new(o, "group", group[0] ? json_string(group) : json_null()) != 0)
		goto fail;
	/* Who forced the gate, and why; the corrections and the last hour. */
	if (!hc_venue_override_who_json(s, HC_SUP_AREA, s->areas[i].state.id, o) ||
	    !hc_corrections_to_json(s->corrections, (uint32_t)s->area_slot[i], o))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
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
	const struct hc_group_state *st = &s->groups[g].state;
	json_t *areas = json_array();
	for (int i = 0; areas != NULL && i < s->cfg->area_count; i++)
		if (strcmp(s->cfg->areas[i].group, st->id) == 0)
			json_array_append_new(areas, json_string(s->cfg->areas[i].id));
	if (areas == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:b, s:s, s:o, s:o}", "type", "group",
			 "id", st->id, "name", st->name, "occupancy", (json_int_t)st->occupancy,
			 "capacity", (json_int_t)st->capacity, "level", hc_level_name(st->level),
			 "restricted", st->restricted, "override", hc_override_name(st->override),
			 "areas", areas, "updated_at", utc_or_null(st->updated_at_ms));
}

json_t *hc_venue_terminal_json(const struct hc_server *s, int i)
{
	const struct hc_terminal_cfg *tc = &s->cfg->terminals[i];
	uint32_t slot = (uint32_t)s->term_slot[i];
	const struct hc_terminal_status *st = &s->terminals[slot];
	json_t *incarnation = json_null();
	json_t *last_seq = json_null();
	if (st->has_incarnation) {
		char hex[HC_INCARNATION_HEX_LEN + 1];
		hc_proto_format_incarnation(st->incarnation, hex);
		incarnation = json_string(hex);
		struct hc_ledger_seq_stats seq = hc_ledger_seq_stats(s->ledger, slot,
								     st->incarnation);
		last_seq = json_integer(seq.seq_highest);
	}
	int64_t in_flight = st->session != NULL
				    ? (int64_t)st->session->awaiting_commit + st->session->ack_len
				    : 0;
	int64_t today_in, today_out;
	hc_ledger_terminal_today(s->ledger, slot, hc_wall_ms(), &today_in, &today_out);
	json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:I, s:I, s:I, s:I}", "id", tc->id,
			      "area", tc->area, "online", st->session != NULL, "last_seen",
			      utc_or_null(st->last_seen_wall_ms), "incarnation", incarnation,
			      "last_seq", last_seq, "missing_seqs",
			      (json_int_t)hc_ledger_terminal_missing(s->ledger, slot),
			      "batches_in_flight", (json_int_t)in_flight, "entered_today",
			      (json_int_t)today_in, "exited_today", (json_int_t)today_out);
	/* What the terminal said about itself, once it said it. */
	if (o != NULL && st->reported_version[0] != '\0' &&
	    json_object_set_new(o, "version", json_string(st->reported_version)) != 0)
		goto fail;
	if (o != NULL && st->has_status &&
	    (json_object_set_new(o, "pending", json_integer(st->pending)) != 0 ||
	     json_object_set_new(o, "storage_faults", json_integer(st->storage_faults)) != 0))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}
