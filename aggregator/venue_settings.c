/*
 * venue_settings.c — the effective settings of the venue: the config
 * file's values plus the supervisors' run-time overrides and threshold
 * adjustments, the slot tables that keep ids stable across reloads, and
 * applying a new config (hc_venue_state_apply_config), and the venue
 * state's start-up and release (hc_venue_state_init, _free), which
 * apply the first config.
 *
 * Relies on: the value rules of aggregator/supervisor_cmd.h
 * (hc_adjustment_apply / _merge), shared/config.h lookups,
 * aggregator/slots.h, aggregator/congestion.h, and venue_refresh.c /
 * venue_cache.c to republish after a change (their headers).
 * From aggregator/server_internal.h it needs struct hc_server (cfg,
 * base_cfg, overrides, override_count, adjustments, adjustment_count,
 * sources, area_ids, term_slot, slot_term, area_slot, slot_area, areas,
 * groups, congestion, generation), struct hc_override_entry, struct
 * hc_adjust_entry, HC_SETTINGS_MAX and the hc_venue_* declarations.
 *
 * Promises: the effective config is always base + adjustments, rebuilt
 * as a whole, so a reload keeps the supervisors' changes and a change
 * that no longer fits the file's thresholds is dropped with a WARN
 * rather than half applied; a reload that would overflow the slot
 * tables is refused before anything changes; areas and groups keep
 * their published state and version by id across a renumbering.
 */
#include "aggregator/venue_settings.h"

#include "aggregator/server_internal.h"
#include "aggregator/venue_cache.h"
#include "aggregator/venue_refresh.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"

/* ---- overrides and adjustments ------------------------------------------ */

static int target_index(const struct hc_venue_cfg *cfg, enum hc_sup_target target, const char *id)
{
	return target == HC_SUP_GROUP ? hc_venue_find_group(cfg, id) : hc_venue_find_area(cfg, id);
}

/* Applies one remembered override to the congestion state, if its
 * target is in the current config. */
static void apply_override(struct hc_server *s, const struct hc_override_entry *e)
{
	int i = target_index(s->cfg, e->target, e->id);
	if (i < 0)
		return;
	if (e->target == HC_SUP_GROUP)
		hc_congestion_override_group(s->congestion, i, e->mode);
	else
		hc_congestion_override_area(s->congestion, i, e->mode);
}

void hc_venue_state_set_override(struct hc_server *s, const struct hc_override_entry *e)
{
	int found = -1;
	for (int k = 0; k < s->override_count; k++)
		if (s->overrides[k].target == e->target && strcmp(s->overrides[k].id, e->id) == 0)
			found = k;
	if (e->mode == HC_OVERRIDE_AUTO) {
		if (found >= 0)
			s->overrides[found] = s->overrides[--s->override_count];
	} else if (found >= 0) {
		s->overrides[found] = *e;
	} else if (s->override_count < HC_SETTINGS_MAX) {
		s->overrides[s->override_count++] = *e;
	}
	apply_override(s, e);
}

struct hc_adjust_entry *hc_venue_state_find_adjustment(struct hc_server *s,
						       enum hc_sup_target target, const char *id)
{
	for (int k = 0; k < s->adjustment_count; k++)
		if (s->adjustments[k].target == target && strcmp(s->adjustments[k].id, id) == 0)
			return &s->adjustments[k];
	return NULL;
}

bool hc_venue_state_merge_adjustment(struct hc_server *s, enum hc_sup_target target, const char *id,
				     const struct hc_adjustment *adj)
{
	struct hc_adjust_entry *e = hc_venue_state_find_adjustment(s, target, id);
	if (e == NULL) {
		if (s->adjustment_count == HC_SETTINGS_MAX)
			return false;
		e = &s->adjustments[s->adjustment_count++];
		memset(e, 0, sizeof *e);
		e->target = target;
		snprintf(e->id, sizeof e->id, "%s", id);
	}
	hc_adjustment_merge(&e->adj, adj);
	return true;
}

bool hc_venue_state_base_values(const struct hc_server *s, enum hc_sup_target target,
				const char *id, struct hc_thresholds *t, int64_t *capacity)
{
	const struct hc_venue_cfg *base = s->base_cfg;
	int i = target_index(base, target, id);
	if (i < 0)
		return false;
	*t = target == HC_SUP_GROUP ? base->groups[i].thresholds : base->areas[i].thresholds;
	*capacity = target == HC_SUP_GROUP ? base->groups[i].capacity : base->areas[i].capacity;
	return true;
}

/* A copy of the base config with every adjustment whose target exists
 * applied; one that no longer fits is left out with a WARN. */
static struct hc_venue_cfg *build_effective(struct hc_server *s)
{
	struct hc_venue_cfg *cfg = malloc(sizeof *cfg);
	if (cfg == NULL)
		return NULL;
	memcpy(cfg, s->base_cfg, sizeof *cfg);
	for (int k = 0; k < s->adjustment_count; k++) {
		const struct hc_adjust_entry *e = &s->adjustments[k];
		int i = target_index(cfg, e->target, e->id);
		if (i < 0)
			continue;
		bool group = e->target == HC_SUP_GROUP;
		struct hc_thresholds *t = group ? &cfg->groups[i].thresholds
						: &cfg->areas[i].thresholds;
		int64_t *capacity = group ? &cfg->groups[i].capacity : &cfg->areas[i].capacity;
		char why[160];
		if (!hc_adjustment_apply(&e->adj, group, t, capacity, why, sizeof why))
			hc_warn("%s %s: run-time threshold changes do not fit the config"
				" file's values and are not applied: %s",
				hc_sup_target_name(e->target), e->id, why);
	}
	return cfg;
}

