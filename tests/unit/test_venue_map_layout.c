/*
 * test_venue_map_layout.c — GET /api/venue's geometry
 * (aggregator/venue_map.c): every area gets a place on the map.
 *
 * Property: shaped areas keep their shapes and labels as configured
 * (centre by default); areas without a shape get non-overlapping grid
 * cells below the drawn map, which grows to hold them; with no map at
 * all every area is on a near-square grid; a map whose areas all have
 * shapes keeps its configured size; groups list their areas.
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

#include "aggregator/venue_map.h"
#include "tests/unit/fixtures.h"

static json_t *venue_json(void **state, const char *text)
{
	struct venue_dir *d = *state;
	FILE *f = fopen(d->file, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	struct hc_config_error err;
	d->cfg = hc_venue_load(d->file, &err);
	if (d->cfg == NULL)
		fail_msg("refused: line %d %s", err.line, err.message);
	json_t *j = hc_venue_map_json(d->cfg);
	assert_non_null(j);
	return j;
}

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void shaped_areas_keep_their_shapes_and_the_rest_go_below(void **state)
{
	json_t *j = venue_json(
		state,
		"[venue]\nname = Fair\nmap_width = 1000\nmap_height = 600\n"
		"[area hall]\nname = 本館\ncapacity = 10\nmap_shape = rect 20 20 400 300\n"
		"[area lawn]\ncapacity = 10\ngroup = park\nmap_shape = circle 700 200 150\nmap_label_at = 700 100\n"
		"[area a]\ncapacity = 5\n[area b]\ncapacity = 5\n[area c]\ncapacity = 5\n"
		"[area d]\ncapacity = 5\n[area e]\ncapacity = 5\n"
		"[group park]\n");
	assert_string_equal(json_string_value(json_object_get(j, "name")), "Fair");
	assert_int_equal(json_integer_value(json_object_get(j, "width")), 1000);
	assert_true(json_is_null(json_object_get(j, "background")));
	json_t *areas = json_object_get(j, "areas");
	assert_int_equal(json_array_size(areas), 7);

	json_t *hall = json_array_get(areas, 0);
	assert_string_equal(json_string_value(json_object_get(hall, "name")), "本館");
	assert_false(json_is_true(json_object_get(hall, "generated")));
	json_t *shape = json_object_get(hall, "shape");
	assert_string_equal(json_string_value(json_object_get(shape, "kind")), "rect");
	assert_true(num(shape, "x") == 20 && num(shape, "w") == 400);
	json_t *label = json_object_get(hall, "label");
	assert_true(json_number_value(json_array_get(label, 0)) == 220); /* centre */
	assert_true(json_number_value(json_array_get(label, 1)) == 170);

	json_t *lawn = json_array_get(areas, 1);
	assert_string_equal(json_string_value(json_object_get(lawn, "group")), "park");
	assert_true(json_number_value(json_array_get(json_object_get(lawn, "label"), 1)) == 100);

	/* five unshaped areas: 3 cells of 260 fit in 1000, so rows of 3 + 2 */
	int64_t height = json_integer_value(json_object_get(j, "height"));
	for (size_t i = 2; i < 7; i++) {
		json_t *a = json_array_get(areas, i);
		assert_true(json_is_true(json_object_get(a, "generated")));
		json_t *s = json_object_get(a, "shape");
		assert_true(num(s, "y") >= 600);
		assert_true(num(s, "y") + num(s, "h") <= (double)height);
		assert_true(num(s, "x") + num(s, "w") <= 1000);
		for (size_t k = 2; k < i; k++) { /* no two cells overlap */
			json_t *o = json_object_get(json_array_get(areas, k), "shape");
			bool apart = num(s, "x") >= num(o, "x") + num(o, "w") ||
				     num(o, "x") >= num(s, "x") + num(s, "w") ||
				     num(s, "y") >= num(o, "y") + num(o, "h") ||
				     num(o, "y") >= num(s, "y") + num(s, "h");
			assert_true(apart);
		}
	}
	assert_true(num(json_object_get(json_array_get(areas, 4), "shape"), "y") ==
		    num(json_object_get(json_array_get(areas, 2), "shape"), "y"));
	assert_true(num(json_object_get(json_array_get(areas, 5), "shape"), "y") >
		    num(json_object_get(json_array_get(areas, 4), "shape"), "y"));

	json_t *park = json_array_get(json_object_get(j, "groups"), 0);
	assert_true(json_is_null(json_object_get(park, "shape")));
	json_t *members = json_object_get(park, "areas");
	assert_int_equal(json_array_size(members), 1);
	assert_string_equal(json_string_value(json_array_get(members, 0)), "lawn");
	json_decref(j);
}

static void without_a_map_every_area_is_on_a_grid(void **state)
{
	json_t *j = venue_json(state, "[area a]\ncapacity = 5\n[area b]\ncapacity = 5\n"
				      "[area c]\ncapacity = 5\n[area d]\ncapacity = 5\n"
				      "[area e]\ncapacity = 5\n");
	/* 5 areas: 3 columns, 2 rows */
	int64_t w = json_integer_value(json_object_get(j, "width"));
	int64_t h = json_integer_value(json_object_get(j, "height"));
	assert_int_equal(w, 3 * (HC_MAP_CELL_WIDTH + HC_MAP_CELL_GAP) + HC_MAP_CELL_GAP);
	assert_int_equal(h, 2 * (HC_MAP_CELL_HEIGHT + HC_MAP_CELL_GAP) + HC_MAP_CELL_GAP);
	json_t *e = json_object_get(json_array_get(json_object_get(j, "areas"), 4), "shape");
	assert_true(num(e, "x") == HC_MAP_CELL_GAP + (HC_MAP_CELL_WIDTH + HC_MAP_CELL_GAP));
	assert_true(num(e, "y") == HC_MAP_CELL_GAP + (HC_MAP_CELL_HEIGHT + HC_MAP_CELL_GAP));
	json_decref(j);
}

static void a_fully_drawn_map_keeps_its_size(void **state)
{
	json_t *j = venue_json(state, "[venue]\nmap_width = 100\nmap_height = 80\n"
				      "[area a]\ncapacity = 5\nmap_shape = rect 0 0 50 50\n");
	assert_int_equal(json_integer_value(json_object_get(j, "width")), 100);
	assert_int_equal(json_integer_value(json_object_get(j, "height")), 80);
	json_decref(j);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, venue_dir_setup, venue_dir_teardown)
	const struct CMUnitTest tests[] = {
		T(shaped_areas_keep_their_shapes_and_the_rest_go_below),
		T(without_a_map_every_area_is_on_a_grid),
		T(a_fully_drawn_map_keeps_its_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
