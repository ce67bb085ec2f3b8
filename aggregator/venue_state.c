/*
 * venue_state.c — each area's and group's pushed state (totals,
 * occupancy, level, restriction, override) with a version counter, the
 * effective config (the file plus supervisors' threshold changes), and
 * the per-area history samples.
 *
 * Relies on: the ledger for totals (by area slot), aggregator/congestion.h
 * for level and restriction (fed monotonic milliseconds), the shared
 * value rules (supervisor_cmd.h, shared/config.h) to apply threshold
 * adjustments, lws for the hold and sample timers and to ask connections
 * to write.
 *
 * Promises:
 *   - an area's or group's version grows whenever anything in its state
 *     changes, and only then; every connection compares it with the
 *     version it last sent, so each gets the latest state and never a
 *     backlog (conflation, docs/design.md invariant 4);
 *   - every change — a commit, a hold expiring, an override, a threshold
 *     change, a reload — is computed in the same loop turn that caused
 *     it (hc_venue_state_refresh). A change of level, restriction,
 *     override, name or capacity is published and the writes requested
 *     in that turn. An occupancy-only change is published at once when
 *     the area's (group's) token bucket holds a token, otherwise it is
 *     deferred until the next token and then published with the latest
 *     totals (aggregator/conflation.h decides; about
 *     HC_OCCUPANCY_PUSH_RATE_PER_S per second per area at most, never a
 *     backlog);
 *   - each published area, group and snapshot message is serialised once
 *     per version and the same bytes are written to every receiver;
 *   - an area's valid_through_commit says which commits its published
 *     state includes, so a terminal is never sent a figure older than
 *     an ack it already has (its shown figure adds acked deltas until
 *     the next area message, docs/design.md invariant 3);
 *   - the effective config is always base + adjustments, rebuilt as a
 *     whole, so a reload keeps the supervisors' changes and a change
 *     that no longer fits the file's thresholds is dropped with a WARN
 *     rather than half applied;
 *   - occupancy = max(0, entered - exited) while the raw sums are kept and
 *     shown; updated_at is the wall time of the change.
 */
#include "aggregator/server_internal.h"
#include "aggregator/server_commit.h"
#include "aggregator/venue_state.h"
#include "aggregator/mqtt_bridge.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/history.h"
#include "aggregator/venue_wire.h"
#include "shared/clock.h"
#include "shared/log.h"

static int64_t occupancy_of(int64_t entered, int64_t exited)
{
	return entered > exited ? entered - exited : 0;
}

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

static void wake_everyone(struct hc_server *s)
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
	next.occupancy = occupancy_of(next.entered, next.exited);
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
	if (!hc_conflation_publish_now(&slot->bucket,
				       occupancy_only ? HC_CHANGE_OCCUPANCY : HC_CHANGE_GATE,
				       now_mono_ms)) {
		slot->deferred = true;
		return false;
	}
	next.updated_at_ms = now_wall_ms;
	slot->state = next;
	slot->override = override;
	slot->version = next_publication(s);
	slot->deferred = false;
	slot->valid_through_commit = s->commits_collected;
	if (gate_moved && !quiet)
		hc_info("area %s: occupancy %" PRId64 " of %" PRId64 ", level %s%s", next.id,
			next.occupancy, next.capacity, hc_level_name(next.level),
			next.restricted ? ", entry restricted" : "");
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
	if (!hc_conflation_publish_now(&slot->bucket,
				       occupancy_only ? HC_CHANGE_OCCUPANCY : HC_CHANGE_GATE,
				       now_mono_ms)) {
		slot->deferred = true;
		return false;
	}
	next.updated_at_ms = now_wall_ms;
	slot->state = next;
	slot->version = next_publication(s);
	slot->deferred = false;
	if (gate_moved && !quiet)
		hc_info("group %s: occupancy %" PRId64 " of %" PRId64 ", level %s%s", next.id,
			next.occupancy, next.capacity, hc_level_name(next.level),
			next.restricted ? ", entry restricted" : "");
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
static void refresh(struct hc_server *s, bool quiet)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	int64_t now_wall_ms = hc_wall_ms();
	int64_t now_mono_ms = hc_mono_ms();
	for (int i = 0; i < cfg->area_count; i++) {
		int64_t entered, exited;
		hc_ledger_area_totals(s->ledger, (uint32_t)s->area_slot[i], &entered, &exited);
		hc_congestion_set_occupancy(s->congestion, i, occupancy_of(entered, exited));
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
	refresh(s, false);
}

/* ---- serialised messages, once per version ------------------------------ */

static void cache_free(struct hc_msg_cache *c)
{
	free(c->buf);
	memset(c, 0, sizeof *c);
}

/* Forgets every cached message (their keys no longer say enough). */
static void invalidate_messages(struct hc_server *s)
{
	for (int i = 0; i < HC_AREAS_MAX; i++)
		s->area_msgs[i].key = 0;
	for (int g = 0; g < HC_GROUPS_MAX; g++)
		s->group_msgs[g].key = 0;
	s->snapshot_msg.key = 0;
}

