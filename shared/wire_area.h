/*
 * wire_area.h — the map role's messages: the snapshot, area and group
 * messages the aggregator sends to map clients ("headcount-map.v1",
 * docs/protocol.md, "The map role"), built (server side) and parsed
 * (client side).
 *
 * What lives here: typed views of the three messages, so a map client
 * (a test tool, an app, a third-party program) needs shared/ alone, and
 * the builders of the group and the snapshot from plain structs (the
 * area message is shared/wire_terminal.h's hc_proto_build_area). The
 * area object is parsed by shared/wire_terminal.c's own area parser, so
 * a map client refuses exactly what a terminal refuses.
 *
 * Relies on: jansson for every byte of JSON, shared/protocol.h for the
 * area object and levels, shared/wire_supervisor.h for the override names.
 *
 * Promises: a parse that returns true has checked the type of every
 * field it fills; unknown fields are ignored. A snapshot owns heap
 * arrays: release with hc_area_feed_msg_free() (harmless for the other
 * types). No sockets, clocks or files here.
 */
#ifndef HC_WIRE_AREA_H
#define HC_WIRE_AREA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/limits.h"
#include "shared/protocol.h"
#include "shared/wire_supervisor.h"

/* The group object as the map role sends it (docs/protocol.md, "The
 * group object"). */
struct hc_area_feed_group {
	char id[HC_ID_LEN_MAX + 1];
	char name[HC_NAME_LEN_MAX + 1];
	int64_t occupancy;
	int64_t capacity;
	enum hc_level level;
	bool restricted;
	enum hc_wire_override override;
	uint32_t area_count; /* ids in its "areas" array */
};

enum hc_area_feed_type {
	HC_AREA_FEED_SNAPSHOT,
	HC_AREA_FEED_AREA,
	HC_AREA_FEED_GROUP,
};

struct hc_area_feed_msg {
	enum hc_area_feed_type type;
	struct hc_area_state *areas; /* snapshot */
	uint32_t area_count;
	struct hc_area_feed_group *groups; /* snapshot */
	uint32_t group_count;
	struct hc_area_state area;	 /* area */
	struct hc_area_feed_group group; /* group */
};

/* Parses one frame a map client received. False (and why filled) for
 * anything that is not one of the three messages with its fields of the
 * right type; out then owns nothing. */
bool hc_area_feed_parse(const char *buf, size_t len, struct hc_area_feed_msg *out, char *why,
			size_t why_cap);
void hc_area_feed_msg_free(struct hc_area_feed_msg *m);

/* ---- building (server side) ---- */

/* One group of a snapshot with the ids of its areas. */
struct hc_wire_group_entry {
	const struct hc_wire_group *group;
	const char *const *area_ids;
	uint32_t area_count;
};

/* A group as the map role sends it: type (when with_type, first), id,
 * name, occupancy, capacity, level, restricted, override, areas (the
 * ids given) and updated_at (null when 0). New reference or NULL. */
json_t *hc_area_feed_group_json(const struct hc_wire_group *g, const char *const *area_ids,
				uint32_t area_count, bool with_type);

/* The map role's snapshot: {"type":"snapshot","areas":[area objects],
 * "groups":[map groups without "type"]}. New reference or NULL. */
json_t *hc_area_feed_snapshot_json(const struct hc_area_state *areas, uint32_t area_count,
				   const struct hc_wire_group_entry *groups, uint32_t group_count);


#endif
