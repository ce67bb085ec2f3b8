/*
 * test_config_errors.c — a broken venue config is refused with the line
 * and the reason a person needs to fix it (shared/config.c).
 *
 * Property: each kind of error (syntax, unknown section, unknown key,
 * duplicate id or key, bad value, dangling reference, missing required
 * key, limits, unreadable file, no areas) makes hc_venue_load() return
 * NULL with the exact line number and a message naming what is wrong;
 * and a correct file loads with every value as written.
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

/* Loads text; asserts it is refused at line with message containing has. */
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
	assert_string_equal(err.file, d->file);
}

#define AREA "[area hall]\ncapacity = 300\n"

static void a_bad_integer_names_section_key_range_and_value(void **state)
{
	assert_refused(state,
		       "[venue]\nname = V\n\n[area hall]\nname = Main hall\ncapacity = abc\n", 6,
		       "area 'hall': capacity must be an integer 1..1000000, got 'abc'");
	assert_refused(state, "[area hall]\ncapacity = 0\n", 2,
		       "capacity must be an integer 1..1000000");
	assert_refused(state, "[area hall]\ncapacity = 1000001\n", 2, "got '1000001'");
	assert_refused(state, "[area hall]\ncapacity = 30.5\n", 2, "capacity");
}

static void a_bad_fraction_or_hold_is_refused_at_its_line(void **state)
{
	assert_refused(state, AREA "moderate_at = 0\n", 3,
		       "moderate_at must be a number > 0 and <= 10");
	assert_refused(state, AREA "full_at = 10.5\n", 3, "full_at");
	assert_refused(state, AREA "resume_at = -0.1\n", 3, "resume_at must be a number >= 0");
	assert_refused(state, AREA "crowded_at = nan\n", 3, "crowded_at");
	assert_refused(state, "[venue]\nhold_s = 86401\n" AREA, 2,
		       "venue: hold_s must be an integer 0..86400");
	assert_refused(state, "[venue]\ndensity_per_m2 = 0\n" AREA, 2, "density_per_m2");
	assert_refused(state, "[venue]\nlisten = localhost\n" AREA, 2, "listen must be host:port");
	assert_refused(state, "[venue]\nlisten = 127.0.0.1:70000\n" AREA, 2, "port 1..65535");
}

static void limit_keys_are_refused_out_of_range_at_their_line(void **state)
{
	assert_refused(state, "[venue]\nconnections_per_address = 0\n" AREA, 2,
		       "connections_per_address must be an integer 1..1000000");
	assert_refused(state, "[venue]\nconnections_per_address = 1000001\n" AREA, 2,
		       "connections_per_address");
	assert_refused(state, "[venue]\nmap_idle_timeout_s = 2\n" AREA, 2,
		       "map_idle_timeout_s must be an integer 3..3600");
	assert_refused(state, "[venue]\nmap_idle_timeout_s = 3601\n" AREA, 2, "map_idle_timeout_s");
	assert_refused(state, "[venue]\nstaff_listen = 8081\n" AREA, 2,
		       "staff_listen must be host:port");
	assert_refused(state, AREA "connections_per_address = 5\n", 3, "connections_per_address");
}

static void limit_keys_load_and_default(void **state)
{
	struct venue_dir *d = *state;
	write_file(d->file, "[venue]\nstaff_listen = 10.0.0.2:8081\nconnections_per_address = 1\n"
			    "map_idle_timeout_s = 3\n" AREA);
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(d->file, &err);
	if (cfg == NULL)
		fail_msg("refused: %d %s", err.line, err.message);
	assert_string_equal(cfg->staff_listen_host, "10.0.0.2");
	assert_int_equal(cfg->staff_listen_port, 8081);
	assert_int_equal(cfg->connections_per_address, 1);
	assert_int_equal(cfg->map_idle_timeout_s, 3);
	hc_venue_free(cfg);
	write_file(d->file, AREA);
	cfg = hc_venue_load(d->file, &err);
	if (cfg == NULL)
		fail_msg("refused: %d %s", err.line, err.message);
	assert_int_equal(cfg->staff_listen_port, 0);
	assert_int_equal(cfg->connections_per_address, HC_CONNECTIONS_PER_ADDRESS_DEFAULT);
	assert_int_equal(cfg->map_idle_timeout_s, HC_MAP_IDLE_TIMEOUT_S_DEFAULT);
	hc_venue_free(cfg);
}

