/*
 * test_terminal_secrets_file.c — the enrollment secrets on both sides:
 * the aggregator's secrets file (aggregator/terminal_secrets.c), the
 * terminal's secret and secret_file keys (terminal/settings.c) and the
 * venue's terminal_auth and terminal_secrets keys (shared/config_auth.c).
 *
 * Properties: a saved set reads back equal and the file is 0600; a file
 * its group or others can read is refused with a message saying so; a
 * malformed line is refused at its line; a missing file is an empty set;
 * set, find and remove do what they say; the terminal refuses a malformed
 * inline secret at its line and secret plus secret_file together; the
 * venue keys have their defaults and refuse bad values at their line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aggregator/terminal_secrets.h"
#include "shared/config.h"
#include "terminal/settings.h"

static char dir[64];
static char path[128];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/hc-secrets-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/terminal-secrets", dir);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void saved_set_reads_back_and_is_0600(void **state)
{
	(void)state;
	char err[512];
	bool missing = false;
	struct hc_terminal_secrets *s = hc_terminal_secrets_load(path, &missing, err, sizeof err);
	assert_non_null(s);
	assert_true(missing);
	assert_int_equal(s->count, 0);
	uint8_t a[32], b[32];
	memset(a, 0xa1, sizeof a);
	memset(b, 0x0b, sizeof b);
	assert_true(hc_terminal_secrets_set(s, "north-door", a));
	assert_true(hc_terminal_secrets_set(s, "t2", b));
	assert_false(hc_terminal_secrets_set(s, "bad id", b));
	assert_true(hc_terminal_secrets_save(path, s, err, sizeof err));
	hc_terminal_secrets_free(s);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	s = hc_terminal_secrets_load(path, &missing, err, sizeof err);
	assert_non_null(s);
	assert_false(missing);
	assert_int_equal(s->count, 2);
	assert_memory_equal(hc_terminal_secrets_find(s, "north-door"), a, 32);
	assert_memory_equal(hc_terminal_secrets_find(s, "t2"), b, 32);
	assert_null(hc_terminal_secrets_find(s, "t3"));
	/* Rotate replaces in place; remove takes it out. */
	assert_true(hc_terminal_secrets_set(s, "t2", a));
	assert_int_equal(s->count, 2);
	assert_memory_equal(hc_terminal_secrets_find(s, "t2"), a, 32);
	assert_true(hc_terminal_secrets_remove(s, "north-door"));
	assert_false(hc_terminal_secrets_remove(s, "north-door"));
	assert_null(hc_terminal_secrets_find(s, "north-door"));
	assert_int_equal(s->count, 1);
	hc_terminal_secrets_free(s);
}

static void readable_by_others_is_refused(void **state)
{
	(void)state;
	char err[512];
	write_file("t1 0000000000000000000000000000000000000000000000000000000000000000\n", 0640);
	assert_null(hc_terminal_secrets_load(path, NULL, err, sizeof err));
	assert_non_null(strstr(err, "lets group or others read"));
	write_file("t1 0000000000000000000000000000000000000000000000000000000000000000\n", 0604);
	assert_null(hc_terminal_secrets_load(path, NULL, err, sizeof err));
	write_file("t1 0000000000000000000000000000000000000000000000000000000000000000\n", 0600);
	struct hc_terminal_secrets *s = hc_terminal_secrets_load(path, NULL, err, sizeof err);
	assert_non_null(s);
	hc_terminal_secrets_free(s);
}

static void malformed_lines_are_refused_at_their_line(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *where;
	} cases[] = {
		{ "# c\nt1\n", ":2: expected" },
		{ "t1 00\n", ":1: secret of t1 must be 64" },
		{ "t1 ABCDEF0000000000000000000000000000000000000000000000000000000000\n",
		  ":1: secret" },
		{ "bad! 0000000000000000000000000000000000000000000000000000000000000000\n",
		  ":1: terminal id" },
		{ "t1 0000000000000000000000000000000000000000000000000000000000000000\n"
		  "t1 1111111111111111111111111111111111111111111111111111111111111111\n",
		  ":2: terminal t1 listed twice" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[512] = "";
		write_file(cases[i].text, 0600);
		assert_null(hc_terminal_secrets_load(path, NULL, err, sizeof err));
		if (strstr(err, cases[i].where) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].where);
	}
}

