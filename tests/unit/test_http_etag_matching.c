/*
 * test_http_etag_matching.c — the caching rules of the public endpoints
 * (aggregator/http_cache.c): a strong ETag that is a pure function of the
 * body, and If-None-Match answered by 304 exactly when it names it.
 *
 * Property: the same body gives the same quoted 32-hex tag and any
 * change of one byte gives another; "*" and every list that contains the
 * tag (with or without W/, with spaces, empty elements) match; a list
 * without it, a tag that is only a prefix, and malformed headers do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/http_cache.h"

static void the_etag_is_a_strong_tag_of_the_body(void **state)
{
	(void)state;
	char a[HC_ETAG_LEN + 1], b[HC_ETAG_LEN + 1], c[HC_ETAG_LEN + 1];
	const char body[] = "[{\"id\":\"hall\",\"occupancy\":7}]\n";
	assert_true(hc_http_etag(body, strlen(body), a));
	assert_true(hc_http_etag(body, strlen(body), b));
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), HC_ETAG_LEN);
	assert_int_equal(a[0], '"');
	assert_int_equal(a[HC_ETAG_LEN - 1], '"');
	for (int i = 1; i < HC_ETAG_LEN - 1; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));

	char changed[sizeof body];
	memcpy(changed, body, sizeof body);
	changed[26] = '8'; /* occupancy 7 -> 8 */
	assert_true(hc_http_etag(changed, strlen(changed), c));
	assert_string_not_equal(a, c);

	/* known value: SHA-256("") starts e3b0c442 98fc1c14 9afbf4c8 996fb924 */
	assert_true(hc_http_etag("", 0, c));
	assert_string_equal(c, "\"e3b0c44298fc1c149afbf4c8996fb924\"");
}

#define TAG "\"0123456789abcdef0123456789abcdef\""

static void matching_lists_star_and_weak_tags(void **state)
{
	(void)state;
	assert_true(hc_http_if_none_match(TAG, TAG));
	assert_true(hc_http_if_none_match("*", TAG));
	assert_true(hc_http_if_none_match("  * ", TAG));
	assert_true(hc_http_if_none_match("W/" TAG, TAG));
	assert_true(hc_http_if_none_match("\"x\", " TAG, TAG));
	assert_true(hc_http_if_none_match("\"x\",W/" TAG ",\"y\"", TAG));
	assert_true(hc_http_if_none_match(" , ," TAG " ,", TAG));
	assert_true(hc_http_if_none_match("\t" TAG "\t", TAG));
}

static void other_tags_and_malformed_headers_do_not_match(void **state)
{
	(void)state;
	assert_false(hc_http_if_none_match("", TAG));
	assert_false(hc_http_if_none_match("\"x\", \"y\"", TAG));
	assert_false(hc_http_if_none_match("\"0123456789abcdef\"", TAG)); /* prefix */
	assert_false(hc_http_if_none_match("\"0123456789abcdef0123456789abcdef0\"", TAG));
	assert_false(hc_http_if_none_match("0123456789abcdef0123456789abcdef", TAG)); /* unquoted */
	assert_false(hc_http_if_none_match("\"0123456789abcdef0123456789abcdef", TAG)); /* open */
	assert_false(hc_http_if_none_match(TAG " junk", TAG));
	assert_false(hc_http_if_none_match("w/" TAG, TAG));  /* W is upper case */
	assert_false(hc_http_if_none_match("*, " TAG, TAG)); /* * stands alone */
	assert_false(hc_http_if_none_match(TAG ";" TAG, TAG));
	assert_false(hc_http_if_none_match(TAG, "not-quoted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_etag_is_a_strong_tag_of_the_body),
		cmocka_unit_test(matching_lists_star_and_weak_tags),
		cmocka_unit_test(other_tags_and_malformed_headers_do_not_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
