/*
 * test_headroom_buf.c — one payload behind a fixed headroom.
 *
 * Property: the payload lands right after the headroom, the headroom's
 * bytes are never written, the buffer grows only for a payload larger
 * than any before it (a smaller one reuses it in place), and an empty
 * payload still leaves a buffer to write from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/headroom_buf.h"

#define HEAD 16

static void payload_lands_after_the_headroom(void **state)
{
	(void)state;
	unsigned char *buf = NULL;
	size_t cap = 0;
	assert_true(hc_headroom_copy(&buf, &cap, HEAD, "hello", 5));
	assert_non_null(buf);
	assert_int_equal(cap, 5);
	assert_memory_equal(buf + HEAD, "hello", 5);
	memset(buf, 0xAB, HEAD); /* what lws would write there */
	assert_true(hc_headroom_copy(&buf, &cap, HEAD, "hi", 2));
	assert_memory_equal(buf + HEAD, "hi", 2);
	for (size_t i = 0; i < HEAD; i++)
		assert_int_equal(buf[i], 0xAB);
	free(buf);
}

static void grows_only_for_a_larger_payload(void **state)
{
	(void)state;
	unsigned char *buf = NULL;
	size_t cap = 0;
	char big[300];
	memset(big, 'x', sizeof big);
	assert_true(hc_headroom_copy(&buf, &cap, HEAD, big, 200));
	assert_int_equal(cap, 200);
	unsigned char *first = buf;
	assert_true(hc_headroom_copy(&buf, &cap, HEAD, big, 50));
	assert_ptr_equal(buf, first); /* reused in place */
	assert_int_equal(cap, 200);
	assert_true(hc_headroom_copy(&buf, &cap, HEAD, big, 300));
	assert_int_equal(cap, 300);
	assert_memory_equal(buf + HEAD, big, 300);
	free(buf);
}

static void an_empty_payload_still_has_a_buffer(void **state)
{
	(void)state;
	unsigned char *buf = NULL;
	size_t cap = 0;
	assert_true(hc_headroom_copy(&buf, &cap, HEAD, NULL, 0));
	assert_non_null(buf);
	assert_int_equal(cap, 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(payload_lands_after_the_headroom),
		cmocka_unit_test(grows_only_for_a_larger_payload),
		cmocka_unit_test(an_empty_payload_still_has_a_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
