/*
 * config_map.c — the visitors' map in the venue config (docs/map.md):
 * [venue] map_width, map_height, map_background; map_shape and
 * map_label_at of areas and groups (config_internal.h).
 *
 * What lives here: the map keys, the shape parser and bounds test
 * declared in config.h (hc_map_shape_parse, hc_map_shape_inside), and
 * the checks after parsing: the size comes as a pair, every shape and
 * label lies inside the map, a background image is readable (a relative
 * path is taken from the config file's directory, like database).
 */
#include "shared/config_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* map_background: the image types a browser shows, by file extension. */
static const struct {
	const char *ext;
	const char *mime;
} map_image_types[] = {
	{ ".png", "image/png" },     { ".jpg", "image/jpeg" },	{ ".jpeg", "image/jpeg" },
	{ ".svg", "image/svg+xml" }, { ".webp", "image/webp" },
};

/* Applies one of the venue's, an area's or a group's map keys
 * (map_width, map_height, map_background, map_shape, map_label_at);
 * false with *range set when the value is refused. */
bool config_apply_map_key(struct loader *L, enum key k, const char *value, const char **range)
{
	struct hc_venue_cfg *cfg = L->cfg;
	struct hc_area_cfg *a = L->kind == SEC_AREA ? &cfg->areas[L->index] : NULL;
	struct hc_group_cfg *g = L->kind == SEC_GROUP ? &cfg->groups[L->index] : NULL;

	switch (k) {
	case K_MAP_WIDTH:
	case K_MAP_HEIGHT:
		*range = "an integer 1..100000";
		return config_parse_int(value, 1, HC_MAP_SIZE_MAX,
					k == K_MAP_WIDTH ? &cfg->map_width : &cfg->map_height);
	case K_MAP_BACKGROUND: {
		*range = "an image file ending in .png, .jpg, .jpeg, .svg or .webp";
		const char *dot = strrchr(value, '.');
		if (value[0] == '\0' || dot == NULL || strlen(value) >= sizeof cfg->map_background)
			return false;
		for (size_t i = 0; i < sizeof map_image_types / sizeof map_image_types[0]; i++) {
			if (strcasecmp(dot, map_image_types[i].ext) == 0) {
				snprintf(cfg->map_background, sizeof cfg->map_background, "%s",
					 value);
				cfg->map_background_type = map_image_types[i].mime;
				return true;
			}
		}
		return false;
	}
	case K_MAP_SHAPE: return hc_map_shape_parse(value, a ? &a->shape : &g->shape, range);
	case K_MAP_LABEL: {
		*range = "two numbers >= 0: X Y";
		struct hc_map_shape *shape = a ? &a->shape : &g->shape;
		double x, y;
		char tail;
		if (sscanf(value, "%lf %lf %c", &x, &y, &tail) != 2 || !isfinite(x) ||
		    !isfinite(y) || x < 0 || y < 0)
			return false;
		shape->has_label = true;
		shape->label = (struct hc_map_point){ x, y };
		return true;
	}
	default: return false;
	}
}

/* Reads one number >= 0 (> 0 when positive) from *p, skipping blanks
 * before it, and moves *p past it. */
static bool take_number(const char **p, bool positive, double *out)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '\0' || **p == '-' || **p == '+')
		return false;
	char *end;
	errno = 0;
	double v = strtod(*p, &end);
	if (end == *p || errno != 0 || !isfinite(v) || v < 0 || (positive && v <= 0))
		return false;
	*p = end;
	*out = v;
	return true;
}

