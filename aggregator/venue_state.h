/*
 * venue_state.h — what aggregator/venue_state.c exports: the messages
 * built once per version (area, group, map snapshot), the live figure
 * of an area, and the JSON supervisors and the HTTP API get. The
 * derived state is refreshed by venue_refresh.c, the effective settings
 * are venue_settings.c's. Loop thread.
 */
#ifndef HC_VENUE_STATE_H
#define HC_VENUE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "aggregator/server_internal.h"

/* JSON of an area for supervisors (the area object plus "override" and
 * "group"), of a group, of a terminal (by config position). New refs. */
json_t *hc_venue_area_json_full(const struct hc_server *s, int i);
/* Adds override_by and override_reason to o while the target's override
 * is not auto (supervisors only). False when out of memory. */
bool hc_venue_override_who_json(const struct hc_server *s, enum hc_sup_target target,
				const char *id, json_t *o);
json_t *hc_venue_group_json(const struct hc_server *s, int g);
json_t *hc_venue_terminal_json(const struct hc_server *s, int i);
/* The {"type":"area"} message of area i (or group message of group g)
 * for its current version, serialised at most once per version; the
 * bytes stay valid until the next refresh or reload. NULL when out of
 * memory. The buffer has LWS_PRE bytes of headroom before the payload. */
unsigned char *hc_venue_area_message(struct hc_server *s, int i, size_t *len);
unsigned char *hc_venue_group_message(struct hc_server *s, int g, size_t *len);
/* Area i's published state with the ledger's totals of this moment
 * (entered, exited, occupancy): what a poller (GET /api/areas) gets, as
 * time conflation is for pushes. Level and restriction are the
 * published ones, which never lag. */
void hc_venue_area_live(const struct hc_server *s, int i, struct hc_area_state *out);
/* The map snapshot for the current publication, built once. */
unsigned char *hc_venue_snapshot_message(struct hc_server *s, size_t *len);

#endif