/* Stores text (len bytes) in c under key, growing its buffer when
 * needed. False when out of memory (c is then empty). */
static bool cache_store(struct hc_msg_cache *c, uint64_t key, const char *text, size_t len)
{
	if (c->buf == NULL || len > c->cap) {
		unsigned char *grown = realloc(c->buf, LWS_PRE + len);
		if (grown == NULL) {
			cache_free(c);
			return false;
		}
		c->buf = grown;
		c->cap = len;
	}
	memcpy(c->buf + LWS_PRE, text, len);
	c->len = len;
	c->key = key;
	return true;
}

/* Serialises a JSON value compactly into c under key; takes the ref. */
static bool cache_store_json(struct hc_msg_cache *c, uint64_t key, json_t *value)
{
	char *text = value != NULL ? json_dumps(value, JSON_COMPACT) : NULL;
	json_decref(value);
	if (text == NULL) {
		c->key = 0;
		return false;
	}
	bool ok = cache_store(c, key, text, strlen(text));
	free(text);
	return ok;
}

void hc_venue_area_live(const struct hc_server *s, int i, struct hc_area_state *out)
{
	*out = s->areas[i].state;
	hc_ledger_area_totals(s->ledger, (uint32_t)s->area_slot[i], &out->entered, &out->exited);
	out->occupancy = occupancy_of(out->entered, out->exited);
}

unsigned char *hc_venue_area_message(struct hc_server *s, int i, size_t *len)
{
	struct hc_msg_cache *c = &s->area_msgs[i];
	if (c->key != s->areas[i].version || c->buf == NULL) {
		char text[1024];
		size_t n = hc_proto_build_area(text, sizeof text, &s->areas[i].state);
		if (n == 0 || !cache_store(c, s->areas[i].version, text, n)) {
			hc_error("area %s: cannot build its message", s->areas[i].state.id);
			return NULL;
		}
	}
	*len = c->len;
	return c->buf;
}

unsigned char *hc_venue_group_message(struct hc_server *s, int g, size_t *len)
{
	struct hc_msg_cache *c = &s->group_msgs[g];
	if (c->key != s->groups[g].version || c->buf == NULL) {
		if (!cache_store_json(c, s->groups[g].version, hc_venue_group_json(s, g))) {
			hc_error("group %s: cannot build its message", s->groups[g].state.id);
			return NULL;
		}
	}
	*len = c->len;
	return c->buf;
}

/* {"type":"snapshot","areas":[...],"groups":[...]} of the published
 * states. New reference or NULL. */
static json_t *snapshot_json(const struct hc_server *s)
{
	struct hc_area_state *areas = calloc((size_t)s->cfg->area_count + 1, sizeof *areas);
	struct hc_venue_wire_groups *groups = hc_venue_wire_groups_new(s);
	json_t *o = NULL;
	if (areas != NULL && groups != NULL) {
		for (int i = 0; i < s->cfg->area_count; i++)
			areas[i] = s->areas[i].state;
		o = hc_area_feed_snapshot_json(areas, (uint32_t)s->cfg->area_count, groups->entries,
					       groups->count);
	}
	free(areas);
	hc_venue_wire_groups_free(groups);
	return o;
}

unsigned char *hc_venue_snapshot_message(struct hc_server *s, size_t *len)
{
	struct hc_msg_cache *c = &s->snapshot_msg;
	/* publish_clock moves with every published area or group; a reload
	 * empties the cache. Key 0 is "empty", so a clock of 0 maps to 1. */
	uint64_t key = s->publish_clock ? s->publish_clock : 1;
	if (c->key != key || c->buf == NULL || s->snapshot_generation != s->generation) {
		if (!cache_store_json(c, key, snapshot_json(s))) {
			hc_error("map: cannot build the snapshot (out of memory)");
			return NULL;
		}
		s->snapshot_generation = s->generation;
	}
	*len = c->len;
	return c->buf;
}

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
	if (new_sources > hc_slots_capacity(s->sources) - hc_slots_count(s->sources)) {
		snprintf(why, why_cap,
			 "more than %u distinct terminal ids since start;"
			 " restart the aggregator to take this config",
			 hc_slots_capacity(s->sources));
		return false;
	}
	if (new_areas > hc_slots_capacity(s->area_ids) - hc_slots_count(s->area_ids)) {
		snprintf(why, why_cap,
			 "more than %u distinct area ids since start;"
			 " restart the aggregator to take this config",
			 hc_slots_capacity(s->area_ids));
		return false;
	}
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
	invalidate_messages(s);
	refresh(s, first);
	if (renumbered)
		wake_everyone(s);
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
		cache_free(&s->area_msgs[i]);
	for (int g = 0; g < HC_GROUPS_MAX; g++)
		cache_free(&s->group_msgs[g]);
	cache_free(&s->snapshot_msg);
	hc_congestion_free(s->congestion);
	s->congestion = NULL;
	hc_corrections_free(s->corrections);
	s->corrections = NULL;
	free((struct hc_venue_cfg *)s->cfg);
	s->cfg = NULL;
}