static void threshold_order_is_checked_at_the_offending_key(void **state)
{
	assert_refused(state, AREA "moderate_at = 0.9\n", 3,
		       "area 'hall': moderate_at (0.9) must be <= crowded_at (0.8)");
	assert_refused(state, AREA "crowded_at = 0.9\nfull_at = 0.85\n", 4,
		       "crowded_at (0.9) must be <= full_at");
	assert_refused(state, AREA "resume_at = 1.0\n", 3,
		       "resume_at (1) must be < restrict_at (1)");
	assert_refused(state, "[venue]\nrestrict_at = 0.8\n" AREA, 2,
		       "venue: resume_at (0.9) must be < restrict_at (0.8)");
}

static void syntax_errors_are_inih_lines(void **state)
{
	assert_refused(state, "[venue]\nname = V\nthis line has no equals sign\n" AREA, 3,
		       "syntax error");
	assert_refused(state, AREA "[group park\n", 3, "got '[group park'");
}

static void unknown_sections_and_keys_are_refused(void **state)
{
	assert_refused(state, AREA "\n[zone z1]\nname = Z\n", 4, "unknown section [zone]");
	assert_refused(state, AREA "capcity = 3\n", 3, "area 'hall': unknown key 'capcity'");
	assert_refused(state, AREA "area = hall\n", 3, "unknown key 'area'");
	assert_refused(state, "[venue]\ngroup = park\n" AREA, 2, "venue: unknown key 'group'");
	assert_refused(state, "name = V\n" AREA, 1, "outside any section");
	assert_refused(state, "[venue x]\n" AREA, 1, "[venue] takes no id");
	assert_refused(state, "[area]\ncapacity = 3\n", 1, "area id '' must be 1..32 characters");
	assert_refused(state, "[area hall 2]\ncapacity = 3\n", 1, "area id 'hall 2'");
}

static void duplicates_are_refused_at_the_second(void **state)
{
	assert_refused(state, AREA "\n[area hall]\ncapacity = 5\n", 4,
		       "area 'hall' already defined at line 1");
	assert_refused(state, AREA "capacity = 5\n", 3, "capacity given twice (first at line 2)");
	assert_refused(state, "[venue]\n[venue]\n" AREA, 2, "[venue] given twice");
	assert_refused(state, AREA "[terminal t1]\narea = hall\n[terminal t1]\narea = hall\n", 5,
		       "terminal 't1' already defined at line 3");
}

static void references_must_resolve(void **state)
{
	assert_refused(state, AREA "[terminal t1]\narea = hall\n[terminal t2]\narea = stage\n", 6,
		       "terminal 't2': area 'stage' is not defined");
	assert_refused(state, AREA "group = park\n", 3, "area 'hall': group 'park' is not defined");
	assert_refused(state, AREA "[terminal t1]\nkey = s3cret\n", 3,
		       "terminal 't1': area = <area id> is required");
	assert_refused(state, AREA "[group park]\nname = P\n", 3, "group 'park': no area names it");
}

static void area_capacity_is_required_once(void **state)
{
	assert_refused(state, "[area hall]\nname = Hall\n", 1, "area 'hall': needs capacity");
	assert_refused(state, "[area hall]\n", 1, "needs capacity");
	assert_refused(state, AREA "floor_m2 = 100\n", 3, "either capacity or floor_m2, not both");
	assert_refused(state, "[area lawn]\nfloor_m2 = 0.2\n", 2,
		       "gives capacity 0, allowed 1..1000000");
}

