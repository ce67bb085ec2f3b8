/*
 * test_dashboard_text_width.c — columns line up by display width.
 *
 * Property: under an UTF-8 locale "大ホール" measures 8 columns, not 4
 * characters or 12 bytes; fitting pads to exactly the width, cuts at a
 * whole character (a wide character that would straddle the edge is
 * left out and replaced by padding), right-aligns on request, and in
 * ASCII mode shows one '?' per non-ASCII character, still to width, even
 * under a C locale; malformed UTF-8 is one '?' per byte.
 * Skipped when the machine has no UTF-8 locale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/dashboard/textwidth.h"

#define OHORU "\xe5\xa4\xa7\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xab" /* 大ホール */

static int utf8_locale(void **state)
{
	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL && setlocale(LC_ALL, "en_US.UTF-8") == NULL)
		return -1;
	return 0;
}

static void test_widths(void **state)
{
	(void)state;
	assert_int_equal(hc_tw_width(OHORU, false), 8);
	assert_int_equal(hc_tw_width("Main hall", false), 9);
	assert_int_equal(hc_tw_width("caf\xc3\xa9", false), 4);
	assert_int_equal(hc_tw_width(OHORU, true), 4);
}

static void test_fit_pads_and_cuts_whole_characters(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(hc_tw_fit(OHORU, 10, false, false, out, sizeof out), 10);
	assert_string_equal(out, OHORU "  ");
	assert_int_equal(hc_tw_width(out, false), 10);
	/* 7 columns: the fourth character (2 wide) does not fit, a space does */
	assert_int_equal(hc_tw_fit(OHORU, 7, false, false, out, sizeof out), 7);
	assert_string_equal(out, "\xe5\xa4\xa7\xe3\x83\x9b\xe3\x83\xbc ");
	assert_int_equal(hc_tw_fit("42/300", 9, false, true, out, sizeof out), 9);
	assert_string_equal(out, "   42/300");
	assert_int_equal(hc_tw_fit("Main hall", 4, false, false, out, sizeof out), 4);
	assert_string_equal(out, "Main");
}

static void test_ascii_fallback_stays_aligned(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(hc_tw_fit(OHORU, 6, true, false, out, sizeof out), 6);
	assert_string_equal(out, "????  ");
	assert_int_equal(hc_tw_fit("a\tb", 3, false, false, out, sizeof out), 3);
	assert_string_equal(out, "a?b"); /* control characters never reach the screen */
}

static void test_invalid_utf8_is_one_column_each(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(hc_tw_width("\xff\xfe", false), 2);
	assert_int_equal(hc_tw_fit("\xff"
				   "x",
				   3, false, false, out, sizeof out),
			 3);
	assert_string_equal(out, "?x ");
}

/* The ASCII fallback runs under a C locale: still one '?' per character. */
static void test_ascii_under_c_locale(void **state)
{
	(void)state;
	char out[64];
	assert_non_null(setlocale(LC_ALL, "C"));
	assert_int_equal(hc_tw_width(OHORU, true), 4);
	assert_int_equal(hc_tw_fit(OHORU " 2", 8, true, false, out, sizeof out), 8);
	assert_string_equal(out, "???? 2  ");
	/* overlong and surrogate encodings are not characters: one '?' a byte */
	assert_int_equal(hc_tw_width("\xc0\xaf", true), 2);
	assert_int_equal(hc_tw_width("\xed\xa0\x80", true), 3);
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_fit_pads_and_cuts_whole_characters),
		cmocka_unit_test(test_ascii_fallback_stays_aligned),
		cmocka_unit_test(test_invalid_utf8_is_one_column_each),
		cmocka_unit_test(test_ascii_under_c_locale),
	};
	return cmocka_run_group_tests(tests, utf8_locale, NULL);
}
