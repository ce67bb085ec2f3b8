/*
 * test_config_map_shapes.c — the map keys of the venue config
 * (shared/config.c, docs/map.md): shapes load as written, and a wrong
 * shape is refused with its file:line and the reason.
 *
 * Property: map_width/map_height, map_background, map_shape (rect,
 * circle, polygon) and map_label_at load with every value as written; a
 * malformed value, a shape outside the map, a shape without a map, a
 * label without a shape, a lone map_width, a polygon with too few or
 * too many corners and a missing background file are each refused at
 * the line that is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/config.h"
#include "tests/unit/fixtures.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static struct hc_venue_cfg *load_ok(void **state, const char *text)
{
	struct venue_dir *d = *state;
	write_file(d->file, text);
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(d->file, &err);
	if (cfg == NULL) {
		char line[400];
		hc_config_error_format(&err, line, sizeof line);
		fail_msg("refused: %s", line);
	}
	d->cfg = cfg;
	return cfg;
}

static void assert_refused(void **state, const char *text, int line, const char *has)
{
	struct venue_dir *d = *state;
	write_file(d->file, text);
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(d->file, &err);
	if (cfg != NULL) {
		hc_venue_free(cfg);
		fail_msg("accepted, want line %d '%s'", line, has);
	}
	if (err.line != line || strstr(err.message, has) == NULL)
		fail_msg("want line %d '%s', got line %d '%s'", line, has, err.line, err.message);
}

#define MAP "[venue]\nmap_width = 1000\nmap_height = 600\n"

static void every_shape_loads_as_written(void **state)
{
	struct hc_venue_cfg *cfg = load_ok(
		state, MAP
		"[area hall]\ncapacity = 10\nmap_shape = rect 20 30.5 400 300\n"
		"[area lawn]\ncapacity = 10\ngroup = park\nmap_shape = circle 700 200 150\nmap_label_at = 700 120\n"
		"[area garden]\ncapacity = 10\ngroup = park\nmap_shape = polygon 560,400 940,400  900,560 600,560\n"
		"[area plain]\ncapacity = 10\n"
		"[group park]\nmap_label_at = 750 40\nmap_shape = rect 500 20 480 560\n");
	assert_int_equal(cfg->map_width, 1000);
	assert_int_equal(cfg->map_height, 600);
	assert_string_equal(cfg->map_background, "");

	const struct hc_map_shape *hall = &cfg->areas[0].shape;
	assert_int_equal(hall->kind, HC_MAP_SHAPE_RECT);
	assert_true(hall->p[0].x == 20 && hall->p[0].y == 30.5);
	assert_true(hall->w == 400 && hall->h == 300);
	assert_false(hall->has_label);

	const struct hc_map_shape *lawn = &cfg->areas[1].shape;
	assert_int_equal(lawn->kind, HC_MAP_SHAPE_CIRCLE);
	assert_true(lawn->p[0].x == 700 && lawn->p[0].y == 200 && lawn->r == 150);
	assert_true(lawn->has_label && lawn->label.x == 700 && lawn->label.y == 120);

	const struct hc_map_shape *garden = &cfg->areas[2].shape;
	assert_int_equal(garden->kind, HC_MAP_SHAPE_POLYGON);
	assert_int_equal(garden->point_count, 4);
	assert_true(garden->p[2].x == 900 && garden->p[2].y == 560);

	assert_int_equal(cfg->areas[3].shape.kind, HC_MAP_SHAPE_NONE);

	/* map_label_at before map_shape is kept */
	const struct hc_map_shape *park = &cfg->groups[0].shape;
	assert_int_equal(park->kind, HC_MAP_SHAPE_RECT);
	assert_true(park->has_label && park->label.x == 750 && park->label.y == 40);
}

static void no_map_keys_means_no_map(void **state)
{
	struct hc_venue_cfg *cfg = load_ok(state, "[area hall]\ncapacity = 10\n");
	assert_int_equal(cfg->map_width, 0);
	assert_int_equal(cfg->map_height, 0);
	assert_int_equal(cfg->areas[0].shape.kind, HC_MAP_SHAPE_NONE);
}

static void malformed_shapes_are_refused_at_their_line(void **state)
{
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = square 1 2 3\n", 6,
		       "area 'a': map_shape must be rect X Y W H, circle CX CY R or polygon");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = rect 1 2 3\n", 6,
		       "map_shape must be rect X Y W H");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = rect 1 2 3 4 5\n", 6,
		       "got 'rect 1 2 3 4 5'");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = rect 1 2 0 4\n", 6,
		       "W and H > 0");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = rect -1 2 3 4\n", 6,
		       "rect X Y W H");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = circle 10 10 nan\n", 6,
		       "circle CX CY R");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = polygon 1,1 2,2\n", 6,
		       "3..24 corners");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = polygon 1,1 2,2 3\n", 6,
		       "polygon X1,Y1");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = polygon 1,1 2, 2 3,3\n", 6,
		       "polygon X1,Y1");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = polygon 1,1 2,2x 3,3\n", 6,
		       "polygon X1,Y1");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_label_at = 5\n", 6,
		       "map_label_at must be two numbers >= 0: X Y");
	assert_refused(
		state,
		MAP "[area a]\ncapacity = 1\nmap_shape = rect 1 1 2 2\nmap_shape = rect 1 1 2 2\n",
		7, "map_shape given twice (first at line 6)");
}

