/*
 * wire_supervisor_server.c — building the messages the aggregator sends
 * supervisors: area, group (the map role's, shared/wire_area.c, plus
 * who set its override), terminal, snapshot and result
 * (wire_supervisor_server.h).
 *
 * Relies on: jansson (json_pack; objects keep the order fields are set
 * in, which is the order on the wire), hc_proto_area_json() for the area
 * object, shared/wire_json.h for the UTC times. Promises: the same
 * plain struct always gives the same bytes; a builder that cannot
 * encode a field returns NULL (0 for text) rather than half a message.
 */
#include "shared/wire_supervisor_server.h"

#include <stdio.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/wire_json.h"
#include "shared/wire_terminal.h"

/* Sets key to a new value (stolen); false when v is NULL or out of memory. */
static bool set_new(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0;
}

/* override_by and override_reason when an override names who set it. */
static bool set_override_who(json_t *o, const char *who, const char *reason)
{
	if (who[0] == '\0')
		return true;
	return set_new(o, "override_by", json_string(who)) &&
	       set_new(o, "override_reason", json_string(reason));
}

/* corrected_*, corrections and history of an area; minute_* once sampled. */
static bool set_corrections(json_t *o, const struct hc_wire_area *a)
{
	if (!a->has_corrected)
		return true;
	json_t *list = json_array(), *hist = json_array();
	if (list == NULL || hist == NULL)
		goto fail;
	for (uint32_t k = 0; k < a->correction_count; k++) {
		const struct hc_wire_correction *c = &a->corrections[k];
		char at[32];
		hc_format_utc(c->at_ms, at, sizeof at);
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s}", "who", c->who,
							  "at", at, "delta", (json_int_t)c->delta,
							  "reason", c->reason)) != 0)
			goto fail;
	}
	for (uint32_t k = 0; k < a->history_count; k++)
		if (json_array_append_new(hist, json_integer(a->history[k])) != 0)
			goto fail;
	if (!set_new(o, "corrected_entered", json_integer(a->corrected_entered)) ||
	    !set_new(o, "corrected_exited", json_integer(a->corrected_exited)))
		goto fail;
	/* set_new takes the references, even when it fails */
	if (!set_new(o, "corrections", list)) {
		json_decref(hist);
		return false;
	}
	if (!set_new(o, "history", hist))
		return false;
	if (a->has_minute && (!set_new(o, "minute_entered", json_integer(a->minute_entered)) ||
			      !set_new(o, "minute_exited", json_integer(a->minute_exited))))
		return false;
	return true;
fail:
	json_decref(list);
	json_decref(hist);
	return false;
}

json_t *hc_wire_sup_area_json(const struct hc_wire_area *a, bool with_type)
{
	json_t *o = hc_proto_area_json(&a->st);
	if (o == NULL || !set_new(o, "override", json_string(hc_wire_override_name(a->override))) ||
	    !set_new(o, "group", a->group[0] ? json_string(a->group) : json_null()) ||
	    !set_override_who(o, a->override_by, a->override_reason) || !set_corrections(o, a) ||
	    (with_type && !set_new(o, "type", json_string("area")))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *hc_wire_sup_group_json(const struct hc_wire_group *g, const char *const *area_ids,
			       uint32_t area_count, bool with_type)
{
	json_t *o = hc_area_feed_group_json(g, area_ids, area_count, with_type);
	if (o != NULL && !set_override_who(o, g->override_by, g->override_reason)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *hc_wire_sup_terminal_json(const struct hc_wire_terminal *t, bool with_type)
{
	json_t *incarnation = json_null();
	if (t->has_incarnation) {
		char hex[HC_INCARNATION_HEX_LEN + 1];
		hc_proto_format_incarnation(t->incarnation, hex);
		json_decref(incarnation);
		incarnation = json_string(hex);
	}
	json_t *last_seq = t->last_seq >= 0 ? json_integer(t->last_seq) : json_null();
	json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:I, s:I}", "id", t->id, "area",
			      t->area, "online", t->online, "last_seen",
			      hc_wire_utc_or_null(t->last_seen_ms), "incarnation", incarnation,
			      "last_seq", last_seq, "missing_seqs", (json_int_t)t->missing_seqs,
			      "batches_in_flight", (json_int_t)t->batches_in_flight);
	if (o == NULL)
		return NULL;
	/* What the terminal said about itself, once it said it. */
	if ((t->has_today && (!set_new(o, "entered_today", json_integer(t->entered_today)) ||
			      !set_new(o, "exited_today", json_integer(t->exited_today)))) ||
	    (t->version[0] != '\0' && !set_new(o, "version", json_string(t->version))) ||
	    (t->has_reported && (!set_new(o, "pending", json_integer(t->pending)) ||
				 !set_new(o, "storage_faults", json_integer(t->storage_faults)))) ||
	    (with_type && !set_new(o, "type", json_string("terminal")))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *hc_wire_sup_snapshot_json(const char *venue, const struct hc_wire_area *areas,
				  uint32_t area_count, const struct hc_wire_group_entry *groups,
				  uint32_t group_count, const struct hc_wire_terminal *terminals,
				  uint32_t terminal_count)
{
	json_t *a = json_array(), *g = json_array(), *t = json_array();
	if (a == NULL || g == NULL || t == NULL)
		goto fail;
	for (uint32_t i = 0; i < area_count; i++)
		if (json_array_append_new(a, hc_wire_sup_area_json(&areas[i], false)) != 0)
			goto fail;
	for (uint32_t i = 0; i < group_count; i++)
		if (json_array_append_new(g, hc_wire_sup_group_json(groups[i].group,
								    groups[i].area_ids,
								    groups[i].area_count, false)) !=
		    0)
			goto fail;
	for (uint32_t i = 0; i < terminal_count; i++)
		if (json_array_append_new(t, hc_wire_sup_terminal_json(&terminals[i], false)) != 0)
			goto fail;
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "type", "snapshot", "venue", venue, "areas",
			 a, "groups", g, "terminals", t);
fail:
	json_decref(a);
	json_decref(g);
	json_decref(t);
	return NULL;
}

size_t hc_wire_sup_build_result(char *out, size_t cap, const char *request_json, bool ok,
				const char *error)
{
	json_t *o = json_pack("{s:s, s:b}", "type", "result", "ok", ok);
	if (o != NULL && request_json != NULL && request_json[0] != '\0')
		json_object_set_new(o, "request", json_loads(request_json, JSON_DECODE_ANY, NULL));
	if (o != NULL && !ok)
		json_object_set_new(o, "error", json_string(error ? error : "refused"));
	return hc_wire_dump(o, out, cap);
}
