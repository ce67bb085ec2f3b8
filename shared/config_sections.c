/*
 * config_sections.c — the venue config's named sections: [area <id>],
 * [group <id>], [terminal <id>], [supervisor <name>], and the venue's
 * database path (config_internal.h).
 *
 * What lives here: beginning a named section (no duplicate id, at most
 * HC_*_MAX of a kind), resolving each after parsing (an area's capacity
 * from capacity or floor_m2 x density_per_m2, a group's from its areas, a
 * terminal's area reference, a supervisor's key), finding an entry by id.
 */
#include "shared/config_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Begins [area|group|terminal|supervisor <id>] at L->line once
 * begin_section has checked the kind and the id: refuses a duplicate id
 * or one section too many, else adds the entry and makes it current.
 * One piece (about 60 lines): the four kinds share the duplicate check,
 * the count check and the order of the steps, so they read side by side. */
void config_begin_named_section(struct loader *L, const char *kind, const char *id, bool is_area,
				bool is_group, bool is_terminal)
{
	struct hc_venue_cfg *cfg = L->cfg;
	int line = L->line;

	int existing, *count, count_max;
	if (is_area) {
		existing = hc_venue_find_area(cfg, id);
		count = &cfg->area_count;
		count_max = HC_AREAS_MAX;
	} else if (is_group) {
		existing = hc_venue_find_group(cfg, id);
		count = &cfg->group_count;
		count_max = HC_GROUPS_MAX;
	} else if (is_terminal) {
		existing = hc_venue_find_terminal(cfg, id);
		count = &cfg->terminal_count;
		count_max = HC_TERMINALS_MAX;
	} else {
		existing = hc_venue_find_supervisor(cfg, id);
		count = &cfg->supervisor_count;
		count_max = HC_SUPERVISORS_MAX;
	}
	if (existing >= 0) {
		int first = is_area	  ? cfg->areas[existing].line
			    : is_group	  ? cfg->groups[existing].line
			    : is_terminal ? cfg->terminals[existing].line
					  : cfg->supervisors[existing].line;
		config_error_at(L, line, "%s '%s' already defined at line %d", kind, id, first);
		return;
	}
	if (*count >= count_max) {
		config_error_at(L, line, "too many %ss: at most %d", kind, count_max);
		return;
	}

	int i = (*count)++;
	if (is_area) {
		struct hc_area_cfg *a = &cfg->areas[i];
		snprintf(a->id, sizeof a->id, "%s", id);
		a->line = line;
		L->kind = SEC_AREA;
	} else if (is_group) {
		struct hc_group_cfg *g = &cfg->groups[i];
		snprintf(g->id, sizeof g->id, "%s", id);
		g->line = line;
		L->kind = SEC_GROUP;
	} else if (is_terminal) {
		struct hc_terminal_cfg *t = &cfg->terminals[i];
		snprintf(t->id, sizeof t->id, "%s", id);
		t->line = line;
		t->area_index = -1;
		L->kind = SEC_TERMINAL;
	} else {
		struct hc_supervisor_cfg *sv = &cfg->supervisors[i];
		snprintf(sv->id, sizeof sv->id, "%s", id);
		sv->line = line;
		L->kind = SEC_SUPERVISOR;
	}
	L->index = i;
	snprintf(L->section_label, sizeof L->section_label, "%.10s '%.32s'", kind, id);
}

void config_resolve_area(struct loader *L, int i)
{
	struct hc_venue_cfg *cfg = L->cfg;
	struct hc_area_cfg *a = &cfg->areas[i];
	const struct key_lines *own = &L->area_keys[i];
	char label[64];
	snprintf(label, sizeof label, "area '%s'", a->id);

	if (a->name[0] == '\0')
		memcpy(a->name, a->id, strlen(a->id) + 1);
	if (!own->line[K_DENSITY])
		a->density_per_m2 = cfg->density_per_m2;
	config_inherit_thresholds(&a->thresholds, own, &cfg->thresholds);
	config_check_threshold_order(L, label, &a->thresholds, own);

	if (own->line[K_FLOOR]) {
		/* The epsilon keeps 2.3 x 100 at 230, not 229.99999999999997. */
		double people = floor(a->floor_m2 * a->density_per_m2 + 1e-9);
		if (people < 1 || people > (double)HC_AREA_CAPACITY_MAX) {
			config_error_at(
				L, own->line[K_FLOOR],
				"%s: floor_m2 %g x density_per_m2 %g gives capacity %.0f, allowed 1..%d",
				label, a->floor_m2, a->density_per_m2, people,
				HC_AREA_CAPACITY_MAX);
			return;
		}
		a->capacity = (int64_t)people;
	} else if (!own->line[K_CAPACITY]) {
		config_error_at(L, a->line, "%s: needs capacity = <people> or floor_m2 = <m²>",
				label);
	}

	if (own->line[K_GROUP] && hc_venue_find_group(cfg, a->group) < 0)
		config_error_at(L, own->line[K_GROUP],
				"%s: group '%s' is not defined (add a [group %s] section)", label,
				a->group, a->group);
}