static void a_polygon_has_at_most_24_corners(void **state)
{
	char text[512], pts[300] = "";
	for (int i = 0; i < 24; i++)
		snprintf(pts + strlen(pts), sizeof pts - strlen(pts), " %d,%d", i, i % 2);
	snprintf(text, sizeof text, MAP "[area a]\ncapacity = 1\nmap_shape = polygon%s\n", pts);
	assert_int_equal(load_ok(state, text)->areas[0].shape.point_count, 24);
	hc_venue_free(((struct venue_dir *)*state)->cfg);
	((struct venue_dir *)*state)->cfg = NULL;
	snprintf(text, sizeof text, MAP "[area a]\ncapacity = 1\nmap_shape = polygon%s 9,9\n", pts);
	assert_refused(state, text, 6, "3..24 corners");
}

static void shapes_must_lie_within_the_map(void **state)
{
	assert_refused(
		state, MAP "[area a]\ncapacity = 1\nmap_shape = rect 900 0 101 10\n", 6,
		"area 'a': map shape or label lies outside the map (map_width 1000, map_height 600)");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_shape = circle 50 50 51\n", 6,
		       "outside the map");
	assert_refused(
		state,
		MAP
		"[group g]\nmap_shape = polygon 0,0 10,0 10,601\n[area a]\ncapacity = 1\ngroup = g\n",
		5, "group 'g': map shape or label lies outside");
	assert_refused(
		state,
		MAP "[area a]\ncapacity = 1\nmap_shape = rect 0 0 10 10\nmap_label_at = 1001 5\n",
		6, "outside the map");
	/* exactly on the edge is inside */
	load_ok(state, MAP "[area a]\ncapacity = 1\nmap_shape = rect 0 0 1000 600\n");
}

static void shapes_need_a_map_and_labels_need_a_shape(void **state)
{
	assert_refused(state, "[area a]\ncapacity = 1\nmap_shape = rect 0 0 10 10\n", 3,
		       "area 'a': a map shape needs [venue] map_width and map_height");
	assert_refused(state, MAP "[area a]\ncapacity = 1\nmap_label_at = 10 10\n", 6,
		       "area 'a': map_label_at needs a map_shape");
	assert_refused(state, "[venue]\nmap_width = 100\n[area a]\ncapacity = 1\n", 2,
		       "venue: give map_width and map_height together");
	assert_refused(state, "[venue]\nmap_height = 0\n[area a]\ncapacity = 1\n", 2,
		       "venue: map_height must be an integer 1..100000, got '0'");
	assert_refused(state, "[venue]\nmap_width = 100001\n[area a]\ncapacity = 1\n", 2,
		       "map_width must be an integer 1..100000");
	assert_refused(state, "[area a]\ncapacity = 1\nmap_width = 10\n", 3,
		       "area 'a': unknown key 'map_width'");
	assert_refused(state,
		       "[terminal t]\narea = a\nmap_shape = rect 0 0 1 1\n[area a]\ncapacity = 1\n",
		       3, "terminal 't': unknown key 'map_shape'");
}

static void the_background_must_be_an_image_file_that_exists(void **state)
{
	struct venue_dir *d = *state;
	assert_refused(
		state, MAP "map_background = plan.txt\n[area a]\ncapacity = 1\n", 4,
		"map_background must be an image file ending in .png, .jpg, .jpeg, .svg or .webp");
	assert_refused(state, MAP "map_background = plan.png\n[area a]\ncapacity = 1\n", 4,
		       "map_background");
	assert_refused(state, MAP "map_background = plan.png\n[area a]\ncapacity = 1\n", 4,
		       "cannot be opened");
	assert_refused(state, "[venue]\nmap_background = plan.png\n[area a]\ncapacity = 1\n", 2,
		       "map_background needs map_width and map_height");

	char image[192];
	snprintf(image, sizeof image, "%s/plan.PNG", d->path);
	write_file(image, "\x89PNG\r\n");
	struct hc_venue_cfg *cfg = load_ok(state, MAP
					   "map_background = plan.PNG\n[area a]\ncapacity = 1\n");
	assert_string_equal(cfg->map_background, image); /* next to the config */
	assert_string_equal(cfg->map_background_type, "image/png");
	unlink(image);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, venue_dir_setup, venue_dir_teardown)
	const struct CMUnitTest tests[] = {
		T(every_shape_loads_as_written),
		T(no_map_keys_means_no_map),
		T(malformed_shapes_are_refused_at_their_line),
		T(a_polygon_has_at_most_24_corners),
		T(shapes_must_lie_within_the_map),
		T(shapes_need_a_map_and_labels_need_a_shape),
		T(the_background_must_be_an_image_file_that_exists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