/* ---- config and slots ------------------------------------------------- */

/* Whether count new ids of kind still fit table, whose slots are never
 * given back while the aggregator runs; false with the reason in why. */
static bool slots_fit(const struct hc_slots *table, uint32_t count, const char *kind, char *why,
		      size_t why_cap)
{
	if (count <= hc_slots_capacity(table) - hc_slots_count(table))
		return true;
	snprintf(why, why_cap,
		 "more than %u distinct %s ids since start;"
		 " restart the aggregator to take this config",
		 hc_slots_capacity(table), kind);
	return false;
}

/* Gives every terminal and area of cfg a slot (ids keep theirs), or
 * fails without adding any when the tables would overflow. */
static bool ensure_slots(struct hc_server *s, const struct hc_venue_cfg *cfg, char *why,
			 size_t why_cap)
{
	uint32_t new_sources = 0, new_areas = 0;
	for (int i = 0; i < cfg->terminal_count; i++)
		new_sources += hc_slots_find(s->sources, cfg->terminals[i].id) == HC_SLOT_NONE;
	for (int i = 0; i < cfg->area_count; i++)
		new_areas += hc_slots_find(s->area_ids, cfg->areas[i].id) == HC_SLOT_NONE;
	if (!slots_fit(s->sources, new_sources, "terminal", why, why_cap) ||
	    !slots_fit(s->area_ids, new_areas, "area", why, why_cap))
		return false;
	for (int i = 0; i < cfg->terminal_count; i++)
		hc_slots_add(s->sources, cfg->terminals[i].id);
	for (int i = 0; i < cfg->area_count; i++)
		hc_slots_add(s->area_ids, cfg->areas[i].id);
	return true;
}

/* Rebuilds the position <-> slot maps for s->cfg. */
static void map_slots(struct hc_server *s)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	for (uint32_t k = 0; k < HC_SOURCE_SLOTS_MAX; k++)
		s->slot_term[k] = -1;
	for (uint32_t k = 0; k < HC_AREA_SLOTS_MAX; k++)
		s->slot_area[k] = -1;
	for (int i = 0; i < cfg->terminal_count; i++) {
		uint32_t slot = hc_slots_find(s->sources, cfg->terminals[i].id);
		s->term_slot[i] = (int)slot;
		s->slot_term[slot] = i;
	}
	for (int i = 0; i < cfg->area_count; i++) {
		uint32_t slot = hc_slots_find(s->area_ids, cfg->areas[i].id);
		s->area_slot[i] = (int)slot;
		s->slot_area[slot] = i;
	}
}

/* After positions moved: each area and group keeps its pushed state
 * and version by id (so nobody is sent what they have); new ones start
 * blank and are reported as changed by the refresh that follows. */
static bool carry_states_by_id(struct hc_server *s, const struct hc_venue_cfg *previous)
{
	struct hc_area_slot *areas = malloc(sizeof s->areas);
	struct hc_group_slot *groups = malloc(sizeof s->groups);
	bool ok = areas != NULL && groups != NULL;
	if (ok) {
		memcpy(areas, s->areas, sizeof s->areas);
		memcpy(groups, s->groups, sizeof s->groups);
	}
	const struct hc_venue_cfg *cfg = s->cfg;
	for (int i = 0; i < cfg->area_count; i++) {
		int old = ok && previous ? hc_venue_find_area(previous, cfg->areas[i].id) : -1;
		if (old >= 0) {
			s->areas[i] = areas[old];
		} else {
			memset(&s->areas[i], 0, sizeof s->areas[i]);
			s->areas[i].state.level = (enum hc_level) - 1;
		}
	}
	for (int g = 0; g < cfg->group_count; g++) {
		int old = ok && previous ? hc_venue_find_group(previous, cfg->groups[g].id) : -1;
		if (old >= 0) {
			s->groups[g] = groups[old];
		} else {
			memset(&s->groups[g], 0, sizeof s->groups[g]);
			s->groups[g].state.level = (enum hc_level) - 1;
		}
	}
	free(areas);
	free(groups);
	return ok;
}

bool hc_venue_state_apply_config(struct hc_server *s, bool renumbered, char *why, size_t why_cap)
{
	struct hc_venue_cfg *next = build_effective(s);
	if (next == NULL) {
		snprintf(why, why_cap, "out of memory");
		return false;
	}
	if (!ensure_slots(s, next, why, why_cap)) {
		free(next);
		return false;
	}
	struct hc_venue_cfg *previous = (struct hc_venue_cfg *)s->cfg;
	bool first = previous == NULL;
	if (s->congestion == NULL) {
		s->congestion = hc_congestion_new(next);
		if (s->congestion == NULL) {
			free(next);
			snprintf(why, why_cap, "out of memory");
			return false;
		}
	} else {
		hc_congestion_reconfigure(s->congestion, next);
	}
	s->cfg = next;
	map_slots(s);
	for (int k = 0; k < s->override_count; k++)
		apply_override(s, &s->overrides[k]);
	if (renumbered && !carry_states_by_id(s, previous)) {
		snprintf(why, why_cap, "out of memory");
		/* The config is switched already; states are rebuilt anyway. */
	}
	if (renumbered)
		s->generation++;
	free(previous);
	/* Group messages name their areas, and positions may have moved:
	 * every cached message is rebuilt from the new config. */
	venue_invalidate_messages(s);
	venue_refresh(s, first);
	if (renumbered)
		venue_wake_everyone(s);
	return true;
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
