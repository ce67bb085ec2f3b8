/*
 * venue_refresh.c — the derived state of every area and group and its
 * publication: totals from the ledger, occupancy, level, restriction and
 * why, the version counters, the restriction-hold and deferred-publish
 * timers, waking the connections that have something new, and handing
 * published states to the MQTT bridge.
 *
 * Relies on: the ledger for totals (by area slot), aggregator/congestion.h
 * for level and restriction (fed monotonic milliseconds),
 * aggregator/conflation.h to decide when an occupancy-only change is
 * published, shared/occupancy.h for the occupancy rule, lws for the
 * timers and to ask connections to write; the serialised messages come
 * from venue_state.c. From aggregator/server_internal.h it needs struct
 * hc_server (cfg, areas, groups, terminals, term_slot, area_slot,
 * ledger, congestion, mqtt, context, protocols, supervisors,
 * version_clock, publish_clock, commits_collected, congestion_sul,
 * publish_sul), the slot and session structs, HC_PROTOCOL_TERMINAL*,
 * the map_publish hook and the hc_venue_* declarations.
 *
 * Promises (the rest of the venue state's promises are in venue_state.c):
 *   - an area's or group's version grows whenever anything in its
 *     published state changes, and only then;
 *   - every change is computed in the loop turn that caused it
 *     (hc_venue_state_refresh); a change of level, restriction,
 *     override, name or capacity is published and the writes requested
 *     in that turn, an occupancy-only change when the conflation bucket
 *     allows it, else at the next token with the latest totals;
 *   - an area's valid_through_commit says which commits its published
 *     state includes.
 */
#include "aggregator/venue_refresh.h"

#include "aggregator/mqtt_bridge.h"
#include "aggregator/server_internal.h"
#include "aggregator/venue_state.h"

#include <inttypes.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/occupancy.h"

static uint64_t next_version(struct hc_server *s)
{
	return ++s->version_clock;
}

/* A version for a published area or group; also moves the snapshot's. */
static uint64_t next_publication(struct hc_server *s)
{
	s->publish_clock = next_version(s);
	return s->publish_clock;
}

/* ---- timers ----------------------------------------------------------- */

static void congestion_timer_due(lws_sorted_usec_list_t *sul);

/* Sets the timer for the next restriction hold to expire, if any. */
static void schedule_congestion_timer(struct hc_server *s)
{
	int64_t deadline_ms = hc_congestion_deadline_ms(s->congestion);
	if (deadline_ms == INT64_MAX) {
		lws_sul_cancel(&s->congestion_sul);
		return;
	}
	int64_t wait_ms = deadline_ms - hc_mono_ms();
	if (wait_ms < 1)
		wait_ms = 1;
	lws_sul_schedule(s->context, 0, &s->congestion_sul, congestion_timer_due,
			 wait_ms * LWS_US_PER_MS);
}

static void congestion_timer_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, congestion_sul);
	hc_venue_state_refresh(s);
}

/* ---- pushing ---------------------------------------------------------- */

void hc_venue_state_wake_supervisors(struct hc_server *s)
{
	for (struct hc_supervisor_session *sv = s->supervisors; sv != NULL; sv = sv->next)
		lws_callback_on_writable(sv->ws.wsi);
}

void hc_venue_state_terminal_changed(struct hc_server *s, uint32_t slot)
{
	s->terminals[slot].version = next_version(s);
	hc_venue_state_wake_supervisors(s);
}

/* Asks every terminal, map and supervisor to write (after a reload that
 * moved positions, everyone has something new). */
void venue_wake_everyone(struct hc_server *s)
{
	lws_callback_on_writable_all_protocol(s->context, &s->protocols[HC_PROTOCOL_TERMINAL]);
	lws_callback_on_writable_all_protocol(s->context, &s->protocols[HC_PROTOCOL_TERMINAL_V1]);
	s->hooks.map_publish(s);
	hc_venue_state_wake_supervisors(s);
}