static void terminal_secret_keys(void **state)
{
	(void)state;
	struct hc_term_settings s;
	char err[512];
	memset(&s, 0, sizeof s);
	assert_true(hc_term_settings_load_text(
		"t.ini",
		"[terminal]\nid = t1\nsecret = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		&s, err, sizeof err));
	assert_string_equal(s.secret,
			    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	memset(&s, 0, sizeof s);
	assert_false(hc_term_settings_load_text("t.ini", "[terminal]\nid = t1\nsecret = 0123\n", &s,
						err, sizeof err));
	assert_string_equal(
		err, "t.ini:3: secret must be 64 lower-case hex digits (as enroll printed it)");
	memset(&s, 0, sizeof s);
	assert_false(hc_term_settings_load_text(
		"t.ini",
		"[terminal]\nsecret_file = /x\nsecret = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		&s, err, sizeof err));
	assert_string_equal(err, "t.ini:3: give either secret or secret_file, not both");
	memset(&s, 0, sizeof s);
	assert_false(hc_term_settings_load_text("t.ini", "[terminal]\nsecret_file =\n", &s, err,
						sizeof err));
	assert_string_equal(err, "t.ini:2: secret_file must name a file");

	uint8_t out[32];
	bool missing = false;
	write_file("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 0600);
	assert_true(hc_term_secret_read_file(path, out, &missing, err, sizeof err));
	assert_int_equal(out[1], 0x11);
	write_file("nothex\n", 0600);
	assert_false(hc_term_secret_read_file(path, out, &missing, err, sizeof err));
	assert_false(missing);
	assert_non_null(strstr(err, ":1: secret must be 64"));
	assert_false(hc_term_secret_read_file("/nonexistent/x", out, &missing, err, sizeof err));
	assert_true(missing);
}

static void venue_auth_keys(void **state)
{
	(void)state;
	struct hc_config_error e;
	static const char base[] = "[area hall]\ncapacity = 10\n";
	struct hc_venue_cfg *cfg = hc_venue_load_text("/etc/hc/venue.ini", base, sizeof base - 1,
						      &e);
	assert_non_null(cfg);
	assert_false(cfg->terminal_auth_off);
	assert_string_equal(cfg->terminal_secrets, "/etc/hc/terminal-secrets");
	hc_venue_free(cfg);

	static const char off[] =
		"[venue]\ndatabase = /var/db/x.db\nterminal_auth = off\n[area hall]\ncapacity = 10\n";
	cfg = hc_venue_load_text("/etc/hc/venue.ini", off, sizeof off - 1, &e);
	assert_non_null(cfg);
	assert_true(cfg->terminal_auth_off);
	assert_string_equal(cfg->terminal_secrets, "/var/db/terminal-secrets");
	hc_venue_free(cfg);

	static const char rel[] =
		"[venue]\nterminal_secrets = s/secrets\n[area hall]\ncapacity = 10\n";
	cfg = hc_venue_load_text("/etc/hc/venue.ini", rel, sizeof rel - 1, &e);
	assert_non_null(cfg);
	assert_string_equal(cfg->terminal_secrets, "/etc/hc/s/secrets");
	hc_venue_free(cfg);

	static const char bad[] = "[venue]\nterminal_auth = maybe\n[area hall]\ncapacity = 10\n";
	assert_null(hc_venue_load_text("venue.ini", bad, sizeof bad - 1, &e));
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.message, "terminal_auth must be on or off"));
	static const char twice[] =
		"[venue]\nterminal_auth = on\nterminal_auth = off\n[area hall]\ncapacity = 10\n";
	assert_null(hc_venue_load_text("venue.ini", twice, sizeof twice - 1, &e));
	assert_int_equal(e.line, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(saved_set_reads_back_and_is_0600, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(readable_by_others_is_refused, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(malformed_lines_are_refused_at_their_line, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(terminal_secret_keys, make_dir, remove_dir),
		cmocka_unit_test(venue_auth_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
