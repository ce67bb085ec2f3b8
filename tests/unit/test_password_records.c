/*
 * test_password_records.c — supervisors' password records and their
 * file.
 *
 * Property: a record made from a password round-trips through its line
 * and verifies only proofs of that password (the key schedule of
 * shared/wire_supervisor.h, checked here against the aggregator's own
 * check); every malformed line is refused, never half-read; the file
 * keeps every other supervisor when one is set, replaces a name's
 * record in place, is written with mode 0600, and a file open to group
 * or others is refused for reading and for writing with a sentence
 * saying chmod 600; a bad line is refused with its line number.
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

#include "aggregator/passwords.h"

static const unsigned char salt[HC_WIRE_SUP_SALT_BYTES] = { 0xa0, 1, 2,	 3,  4,	 5,  6,	 7,
							    8,	  9, 10, 11, 12, 13, 14, 0xff };

static void a_record_round_trips_and_keeps_no_password(void **state)
{
	(void)state;
	struct hc_password_record r, back;
	char line[HC_PASSWORD_LINE_MAX];
	assert_true(hc_password_record_make("alice", "correct-horse", salt, 1000, &r));
	assert_true(hc_password_record_format(&r, line, sizeof line));
	assert_int_equal(strncmp(line,
				 "alice:pbkdf2-sha256:1000:a0010203040506070809"
				 "0a0b0c0d0eff:",
				 58),
			 0);
	assert_null(strstr(line, "correct-horse"));
	assert_true(hc_password_record_parse(line, &back));
	assert_memory_equal(&r, &back, sizeof r);
	/* Password rules: 8..256 bytes; iterations 1000..10,000,000. */
	assert_false(hc_password_record_make("alice", "1234567", salt, 1000, &r));
	assert_true(hc_password_record_make("alice", "12345678", salt, 1000, &r));
	assert_false(hc_password_record_make("alice", "correct-horse", salt, 999, &r));
	assert_false(hc_password_record_make("bad name", "correct-horse", salt, 1000, &r));
}

static void malformed_lines_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"alice",
		"alice:pbkdf2-sha256:1000:a0010203040506070809",
		"alice:sha1:1000:a00102030405060708090a0b0c0d0eff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"alice:pbkdf2-sha256:999:a00102030405060708090a0b0c0d0eff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"alice:pbkdf2-sha256:+1000:a00102030405060708090a0b0c0d0eff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"alice:pbkdf2-sha256:1000:A00102030405060708090a0b0c0d0eff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"alice:pbkdf2-sha256:1000:a00102030405060708090a0b0c0d0eff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddee",
		"alice:pbkdf2-sha256:1000:a00102030405060708090a0b0c0d0eff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff:x",
		"al ice:pbkdf2-sha256:1000:a00102030405060708090a0b0c0d0eff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	};
	struct hc_password_record r;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (hc_password_record_parse(bad[i], &r)) {
			print_error("accepted: '%s'\n", bad[i]);
			fail();
		}
	}
}

/* A temporary directory for one test's file. */
static void temp_path(char dir[64], char path[128])
{
	snprintf(dir, 64, "/tmp/hc-pwtest.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, 128, "%s/supervisors.passwd", dir);
}

static void the_file_keeps_others_and_replaces_in_place(void **state)
{
	(void)state;
	char dir[64], path[128], why[512];
	temp_path(dir, path);
	struct hc_password_record a, b, a2, got;
	assert_true(hc_password_record_make("alice", "correct-horse", salt, 1000, &a));
	assert_true(hc_password_record_make("bob", "battery-staple", salt, 1000, &b));
	assert_true(hc_password_record_make("alice", "new-password", salt, 2000, &a2));
	assert_int_equal(hc_passwords_lookup(path, "alice", &got, why, sizeof why),
			 HC_PASSWORDS_NO_FILE);
	assert_true(hc_passwords_set(path, &a, why, sizeof why));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(hc_passwords_set(path, &b, why, sizeof why));
	assert_true(hc_passwords_set(path, &a2, why, sizeof why));
	assert_int_equal(hc_passwords_lookup(path, "alice", &got, why, sizeof why),
			 HC_PASSWORDS_FOUND);
	assert_memory_equal(&got, &a2, sizeof got);
	assert_int_equal(hc_passwords_lookup(path, "bob", &got, why, sizeof why),
			 HC_PASSWORDS_FOUND);
	assert_memory_equal(&got, &b, sizeof got);
	assert_int_equal(hc_passwords_lookup(path, "carol", &got, why, sizeof why),
			 HC_PASSWORDS_NOT_FOUND);
	/* Two records and the header: alice was replaced, not appended. */
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[256];
	int lines = 0;
	while (fgets(line, sizeof line, f) != NULL)
		lines++;
	fclose(f);
	assert_int_equal(lines, 3);
	/* No temporary file is left beside it. */
	char tmp_glob[160];
	snprintf(tmp_glob, sizeof tmp_glob, "ls %s | grep -c tmp > /dev/null", dir);
	assert_int_not_equal(system(tmp_glob), 0);

	/* Open to group: refused for reading and writing, with the fix. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hc_passwords_lookup(path, "alice", &got, why, sizeof why),
			 HC_PASSWORDS_ERROR);
	assert_non_null(strstr(why, "open to group or others (mode 0640)"));
	assert_non_null(strstr(why, "chmod 600"));
	assert_false(hc_passwords_set(path, &a, why, sizeof why));
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(hc_passwords_lookup(path, NULL, NULL, why, sizeof why),
			 HC_PASSWORDS_ERROR);

	/* A bad line is refused with its number; set refuses to rewrite it. */
	assert_int_equal(chmod(path, 0600), 0);
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("# a comment is fine\n\nnot a record\n", f);
	fclose(f);
	assert_int_equal(hc_passwords_lookup(path, "alice", &got, why, sizeof why),
			 HC_PASSWORDS_ERROR);
	assert_non_null(strstr(why, "supervisors.passwd:6: not a password record"));
	assert_false(hc_passwords_set(path, &a, why, sizeof why));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_record_round_trips_and_keeps_no_password),
		cmocka_unit_test(malformed_lines_are_refused),
		cmocka_unit_test(the_file_keeps_others_and_replaces_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
