/*
 * test_protocol_restricted_by.c — the area object's optional
 * restricted_by and restricted_by_name (shared/wire_terminal.c).
 *
 * Property: each documented form ("area", "override", "group:<id>",
 * "group_override:<id>" with the group's name) survives build and parse
 * unchanged; an area without a cause carries neither field (the nine
 * fields exactly, as before); a frame with a malformed cause, a cause on
 * an open area, or a name without a group cause is refused with the
 * documented close code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "shared/protocol.h"

static struct hc_area_state restricted_area(const char *by, const char *name)
{
	struct hc_area_state a = {
		.id = "hall",
		.name = "Main hall",
		.entered = 10,
		.exited = 3,
		.occupancy = 7,
		.capacity = 300,
		.level = HC_LEVEL_LOW,
		.restricted = true,
		.updated_at_ms = 1795428000123LL,
	};
	snprintf(a.restricted_by, sizeof a.restricted_by, "%s", by);
	snprintf(a.restricted_by_name, sizeof a.restricted_by_name, "%s", name);
	return a;
}

/* Builds a's message and parses it back; fails the test if refused. */
static struct hc_area_state round_trip(const struct hc_area_state *a)
{
	char buf[1024];
	size_t n = hc_proto_build_area(buf, sizeof buf, a);
	assert_true(n > 0);
	struct hc_msg m;
	struct hc_proto_error err = { 0 };
	if (!hc_proto_parse_from_aggregator(buf, n, &m, &err))
		fail_msg("refused (%d): %s: %.*s", err.code, err.reason, (int)n, buf);
	assert_int_equal(m.type, HC_MSG_AREA);
	return m.u.area;
}

static void every_cause_round_trips(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "area", "" },
		{ "override", "" },
		{ "group:park", "The park \xc3\xa9t\xc3\xa9" },
		{ "group_override:park", "The park" },
		{ "group:abcdefghijklmnopqrstuvwxyz012345", "" }, /* 32-char id */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hc_area_state a = restricted_area(cases[i][0], cases[i][1]);
		struct hc_area_state b = round_trip(&a);
		assert_string_equal(b.restricted_by, cases[i][0]);
		assert_string_equal(b.restricted_by_name, cases[i][1]);
		assert_true(b.restricted);
		assert_int_equal(b.occupancy, 7);
	}
}

static void group_cause_has_the_documented_text(void **state)
{
	(void)state;
	struct hc_area_state a = restricted_area("group:park", "The park");
	json_t *j = hc_proto_area_json(&a);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 11);
	assert_string_equal(json_string_value(json_object_get(j, "restricted_by")), "group:park");
	assert_string_equal(json_string_value(json_object_get(j, "restricted_by_name")),
			    "The park");
	json_decref(j);
	a = restricted_area("override", "");
	j = hc_proto_area_json(&a);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 10);
	assert_null(json_object_get(j, "restricted_by_name"));
	json_decref(j);
}

static void no_cause_sends_neither_field(void **state)
{
	(void)state;
	struct hc_area_state a = restricted_area("", "");
	a.restricted = false;
	json_t *j = hc_proto_area_json(&a);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 9);
	assert_null(json_object_get(j, "restricted_by"));
	json_decref(j);
	struct hc_area_state b = round_trip(&a);
	assert_string_equal(b.restricted_by, "");
	assert_string_equal(b.restricted_by_name, "");
}

static void valid_restricted_by_values(void **state)
{
	(void)state;
	assert_true(hc_proto_valid_restricted_by("area"));
	assert_true(hc_proto_valid_restricted_by("override"));
	assert_true(hc_proto_valid_restricted_by("group:g-1_x"));
	assert_true(hc_proto_valid_restricted_by("group_override:g"));
	assert_false(hc_proto_valid_restricted_by(""));
	assert_false(hc_proto_valid_restricted_by("group:"));
	assert_false(hc_proto_valid_restricted_by("group_override:"));
	assert_false(hc_proto_valid_restricted_by("group:a b"));
	assert_false(hc_proto_valid_restricted_by("Area"));
	assert_false(hc_proto_valid_restricted_by("supervisor"));
	assert_false(hc_proto_valid_restricted_by(
		"group:abcdefghijklmnopqrstuvwxyz0123456")); /* 33-char id */
}

#define AREA_HEAD                                                    \
	"{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Main hall\"," \
	"\"entered\":1,\"exited\":0,\"occupancy\":1,\"capacity\":3," \
	"\"level\":\"low\",\"updated_at\":\"2026-11-23T10:00:00.123Z\","

static void malformed_causes_are_refused(void **state)
{
	(void)state;
	static const struct {
		const char *frame;
		enum hc_close_code code;
		const char *reason_has;
	} cases[] = {
		{ AREA_HEAD "\"restricted\":true,\"restricted_by\":7}", HC_CLOSE_BAD_FIELD,
		  "restricted_by" },
		{ AREA_HEAD "\"restricted\":true,\"restricted_by\":\"door\"}",
		  HC_CLOSE_OUT_OF_RANGE, "restricted_by" },
		{ AREA_HEAD "\"restricted\":true,\"restricted_by\":\"group:a b\"}",
		  HC_CLOSE_OUT_OF_RANGE, "restricted_by" },
		{ AREA_HEAD "\"restricted\":false,\"restricted_by\":\"area\"}",
		  HC_CLOSE_OUT_OF_RANGE, "restricted true" },
		{ AREA_HEAD "\"restricted\":true,\"restricted_by_name\":\"P\"}", HC_CLOSE_BAD_FIELD,
		  "needs area.restricted_by" },
		{ AREA_HEAD "\"restricted\":true,\"restricted_by\":\"area\","
			    "\"restricted_by_name\":\"P\"}",
		  HC_CLOSE_OUT_OF_RANGE, "only sent for a group" },
		{ AREA_HEAD "\"restricted\":true,\"restricted_by\":\"group:p\","
			    "\"restricted_by_name\":\"\"}",
		  HC_CLOSE_OUT_OF_RANGE, "restricted_by_name" },
		{ AREA_HEAD "\"restricted\":true,\"restricted_by\":\"group:p\","
			    "\"restricted_by_name\":false}",
		  HC_CLOSE_BAD_FIELD, "restricted_by_name" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hc_msg m;
		struct hc_proto_error err = { 0 };
		bool ok = hc_proto_parse_from_aggregator(cases[i].frame, strlen(cases[i].frame), &m,
							 &err);
		if (ok)
			fail_msg("accepted: %s", cases[i].frame);
		assert_int_equal(err.code, cases[i].code);
		if (strstr(err.reason, cases[i].reason_has) == NULL)
			fail_msg("reason \"%s\" lacks \"%s\"", err.reason, cases[i].reason_has);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_cause_round_trips),
		cmocka_unit_test(group_cause_has_the_documented_text),
		cmocka_unit_test(no_cause_sends_neither_field),
		cmocka_unit_test(valid_restricted_by_values),
		cmocka_unit_test(malformed_causes_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
