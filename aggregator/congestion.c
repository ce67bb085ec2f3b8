/*
 * congestion.c — levels and entry restriction for a whole venue (pure).
 *
 * Keeps, per area and per group of a venue config, the occupancy, the
 * level (levels.c) and a restriction state machine (restriction.c), and
 * remembers what was last reported so evaluate() can say what changed.
 * Relies on the config being valid (ids unique, capacities >= 0); an
 * area naming a group the config does not have counts as in no group.
 * Promises:
 *   - a group's occupancy is the sum of its areas' occupancies;
 *   - an area's effective restriction is its own OR its group's, so
 *     closing a group closes all its areas and reports each as changed;
 *   - reconfigure keeps occupancy, restriction (hold clock included) and
 *     override by id; new areas and groups start open and automatic;
 *   - nothing here reads a clock: evaluate() takes now_ms.
 * Storage is fixed-size (HC_AREAS_MAX, HC_GROUPS_MAX): nothing to grow.
 */
#include "aggregator/congestion.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/levels.h"
#include "shared/log.h"

struct area_state {
	int64_t occupancy;
	int group_index;		   /* -1 when in no group */
	enum hc_level level;		   /* as of the last evaluate() */
	struct hc_restriction restriction; /* the area's own machine */
	bool effective_restricted;	   /* own || group's, last evaluate() */
};

struct group_state {
	int64_t occupancy; /* sum of its areas, last evaluate() */
	enum hc_level level;
	struct hc_restriction restriction;
};

struct hc_congestion {
	const struct hc_venue_cfg *cfg;
	struct area_state areas[HC_AREAS_MAX];
	struct group_state groups[HC_GROUPS_MAX];
};

/* Index of the area with this id in cfg, or -1. */
static int find_area(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->area_count; i++)
		if (strcmp(cfg->areas[i].id, id) == 0)
			return i;
	return -1;
}

/* Index of the group with this id in cfg, or -1 (also for ""). */
static int find_group(const struct hc_venue_cfg *cfg, const char *id)
{
	if (id[0] == '\0')
		return -1;
	for (int g = 0; g < cfg->group_count; g++)
		if (strcmp(cfg->groups[g].id, id) == 0)
			return g;
	return -1;
}

static void assert_cfg_bounds(const struct hc_venue_cfg *cfg)
{
	(void)cfg; /* only asserted on; unused under NDEBUG */
	assert(cfg != NULL);
	assert(cfg->area_count >= 0 && cfg->area_count <= HC_AREAS_MAX);
	assert(cfg->group_count >= 0 && cfg->group_count <= HC_GROUPS_MAX);
}

static void area_state_init(struct area_state *a, int group_index)
{
	memset(a, 0, sizeof(*a));
	a->occupancy = 0;
	a->group_index = group_index;
	a->level = HC_LEVEL_LOW;
	hc_restriction_init(&a->restriction);
	a->effective_restricted = false;
}

static void group_state_init(struct group_state *g)
{
	memset(g, 0, sizeof(*g));
	g->occupancy = 0;
	g->level = HC_LEVEL_LOW;
	hc_restriction_init(&g->restriction);
}

struct hc_congestion *hc_congestion_new(const struct hc_venue_cfg *cfg)
{
	assert_cfg_bounds(cfg);
	struct hc_congestion *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		hc_error("congestion: cannot allocate state for %d areas: out of memory",
			 cfg->area_count);
		return NULL;
	}
	c->cfg = cfg;
	for (int g = 0; g < cfg->group_count; g++)
		group_state_init(&c->groups[g]);
	for (int i = 0; i < cfg->area_count; i++)
		area_state_init(&c->areas[i], find_group(cfg, cfg->areas[i].group));
	return c;
}

void hc_congestion_free(struct hc_congestion *c)
{
	free(c);
}

/* Carries state over to cfg by id. Built in locals and copied back, so
 * an area may move to another index (or another group) safely. */
