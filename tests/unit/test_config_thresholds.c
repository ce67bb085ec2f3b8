/*
 * test_config_thresholds.c — how the venue config resolves what is not
 * written (shared/config.c, docs/config.md).
 *
 * Property: every area and group ends up with a capacity and a full set
 * of thresholds: capacity from floor_m2 x density_per_m2 (the area's own
 * density, else the venue's, rounded down); thresholds from the venue
 * (defaults 0.5/0.8/1.0, restrict 1.0, resume 0.9, hold 60 s) unless the
 * area or group overrides them, wherever the [venue] section sits in the
 * file; a group's capacity defaults to the sum of its areas'; a relative
 * database path is relative to the config file's directory.
 */
#include <math.h>
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


/* Writes text as the config and loads it; the test's teardown frees it. */
static const struct hc_venue_cfg *load(void **state, const char *text)
{
	struct venue_dir *d = *state;
	FILE *f = fopen(d->file, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	if (d->cfg != NULL)
		hc_venue_free(d->cfg);
	struct hc_config_error err;
	d->cfg = hc_venue_load(d->file, &err);
	if (d->cfg == NULL)
		fail_msg("refused: line %d: %s", err.line, err.message);
	return d->cfg;
}

static const struct hc_area_cfg *area(const struct hc_venue_cfg *cfg, const char *id)
{
	int i = hc_venue_find_area(cfg, id);
	assert_true(i >= 0);
	return &cfg->areas[i];
}

static const struct hc_group_cfg *group(const struct hc_venue_cfg *cfg, const char *id)
{
	int i = hc_venue_find_group(cfg, id);
	assert_true(i >= 0);
	return &cfg->groups[i];
}

static void assert_thresholds(const struct hc_thresholds *t, double moderate, double crowded,
			      double full, double restrict_, double resume, int64_t hold_ms)
{
	assert_true(fabs(t->moderate_at - moderate) < 1e-12);
	assert_true(fabs(t->crowded_at - crowded) < 1e-12);
	assert_true(fabs(t->full_at - full) < 1e-12);
	assert_true(fabs(t->restrict_at - restrict_) < 1e-12);
	assert_true(fabs(t->resume_at - resume) < 1e-12);
	assert_int_equal(t->hold_ms, hold_ms);
}

static void capacity_is_floor_area_times_venue_density(void **state)
{
	const struct hc_venue_cfg *cfg = load(state, "[area lawn]\nfloor_m2 = 1200\n");
	assert_int_equal(area(cfg, "lawn")->capacity, 2400); /* default 2.0 / m² */

	cfg = load(state, "[venue]\ndensity_per_m2 = 1.5\n[area lawn]\nfloor_m2 = 1200\n");
	assert_int_equal(area(cfg, "lawn")->capacity, 1800);
	assert_true(fabs(area(cfg, "lawn")->density_per_m2 - 1.5) < 1e-12);
	assert_true(fabs(area(cfg, "lawn")->floor_m2 - 1200) < 1e-12);
}

static void area_density_overrides_the_venue(void **state)
{
	const struct hc_venue_cfg *cfg = load(state,
					      "[venue]\ndensity_per_m2 = 3\n"
					      "[area lawn]\nfloor_m2 = 2000\ndensity_per_m2 = 1.0\n"
					      "[area pit]\nfloor_m2 = 100\n");
	assert_int_equal(area(cfg, "lawn")->capacity, 2000);
	assert_int_equal(area(cfg, "pit")->capacity, 300);
}

static void capacity_from_floor_area_rounds_down(void **state)
{
	const struct hc_venue_cfg *cfg = load(state,
					      "[area a]\nfloor_m2 = 10.9\ndensity_per_m2 = 1\n"
					      "[area b]\nfloor_m2 = 100\ndensity_per_m2 = 2.3\n"
					      "[area c]\nfloor_m2 = 0.5\n");
	assert_int_equal(area(cfg, "a")->capacity, 10);
	assert_int_equal(area(cfg, "b")->capacity, 230); /* not 229.999... */
	assert_int_equal(area(cfg, "c")->capacity, 1);
}

static void capacity_given_directly_keeps_floor_zero(void **state)
{
	const struct hc_venue_cfg *cfg = load(state, "[area hall]\ncapacity = 300\n");
	assert_int_equal(area(cfg, "hall")->capacity, 300);
	assert_true(area(cfg, "hall")->floor_m2 == 0);
}

static void threshold_defaults_apply_without_venue_section(void **state)
{
	const struct hc_venue_cfg *cfg = load(state, "[area hall]\ncapacity = 300\n");
	assert_thresholds(&cfg->thresholds, 0.5, 0.8, 1.0, 1.0, 0.9, 60000);
	assert_thresholds(&area(cfg, "hall")->thresholds, 0.5, 0.8, 1.0, 1.0, 0.9, 60000);
	assert_string_equal(cfg->name, "headcount venue");
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_true(fabs(cfg->density_per_m2 - 2.0) < 1e-12);
}

static void area_overrides_only_what_it_names(void **state)
{
	const struct hc_venue_cfg *cfg = load(
		state,
		"[venue]\nmoderate_at = 0.4\nhold_s = 120\n"
		"[area room]\ncapacity = 40\ncrowded_at = 0.7\nrestrict_at = 0.95\nresume_at = 0.8\nhold_s = 0\n"
		"[area hall]\ncapacity = 300\n");
	assert_thresholds(&area(cfg, "room")->thresholds, 0.4, 0.7, 1.0, 0.95, 0.8, 0);
	assert_thresholds(&area(cfg, "hall")->thresholds, 0.4, 0.8, 1.0, 1.0, 0.9, 120000);
}

static void venue_keys_after_an_area_still_apply_to_it(void **state)
{
	const struct hc_venue_cfg *cfg = load(
		state,
		"[area hall]\ncapacity = 300\nfull_at = 1.2\n"
		"[area lawn]\nfloor_m2 = 100\n"
		"[venue]\ncrowded_at = 0.6\nfull_at = 0.9\nresume_at = 0.7\ndensity_per_m2 = 4\n");
	assert_thresholds(&area(cfg, "hall")->thresholds, 0.5, 0.6, 1.2, 1.0, 0.7, 60000);
	assert_int_equal(area(cfg, "lawn")->capacity, 400);
	assert_thresholds(&area(cfg, "lawn")->thresholds, 0.5, 0.6, 0.9, 1.0, 0.7, 60000);
}

static void group_capacity_defaults_to_the_sum_of_its_areas(void **state)
{
	const struct hc_venue_cfg *cfg =
		load(state, "[group park]\nname = The park\n"
			    "[area hall]\ncapacity = 300\ngroup = park\n"
			    "[area lawn]\nfloor_m2 = 2000\ndensity_per_m2 = 1\ngroup = park\n"
			    "[area room]\ncapacity = 40\n");
	assert_int_equal(group(cfg, "park")->capacity, 2300);
	assert_string_equal(group(cfg, "park")->name, "The park");
}

static void group_capacity_and_thresholds_can_be_given(void **state)
{
	const struct hc_venue_cfg *cfg =
		load(state, "[venue]\nhold_s = 90\n"
			    "[area hall]\ncapacity = 300\ngroup = park\n"
			    "[area lawn]\ncapacity = 2000\ngroup = park\n"
			    "[group park]\ncapacity = 1500\nrestrict_at = 0.9\nresume_at = 0.75\n");
	const struct hc_group_cfg *g = group(cfg, "park");
	assert_int_equal(g->capacity, 1500);
	assert_string_equal(g->name, "park"); /* defaults to the id */
	assert_thresholds(&g->thresholds, 0.5, 0.8, 1.0, 0.9, 0.75, 90000);
	/* A group's overrides are its own: its areas keep the venue's. */
	assert_thresholds(&area(cfg, "hall")->thresholds, 0.5, 0.8, 1.0, 1.0, 0.9, 90000);
}

static void group_threshold_order_is_checked(void **state)
{
	struct venue_dir *d = *state;
	FILE *f = fopen(d->file, "w");
	assert_non_null(f);
	fputs("[area hall]\ncapacity = 300\ngroup = park\n[group park]\nresume_at = 1.0\n", f);
	assert_int_equal(fclose(f), 0);
	struct hc_config_error err;
	assert_null(hc_venue_load(d->file, &err));
	assert_int_equal(err.line, 5);
	assert_non_null(
		strstr(err.message, "group 'park': resume_at (1) must be < restrict_at (1)"));
}

static void relative_database_is_next_to_the_config(void **state)
{
	struct venue_dir *d = *state;
	char want[256];

	const struct hc_venue_cfg *cfg = load(state, "[area hall]\ncapacity = 1\n");
	snprintf(want, sizeof want, "%s/headcount.db", d->path);
	assert_string_equal(cfg->database, want);

	cfg = load(state, "[venue]\ndatabase = data/fair.db\n[area hall]\ncapacity = 1\n");
	snprintf(want, sizeof want, "%s/data/fair.db", d->path);
	assert_string_equal(cfg->database, want);

	cfg = load(state, "[venue]\ndatabase = /srv/hc/fair.db\n[area hall]\ncapacity = 1\n");
	assert_string_equal(cfg->database, "/srv/hc/fair.db");
}

static void config_in_the_working_directory_keeps_a_bare_database_path(void **state)
{
	struct venue_dir *d = *state;
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(d->path), 0);
	FILE *f = fopen("venue.ini", "w");
	assert_non_null(f);
	fputs("[venue]\ndatabase = fair.db\n[area hall]\ncapacity = 1\n", f);
	assert_int_equal(fclose(f), 0);
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load("venue.ini", &err);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->database, "fair.db");
	hc_venue_free(cfg);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, venue_dir_setup, venue_dir_teardown)
	const struct CMUnitTest tests[] = {
		T(capacity_is_floor_area_times_venue_density),
		T(area_density_overrides_the_venue),
		T(capacity_from_floor_area_rounds_down),
		T(capacity_given_directly_keeps_floor_zero),
		T(threshold_defaults_apply_without_venue_section),
		T(area_overrides_only_what_it_names),
		T(venue_keys_after_an_area_still_apply_to_it),
		T(group_capacity_defaults_to_the_sum_of_its_areas),
		T(group_capacity_and_thresholds_can_be_given),
		T(group_threshold_order_is_checked),
		T(relative_database_is_next_to_the_config),
		T(config_in_the_working_directory_keeps_a_bare_database_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