void config_resolve_group(struct loader *L, int gi)
{
	struct hc_venue_cfg *cfg = L->cfg;
	struct hc_group_cfg *g = &cfg->groups[gi];
	const struct key_lines *own = &L->group_keys[gi];
	char label[64];
	snprintf(label, sizeof label, "group '%s'", g->id);

	if (g->name[0] == '\0')
		memcpy(g->name, g->id, strlen(g->id) + 1);
	config_inherit_thresholds(&g->thresholds, own, &cfg->thresholds);
	config_check_threshold_order(L, label, &g->thresholds, own);

	int members = 0;
	int64_t sum = 0;
	for (int i = 0; i < cfg->area_count; i++) {
		if (strcmp(cfg->areas[i].group, g->id) == 0) {
			members++;
			sum += cfg->areas[i].capacity;
		}
	}
	if (members == 0)
		config_error_at(L, g->line, "%s: no area names it (group = %s)", label, g->id);
	if (!own->line[K_CAPACITY])
		g->capacity = sum;
}

void config_resolve_supervisor(struct loader *L, int i)
{
	const struct hc_supervisor_cfg *sv = &L->cfg->supervisors[i];
	if (L->supervisor_keys[i].line[K_KEY])
		config_error_at(
			L, L->supervisor_keys[i].line[K_KEY],
			"supervisor '%s': key = is no"
			" longer accepted: supervisors log in with a password; delete this line"
			" and run: headcount-aggregator passwd %s -c %s",
			sv->id, sv->id, L->cfg->path);
}

void config_resolve_terminal(struct loader *L, int i)
{
	struct hc_terminal_cfg *t = &L->cfg->terminals[i];
	const struct key_lines *own = &L->terminal_keys[i];
	if (!own->line[K_AREA]) {
		config_error_at(L, t->line, "terminal '%s': area = <area id> is required", t->id);
		return;
	}
	t->area_index = hc_venue_find_area(L->cfg, t->area);
	if (t->area_index < 0)
		config_error_at(
			L, own->line[K_AREA],
			"terminal '%s': area '%s' is not defined (add an [area %s] section)", t->id,
			t->area, t->area);
}

/* Makes a relative database path relative to the config file's dir. */
void config_resolve_database(struct loader *L)
{
	struct hc_venue_cfg *cfg = L->cfg;
	const char *slash = strrchr(cfg->path, '/');
	if (cfg->database[0] == '/' || slash == NULL)
		return;
	char joined[PATH_MAX];
	int dir_len = (int)(slash - cfg->path);
	int n = snprintf(joined, sizeof joined, "%.*s/%s", dir_len, cfg->path, cfg->database);
	if (n < 0 || (size_t)n >= sizeof joined) {
		config_error_at(
			L, L->venue_keys.line[K_DATABASE],
			"venue: database path too long once joined to the config's directory");
		return;
	}
	memcpy(cfg->database, joined, (size_t)n + 1);
}

int hc_venue_find_area(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->area_count; i++)
		if (strcmp(cfg->areas[i].id, id) == 0)
			return i;
	return -1;
}

int hc_venue_find_group(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->group_count; i++)
		if (strcmp(cfg->groups[i].id, id) == 0)
			return i;
	return -1;
}

int hc_venue_find_terminal(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->terminal_count; i++)
		if (strcmp(cfg->terminals[i].id, id) == 0)
			return i;
	return -1;
}

int hc_venue_find_supervisor(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->supervisor_count; i++)
		if (strcmp(cfg->supervisors[i].id, id) == 0)
			return i;
	return -1;
}