void hc_congestion_reconfigure(struct hc_congestion *c, const struct hc_venue_cfg *cfg)
{
	assert(c != NULL);
	assert_cfg_bounds(cfg);
	const struct hc_venue_cfg *old = c->cfg;
	struct area_state areas[HC_AREAS_MAX] = { 0 };
	struct group_state groups[HC_GROUPS_MAX] = { 0 };

	for (int g = 0; g < cfg->group_count; g++) {
		int prev = find_group(old, cfg->groups[g].id);
		if (prev >= 0)
			groups[g] = c->groups[prev];
		else
			group_state_init(&groups[g]);
	}
	for (int i = 0; i < cfg->area_count; i++) {
		int group_index = find_group(cfg, cfg->areas[i].group);
		int prev = find_area(old, cfg->areas[i].id);
		if (prev >= 0) {
			areas[i] = c->areas[prev];
			areas[i].group_index = group_index;
		} else {
			area_state_init(&areas[i], group_index);
		}
	}
	memcpy(c->groups, groups, sizeof(groups[0]) * (size_t)cfg->group_count);
	memcpy(c->areas, areas, sizeof(areas[0]) * (size_t)cfg->area_count);
	c->cfg = cfg;
}

void hc_congestion_set_occupancy(struct hc_congestion *c, int area_index, int64_t occupancy)
{
	assert(c != NULL);
	assert(area_index >= 0 && area_index < c->cfg->area_count);
	assert(occupancy >= 0);
	c->areas[area_index].occupancy = occupancy;
}

/* Sums area occupancies into their groups. */
static void sum_group_occupancy(struct hc_congestion *c)
{
	for (int g = 0; g < c->cfg->group_count; g++)
		c->groups[g].occupancy = 0;
	for (int i = 0; i < c->cfg->area_count; i++) {
		const struct area_state *a = &c->areas[i];
		if (a->group_index < 0)
			continue;
		assert(a->group_index < c->cfg->group_count);
		assert(c->groups[a->group_index].occupancy <= INT64_MAX - a->occupancy);
		c->groups[a->group_index].occupancy += a->occupancy;
	}
}

/* Steps one group; true when its level or restriction changed. */
static bool evaluate_group(struct hc_congestion *c, int g, int64_t now_ms)
{
	const struct hc_group_cfg *cfg = &c->cfg->groups[g];
	struct group_state *s = &c->groups[g];
	enum hc_level level = hc_level_for(s->occupancy, cfg->capacity, &cfg->thresholds);
	bool restriction_changed = hc_restriction_step(&s->restriction, s->occupancy, cfg->capacity,
						       &cfg->thresholds, now_ms);
	bool level_changed = level != s->level;
	s->level = level;
	return level_changed || restriction_changed;
}

/* Steps one area (after its group); true when its level or effective
 * restriction changed. */
static bool evaluate_area(struct hc_congestion *c, int i, int64_t now_ms)
{
	const struct hc_area_cfg *cfg = &c->cfg->areas[i];
	struct area_state *s = &c->areas[i];
	enum hc_level level = hc_level_for(s->occupancy, cfg->capacity, &cfg->thresholds);
	hc_restriction_step(&s->restriction, s->occupancy, cfg->capacity, &cfg->thresholds, now_ms);
	bool effective = s->restriction.restricted;
	if (s->group_index >= 0)
		effective = effective || c->groups[s->group_index].restriction.restricted;
	bool changed = level != s->level || effective != s->effective_restricted;
	s->level = level;
	s->effective_restricted = effective;
	return changed;
}

size_t hc_congestion_evaluate(struct hc_congestion *c, int64_t now_ms, bool *area_changed,
			      bool *group_changed)
{
	assert(c != NULL);
	size_t changed_count = 0;

	sum_group_occupancy(c);
	for (int g = 0; g < c->cfg->group_count; g++) {
		bool changed = evaluate_group(c, g, now_ms);
		if (group_changed != NULL)
			group_changed[g] = changed;
		changed_count += changed ? 1 : 0;
	}
	for (int i = 0; i < c->cfg->area_count; i++) {
		bool changed = evaluate_area(c, i, now_ms);
		if (area_changed != NULL)
			area_changed[i] = changed;
		changed_count += changed ? 1 : 0;
	}
	assert(changed_count <= (size_t)(c->cfg->area_count + c->cfg->group_count));
	return changed_count;
}