/* Asks the terminals of the areas marked in changed, every map and
 * every supervisor to write; terminals of other areas have nothing new. */
static void wake_for_areas(struct hc_server *s, const bool *changed)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	for (int k = 0; k < cfg->terminal_count; k++) {
		if (!changed[cfg->terminals[k].area_index])
			continue;
		struct hc_terminal_session *t = s->terminals[s->term_slot[k]].session;
		if (t != NULL)
			lws_callback_on_writable(t->ws.wsi);
	}
	s->hooks.map_publish(s);
	hc_venue_state_wake_supervisors(s);
}

static bool area_state_equal(const struct hc_area_state *a, const struct hc_area_state *b)
{
	return strcmp(a->id, b->id) == 0 && strcmp(a->name, b->name) == 0 &&
	       a->entered == b->entered && a->exited == b->exited && a->occupancy == b->occupancy &&
	       a->capacity == b->capacity && a->level == b->level &&
	       a->restricted == b->restricted && strcmp(a->restricted_by, b->restricted_by) == 0 &&
	       strcmp(a->restricted_by_name, b->restricted_by_name) == 0;
}

/* Fills next's restricted_by (and the group's name) from why the gate
 * of area i is shut: its own gate first (override or count), else its
 * group's (override or count). Empty while the area is open. */
static void set_restricted_by(const struct hc_server *s, int i, struct hc_area_state *next)
{
	next->restricted_by[0] = '\0';
	next->restricted_by_name[0] = '\0';
	if (!next->restricted)
		return;
	if (hc_congestion_area_own_restricted(s->congestion, i)) {
		bool forced = hc_congestion_area_override(s->congestion, i) ==
			      HC_OVERRIDE_FORCE_CLOSED;
		snprintf(next->restricted_by, sizeof next->restricted_by, "%s",
			 forced ? "override" : "area");
		return;
	}
	int g = hc_congestion_area_group(s->congestion, i);
	if (g < 0)
		return; /* cannot happen: effective = own || group's */
	bool forced = hc_congestion_group_override(s->congestion, g) == HC_OVERRIDE_FORCE_CLOSED;
	snprintf(next->restricted_by, sizeof next->restricted_by, "%s%s",
		 forced ? "group_override:" : "group:", s->cfg->groups[g].id);
	snprintf(next->restricted_by_name, sizeof next->restricted_by_name, "%s",
		 s->cfg->groups[g].name);
}

static bool group_state_equal(const struct hc_group_state *a, const struct hc_group_state *b)
{
	return strcmp(a->id, b->id) == 0 && strcmp(a->name, b->name) == 0 &&
	       a->occupancy == b->occupancy && a->capacity == b->capacity && a->level == b->level &&
	       a->restricted == b->restricted && a->override == b->override;
}

/* Whether a change is published in this turn: a gate change always, an
 * occupancy-only change when the bucket holds a token
 * (aggregator/conflation.h). False marks the area or group deferred. */
static bool publish_now(struct hc_push_bucket *bucket, bool *deferred, bool occupancy_only,
			int64_t now_mono_ms)
{
	if (hc_conflation_publish_now(bucket, occupancy_only ? HC_CHANGE_OCCUPANCY : HC_CHANGE_GATE,
				      now_mono_ms))
		return true;
	*deferred = true;
	return false;
}

/* The INFO line of a published level or restriction change of the area
 * or group (kind) id. */
static void log_gate(const char *kind, const char *id, int64_t occupancy, int64_t capacity,
		     enum hc_level level, bool restricted)
{
	hc_info("%s %s: occupancy %" PRId64 " of %" PRId64 ", level %s%s", kind, id, occupancy,
		capacity, hc_level_name(level), restricted ? ", entry restricted" : "");
}

/* Recomputes area i; true when a new state was published (its version is
 * bumped). An occupancy-only change inside the push interval leaves the
 * published state as it is and marks the area deferred. */
