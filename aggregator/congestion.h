/*
 * congestion.h — levels and entry restriction for a whole venue (pure).
 *
 * Holds, for every area and group of the venue config, its occupancy,
 * level (levels.h) and restriction state machine (restriction.h). A group's
 * occupancy is the sum of its areas'; its capacity is the configured one.
 * An area's effective restriction is its own OR its group's: restricting
 * a group closes the entry to all its areas. The aggregator feeds counts
 * and time in and pushes whatever hc_congestion_evaluate() reports changed.
 */
#ifndef HC_CONGESTION_H
#define HC_CONGESTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/restriction.h"
#include "shared/config.h"
#include "shared/types.h"

struct hc_congestion;

/* Builds state for cfg (which must outlive it, until reconfigure). */
struct hc_congestion *hc_congestion_new(const struct hc_venue_cfg *cfg);
void hc_congestion_free(struct hc_congestion *c);

/* Switches to a new config (SIGHUP reload, threshold change). Areas and
 * groups keep their occupancy, restriction state and override by id;
 * new ones start open. Call evaluate afterwards. The previous cfg is read
 * here (to match ids), so free it only after this returns. */
void hc_congestion_reconfigure(struct hc_congestion *c, const struct hc_venue_cfg *cfg);

/* Sets an area's current occupancy (max(0, entered - exited)). */
void hc_congestion_set_occupancy(struct hc_congestion *c, int area_index, int64_t occupancy);

/* Re-evaluates every group and area at now_ms. For each area whose level
 * or effective restriction changed, sets area_changed[i] (array of
 * cfg->area_count, may be NULL); likewise group_changed. Returns the
 * number of areas plus groups that changed. */
size_t hc_congestion_evaluate(struct hc_congestion *c, int64_t now_ms, bool *area_changed,
			      bool *group_changed);

/* Supervisor override of one area or group; evaluate afterwards. */
void hc_congestion_override_area(struct hc_congestion *c, int area_index, enum hc_override o);
void hc_congestion_override_group(struct hc_congestion *c, int group_index, enum hc_override o);

int64_t hc_congestion_area_occupancy(const struct hc_congestion *c, int i);
enum hc_level hc_congestion_area_level(const struct hc_congestion *c, int i);
/* Effective: the area's own restriction or its group's. */
bool hc_congestion_area_restricted(const struct hc_congestion *c, int i);
enum hc_override hc_congestion_area_override(const struct hc_congestion *c, int i);
/* The area's own gate alone (its count or its override), without its
 * group's; with the group index (-1: none) these tell why it is shut. */
bool hc_congestion_area_own_restricted(const struct hc_congestion *c, int i);
int hc_congestion_area_group(const struct hc_congestion *c, int i);

int64_t hc_congestion_group_occupancy(const struct hc_congestion *c, int g);
enum hc_level hc_congestion_group_level(const struct hc_congestion *c, int g);
bool hc_congestion_group_restricted(const struct hc_congestion *c, int g);
enum hc_override hc_congestion_group_override(const struct hc_congestion *c, int g);

/* Earliest time evaluate() could change something without a new count
 * (a hold expiring), or INT64_MAX. The aggregator sets a timer for it. */
int64_t hc_congestion_deadline_ms(const struct hc_congestion *c);

#endif