void hc_congestion_override_area(struct hc_congestion *c, int area_index, enum hc_override o)
{
	assert(c != NULL);
	assert(area_index >= 0 && area_index < c->cfg->area_count);
	assert(o == HC_OVERRIDE_AUTO || o == HC_OVERRIDE_FORCE_CLOSED ||
	       o == HC_OVERRIDE_FORCE_OPEN);
	c->areas[area_index].restriction.override = o;
}

void hc_congestion_override_group(struct hc_congestion *c, int group_index, enum hc_override o)
{
	assert(c != NULL);
	assert(group_index >= 0 && group_index < c->cfg->group_count);
	assert(o == HC_OVERRIDE_AUTO || o == HC_OVERRIDE_FORCE_CLOSED ||
	       o == HC_OVERRIDE_FORCE_OPEN);
	c->groups[group_index].restriction.override = o;
}

int64_t hc_congestion_area_occupancy(const struct hc_congestion *c, int i)
{
	assert(c != NULL);
	assert(i >= 0 && i < c->cfg->area_count);
	return c->areas[i].occupancy;
}

enum hc_level hc_congestion_area_level(const struct hc_congestion *c, int i)
{
	assert(c != NULL);
	assert(i >= 0 && i < c->cfg->area_count);
	return c->areas[i].level;
}

bool hc_congestion_area_restricted(const struct hc_congestion *c, int i)
{
	assert(c != NULL);
	assert(i >= 0 && i < c->cfg->area_count);
	return c->areas[i].effective_restricted;
}

enum hc_override hc_congestion_area_override(const struct hc_congestion *c, int i)
{
	assert(c != NULL);
	assert(i >= 0 && i < c->cfg->area_count);
	return c->areas[i].restriction.override;
}

bool hc_congestion_area_own_restricted(const struct hc_congestion *c, int i)
{
	assert(c != NULL);
	assert(i >= 0 && i < c->cfg->area_count);
	return c->areas[i].restriction.restricted;
}

int hc_congestion_area_group(const struct hc_congestion *c, int i)
{
	assert(c != NULL);
	assert(i >= 0 && i < c->cfg->area_count);
	return c->areas[i].group_index;
}

int64_t hc_congestion_group_occupancy(const struct hc_congestion *c, int g)
{
	assert(c != NULL);
	assert(g >= 0 && g < c->cfg->group_count);
	return c->groups[g].occupancy;
}

enum hc_level hc_congestion_group_level(const struct hc_congestion *c, int g)
{
	assert(c != NULL);
	assert(g >= 0 && g < c->cfg->group_count);
	return c->groups[g].level;
}

bool hc_congestion_group_restricted(const struct hc_congestion *c, int g)
{
	assert(c != NULL);
	assert(g >= 0 && g < c->cfg->group_count);
	return c->groups[g].restriction.restricted;
}

enum hc_override hc_congestion_group_override(const struct hc_congestion *c, int g)
{
	assert(c != NULL);
	assert(g >= 0 && g < c->cfg->group_count);
	return c->groups[g].restriction.override;
}

int64_t hc_congestion_deadline_ms(const struct hc_congestion *c)
{
	assert(c != NULL);
	int64_t deadline_ms = INT64_MAX;

	for (int g = 0; g < c->cfg->group_count; g++) {
		int64_t d = hc_restriction_deadline_ms(&c->groups[g].restriction,
						       &c->cfg->groups[g].thresholds);
		if (d < deadline_ms)
			deadline_ms = d;
	}
	for (int i = 0; i < c->cfg->area_count; i++) {
		int64_t d = hc_restriction_deadline_ms(&c->areas[i].restriction,
						       &c->cfg->areas[i].thresholds);
		if (d < deadline_ms)
			deadline_ms = d;
	}
	return deadline_ms;
}