static bool refresh_area(struct hc_server *s, int i, int64_t now_wall_ms, int64_t now_mono_ms,
			 bool quiet)
{
	const struct hc_area_cfg *ac = &s->cfg->areas[i];
	struct hc_area_slot *slot = &s->areas[i];
	struct hc_area_state next = slot->state;
	snprintf(next.id, sizeof next.id, "%s", ac->id);
	snprintf(next.name, sizeof next.name, "%s", ac->name);
	hc_ledger_area_totals(s->ledger, (uint32_t)s->area_slot[i], &next.entered, &next.exited);
	next.occupancy = hc_occupancy(next.entered, next.exited);
	next.capacity = ac->capacity;
	next.level = hc_congestion_area_level(s->congestion, i);
	next.restricted = hc_congestion_area_restricted(s->congestion, i);
	set_restricted_by(s, i, &next);
	enum hc_override override = hc_congestion_area_override(s->congestion, i);
	if (area_state_equal(&next, &slot->state) && override == slot->override) {
		slot->deferred = false;
		slot->valid_through_commit = s->commits_collected;
		return false;
	}
	bool gate_moved = next.level != slot->state.level ||
			  next.restricted != slot->state.restricted ||
			  strcmp(next.restricted_by, slot->state.restricted_by) != 0 ||
			  strcmp(next.restricted_by_name, slot->state.restricted_by_name) != 0;
	bool occupancy_only = !gate_moved && override == slot->override &&
			      next.capacity == slot->state.capacity &&
			      strcmp(next.id, slot->state.id) == 0 &&
			      strcmp(next.name, slot->state.name) == 0;
	if (!publish_now(&slot->bucket, &slot->deferred, occupancy_only, now_mono_ms))
		return false;
	next.updated_at_ms = now_wall_ms;
	slot->state = next;
	slot->override = override;
	slot->version = next_publication(s);
	slot->deferred = false;
	slot->valid_through_commit = s->commits_collected;
	if (gate_moved && !quiet)
		log_gate("area", next.id, next.occupancy, next.capacity, next.level,
			 next.restricted);
	return true;
}

/* Recomputes group g; true when a new state was published (deferred
 * like an area's when only the occupancy moved). */
static bool refresh_group(struct hc_server *s, int g, int64_t now_wall_ms, int64_t now_mono_ms,
			  bool quiet)
{
	const struct hc_group_cfg *gc = &s->cfg->groups[g];
	struct hc_group_slot *slot = &s->groups[g];
	struct hc_group_state next = slot->state;
	snprintf(next.id, sizeof next.id, "%s", gc->id);
	snprintf(next.name, sizeof next.name, "%s", gc->name);
	next.occupancy = hc_congestion_group_occupancy(s->congestion, g);
	next.capacity = gc->capacity;
	next.level = hc_congestion_group_level(s->congestion, g);
	next.restricted = hc_congestion_group_restricted(s->congestion, g);
	next.override = hc_congestion_group_override(s->congestion, g);
	if (group_state_equal(&next, &slot->state)) {
		slot->deferred = false;
		return false;
	}
	bool gate_moved = next.level != slot->state.level ||
			  next.restricted != slot->state.restricted;
	bool occupancy_only = !gate_moved && next.override == slot->state.override &&
			      next.capacity == slot->state.capacity &&
			      strcmp(next.id, slot->state.id) == 0 &&
			      strcmp(next.name, slot->state.name) == 0;
	if (!publish_now(&slot->bucket, &slot->deferred, occupancy_only, now_mono_ms))
		return false;
	next.updated_at_ms = now_wall_ms;
	slot->state = next;
	slot->version = next_publication(s);
	slot->deferred = false;
	if (gate_moved && !quiet)
		log_gate("group", next.id, next.occupancy, next.capacity, next.level,
			 next.restricted);
	return true;
}

static void publish_timer_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, publish_sul);
	hc_venue_state_refresh(s);
}

