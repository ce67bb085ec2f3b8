/*
 * venue_wire.h — the server's state as the plain structs of the wire in
 * shared/ (shared/wire_supervisor_server.h builds the messages from
 * them): an area with its override, group and corrections, a group with
 * the ids of its areas, a terminal's status.
 *
 * Relies on: struct hc_server (aggregator/server_internal.h), read only.
 * Promises: what a filler writes is what the aggregator publishes at
 * that moment (the published area and group states, the ledger's
 * figures for terminals); nothing is serialised here.
 */
#ifndef HC_VENUE_WIRE_H
#define HC_VENUE_WIRE_H

#include <stdint.h>

#include "shared/wire_supervisor_server.h"

struct hc_server;

/* Area i (config order) as the supervisor role sends it. */
void hc_venue_wire_area(const struct hc_server *s, int i, struct hc_wire_area *out);

/* Group g with override_by / override_reason; ids (HC_AREAS_MAX
 * entries) gets the ids of its areas, borrowed from the config, and
 * *id_count their number. */
void hc_venue_wire_group(const struct hc_server *s, int g, struct hc_wire_group *out,
			 const char **ids, uint32_t *id_count);

/* Terminal i (config order): connection, ledger and what it reported. */
void hc_venue_wire_terminal(const struct hc_server *s, int i, struct hc_wire_terminal *out);

/* Every group of the venue as snapshot entries: groups[g] with its ids.
 * Heap memory owned by *out; free with hc_venue_wire_groups_free(). */
struct hc_venue_wire_groups {
	struct hc_wire_group groups[HC_GROUPS_MAX];
	const char *ids[HC_GROUPS_MAX][HC_AREAS_MAX];
	struct hc_wire_group_entry entries[HC_GROUPS_MAX];
	uint32_t count;
};
struct hc_venue_wire_groups *hc_venue_wire_groups_new(const struct hc_server *s);
void hc_venue_wire_groups_free(struct hc_venue_wire_groups *g);

#endif