static void terminal_key_is_at_most_64_characters(void **state)
{
	assert_refused(state,
		       AREA "[terminal t1]\narea = hall\nkey = "
			    "0123456789012345678901234567890123456789012345678901234567890123X\n",
		       5, "key must be 1..64 characters");
}

static void no_area_is_an_error_without_a_line(void **state)
{
	assert_refused(state, "[venue]\nname = Empty\n", 0, "at least one area");
	assert_refused(state, "", 0, "at least one area");
}

static void value_errors_come_first_then_the_lowest_reference_error(void **state)
{
	/* Syntax and value errors are found while reading and win even at
	 * a later line than a dangling reference (line 4). */
	assert_refused(state, AREA "[terminal t2]\narea = nowhere\n[area stage]\ncapacity = lots\n",
		       6, "area 'stage': capacity");
	/* Among reference errors, found after reading, the lowest line wins
	 * although the area's (line 7) is checked before the terminal's. */
	assert_refused(state,
		       AREA
		       "[terminal t2]\narea = nowhere\n[area stage]\ncapacity = 5\ngroup = nope\n",
		       4, "terminal 't2': area 'nowhere' is not defined");
}

static void unreadable_file_is_line_0(void **state)
{
	struct venue_dir *d = *state;
	char missing[160];
	snprintf(missing, sizeof missing, "%s/absent.ini", d->path);
	struct hc_config_error err;
	assert_null(hc_venue_load(missing, &err));
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.message, "No such file"));

	assert_null(hc_venue_load(d->path, &err)); /* a directory */
	assert_int_equal(err.line, 0);
	assert_true(strlen(err.message) > 0);
	write_file(d->file, AREA); /* so teardown finds it */
}

static void lines_up_to_197_characters_are_read(void **state)
{
	struct venue_dir *d = *state;
	char text[512];
	char comment[199];
	/* "name = Hall ; " + 183 = 197 characters: accepted, even with CR LF */
	memset(comment, 'c', 183);
	comment[183] = '\0';
	snprintf(text, sizeof text, "[area hall]\r\ncapacity = 300\r\nname = Hall ; %s\r\n",
		 comment);
	write_file(d->file, text);
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(d->file, &err);
	if (cfg == NULL)
		fail_msg("refused: %d %s", err.line, err.message);
	assert_string_equal(cfg->areas[0].name, "Hall");
	hc_venue_free(cfg);

	/* one more character: refused at its line, not split in two */
	strcat(comment, "c");
	snprintf(text, sizeof text, AREA "name = Hall ; %s\n[terminal t1]\narea = hall\n", comment);
	assert_refused(state, text, 3, "line longer than 197 characters");
}

static void indented_keys_are_keys_not_continuations(void **state)
{
	struct venue_dir *d = *state;
	write_file(d->file, "[area hall]\n  name = Hall\n  capacity = 300\n");
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(d->file, &err);
	if (cfg == NULL)
		fail_msg("refused: %d %s", err.line, err.message);
	assert_string_equal(cfg->areas[0].name, "Hall");
	assert_int_equal(cfg->areas[0].capacity, 300);
	hc_venue_free(cfg);
}

static void too_many_areas_fails_at_the_one_over_the_limit(void **state)
{
	size_t cap = (size_t)(HC_AREAS_MAX + 1) * 40;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t n = 0;
	for (int i = 0; i <= HC_AREAS_MAX; i++)
		n += (size_t)snprintf(text + n, cap - n, "[area a%d]\ncapacity = 1\n", i);
	/* area number HC_AREAS_MAX + 1 starts at line 2 * HC_AREAS_MAX + 1 */
	assert_refused(state, text, 2 * HC_AREAS_MAX + 1, "too many areas: at most 256");
	free(text);
}

