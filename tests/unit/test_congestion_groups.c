/*
 * test_congestion_groups.c — venue-wide levels and restriction with groups.
 *
 * Property: a group's occupancy is the sum of its areas'; when a group's
 * restriction closes, every area in it is restricted and reported changed,
 * while areas outside the group are untouched; overrides act on one area
 * or one group; reconfigure keeps state by id, starts new areas open and
 * drops removed ones; the deadline is the earliest pending hold.
 *
 * The venue is built in C (no INI file): a "north" group of capacity 60
 * holding "hall" and "gallery" (40 each), and a "lawn" of 2000 in no group.
 * Default thresholds: levels at 50/80/100 %, restrict 100 %, resume 90 %,
 * hold 60 s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/congestion.h"

static const struct hc_thresholds defaults = {
	.moderate_at = 0.5,
	.crowded_at = 0.8,
	.full_at = 1.0,
	.restrict_at = 1.0,
	.resume_at = 0.9,
	.hold_ms = 60000,
};

enum { HALL, GALLERY, LAWN };
enum { NORTH };

static int add_area(struct hc_venue_cfg *cfg, const char *id, int64_t capacity, const char *group)
{
	assert_true(cfg->area_count < HC_AREAS_MAX);
	struct hc_area_cfg *a = &cfg->areas[cfg->area_count];
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->name, sizeof(a->name), "The %s", id);
	snprintf(a->group, sizeof(a->group), "%s", group);
	a->capacity = capacity;
	a->thresholds = defaults;
	return cfg->area_count++;
}

static int add_group(struct hc_venue_cfg *cfg, const char *id, int64_t capacity)
{
	assert_true(cfg->group_count < HC_GROUPS_MAX);
	struct hc_group_cfg *g = &cfg->groups[cfg->group_count];
	snprintf(g->id, sizeof(g->id), "%s", id);
	snprintf(g->name, sizeof(g->name), "The %s", id);
	g->capacity = capacity;
	g->thresholds = defaults;
	return cfg->group_count++;
}

static struct hc_venue_cfg *new_cfg(void)
{
	struct hc_venue_cfg *cfg = calloc(1, sizeof(*cfg));
	assert_non_null(cfg);
	cfg->thresholds = defaults;
	return cfg;
}

/* hall + gallery in north (60), lawn alone. */
static struct hc_venue_cfg *venue_cfg(void)
{
	struct hc_venue_cfg *cfg = new_cfg();
	assert_int_equal(add_area(cfg, "hall", 40, "north"), HALL);
	assert_int_equal(add_area(cfg, "gallery", 40, "north"), GALLERY);
	assert_int_equal(add_area(cfg, "lawn", 2000, ""), LAWN);
	assert_int_equal(add_group(cfg, "north", 60), NORTH);
	return cfg;
}

