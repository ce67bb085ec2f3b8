/*
 * wire_area.c — the map role's messages (see wire_area.h): parsing
 * them, and building the group and the snapshot.
 *
 * An area object, alone or in a snapshot, is handed to
 * hc_proto_parse_from_aggregator() as an "area" message, so there is one
 * area parser in shared/. Groups are read here field by field. Every
 * failure fills why and returns false with nothing allocated.
 */
#include "shared/wire_area.h"
#include "shared/wire_json.h"
#include "shared/wire_terminal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* One area object (with or without "type") through the area parser. */
static bool parse_area_object(json_t *obj, struct hc_area_state *out, char *why, size_t cap)
{
	json_t *copy = json_copy(obj);
	if (copy == NULL || json_object_set_new(copy, "type", json_string("area")) != 0) {
		json_decref(copy);
		return hc_wire_refuse(why, cap, "out of memory");
	}
	char *text = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	if (text == NULL)
		return hc_wire_refuse(why, cap, "out of memory");
	struct hc_msg m;
	struct hc_proto_error err;
	bool ok = hc_proto_parse_from_aggregator(text, strlen(text), &m, &err) &&
		  m.type == HC_MSG_AREA;
	free(text);
	if (!ok)
		return hc_wire_refuse(why, cap, "bad area object: %s", err.reason);
	*out = m.u.area;
	return true;
}

static bool parse_group_object(const json_t *o, struct hc_area_feed_group *g, char *why, size_t cap)
{
	memset(g, 0, sizeof *g);
	const json_t *occ = json_object_get(o, "occupancy");
	const json_t *capacity = json_object_get(o, "capacity");
	const json_t *restricted = json_object_get(o, "restricted");
	const json_t *areas = json_object_get(o, "areas");
	const char *level = json_string_value(json_object_get(o, "level"));
	const char *override = json_string_value(json_object_get(o, "override"));
	if (!json_is_object(o) || !hc_wire_get_str(o, "id", g->id, sizeof g->id, true) ||
	    !hc_wire_get_str(o, "name", g->name, sizeof g->name, true) || !json_is_integer(occ) ||
	    !json_is_integer(capacity) || !json_is_boolean(restricted) || level == NULL ||
	    !hc_level_parse(level, &g->level) || !json_is_array(areas))
		return hc_wire_refuse(why, cap, "bad group object");
	g->occupancy = (int64_t)json_integer_value(occ);
	g->capacity = (int64_t)json_integer_value(capacity);
	g->restricted = json_is_true(restricted);
	g->area_count = (uint32_t)json_array_size(areas);
	g->override = HC_WIRE_OVERRIDE_AUTO;
	if (override != NULL) {
		bool known = false;
		for (int i = HC_WIRE_OVERRIDE_AUTO; i <= HC_WIRE_OVERRIDE_OPEN; i++)
			if (strcmp(override, hc_wire_override_name((enum hc_wire_override)i)) ==
			    0) {
				g->override = (enum hc_wire_override)i;
				known = true;
			}
		if (!known)
			return hc_wire_refuse(why, cap, "bad group override \"%.20s\"", override);
	}
	return true;
}

static bool parse_snapshot(const json_t *root, struct hc_area_feed_msg *m, char *why, size_t cap)
{
	json_t *areas = json_object_get(root, "areas");
	json_t *groups = json_object_get(root, "groups");
	if (!json_is_array(areas) || !json_is_array(groups))
		return hc_wire_refuse(why, cap, "snapshot needs arrays areas and groups");
	if (json_array_size(areas) > HC_AREAS_MAX || json_array_size(groups) > HC_GROUPS_MAX)
		return hc_wire_refuse(why, cap, "snapshot over the venue limits");
	m->areas = calloc(json_array_size(areas) + 1, sizeof *m->areas);
	m->groups = calloc(json_array_size(groups) + 1, sizeof *m->groups);
	if (m->areas == NULL || m->groups == NULL)
		return hc_wire_refuse(why, cap, "out of memory");
	size_t i;
	json_t *v;
	json_array_foreach(areas, i, v)
	{
		if (!parse_area_object(v, &m->areas[i], why, cap))
			return false;
		m->area_count++;
	}
	json_array_foreach(groups, i, v)
	{
		if (!parse_group_object(v, &m->groups[i], why, cap))
			return false;
		m->group_count++;
	}
	return true;
}

