/*
 * view.h — which rows the dashboard shows and in what order: sorting
 * and filtering of areas, groups and doors (pure).
 *
 * The area table lists areas, then groups (a group is a row of its own,
 * marked as such); sorting is by name, by fill (occupancy / capacity,
 * fullest first) or by level (highest first, then fill); a filter keeps
 * rows whose id or name contains it (ASCII letters compared without
 * case). Doors are listed by area, then id; the filter matches a door's
 * id or its area's id.
 */
#ifndef HC_DASH_VIEW_H
#define HC_DASH_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/dashboard/model.h"

enum hc_sort { HC_SORT_NAME, HC_SORT_FILL, HC_SORT_LEVEL, HC_SORT_COUNT };

struct hc_view_row {
	bool group; /* index into groups instead of areas */
	uint32_t index;
};

/* "name", "fill", "level". */
const char *hc_sort_name(enum hc_sort s);

/* Fills out (room for area_count + group_count rows); returns the count. */
size_t hc_view_areas(const struct hc_model *m, enum hc_sort sort, const char *filter,
		     struct hc_view_row *out);

/* Fills out (room for terminal_count) with door indexes; returns the count. */
size_t hc_view_doors(const struct hc_model *m, const char *filter, uint32_t *out);

/* Fill in per mille (occupancy * 1000 / capacity; 0 for no capacity). */
int64_t hc_view_fill_permille(int64_t occupancy, int64_t capacity);

/* True when text contains needle, ASCII letters without case ("" always). */
bool hc_view_matches(const char *text, const char *needle);

#endif