struct fixture {
	struct hc_venue_cfg *cfg;
	struct hc_congestion *c;
	bool area_changed[HC_AREAS_MAX];
	bool group_changed[HC_GROUPS_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	f->cfg = venue_cfg();
	f->c = hc_congestion_new(f->cfg);
	if (f->c == NULL) {
		free(f->cfg);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	hc_congestion_free(f->c);
	free(f->cfg);
	free(f);
	return 0;
}

static size_t evaluate(struct fixture *f, int64_t now_ms)
{
	return hc_congestion_evaluate(f->c, now_ms, f->area_changed, f->group_changed);
}

static void set_occupancies(struct fixture *f, int64_t hall, int64_t gallery, int64_t lawn)
{
	hc_congestion_set_occupancy(f->c, HALL, hall);
	hc_congestion_set_occupancy(f->c, GALLERY, gallery);
	hc_congestion_set_occupancy(f->c, LAWN, lawn);
}

static void fresh_venue_is_open_low_and_reports_nothing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(evaluate(f, 0), 0);
	for (int i = 0; i < f->cfg->area_count; i++) {
		assert_false(f->area_changed[i]);
		assert_int_equal(hc_congestion_area_level(f->c, i), HC_LEVEL_LOW);
		assert_false(hc_congestion_area_restricted(f->c, i));
		assert_int_equal(hc_congestion_area_override(f->c, i), HC_OVERRIDE_AUTO);
	}
	assert_false(f->group_changed[NORTH]);
	assert_false(hc_congestion_group_restricted(f->c, NORTH));
	assert_true(hc_congestion_deadline_ms(f->c) == INT64_MAX);
	/* The changed arrays are optional. */
	assert_int_equal(hc_congestion_evaluate(f->c, 1, NULL, NULL), 0);
}

static void group_occupancy_is_the_sum_of_its_areas(void **state)
{
	struct fixture *f = *state;
	set_occupancies(f, 10, 25, 700);
	evaluate(f, 1000);
	assert_int_equal(hc_congestion_group_occupancy(f->c, NORTH), 35);
	/* 35 of 60: moderate from 30, crowded from 48. */
	assert_int_equal(hc_congestion_group_level(f->c, NORTH), HC_LEVEL_MODERATE);
	assert_true(f->group_changed[NORTH]);
	assert_int_equal(hc_congestion_area_occupancy(f->c, LAWN), 700);

	set_occupancies(f, 30, 20, 700);
	evaluate(f, 2000);
	assert_int_equal(hc_congestion_group_occupancy(f->c, NORTH), 50);
	assert_int_equal(hc_congestion_group_level(f->c, NORTH), HC_LEVEL_CROWDED);
	assert_int_equal(hc_congestion_area_level(f->c, HALL), HC_LEVEL_MODERATE);
	assert_int_equal(hc_congestion_area_level(f->c, GALLERY), HC_LEVEL_MODERATE);
}

static void group_restriction_closes_all_its_areas_and_reports_them(void **state)
{
	struct fixture *f = *state;
	set_occupancies(f, 30, 29, 100);
	evaluate(f, 0);
	assert_false(hc_congestion_group_restricted(f->c, NORTH));

	/* One more person in the gallery: north reaches 60 and closes. The
	 * hall's own figures did not change, yet its doors must be told. */
	hc_congestion_set_occupancy(f->c, GALLERY, 30);
	assert_int_equal(evaluate(f, 1000), 3);
	assert_true(f->group_changed[NORTH]);
	assert_true(f->area_changed[HALL]);
	assert_true(f->area_changed[GALLERY]);
	assert_false(f->area_changed[LAWN]);
	assert_true(hc_congestion_group_restricted(f->c, NORTH));
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_true(hc_congestion_area_restricted(f->c, GALLERY));
	assert_int_equal(hc_congestion_area_level(f->c, HALL), HC_LEVEL_MODERATE);

	/* Down to 40 (<= 54) before the hold: still closed. The group's
	 * level fell (full to moderate); the areas' did not, so only the
	 * group is reported. */
	set_occupancies(f, 20, 20, 100);
	assert_int_equal(evaluate(f, 30000), 1);
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_true(hc_congestion_group_restricted(f->c, NORTH));
	assert_true(f->group_changed[NORTH]);
	assert_int_equal(hc_congestion_group_level(f->c, NORTH), HC_LEVEL_MODERATE);
	assert_false(f->area_changed[HALL]);
	assert_false(f->area_changed[GALLERY]);
	assert_int_equal(hc_congestion_deadline_ms(f->c), 61000);

	/* Hold over: the group reopens and both areas are reported. */
	assert_int_equal(evaluate(f, 61000), 3);
	assert_false(hc_congestion_group_restricted(f->c, NORTH));
	assert_false(hc_congestion_area_restricted(f->c, HALL));
	assert_false(hc_congestion_area_restricted(f->c, GALLERY));
	assert_true(f->area_changed[HALL]);
	assert_true(f->area_changed[GALLERY]);
	assert_true(hc_congestion_deadline_ms(f->c) == INT64_MAX);
}

static void area_outside_groups_is_unaffected(void **state)
{
	struct fixture *f = *state;
	set_occupancies(f, 30, 30, 1999);
	evaluate(f, 0);
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_false(hc_congestion_area_restricted(f->c, LAWN));
	assert_int_equal(hc_congestion_area_level(f->c, LAWN), HC_LEVEL_CROWDED);

	/* The lawn closes on its own count; the group is unmoved by it. */
	set_occupancies(f, 30, 30, 2000);
	assert_int_equal(evaluate(f, 1000), 1);
	assert_true(f->area_changed[LAWN]);
	assert_false(f->area_changed[HALL]);
	assert_false(f->group_changed[NORTH]);
	assert_true(hc_congestion_area_restricted(f->c, LAWN));
	assert_int_equal(hc_congestion_area_level(f->c, LAWN), HC_LEVEL_FULL);
	assert_int_equal(hc_congestion_group_occupancy(f->c, NORTH), 60);
}

static void area_restricted_on_its_own_does_not_close_its_group(void **state)
{
	struct fixture *f = *state;
	set_occupancies(f, 40, 0, 0);
	evaluate(f, 0);
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_false(hc_congestion_area_restricted(f->c, GALLERY));
	assert_false(hc_congestion_group_restricted(f->c, NORTH));
}

static void group_override_wins_until_released(void **state)
{
	struct fixture *f = *state;
	set_occupancies(f, 5, 5, 5);
	evaluate(f, 0);

	hc_congestion_override_group(f->c, NORTH, HC_OVERRIDE_FORCE_CLOSED);
	assert_int_equal(hc_congestion_group_override(f->c, NORTH), HC_OVERRIDE_FORCE_CLOSED);
	assert_int_equal(evaluate(f, 1000), 3);
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_true(hc_congestion_area_restricted(f->c, GALLERY));
	assert_false(hc_congestion_area_restricted(f->c, LAWN));
	/* An area's own override is untouched by its group's. */
	assert_int_equal(hc_congestion_area_override(f->c, HALL), HC_OVERRIDE_AUTO);

	hc_congestion_override_group(f->c, NORTH, HC_OVERRIDE_AUTO);
	assert_int_equal(evaluate(f, 2000), 3);
	assert_false(hc_congestion_area_restricted(f->c, HALL));
	assert_false(hc_congestion_area_restricted(f->c, GALLERY));

	/* Forcing the group open does not open an area full on its own. */
	set_occupancies(f, 40, 25, 5);
	evaluate(f, 3000);
	assert_true(hc_congestion_group_restricted(f->c, NORTH));
	hc_congestion_override_group(f->c, NORTH, HC_OVERRIDE_FORCE_OPEN);
	evaluate(f, 4000);
	assert_false(hc_congestion_group_restricted(f->c, NORTH));
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_false(hc_congestion_area_restricted(f->c, GALLERY));
	assert_false(f->area_changed[HALL]);
	assert_true(f->area_changed[GALLERY]);
}

static void area_override_acts_on_that_area_only(void **state)
{
	struct fixture *f = *state;
	evaluate(f, 0);
	hc_congestion_override_area(f->c, GALLERY, HC_OVERRIDE_FORCE_CLOSED);
	assert_int_equal(evaluate(f, 1000), 1);
	assert_true(f->area_changed[GALLERY]);
	assert_true(hc_congestion_area_restricted(f->c, GALLERY));
	assert_false(hc_congestion_area_restricted(f->c, HALL));
	assert_false(hc_congestion_group_restricted(f->c, NORTH));

	/* Forcing an area open does not beat its group being closed. */
	hc_congestion_override_area(f->c, GALLERY, HC_OVERRIDE_FORCE_OPEN);
	hc_congestion_override_group(f->c, NORTH, HC_OVERRIDE_FORCE_CLOSED);
	evaluate(f, 2000);
	assert_true(hc_congestion_area_restricted(f->c, GALLERY));
	assert_int_equal(hc_congestion_area_override(f->c, GALLERY), HC_OVERRIDE_FORCE_OPEN);
}

static void reconfigure_keeps_state_by_id_and_drops_removed_areas(void **state)
{
	struct fixture *f = *state;
	set_occupancies(f, 40, 10, 300);
	evaluate(f, 0);
	hc_congestion_override_area(f->c, LAWN, HC_OVERRIDE_FORCE_CLOSED);
	evaluate(f, 1000);
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_true(hc_congestion_area_restricted(f->c, LAWN));

	/* New order, gallery gone, a tent added, hall's capacity raised. */
	struct hc_venue_cfg *cfg2 = new_cfg();
	int lawn = add_area(cfg2, "lawn", 2000, "");
	int tent = add_area(cfg2, "tent", 100, "north");
	int hall = add_area(cfg2, "hall", 50, "north");
	int north = add_group(cfg2, "north", 150);
	hc_congestion_reconfigure(f->c, cfg2);
	free(f->cfg);
	f->cfg = cfg2;

	assert_int_equal(hc_congestion_area_occupancy(f->c, hall), 40);
	assert_int_equal(hc_congestion_area_occupancy(f->c, lawn), 300);
	assert_int_equal(hc_congestion_area_occupancy(f->c, tent), 0);
	assert_int_equal(hc_congestion_area_override(f->c, lawn), HC_OVERRIDE_FORCE_CLOSED);
	assert_int_equal(hc_congestion_area_override(f->c, tent), HC_OVERRIDE_AUTO);

	/* Hall: 40 of 50 is at resume (45) but its hold runs until 60 s. */
	evaluate(f, 30000);
	assert_true(hc_congestion_area_restricted(f->c, hall));
	assert_true(hc_congestion_area_restricted(f->c, lawn));
	assert_false(hc_congestion_area_restricted(f->c, tent));
	assert_int_equal(hc_congestion_group_occupancy(f->c, north), 40);
	assert_int_equal(hc_congestion_deadline_ms(f->c), 60000);

	evaluate(f, 60000);
	assert_true(f->area_changed[hall]);
	assert_false(hc_congestion_area_restricted(f->c, hall));
	assert_true(hc_congestion_area_restricted(f->c, lawn));
}

static void new_area_in_reconfigure_starts_open(void **state)
{
	struct fixture *f = *state;
	set_occupancies(f, 30, 30, 0);
	evaluate(f, 0);
	assert_true(hc_congestion_group_restricted(f->c, NORTH));

	/* The group is renamed: "south" is new and starts open. */
	struct hc_venue_cfg *cfg2 = new_cfg();
	int hall = add_area(cfg2, "hall", 40, "south");
	int gallery = add_area(cfg2, "gallery", 40, "south");
	add_area(cfg2, "lawn", 2000, "");
	int south = add_group(cfg2, "south", 100);
	hc_congestion_reconfigure(f->c, cfg2);
	free(f->cfg);
	f->cfg = cfg2;

	evaluate(f, 1000);
	assert_false(hc_congestion_group_restricted(f->c, south));
	assert_int_equal(hc_congestion_group_override(f->c, south), HC_OVERRIDE_AUTO);
	assert_false(hc_congestion_area_restricted(f->c, hall));
	assert_false(hc_congestion_area_restricted(f->c, gallery));
	assert_true(f->area_changed[hall]);
	assert_true(f->area_changed[gallery]);
}

static void deadline_is_the_earliest_pending_hold(void **state)
{
	struct fixture *f = *state;
	assert_true(hc_congestion_deadline_ms(f->c) == INT64_MAX);

	set_occupancies(f, 40, 0, 0);
	evaluate(f, 1000); /* hall closes: 61000 */
	set_occupancies(f, 40, 0, 2000);
	evaluate(f, 5000); /* lawn closes: 65000 */
	assert_int_equal(hc_congestion_deadline_ms(f->c), 61000);

	set_occupancies(f, 40, 20, 2000);
	evaluate(f, 7000); /* north closes: 67000 */
	assert_int_equal(hc_congestion_deadline_ms(f->c), 61000);

	/* The hall's hold expires with the hall still full: next is the lawn. */
	evaluate(f, 61000);
	assert_true(hc_congestion_area_restricted(f->c, HALL));
	assert_int_equal(hc_congestion_deadline_ms(f->c), 65000);
	evaluate(f, 65000);
	assert_int_equal(hc_congestion_deadline_ms(f->c), 67000);
	evaluate(f, 67000);
	assert_true(hc_congestion_deadline_ms(f->c) == INT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh_venue_is_open_low_and_reports_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(group_occupancy_is_the_sum_of_its_areas, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			group_restriction_closes_all_its_areas_and_reports_them, setup, teardown),
		cmocka_unit_test_setup_teardown(area_outside_groups_is_unaffected, setup, teardown),
		cmocka_unit_test_setup_teardown(area_restricted_on_its_own_does_not_close_its_group,
						setup, teardown),
		cmocka_unit_test_setup_teardown(group_override_wins_until_released, setup,
						teardown),
		cmocka_unit_test_setup_teardown(area_override_acts_on_that_area_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			reconfigure_keeps_state_by_id_and_drops_removed_areas, setup, teardown),
		cmocka_unit_test_setup_teardown(new_area_in_reconfigure_starts_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(deadline_is_the_earliest_pending_hold, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
