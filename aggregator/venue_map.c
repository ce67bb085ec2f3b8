/*
 * venue_map.c — GET /api/venue's body: the map geometry from the config
 * (venue_map.h has the contract).
 *
 * Relies on: the loader's checks (shared/config.c): every given shape
 * lies within map_width x map_height. jansson builds the JSON.
 *
 * Layout of areas without a shape: a grid of HC_MAP_CELL_WIDTH x
 * HC_MAP_CELL_HEIGHT cells in config order, as many columns as fit the
 * map's width (or the square root of their number when there is no
 * drawn map), in a band below the drawn map; the map's height grows to
 * hold it. The same config always gives the same layout.
 */
#include "aggregator/venue_map.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* A label point for a shape without map_label_at: an area's centre (the
 * mean of a polygon's corners); a group's near the top of its outline,
 * so its areas' labels stay clear. */
static struct hc_map_point default_label(const struct hc_map_shape *sh, bool group)
{
	struct hc_map_point c = sh->p[0];
	if (group) {
		double top = sh->p[0].y, x = sh->p[0].x;
		if (sh->kind == HC_MAP_SHAPE_RECT)
			x += sh->w / 2;
		else if (sh->kind == HC_MAP_SHAPE_CIRCLE)
			top -= sh->r;
		for (uint32_t i = 0; sh->kind == HC_MAP_SHAPE_POLYGON && i < sh->point_count; i++)
			if (sh->p[i].y < top)
				top = sh->p[i].y;
		if (sh->kind == HC_MAP_SHAPE_POLYGON)
			x = default_label(sh, false).x;
		return (struct hc_map_point){ x, top + 30 };
	}
	if (sh->kind == HC_MAP_SHAPE_RECT) {
		c.x += sh->w / 2;
		c.y += sh->h / 2;
	} else if (sh->kind == HC_MAP_SHAPE_POLYGON) {
		c = (struct hc_map_point){ 0, 0 };
		for (uint32_t i = 0; i < sh->point_count; i++) {
			c.x += sh->p[i].x / sh->point_count;
			c.y += sh->p[i].y / sh->point_count;
		}
	}
	return c;
}

static json_t *point_json(struct hc_map_point p)
{
	return json_pack("[f,f]", p.x, p.y);
}

static json_t *shape_json(const struct hc_map_shape *sh)
{
	switch (sh->kind) {
	case HC_MAP_SHAPE_RECT:
		return json_pack("{s:s,s:f,s:f,s:f,s:f}", "kind", "rect", "x", sh->p[0].x, "y",
				 sh->p[0].y, "w", sh->w, "h", sh->h);
	case HC_MAP_SHAPE_CIRCLE:
		return json_pack("{s:s,s:f,s:f,s:f}", "kind", "circle", "cx", sh->p[0].x, "cy",
				 sh->p[0].y, "r", sh->r);
	case HC_MAP_SHAPE_POLYGON: {
		json_t *pts = json_array();
		for (uint32_t i = 0; pts != NULL && i < sh->point_count; i++) {
			if (json_array_append_new(pts, point_json(sh->p[i])) != 0) {
				json_decref(pts);
				pts = NULL;
			}
		}
		return pts ? json_pack("{s:s,s:o}", "kind", "polygon", "points", pts) : NULL;
	}
	case HC_MAP_SHAPE_NONE: break;
	}
	return json_null();
}

