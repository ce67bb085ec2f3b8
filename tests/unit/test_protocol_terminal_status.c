/*
 * test_protocol_terminal_status.c — what a terminal reports about itself.
 *
 * Property: hello may carry the terminal's version and a batch its
 * pending presses and storage fault count; they round-trip through build
 * and parse; a message without them parses as before (has_status false,
 * version ""), and is built without them; a mistyped or out-of-range
 * value closes like any other field (4002 type, 4003 range), and the two
 * batch fields come together or not at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "shared/protocol.h"

static void test_round_trip(void **state)
{
	(void)state;
	char buf[512];
	struct hc_msg m;
	struct hc_proto_error err;
	struct hc_msg_hello h = { .incarnation = 0xabcULL };
	snprintf(h.terminal, sizeof h.terminal, "d1");
	snprintf(h.version, sizeof h.version, "%s", hc_version_tag());
	size_t n = hc_proto_build_hello(buf, sizeof buf, &h);
	assert_true(hc_proto_parse_from_terminal(buf, n, &m, &err));
	assert_string_equal(m.u.hello.version, hc_version_tag());

	struct hc_msg_batch b = { .seq = 3,
				  .entered = 2,
				  .exited = 1,
				  .has_status = true,
				  .pending = 7,
				  .storage_faults = 1 };
	n = hc_proto_build_batch(buf, sizeof buf, &b);
	assert_true(hc_proto_parse_from_terminal(buf, n, &m, &err));
	assert_true(m.u.batch.has_status);
	assert_int_equal(m.u.batch.pending, 7);
	assert_int_equal(m.u.batch.storage_faults, 1);

	/* without them: as before */
	b.has_status = false;
	n = hc_proto_build_batch(buf, sizeof buf, &b);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"type\":\"batch\",\"seq\":3,\"entered\":2,\"exited\":1}");
	assert_true(hc_proto_parse_from_terminal(buf, n, &m, &err));
	assert_false(m.u.batch.has_status);
	h.version[0] = '\0';
	n = hc_proto_build_hello(buf, sizeof buf, &h);
	assert_true(hc_proto_parse_from_terminal(buf, n, &m, &err));
	assert_string_equal(m.u.hello.version, "");
	assert_null(strstr(buf, "version"));
}

static void test_bad_values_close(void **state)
{
	(void)state;
	const struct {
		const char *frame;
		enum hc_close_code code;
	} rows[] = {
		{ "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0,\"pending\":-1,"
		  "\"storage_faults\":0}",
		  HC_CLOSE_OUT_OF_RANGE },
		{ "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0,\"pending\":\"3\","
		  "\"storage_faults\":0}",
		  HC_CLOSE_BAD_FIELD },
		{ "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0,\"pending\":3}",
		  HC_CLOSE_BAD_FIELD },
		{ "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0,\"storage_faults\":1.0,"
		  "\"pending\":0}",
		  HC_CLOSE_BAD_FIELD },
		{ "{\"type\":\"hello\",\"terminal\":\"d1\",\"incarnation\":\"0000000000000abc\","
		  "\"version\":\"1.0 beta\"}",
		  HC_CLOSE_OUT_OF_RANGE },
		{ "{\"type\":\"hello\",\"terminal\":\"d1\",\"incarnation\":\"0000000000000abc\","
		  "\"version\":7}",
		  HC_CLOSE_BAD_FIELD },
		{ "{\"type\":\"hello\",\"terminal\":\"d1\",\"incarnation\":\"0000000000000abc\","
		  "\"version\":\"\"}",
		  HC_CLOSE_OUT_OF_RANGE },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct hc_msg m;
		struct hc_proto_error err;
		bool ok = hc_proto_parse_from_terminal(rows[i].frame, strlen(rows[i].frame), &m,
						       &err);
		if (ok || err.code != rows[i].code) {
			print_error("%s: ok %d code %d (%s), want %d\n", rows[i].frame, ok,
				    ok ? 0 : err.code, ok ? "" : err.reason, rows[i].code);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_values_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
