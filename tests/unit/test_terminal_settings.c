/*
 * test_terminal_settings.c — the terminal's config file is read as
 * docs/terminal.md says (terminal/settings.c).
 *
 * Property: the six keys of [terminal] are read as written; any other
 * section or key, a value too long or a syntax error is refused at its
 * line with a message and changes no setting; an indented line is a key
 * of its own, never a silent replacement of the value above; and the
 * file entry and the in-memory entry agree.
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

#include "terminal/settings.h"

static void start(struct hc_term_settings *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->input, sizeof s->input, "stdin");
	snprintf(s->display, sizeof s->display, "line");
	snprintf(s->batch_interval, sizeof s->batch_interval, "2000");
}

static void the_documented_example_is_read_as_written(void **state)
{
	(void)state;
	struct hc_term_settings s;
	start(&s);
	char err[300];
	assert_true(hc_term_settings_load_text("terminal.ini",
					       "[terminal]\nid = t1\nurl = ws://192.168.1.10:8080\n"
					       "journal = /var/lib/headcount/terminal-t1.db\n"
					       "batch_interval_ms = 2000\ninput = keyboard\n"
					       "display = screen\n",
					       &s, err, sizeof err));
	assert_string_equal(s.id, "t1");
	assert_string_equal(s.url, "ws://192.168.1.10:8080");
	assert_string_equal(s.journal, "/var/lib/headcount/terminal-t1.db");
	assert_string_equal(s.batch_interval, "2000");
	assert_string_equal(s.input, "keyboard");
	assert_string_equal(s.display, "screen");
}

static void bad_files_are_refused_at_their_line_and_change_nothing(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "[terminal]\nid = t1\nids = x\n",
		  "terminal.ini:3: unknown key \"ids\" in [terminal]" },
		{ "x\n[terminal]\n", "terminal.ini:1: syntax error" },
		{ "[terminal]\nid = t1\n[other]\nid=1\n",
		  "terminal.ini:4: unknown section [other] (expected [terminal])" },
		{ "[terminal]\ninput = 0123456789012345678901234567890123456789\n",
		  "terminal.ini:2: value of input too long" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hc_term_settings s, before;
		start(&s);
		before = s;
		char err[300] = "";
		assert_false(hc_term_settings_load_text("terminal.ini", cases[i].text, &s, err,
							sizeof err));
		assert_string_equal(err, cases[i].message);
		assert_memory_equal(&s, &before, sizeof s);
	}
}

/* Found by fuzzing: with inih's multi-line values an indented line
 * replaced the value of the key above it. */
static void an_indented_line_is_a_key_not_a_continuation(void **state)
{
	(void)state;
	struct hc_term_settings s;
	start(&s);
	char err[300] = "";
	assert_true(hc_term_settings_load_text("terminal.ini",
					       "[terminal]\njournal = /var/lib/t1.db\n"
					       "  display = screen\n",
					       &s, err, sizeof err));
	assert_string_equal(s.journal, "/var/lib/t1.db");
	assert_string_equal(s.display, "screen");

	start(&s);
	assert_false(hc_term_settings_load_text("terminal.ini",
						"[terminal]\nid = t1\n  continued\n", &s, err,
						sizeof err));
	assert_string_equal(err, "terminal.ini:3: syntax error");
	assert_string_equal(s.id, "");
}

static void the_file_entry_reads_what_the_text_entry_reads(void **state)
{
	(void)state;
	char path[] = "/tmp/hc-terminal-ini-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "[terminal]\nid = t9\n  url = ws://127.0.0.1:9\n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	assert_int_equal(close(fd), 0);
	struct hc_term_settings from_file, from_text;
	start(&from_file);
	start(&from_text);
	char err[300];
	assert_true(hc_term_settings_load_file(path, &from_file));
	assert_true(hc_term_settings_load_text(path, text, &from_text, err, sizeof err));
	assert_memory_equal(&from_file, &from_text, sizeof from_file);
	assert_string_equal(from_file.url, "ws://127.0.0.1:9");
	assert_int_equal(unlink(path), 0);

	struct hc_term_settings s, before;
	start(&s);
	before = s;
	assert_false(hc_term_settings_load_file(path, &s));
	assert_memory_equal(&s, &before, sizeof s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_documented_example_is_read_as_written),
		cmocka_unit_test(bad_files_are_refused_at_their_line_and_change_nothing),
		cmocka_unit_test(an_indented_line_is_a_key_not_a_continuation),
		cmocka_unit_test(the_file_entry_reads_what_the_text_entry_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
