/*
 * test_config_mqtt_section.c — the optional [mqtt] section of the venue
 * config (shared/config.c).
 *
 * Properties: without [mqtt] the bridge is off; with an empty [mqtt] it
 * is on with the documented defaults (127.0.0.1:1883, QoS 1, keepalive
 * 30 s, topics under headcount/<venue name as a slug>); every key is
 * read as written; each bad value, a repeated section, an id on the
 * header and a password without a username are refused with their line.
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

static struct hc_venue_cfg *load(void **state, const char *text, struct hc_config_error *err)
{
	struct venue_dir *d = *state;
	FILE *f = fopen(d->file, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return hc_venue_load(d->file, err);
}

static void refused(void **state, const char *text, int line, const char *has)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load(state, text, &err);
	if (cfg != NULL) {
		hc_venue_free(cfg);
		fail_msg("accepted, want line %d '%s'", line, has);
	}
	if (err.line != line || strstr(err.message, has) == NULL)
		fail_msg("want line %d '%s', got line %d '%s'", line, has, err.line, err.message);
}

#define AREA "[area hall]\ncapacity = 10\n"

static void without_section_the_bridge_is_off(void **state)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load(state, AREA, &err);
	assert_non_null(cfg);
	assert_false(cfg->mqtt.enabled);
	hc_venue_free(cfg);
}

static void empty_section_takes_the_defaults(void **state)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg =
		load(state, "[venue]\nname = Summer Fest 2026! (Tokyo)\n" AREA "[mqtt]\n", &err);
	assert_non_null(cfg);
	assert_true(cfg->mqtt.enabled);
	assert_string_equal(cfg->mqtt.host, "127.0.0.1");
	assert_int_equal(cfg->mqtt.port, 1883);
	assert_int_equal(cfg->mqtt.qos, 1);
	assert_int_equal(cfg->mqtt.keepalive_s, 30);
	assert_string_equal(cfg->mqtt.topic_prefix, "headcount/summer-fest-2026-tokyo");
	assert_string_equal(cfg->mqtt.client_id, "headcount-summer-fest-2026-tokyo");
	assert_string_equal(cfg->mqtt.username, "");
	hc_venue_free(cfg);
}

static void japanese_only_name_gives_a_plain_slug(void **state)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load(state, "[venue]\nname = 夏祭り\n" AREA "[mqtt]\n", &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->mqtt.topic_prefix, "headcount/venue");
	hc_venue_free(cfg);
}

static void every_key_is_read_as_written(void **state)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load(state,
					AREA "[mqtt]\nhost = broker.venue.lan\nport = 8883\n"
					     "topic_prefix = fest/2026/live\nclient_id = agg-1\n"
					     "qos = 2\nkeepalive_s = 60\nusername = bridge\n"
					     "password = s3cret\n",
					&err);
	assert_non_null(cfg);
	assert_string_equal(cfg->mqtt.host, "broker.venue.lan");
	assert_int_equal(cfg->mqtt.port, 8883);
	assert_string_equal(cfg->mqtt.topic_prefix, "fest/2026/live");
	assert_string_equal(cfg->mqtt.client_id, "agg-1");
	assert_int_equal(cfg->mqtt.qos, 2);
	assert_int_equal(cfg->mqtt.keepalive_s, 60);
	assert_string_equal(cfg->mqtt.username, "bridge");
	assert_string_equal(cfg->mqtt.password, "s3cret");
	hc_venue_free(cfg);
}

static void bad_values_are_refused_at_their_line(void **state)
{
	refused(state, AREA "[mqtt]\nport = 0\n", 4, "port must be a port 1..65535");
	refused(state, AREA "[mqtt]\nport = 65536\n", 4, "port must be");
	refused(state, AREA "[mqtt]\nqos = 3\n", 4, "qos must be 0, 1 or 2");
	refused(state, AREA "[mqtt]\nkeepalive_s = 4\n", 4,
		"keepalive_s must be an integer 5..3600");
	refused(state, AREA "[mqtt]\ntopic_prefix = fest/#\n", 4, "topic_prefix must be");
	refused(state, AREA "[mqtt]\ntopic_prefix = /fest\n", 4, "topic_prefix must be");
	refused(state, AREA "[mqtt]\ntopic_prefix = fest//x\n", 4, "topic_prefix must be");
	refused(state, AREA "[mqtt]\ntopic_prefix = fest/+/x\n", 4, "topic_prefix must be");
	refused(state, AREA "[mqtt]\nclient_id = has space\n", 4, "client_id must be");
	refused(state, AREA "[mqtt]\nhost =\n", 4, "host must be");
	refused(state, AREA "[mqtt]\ncapacity = 3\n", 4, "unknown key 'capacity'");
	refused(state, AREA "[mqtt]\nport = 1\nport = 2\n", 5, "port");
}

static void section_shape_errors_are_refused(void **state)
{
	refused(state, AREA "[mqtt]\n[mqtt]\n", 4, "[mqtt] given twice (first at line 3)");
	refused(state, AREA "[mqtt broker]\n", 3, "[mqtt] takes no id");
	refused(state, AREA "[mqtt]\npassword = x\n", 3, "password given without username");
	refused(state, AREA "[area x]\ncapacity = 1\nhost = a\n", 5, "unknown key 'host'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(without_section_the_bridge_is_off, venue_dir_setup,
						venue_dir_teardown),
		cmocka_unit_test_setup_teardown(empty_section_takes_the_defaults, venue_dir_setup,
						venue_dir_teardown),
		cmocka_unit_test_setup_teardown(japanese_only_name_gives_a_plain_slug,
						venue_dir_setup, venue_dir_teardown),
		cmocka_unit_test_setup_teardown(every_key_is_read_as_written, venue_dir_setup,
						venue_dir_teardown),
		cmocka_unit_test_setup_teardown(bad_values_are_refused_at_their_line,
						venue_dir_setup, venue_dir_teardown),
		cmocka_unit_test_setup_teardown(section_shape_errors_are_refused, venue_dir_setup,
						venue_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
