/*
 * venue_state.h — what aggregator/venue_state.c exports: area and group
 * states and their versions, congestion, the hold timer, overrides and
 * threshold adjustments, the effective config, history samples, and the
 * messages built once per version. Loop thread.
 */
#ifndef HC_VENUE_STATE_H
#define HC_VENUE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include <jansson.h>

#include "aggregator/server_internal.h"

bool hc_venue_state_init(struct hc_server *s);
void hc_venue_state_free(struct hc_server *s);
/* Recomputes every area and group (totals, level, restriction, override,
 * capacity), bumps the versions of those that changed and asks the
 * terminal, map and supervisor connections to write, in this loop turn.
 * Re-arms the hold timer. */
void hc_venue_state_refresh(struct hc_server *s);
/* Offers every area's and group's current state to the MQTT bridge. */
void hc_venue_state_offer_all_to_bridge(struct hc_server *s);
/* Rebuilds s->cfg from s->base_cfg plus the adjustments, the slot
 * mappings and the congestion state (kept by id), re-applies overrides,
 * then refreshes. renumbered: indexes may have moved (a reload), so
 * every map and supervisor connection gets a fresh snapshot. False (and
 * nothing changed) when out of memory or out of slots. */
bool hc_venue_state_apply_config(struct hc_server *s, bool renumbered, char *why, size_t why_cap);
/* Area or group override by id, remembered and applied (no refresh). */
void hc_venue_state_set_override(struct hc_server *s, const struct hc_override_entry *e);
/* The adjustment remembered for a target, or NULL. */
struct hc_adjust_entry *hc_venue_state_find_adjustment(struct hc_server *s,
						       enum hc_sup_target target, const char *id);
/* Remembers adj (merged into any earlier one); false when full. */
bool hc_venue_state_merge_adjustment(struct hc_server *s, enum hc_sup_target target, const char *id,
				     const struct hc_adjustment *adj);
/* The config as loaded from the file: thresholds and capacity of a
 * target, before adjustments. */
bool hc_venue_state_base_values(const struct hc_server *s, enum hc_sup_target target,
				const char *id, struct hc_thresholds *t, int64_t *capacity);
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
/* Starts the history sample timer. */
void hc_venue_state_start_samples(struct hc_server *s);
/* Marks a terminal's status changed for supervisors. */
void hc_venue_state_terminal_changed(struct hc_server *s, uint32_t slot);
/* Asks every supervisor connection to write. */
void hc_venue_state_wake_supervisors(struct hc_server *s);

#endif