static void error_formats_as_file_colon_line(void **state)
{
	(void)state;
	struct hc_config_error err = { .file = "venue.ini",
				       .line = 12,
				       .message = "area 'hall': x" };
	char out[300];
	hc_config_error_format(&err, out, sizeof out);
	assert_string_equal(out, "venue.ini:12: area 'hall': x");
	err.line = 0;
	hc_config_error_format(&err, out, sizeof out);
	assert_string_equal(out, "venue.ini: area 'hall': x");
}

static void a_valid_file_loads_with_every_value(void **state)
{
	struct venue_dir *d = *state;
	write_file(d->file, "; a comment\n"
			    "[venue]\n"
			    "name = Test fair        ; inline comment\n"
			    "listen = 0.0.0.0:9090\n"
			    "database = /var/lib/hc/fair.db\n"
			    "hold_s = 30\n"
			    "\n"
			    "[area hall]\n"
			    "name = Main hall\n"
			    "capacity = 300\n"
			    "group = park\n"
			    "[area room]\n"
			    "capacity = 40\n"
			    "[group park]\n"
			    "name = The park\n"
			    "[terminal t1]\n"
			    "area = room\n"
			    "key = s3cret;x\n"
			    "[terminal t2]\n"
			    "area = hall\n");
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(d->file, &err);
	if (cfg == NULL)
		fail_msg("refused: %d %s", err.line, err.message);
	assert_string_equal(cfg->path, d->file);
	assert_string_equal(cfg->name, "Test fair");
	assert_string_equal(cfg->listen_host, "0.0.0.0");
	assert_int_equal(cfg->listen_port, 9090);
	assert_string_equal(cfg->database, "/var/lib/hc/fair.db");
	assert_int_equal(cfg->thresholds.hold_ms, 30000);

	assert_int_equal(cfg->area_count, 2);
	assert_string_equal(cfg->areas[0].id, "hall");
	assert_string_equal(cfg->areas[0].name, "Main hall");
	assert_int_equal(cfg->areas[0].capacity, 300);
	assert_string_equal(cfg->areas[0].group, "park");
	assert_int_equal(cfg->areas[0].line, 8);
	assert_string_equal(cfg->areas[1].name, "room"); /* defaults to the id */
	assert_string_equal(cfg->areas[1].group, "");
	assert_int_equal(cfg->areas[1].thresholds.hold_ms, 30000);

	assert_int_equal(cfg->group_count, 1);
	assert_string_equal(cfg->groups[0].name, "The park");
	assert_int_equal(cfg->groups[0].capacity, 300);

	assert_int_equal(cfg->terminal_count, 2);
	assert_string_equal(cfg->terminals[0].id, "t1");
	assert_string_equal(cfg->terminals[0].area, "room");
	assert_int_equal(cfg->terminals[0].area_index, 1);
	assert_string_equal(cfg->terminals[0].key, "s3cret;x");
	assert_int_equal(cfg->terminals[0].line, 16);
	assert_int_equal(cfg->terminals[1].area_index, 0);
	assert_string_equal(cfg->terminals[1].key, "");

	assert_int_equal(hc_venue_find_area(cfg, "room"), 1);
	assert_int_equal(hc_venue_find_area(cfg, "stage"), -1);
	assert_int_equal(hc_venue_find_group(cfg, "park"), 0);
	assert_int_equal(hc_venue_find_group(cfg, "hall"), -1);
	assert_int_equal(hc_venue_find_terminal(cfg, "t2"), 1);
	assert_int_equal(hc_venue_find_terminal(cfg, "t3"), -1);
	hc_venue_free(cfg);
}

static void the_demo_venue_loads(void **state)
{
	(void)state;
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load("aggregator/demo/venue.ini", &err);
	if (cfg == NULL) {
		char line[400];
		hc_config_error_format(&err, line, sizeof line);
		if (err.line == 0 && strstr(err.message, "cannot open") != NULL)
			skip(); /* not run from the source tree */
		fail_msg("%s", line);
	}
	assert_int_equal(cfg->area_count, 3);
	assert_int_equal(cfg->terminal_count, 6);
	assert_int_equal(cfg->areas[hc_venue_find_area(cfg, "lawn")].capacity, 2000);
	assert_string_equal(cfg->database, "aggregator/demo/demo.db");
	hc_venue_free(cfg);
}

