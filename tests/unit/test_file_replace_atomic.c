/*
 * test_file_replace_atomic.c — aggregator/file_replace.c, the one way
 * the aggregator replaces its secrets and passwords files.
 *
 * Properties: a replace leaves exactly the new contents at mode 0600,
 * whatever the old file's mode; a writer that fails leaves the old file
 * byte for byte and no temporary file beside it; a directory that does
 * not exist is refused with a message naming the path.
 */
#include <dirent.h>
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

#include "aggregator/file_replace.h"

static char dir[64];
static char path[128];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/hc-replace-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/secrets", dir);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[sizeof dir + 2 + sizeof e->d_name];
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	return 0;
}

static bool write_text(FILE *f, void *arg, char *err, size_t err_len)
{
	(void)err;
	(void)err_len;
	return fputs(arg, f) >= 0;
}

static bool write_then_fail(FILE *f, void *arg, char *err, size_t err_len)
{
	fputs(arg, f);
	snprintf(err, err_len, "planted failure");
	return false;
}

static void write_old(const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void read_back(char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

static int files_in_dir(void)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void replaces_with_mode_0600(void **state)
{
	(void)state;
	write_old("old contents\n", 0644);
	char err[256] = "";
	assert_true(hc_file_replace(path, NULL, write_text, "new contents\n", err, sizeof err));
	char got[64];
	read_back(got, sizeof got);
	assert_string_equal(got, "new contents\n");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(files_in_dir(), 1);
}

static void failed_writer_keeps_old_file(void **state)
{
	(void)state;
	write_old("old contents\n", 0600);
	char err[256] = "";
	assert_false(hc_file_replace(path, NULL, write_then_fail, "half", err, sizeof err));
	assert_string_equal(err, "planted failure");
	char got[64];
	read_back(got, sizeof got);
	assert_string_equal(got, "old contents\n");
	assert_int_equal(files_in_dir(), 1); /* no temporary file left */
}

static void missing_directory_is_named(void **state)
{
	(void)state;
	char missing[192];
	snprintf(missing, sizeof missing, "%s/no-such-dir/secrets", dir);
	char err[256] = "";
	assert_false(hc_file_replace(missing, NULL, write_text, "x", err, sizeof err));
	assert_non_null(strstr(err, missing));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replaces_with_mode_0600, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(failed_writer_keeps_old_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(missing_directory_is_named, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
