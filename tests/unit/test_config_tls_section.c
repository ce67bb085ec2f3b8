/*
 * test_config_tls_section.c — the optional [tls] section of the venue
 * config (shared/config_tls.c through shared/config.c).
 *
 * Properties: without [tls] TLS is off; cert, key and ca are read, and
 * relative paths are joined to the config file's directory; cert without
 * key (or key without cert), an unknown key, a key given twice, an empty
 * path, an id on the header and the section given twice are refused at
 * their line.
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

static void without_section_tls_is_off(void **state)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load(state, AREA, &err);
	assert_non_null(cfg);
	assert_false(cfg->tls.enabled);
	hc_venue_free(cfg);
}

static void paths_are_read_and_joined_to_the_config_dir(void **state)
{
	struct venue_dir *d = *state;
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load(state,
					AREA "[tls]\ncert = tls/server.crt\n"
					     "key = /etc/headcount/server.key\nca = ca.crt\n",
					&err);
	if (cfg == NULL)
		fail_msg("refused: line %d %s", err.line, err.message);
	assert_true(cfg->tls.enabled);
	char want[256];
	snprintf(want, sizeof want, "%s/tls/server.crt", d->path);
	assert_string_equal(cfg->tls.cert, want);
	assert_string_equal(cfg->tls.key, "/etc/headcount/server.key");
	snprintf(want, sizeof want, "%s/ca.crt", d->path);
	assert_string_equal(cfg->tls.ca, want);
	hc_venue_free(cfg);
}

static void ca_is_optional(void **state)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = load(state, AREA "[tls]\ncert = a.crt\nkey = a.key\n", &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->tls.ca, "");
	hc_venue_free(cfg);
}

static void mistakes_are_refused_at_their_line(void **state)
{
	refused(state, AREA "[tls]\ncert = a.crt\n", 3, "give cert and key");
	refused(state, AREA "[tls]\nkey = a.key\n", 3, "give cert and key");
	refused(state, AREA "[tls]\ncert = a.crt\nkey = a.key\nkeyfile = x\n", 6,
		"unknown key 'keyfile'");
	refused(state, AREA "[tls]\ncert = a.crt\nkey = a.key\ncert = b.crt\n", 6,
		"cert given twice (first at line 4)");
	refused(state, AREA "[tls]\ncert =\nkey = a.key\n", 4, "cert must be a file path");
	refused(state, AREA "[tls x]\ncert = a.crt\nkey = a.key\n", 3, "[tls] takes no id");
	refused(state, AREA "[tls]\ncert = a.crt\nkey = a.key\n[tls]\n", 6,
		"[tls] given twice (first at line 3)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(without_section_tls_is_off, venue_dir_setup,
						venue_dir_teardown),
		cmocka_unit_test_setup_teardown(paths_are_read_and_joined_to_the_config_dir,
						venue_dir_setup, venue_dir_teardown),
		cmocka_unit_test_setup_teardown(ca_is_optional, venue_dir_setup,
						venue_dir_teardown),
		cmocka_unit_test_setup_teardown(mistakes_are_refused_at_their_line, venue_dir_setup,
						venue_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
