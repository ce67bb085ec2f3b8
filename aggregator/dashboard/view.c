/*
 * view.c — sorting and filtering (see view.h). qsort with a context held
 * in a file-static pointer is avoided: rows are sorted by insertion,
 * which is plenty for HC_AREAS_MAX + HC_GROUPS_MAX rows and stable (ties
 * keep config order, so rows do not jump between redraws).
 */
#include "aggregator/dashboard/view.h"

#include <ctype.h>
#include <string.h>

static const char *const sort_names[] = { "name", "fill", "level" };

const char *hc_sort_name(enum hc_sort s)
{
	return (size_t)s < HC_SORT_COUNT ? sort_names[s] : "?";
}

int64_t hc_view_fill_permille(int64_t occupancy, int64_t capacity)
{
	return capacity > 0 ? occupancy * 1000 / capacity : 0;
}

bool hc_view_matches(const char *text, const char *needle)
{
	size_t n = strlen(needle), t = strlen(text);
	if (n == 0)
		return true;
	for (size_t i = 0; i + n <= t; i++) {
		size_t k = 0;
		while (k < n &&
		       tolower((unsigned char)text[i + k]) == tolower((unsigned char)needle[k]))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

struct key {
	const char *name;
	int64_t fill;
	int level;
};

static struct key key_of(const struct hc_model *m, const struct hc_view_row *r)
{
	if (r->group) {
		const struct hc_wire_group *g = &m->groups[r->index];
		return (struct key){ g->name, hc_view_fill_permille(g->occupancy, g->capacity),
				     (int)g->level };
	}
	const struct hc_area_state *a = &m->areas[r->index].w.st;
	return (struct key){ a->name, hc_view_fill_permille(a->occupancy, a->capacity),
			     (int)a->level };
}

/* True when a goes before b. */
static bool before(const struct hc_model *m, enum hc_sort sort, const struct hc_view_row *a,
		   const struct hc_view_row *b)
{
	struct key ka = key_of(m, a), kb = key_of(m, b);
	switch (sort) {
	case HC_SORT_FILL: return ka.fill > kb.fill;
	case HC_SORT_LEVEL:
		return ka.level > kb.level || (ka.level == kb.level && ka.fill > kb.fill);
	default:
		if (a->group != b->group)
			return !a->group;
		return strcmp(ka.name, kb.name) < 0;
	}
}

size_t hc_view_areas(const struct hc_model *m, enum hc_sort sort, const char *filter,
		     struct hc_view_row *out)
{
	size_t n = 0;
	for (uint32_t i = 0; i < m->area_count + m->group_count; i++) {
		struct hc_view_row r = { .group = i >= m->area_count,
					 .index = i >= m->area_count ? i - m->area_count : i };
		const char *id = r.group ? m->groups[r.index].id : m->areas[r.index].w.st.id;
		const char *name = r.group ? m->groups[r.index].name : m->areas[r.index].w.st.name;
		if (!hc_view_matches(id, filter) && !hc_view_matches(name, filter))
			continue;
		size_t j = n++;
		while (j > 0 && before(m, sort, &r, &out[j - 1])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = r;
	}
	return n;
}

size_t hc_view_doors(const struct hc_model *m, const char *filter, uint32_t *out)
{
	size_t n = 0;
	for (uint32_t i = 0; i < m->terminal_count; i++) {
		const struct hc_wire_terminal *t = &m->terminals[i].w;
		if (!hc_view_matches(t->id, filter) && !hc_view_matches(t->area, filter))
			continue;
		size_t j = n++;
		while (j > 0) {
			const struct hc_wire_terminal *p = &m->terminals[out[j - 1]].w;
			int c = strcmp(t->area, p->area);
			if (c > 0 || (c == 0 && strcmp(t->id, p->id) >= 0))
				break;
			out[j] = out[j - 1];
			j--;
		}
		out[j] = i;
	}
	return n;
}