/* hc_venue_load_text() (the fuzz target's entry) is hc_venue_load() on
 * text already in memory: the same config or the same error, NUL bytes
 * and an unterminated buffer included. */
#define WITH_NUL "[area hall]\ncap\0acity = 300\n"

static void text_in_memory_loads_exactly_as_the_same_file(void **state)
{
	struct venue_dir *d = *state;
	static const char *const texts[] = {
		"[venue]\nname = V\ndatabase = v.db\n[area hall]\ncapacity = 300\n"
		"[terminal t1]\narea = hall\n",
		"[area hall]\ncapacity = abc\n",
		"[area hall]\ncapacity = 300\nx\n",
		"[area hall]\ncapacity = 300\n[terminal t1]\narea = garden\n",
		WITH_NUL,
		"",
	};
	static const size_t lens[] = { 0, 0, 0, 0, sizeof WITH_NUL - 1, 0 };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t len = lens[i] != 0 ? lens[i] : strlen(texts[i]);
		FILE *f = fopen(d->file, "wb");
		assert_non_null(f);
		assert_true(len == 0 || fwrite(texts[i], 1, len, f) == len);
		assert_int_equal(fclose(f), 0);
		struct hc_config_error ef, em;
		struct hc_venue_cfg *from_file = hc_venue_load(d->file, &ef);
		/* Not NUL-ended: a copy that ends exactly at len. */
		char *copy = malloc(len + 1);
		assert_non_null(copy);
		memcpy(copy, texts[i], len);
		struct hc_venue_cfg *from_text = hc_venue_load_text(d->file, copy, len, &em);
		free(copy);
		assert_int_equal(from_file == NULL, from_text == NULL);
		if (from_file != NULL) {
			assert_memory_equal(from_file, from_text, sizeof *from_file);
		} else {
			assert_int_equal(ef.line, em.line);
			assert_string_equal(ef.message, em.message);
			assert_string_equal(ef.file, em.file);
		}
		hc_venue_free(from_file);
		hc_venue_free(from_text);
	}
	size_t big_len = 1024 * 1024 + 1;
	char *big = malloc(big_len);
	assert_non_null(big);
	memset(big, '\n', big_len);
	struct hc_config_error err;
	assert_null(hc_venue_load_text(d->file, big, big_len, &err));
	free(big);
	assert_string_equal(err.message, "larger than 1048576 bytes");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, venue_dir_setup, venue_dir_teardown)
	const struct CMUnitTest tests[] = {
		T(a_bad_integer_names_section_key_range_and_value),
		T(a_bad_fraction_or_hold_is_refused_at_its_line),
		T(limit_keys_are_refused_out_of_range_at_their_line),
		T(limit_keys_load_and_default),
		T(threshold_order_is_checked_at_the_offending_key),
		T(syntax_errors_are_inih_lines),
		T(unknown_sections_and_keys_are_refused),
		T(duplicates_are_refused_at_the_second),
		T(references_must_resolve),
		T(area_capacity_is_required_once),
		T(terminal_key_is_at_most_64_characters),
		T(no_area_is_an_error_without_a_line),
		T(value_errors_come_first_then_the_lowest_reference_error),
		T(unreadable_file_is_line_0),
		T(lines_up_to_197_characters_are_read),
		T(indented_keys_are_keys_not_continuations),
		T(too_many_areas_fails_at_the_one_over_the_limit),
		T(error_formats_as_file_colon_line),
		T(a_valid_file_loads_with_every_value),
		T(the_demo_venue_loads),
		T(text_in_memory_loads_exactly_as_the_same_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