/* ---- JSON for supervisors, maps and HTTP ------------------------------- */

json_t *hc_venue_area_json_full(const struct hc_server *s, int i)
{
	struct hc_wire_area a;
	hc_venue_wire_area(s, i, &a);
	return hc_wire_sup_area_json(&a, false);
}

bool hc_venue_override_who_json(const struct hc_server *s, enum hc_sup_target target,
				const char *id, json_t *o)
{
	for (int k = 0; k < s->override_count; k++) {
		const struct hc_override_entry *e = &s->overrides[k];
		if (e->target == target && e->mode != HC_OVERRIDE_AUTO && strcmp(e->id, id) == 0)
			return json_object_set_new(o, "override_by", json_string(e->who)) == 0 &&
			       json_object_set_new(o, "override_reason", json_string(e->reason)) ==
				       0;
	}
	return true;
}

json_t *hc_venue_group_json(const struct hc_server *s, int g)
{
	struct hc_wire_group group;
	const char *ids[HC_AREAS_MAX];
	uint32_t n;
	hc_venue_wire_group(s, g, &group, ids, &n);
	return hc_area_feed_group_json(&group, ids, n, true);
}

json_t *hc_venue_terminal_json(const struct hc_server *s, int i)
{
	struct hc_wire_terminal t;
	hc_venue_wire_terminal(s, i, &t);
	return hc_wire_sup_terminal_json(&t, false);
}

/* ---- history samples -------------------------------------------------- */

static void sample_due(lws_sorted_usec_list_t *sul);

static void schedule_sample(struct hc_server *s, int64_t after_wall_ms)
{
	s->sample_boundary_ms = hc_history_next_boundary(after_wall_ms, s->sample_interval_ms);
	int64_t wait_ms = s->sample_boundary_ms - hc_wall_ms();
	if (wait_ms < 1)
		wait_ms = 1;
	lws_sul_schedule(s->context, 0, &s->sample_sul, sample_due, wait_ms * LWS_US_PER_MS);
}

/* Writes one sample per area for the interval that just ended. The
 * interval is the one before the boundary the timer was set for, not
 * one derived from the clock now, so a timer firing a little early or
 * late never names the wrong minute. */
static void sample_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, sample_sul);
	int64_t boundary_ms = s->sample_boundary_ms;
	int64_t now_wall_ms = hc_wall_ms();
	if (now_wall_ms < boundary_ms) { /* early: wait for it */
		lws_sul_schedule(s->context, 0, &s->sample_sul, sample_due,
				 (boundary_ms - now_wall_ms) * LWS_US_PER_MS);
		return;
	}
	const struct hc_venue_cfg *cfg = s->cfg;
	struct hc_store_record *recs = calloc((size_t)cfg->area_count, sizeof *recs);
	if (recs == NULL) {
		hc_error("history: out of memory for %d samples", cfg->area_count);
	} else {
		for (int i = 0; i < cfg->area_count; i++) {
			const struct hc_area_state *a = &s->areas[i].state;
			uint32_t slot = (uint32_t)s->area_slot[i];
			int64_t entered, exited;
			hc_ledger_area_totals(s->ledger, slot, &entered, &exited);
			struct hc_store_record *r = &recs[i];
			r->kind = HC_RECORD_SAMPLE;
			r->at_ms = now_wall_ms;
			snprintf(r->id, sizeof r->id, "%s", a->id);
			r->minute_ms = boundary_ms - s->sample_interval_ms;
			r->occupancy = occupancy_of(entered, exited);
			snprintf(r->level, sizeof r->level, "%s", hc_level_name(a->level));
			r->restricted = a->restricted;
			r->entered = hc_history_during(entered, s->sample_entered_at_start[slot]);
			r->exited = hc_history_during(exited, s->sample_exited_at_start[slot]);
			s->sample_entered_at_start[slot] = entered;
			s->sample_exited_at_start[slot] = exited;
			hc_corrections_sample(s->corrections, slot, r->occupancy, r->entered,
					      r->exited, s->sample_interval_ms);
		}
		if (hc_server_queue_records(s, recs, (size_t)cfg->area_count))
			hc_server_kick_commit(s);
		else
			hc_warn("history: storage is behind; the samples of the interval"
				" ending at %" PRId64 " are dropped",
				boundary_ms);
		free(recs);
		hc_venue_state_wake_supervisors(s); /* their last hour moved */
	}
	schedule_sample(s, now_wall_ms > boundary_ms ? now_wall_ms : boundary_ms);
}

void hc_venue_state_start_samples(struct hc_server *s)
{
	for (uint32_t slot = 0; slot < hc_slots_count(s->area_ids); slot++)
		hc_ledger_area_totals(s->ledger, slot, &s->sample_entered_at_start[slot],
				      &s->sample_exited_at_start[slot]);
	schedule_sample(s, hc_wall_ms());
}