bool hc_area_feed_parse(const char *buf, size_t len, struct hc_area_feed_msg *out, char *why,
			size_t why_cap)
{
	memset(out, 0, sizeof *out);
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return hc_wire_refuse(why, why_cap, "not a JSON object: %s", jerr.text);
	}
	const char *type = json_string_value(json_object_get(root, "type"));
	bool ok;
	if (type == NULL) {
		ok = hc_wire_refuse(why, why_cap, "no type");
	} else if (strcmp(type, "snapshot") == 0) {
		out->type = HC_AREA_FEED_SNAPSHOT;
		ok = parse_snapshot(root, out, why, why_cap);
	} else if (strcmp(type, "area") == 0) {
		out->type = HC_AREA_FEED_AREA;
		ok = parse_area_object(root, &out->area, why, why_cap);
	} else if (strcmp(type, "group") == 0) {
		out->type = HC_AREA_FEED_GROUP;
		ok = parse_group_object(root, &out->group, why, why_cap);
	} else {
		ok = hc_wire_refuse(why, why_cap, "unknown type \"%.20s\"", type);
	}
	json_decref(root);
	if (!ok)
		hc_area_feed_msg_free(out);
	return ok;
}

void hc_area_feed_msg_free(struct hc_area_feed_msg *m)
{
	free(m->areas);
	free(m->groups);
	m->areas = NULL;
	m->groups = NULL;
	m->area_count = m->group_count = 0;
}

/* ---- building ------------------------------------------------------------ */

json_t *hc_area_feed_group_json(const struct hc_wire_group *g, const char *const *area_ids,
				uint32_t area_count, bool with_type)
{
	json_t *areas = json_array();
	for (uint32_t i = 0; areas != NULL && i < area_count; i++)
		if (json_array_append_new(areas, json_string(area_ids[i])) != 0) {
			json_decref(areas);
			return NULL;
		}
	if (areas == NULL)
		return NULL;
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:b, s:s, s:o, s:o}", "id", g->id, "name",
			      g->name, "occupancy", (json_int_t)g->occupancy, "capacity",
			      (json_int_t)g->capacity, "level", hc_level_name(g->level),
			      "restricted", g->restricted, "override",
			      hc_wire_override_name(g->override), "areas", areas, "updated_at",
			      hc_wire_utc_or_null(g->updated_at_ms));
	if (o == NULL || !with_type)
		return o;
	/* "type" first, as the map role has always sent it */
	json_t *msg = json_pack("{s:s}", "type", "group");
	if (msg == NULL || json_object_update(msg, o) != 0) {
		json_decref(msg);
		msg = NULL;
	}
	json_decref(o);
	return msg;
}

json_t *hc_area_feed_snapshot_json(const struct hc_area_state *areas, uint32_t area_count,
				   const struct hc_wire_group_entry *groups, uint32_t group_count)
{
	json_t *a = json_array(), *g = json_array();
	if (a == NULL || g == NULL)
		goto fail;
	for (uint32_t i = 0; i < area_count; i++)
		if (json_array_append_new(a, hc_proto_area_json(&areas[i])) != 0)
			goto fail;
	for (uint32_t i = 0; i < group_count; i++)
		if (json_array_append_new(g, hc_area_feed_group_json(groups[i].group,
								     groups[i].area_ids,
								     groups[i].area_count,
								     false)) != 0)
			goto fail;
	return json_pack("{s:s, s:o, s:o}", "type", "snapshot", "areas", a, "groups", g);
fail:
	json_decref(a);
	json_decref(g);
	return NULL;
}