static bool at_end(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

bool hc_map_shape_parse(const char *text, struct hc_map_shape *out, const char **why)
{
	struct hc_map_shape sh = { .kind = HC_MAP_SHAPE_NONE };
	const char *p = text;
	if (strncmp(p, "rect ", 5) == 0) {
		*why = "rect X Y W H (numbers >= 0, W and H > 0)";
		p += 5;
		sh.kind = HC_MAP_SHAPE_RECT;
		if (!take_number(&p, false, &sh.p[0].x) || !take_number(&p, false, &sh.p[0].y) ||
		    !take_number(&p, true, &sh.w) || !take_number(&p, true, &sh.h) || !at_end(p))
			return false;
	} else if (strncmp(p, "circle ", 7) == 0) {
		*why = "circle CX CY R (numbers >= 0, R > 0)";
		p += 7;
		sh.kind = HC_MAP_SHAPE_CIRCLE;
		if (!take_number(&p, false, &sh.p[0].x) || !take_number(&p, false, &sh.p[0].y) ||
		    !take_number(&p, true, &sh.r) || !at_end(p))
			return false;
	} else if (strncmp(p, "polygon ", 8) == 0) {
		*why = "polygon X1,Y1 X2,Y2 X3,Y3 ... (3..24 corners, numbers >= 0)";
		p += 8;
		sh.kind = HC_MAP_SHAPE_POLYGON;
		while (!at_end(p)) {
			if (sh.point_count == HC_MAP_POINTS_MAX)
				return false;
			struct hc_map_point *pt = &sh.p[sh.point_count++];
			if (!take_number(&p, false, &pt->x) || *p++ != ',')
				return false;
			if (*p == ' ' || *p == '\t' || !take_number(&p, false, &pt->y))
				return false;
			if (*p != '\0' && *p != ' ' && *p != '\t')
				return false;
		}
		if (sh.point_count < 3)
			return false;
	} else {
		*why = "rect X Y W H, circle CX CY R or polygon X1,Y1 X2,Y2 X3,Y3 ...";
		return false;
	}
	/* a map_label_at given before map_shape is kept */
	sh.has_label = out->has_label;
	sh.label = out->label;
	*out = sh;
	return true;
}

bool hc_map_shape_inside(const struct hc_map_shape *sh, double width, double height)
{
	const struct hc_map_point *c = &sh->p[0];
	if (sh->has_label && (sh->label.x > width || sh->label.y > height))
		return false;
	switch (sh->kind) {
	case HC_MAP_SHAPE_NONE: return true;
	case HC_MAP_SHAPE_RECT: return c->x + sh->w <= width && c->y + sh->h <= height;
	case HC_MAP_SHAPE_CIRCLE:
		return c->x - sh->r >= 0 && c->y - sh->r >= 0 && c->x + sh->r <= width &&
		       c->y + sh->r <= height;
	case HC_MAP_SHAPE_POLYGON:
		for (uint32_t i = 0; i < sh->point_count; i++)
			if (sh->p[i].x > width || sh->p[i].y > height)
				return false;
		return true;
	}
	return false;
}

/* Checks one area's or group's map keys against the venue's map. */
static void check_map_shape(struct loader *L, const char *label, const struct hc_map_shape *sh,
			    const struct key_lines *own)
{
	const struct hc_venue_cfg *cfg = L->cfg;
	int line = own->line[K_MAP_SHAPE] ? own->line[K_MAP_SHAPE] : own->line[K_MAP_LABEL];
	if (line == 0)
		return;
	if (cfg->map_width == 0) {
		config_error_at(L, line, "%s: a map shape needs [venue] map_width and map_height",
				label);
		return;
	}
	if (!own->line[K_MAP_SHAPE]) {
		config_error_at(L, line, "%s: map_label_at needs a map_shape", label);
		return;
	}
	if (!hc_map_shape_inside(sh, (double)cfg->map_width, (double)cfg->map_height))
		config_error_at(
			L, line,
			"%s: map shape or label lies outside the map (map_width %lld, map_height %lld)",
			label, (long long)cfg->map_width, (long long)cfg->map_height);
}

/* The map's size comes as a pair; a background image needs it and must
 * be readable (resolved like database). */
void config_resolve_map(struct loader *L)
{
	struct hc_venue_cfg *cfg = L->cfg;
	const struct key_lines *v = &L->venue_keys;
	if ((v->line[K_MAP_WIDTH] != 0) != (v->line[K_MAP_HEIGHT] != 0)) {
		int line = v->line[K_MAP_WIDTH] ? v->line[K_MAP_WIDTH] : v->line[K_MAP_HEIGHT];
		config_error_at(L, line, "venue: give map_width and map_height together");
		cfg->map_width = cfg->map_height = 0;
	}
	for (int i = 0; i < cfg->area_count; i++) {
		char label[64];
		snprintf(label, sizeof label, "area '%s'", cfg->areas[i].id);
		check_map_shape(L, label, &cfg->areas[i].shape, &L->area_keys[i]);
	}
	for (int i = 0; i < cfg->group_count; i++) {
		char label[64];
		snprintf(label, sizeof label, "group '%s'", cfg->groups[i].id);
		check_map_shape(L, label, &cfg->groups[i].shape, &L->group_keys[i]);
	}
	int bg_line = v->line[K_MAP_BACKGROUND];
	if (bg_line == 0)
		return;
	if (cfg->map_width == 0) {
		config_error_at(L, bg_line, "venue: map_background needs map_width and map_height");
		return;
	}
	const char *slash = strrchr(cfg->path, '/');
	if (cfg->map_background[0] != '/' && slash != NULL) {
		char joined[PATH_MAX];
		int n = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cfg->path),
				 cfg->path, cfg->map_background);
		if (n < 0 || (size_t)n >= sizeof joined) {
			config_error_at(L, bg_line, "venue: map_background path too long");
			return;
		}
		memcpy(cfg->map_background, joined, (size_t)n + 1);
	}
	FILE *f = fopen(cfg->map_background, "rb");
	if (f == NULL) {
		config_error_at(L, bg_line, "venue: map_background %s cannot be opened: %s",
				cfg->map_background, strerror(errno));
		return;
	}
	fclose(f);
}