/* Sets the timer for the earliest deferred area or group to be
 * published, or cancels it when nothing waits. */
static void schedule_publish_timer(struct hc_server *s, int64_t now_mono_ms)
{
	int64_t due_ms = INT64_MAX;
	for (int i = 0; i < s->cfg->area_count; i++) {
		int64_t due = hc_conflation_due_ms(&s->areas[i].bucket, now_mono_ms);
		if (s->areas[i].deferred && due < due_ms)
			due_ms = due;
	}
	for (int g = 0; g < s->cfg->group_count; g++) {
		int64_t due = hc_conflation_due_ms(&s->groups[g].bucket, now_mono_ms);
		if (s->groups[g].deferred && due < due_ms)
			due_ms = due;
	}
	if (due_ms == INT64_MAX) {
		lws_sul_cancel(&s->publish_sul);
		return;
	}
	int64_t wait_ms = due_ms - now_mono_ms;
	if (wait_ms < 1)
		wait_ms = 1;
	lws_sul_schedule(s->context, 0, &s->publish_sul, publish_timer_due,
			 wait_ms * LWS_US_PER_MS);
}

/* Hands the published states marked in changed / group_changed to the
 * MQTT bridge (the same bytes the map role sends); NULL marks: all. */
static void offer_to_bridge(struct hc_server *s, const bool *changed, const bool *group_changed)
{
	if (s->mqtt == NULL)
		return;
	size_t len = 0;
	for (int i = 0; i < s->cfg->area_count; i++) {
		if (changed != NULL && !changed[i])
			continue;
		unsigned char *buf = hc_venue_area_message(s, i, &len);
		if (buf != NULL)
			hc_mqtt_bridge_offer(s->mqtt, "area", s->cfg->areas[i].id,
					     (const char *)buf + LWS_PRE, len);
	}
	for (int g = 0; g < s->cfg->group_count; g++) {
		if (group_changed != NULL && !group_changed[g])
			continue;
		unsigned char *buf = hc_venue_group_message(s, g, &len);
		if (buf != NULL)
			hc_mqtt_bridge_offer(s->mqtt, "group", s->cfg->groups[g].id,
					     (const char *)buf + LWS_PRE, len);
	}
}

void hc_venue_state_offer_all_to_bridge(struct hc_server *s)
{
	offer_to_bridge(s, NULL, NULL);
}

/* The refresh proper; quiet: no change lines (start-up). */
void venue_refresh(struct hc_server *s, bool quiet)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	int64_t now_wall_ms = hc_wall_ms();
	int64_t now_mono_ms = hc_mono_ms();
	for (int i = 0; i < cfg->area_count; i++) {
		int64_t entered, exited;
		hc_ledger_area_totals(s->ledger, (uint32_t)s->area_slot[i], &entered, &exited);
		hc_congestion_set_occupancy(s->congestion, i, hc_occupancy(entered, exited));
	}
	hc_congestion_evaluate(s->congestion, now_mono_ms, NULL, NULL);
	bool any_group = false;
	bool changed[HC_AREAS_MAX] = { false };
	bool group_changed[HC_GROUPS_MAX] = { false };
	bool any_area = false;
	for (int g = 0; g < cfg->group_count; g++) {
		group_changed[g] = refresh_group(s, g, now_wall_ms, now_mono_ms, quiet);
		any_group |= group_changed[g];
	}
	for (int i = 0; i < cfg->area_count; i++) {
		changed[i] = refresh_area(s, i, now_wall_ms, now_mono_ms, quiet);
		any_area |= changed[i];
	}
	if (any_area || any_group) {
		wake_for_areas(s, changed);
		offer_to_bridge(s, changed, group_changed);
	}
	schedule_congestion_timer(s);
	schedule_publish_timer(s, now_mono_ms);
}

void hc_venue_state_refresh(struct hc_server *s)
{
	venue_refresh(s, false);
}
