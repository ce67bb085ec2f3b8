/*
 * venue_settings.h — what aggregator/venue_settings.c exports: the venue
 * state's start and end, the effective config (the file's plus the
 * supervisors' threshold adjustments), overrides, and applying a config
 * at start-up or after a reload. Loop thread.
 */
#ifndef HC_VENUE_SETTINGS_H
#define HC_VENUE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/server_internal.h"

/* Applies the config, loads the corrections and history, logs every
 * area's state; false (start-up refused, logged) on failure. */
bool hc_venue_state_init(struct hc_server *s);
void hc_venue_state_free(struct hc_server *s);
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

#endif