/* Shape and label of a placed shape; NULL when out of memory. */
static json_t *placed_json(json_t *o, const struct hc_map_shape *sh, bool group)
{
	if (o == NULL)
		return NULL;
	json_t *label = sh->kind == HC_MAP_SHAPE_NONE
				? json_null()
				: point_json(sh->has_label ? sh->label : default_label(sh, group));
	if (json_object_set_new(o, "shape", shape_json(sh)) != 0 ||
	    json_object_set_new(o, "label", label) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The venue map for GET /api/venue: areas and groups with their shapes,
 * and a grid of generated rectangles below the drawn ones for areas
 * without a shape. One piece (about 85 lines): the grid's size decides
 * the map's width and height, which go into the root before the areas
 * are placed on that same grid, on one fail path for every JSON ref. */
json_t *hc_venue_map_json(const struct hc_venue_cfg *cfg)
{
	int unshaped = 0;
	for (int i = 0; i < cfg->area_count; i++)
		unshaped += cfg->areas[i].shape.kind == HC_MAP_SHAPE_NONE;

	int64_t width = cfg->map_width, height = cfg->map_height;
	int64_t cell_w = HC_MAP_CELL_WIDTH + HC_MAP_CELL_GAP;
	int64_t cols = 1;
	if (unshaped > 0) {
		if (width > 0) {
			cols = width / cell_w;
			if (cols < 1)
				cols = 1;
		} else {
			cols = (int64_t)ceil(sqrt((double)unshaped));
			width = cols * cell_w + HC_MAP_CELL_GAP;
		}
		if (cols > unshaped)
			cols = unshaped;
	}
	int64_t band_top = height;
	int64_t rows = unshaped > 0 ? (unshaped + cols - 1) / cols : 0;
	height += rows * (HC_MAP_CELL_HEIGHT + HC_MAP_CELL_GAP) + (rows ? HC_MAP_CELL_GAP : 0);
	if (unshaped > 0 && width < cols * cell_w + HC_MAP_CELL_GAP)
		width = cols * cell_w + HC_MAP_CELL_GAP;

	json_t *areas = json_array(), *groups = json_array();
	json_t *root = json_pack("{s:s,s:I,s:I,s:o,s:o,s:o}", "name", cfg->name, "width",
				 (json_int_t)width, "height", (json_int_t)height, "background",
				 cfg->map_background[0] ? json_string(HC_MAP_BACKGROUND_PATH)
							: json_null(),
				 "areas", areas ? json_incref(areas) : json_null(), "groups",
				 groups ? json_incref(groups) : json_null());
	if (root == NULL || areas == NULL || groups == NULL)
		goto fail;

	int placed = 0;
	for (int i = 0; i < cfg->area_count; i++) {
		const struct hc_area_cfg *a = &cfg->areas[i];
		struct hc_map_shape sh = a->shape;
		bool generated = sh.kind == HC_MAP_SHAPE_NONE;
		if (generated) {
			int64_t col = placed % cols, row = placed / cols;
			placed++;
			sh = (struct hc_map_shape){ .kind = HC_MAP_SHAPE_RECT,
						    .w = HC_MAP_CELL_WIDTH,
						    .h = HC_MAP_CELL_HEIGHT };
			sh.p[0].x = (double)(HC_MAP_CELL_GAP + col * cell_w);
			sh.p[0].y = (double)(band_top + HC_MAP_CELL_GAP +
					     row * (HC_MAP_CELL_HEIGHT + HC_MAP_CELL_GAP));
		}
		json_t *o = placed_json(json_pack("{s:s,s:s,s:I,s:o,s:b}", "id", a->id, "name",
						  a->name, "capacity", (json_int_t)a->capacity,
						  "group",
						  a->group[0] ? json_string(a->group) : json_null(),
						  "generated", generated),
					&sh, false);
		if (o == NULL || json_array_append_new(areas, o) != 0)
			goto fail;
	}
	for (int g = 0; g < cfg->group_count; g++) {
		const struct hc_group_cfg *gc = &cfg->groups[g];
		json_t *members = json_array();
		for (int i = 0; members != NULL && i < cfg->area_count; i++) {
			if (strcmp(cfg->areas[i].group, gc->id) == 0 &&
			    json_array_append_new(members, json_string(cfg->areas[i].id)) != 0) {
				json_decref(members);
				members = NULL;
			}
		}
		if (members == NULL)
			goto fail;
		json_t *o = placed_json(json_pack("{s:s,s:s,s:o}", "id", gc->id, "name", gc->name,
						  "areas", members),
					&gc->shape, true);
		if (o == NULL || json_array_append_new(groups, o) != 0)
			goto fail;
	}
	json_decref(areas);
	json_decref(groups);
	return root;
fail:
	json_decref(areas);
	json_decref(groups);
	json_decref(root);
	return NULL;
}
