/*
 * test_protocol_roundtrip.c — what a builder writes, the parser reads
 * back unchanged (shared/wire_terminal.c).
 *
 * Property: for every message of the terminal role, in both directions,
 * parse(build(m)) == m field by field, at the edges of every range; the
 * area object carries exactly its nine documented fields with their JSON
 * types; incarnations and level names survive the trip to text and back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shared/protocol.h"

static struct hc_msg parse_terminal_frame(const char *buf, size_t len)
{
	struct hc_msg m;
	struct hc_proto_error err = { 0 };
	bool ok = hc_proto_parse_from_terminal(buf, len, &m, &err);
	if (!ok)
		fail_msg("refused (%d): %s", err.code, err.reason);
	return m;
}

static struct hc_msg parse_aggregator_frame(const char *buf, size_t len)
{
	struct hc_msg m;
	struct hc_proto_error err = { 0 };
	bool ok = hc_proto_parse_from_aggregator(buf, len, &m, &err);
	if (!ok)
		fail_msg("refused (%d): %s", err.code, err.reason);
	return m;
}

static void hello_round_trips(void **state)
{
	(void)state;
	const uint64_t incarnations[] = { 0, 1, 0x0123456789abcdefULL, UINT64_MAX };
	const char *ids[] = { "t", "door-1_North", "abcdefghijklmnopqrstuvwxyz012345" };
	for (size_t i = 0; i < 4; i++) {
		for (size_t k = 0; k < 3; k++) {
			struct hc_msg_hello h = { .incarnation = incarnations[i] };
			strcpy(h.terminal, ids[k]);
			char buf[256];
			size_t n = hc_proto_build_hello(buf, sizeof buf, &h);
			assert_true(n > 0);
			struct hc_msg m = parse_terminal_frame(buf, n);
			assert_int_equal(m.type, HC_MSG_HELLO);
			assert_string_equal(m.u.hello.terminal, ids[k]);
			assert_true(m.u.hello.incarnation == incarnations[i]);
		}
	}
}

static void hello_has_the_documented_text(void **state)
{
	(void)state;
	struct hc_msg_hello h = { .terminal = "t1", .incarnation = 0x0123456789abcdefULL };
	char buf[256];
	size_t n = hc_proto_build_hello(buf, sizeof buf, &h);
	const char want[] =
		"{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":\"0123456789abcdef\"}";
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void batch_round_trips_at_range_edges(void **state)
{
	(void)state;
	const struct hc_msg_batch cases[] = {
		{ .seq = 1, .entered = 1, .exited = 0 },
		{ .seq = 12, .entered = 3, .exited = 1 },
		{ .seq = 2, .entered = 0, .exited = 1 },
		{ .seq = HC_SEQ_MAX, .entered = HC_BATCH_DELTA_MAX, .exited = HC_BATCH_DELTA_MAX },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[256];
		size_t n = hc_proto_build_batch(buf, sizeof buf, &cases[i]);
		assert_true(n > 0);
		struct hc_msg m = parse_terminal_frame(buf, n);
		assert_int_equal(m.type, HC_MSG_BATCH);
		assert_int_equal(m.u.batch.seq, cases[i].seq);
		assert_int_equal(m.u.batch.entered, cases[i].entered);
		assert_int_equal(m.u.batch.exited, cases[i].exited);
	}
}

/* Protocol v2: undo fields round-trip, are left out when zero (a batch
 * without an undo is what v1 sent), and read as 0 when absent. */
static void batch_undo_fields_round_trip(void **state)
{
	(void)state;
	char buf[256];
	struct hc_msg m;
	struct hc_proto_error err;
	struct hc_msg_batch b = { .seq = 9, .undo_entered = 1 };
	size_t n = hc_proto_build_batch(buf, sizeof buf, &b);
	const char want[] = "{\"type\":\"batch\",\"seq\":9,\"entered\":0,"
			    "\"exited\":0,\"undo_entered\":1}";
	assert_int_equal(n, sizeof want - 1);
	assert_memory_equal(buf, want, n);
	assert_true(hc_proto_parse_from_terminal(buf, n, &m, &err));
	assert_int_equal(m.u.batch.undo_entered, 1);
	assert_int_equal(m.u.batch.undo_exited, 0);
	const char both[] = "{\"type\":\"batch\",\"seq\":3,\"entered\":2,"
			    "\"exited\":1,\"undo_exited\":4}";
	assert_true(hc_proto_parse_from_terminal(both, sizeof both - 1, &m, &err));
	assert_int_equal(m.u.batch.entered, 2);
	assert_int_equal(m.u.batch.undo_entered, 0);
	assert_int_equal(m.u.batch.undo_exited, 4);
}

static void batch_has_the_documented_text(void **state)
{
	(void)state;
	struct hc_msg_batch b = { .seq = 12, .entered = 3, .exited = 1 };
	char buf[256];
	size_t n = hc_proto_build_batch(buf, sizeof buf, &b);
	const char want[] = "{\"type\":\"batch\",\"seq\":12,\"entered\":3,\"exited\":1}";
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void welcome_round_trips(void **state)
{
	(void)state;
	struct hc_msg_welcome w = { .terminal = "t1", .area = "hall" };
	char buf[256];
	size_t n = hc_proto_build_welcome(buf, sizeof buf, &w);
	assert_true(n > 0);
	struct hc_msg m = parse_aggregator_frame(buf, n);
	assert_int_equal(m.type, HC_MSG_WELCOME);
	assert_string_equal(m.u.welcome.terminal, "t1");
	assert_string_equal(m.u.welcome.area, "hall");
}

static void ack_round_trips_with_both_duplicate_values(void **state)
{
	(void)state;
	for (int dup = 0; dup <= 1; dup++) {
		struct hc_msg_ack a = { .seq = HC_SEQ_MAX - dup, .duplicate = dup };
		char buf[256];
		size_t n = hc_proto_build_ack(buf, sizeof buf, &a);
		assert_true(n > 0);
		struct hc_msg m = parse_aggregator_frame(buf, n);
		assert_int_equal(m.type, HC_MSG_ACK);
		assert_int_equal(m.u.ack.seq, HC_SEQ_MAX - dup);
		assert_int_equal(m.u.ack.duplicate, dup);
	}
}

static struct hc_area_state sample_area(void)
{
	struct hc_area_state a = {
		.id = "hall",
		.name = "Main hall \xc3\xa9t\xc3\xa9 \"quoted\"",
		.entered = 10,
		.exited = 3,
		.occupancy = 7,
		.capacity = 300,
		.level = HC_LEVEL_CROWDED,
		.restricted = true,
		.updated_at_ms = 1795428000123LL, /* 2026-11-23T10:00:00.123Z */
	};
	return a;
}

static void area_round_trips(void **state)
{
	(void)state;
	struct hc_area_state a = sample_area();
	char buf[1024];
	size_t n = hc_proto_build_area(buf, sizeof buf, &a);
	assert_true(n > 0);
	struct hc_msg m = parse_aggregator_frame(buf, n);
	assert_int_equal(m.type, HC_MSG_AREA);
	const struct hc_area_state *b = &m.u.area;
	assert_string_equal(b->id, a.id);
	assert_string_equal(b->name, a.name);
	assert_int_equal(b->entered, a.entered);
	assert_int_equal(b->exited, a.exited);
	assert_int_equal(b->occupancy, a.occupancy);
	assert_int_equal(b->capacity, a.capacity);
	assert_int_equal(b->level, a.level);
	assert_int_equal(b->restricted, a.restricted);
	assert_int_equal(b->updated_at_ms, a.updated_at_ms);
}

static void area_updated_at_is_iso8601_utc_with_ms(void **state)
{
	(void)state;
	struct hc_area_state a = sample_area();
	json_t *j = hc_proto_area_json(&a);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "updated_at")),
			    "2026-11-23T10:00:00.123Z");
	json_decref(j);
}

static void area_object_has_exactly_nine_typed_fields(void **state)
{
	(void)state;
	struct hc_area_state a = sample_area();
	json_t *j = hc_proto_area_json(&a);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 9);
	assert_true(json_is_string(json_object_get(j, "id")));
	assert_true(json_is_string(json_object_get(j, "name")));
	assert_true(json_is_integer(json_object_get(j, "entered")));
	assert_true(json_is_integer(json_object_get(j, "exited")));
	assert_true(json_is_integer(json_object_get(j, "occupancy")));
	assert_true(json_is_integer(json_object_get(j, "capacity")));
	assert_true(json_is_string(json_object_get(j, "level")));
	assert_true(json_is_boolean(json_object_get(j, "restricted")));
	assert_true(json_is_string(json_object_get(j, "updated_at")));
	assert_string_equal(json_string_value(json_object_get(j, "level")), "crowded");
	assert_true(json_is_true(json_object_get(j, "restricted")));
	assert_int_equal(json_integer_value(json_object_get(j, "occupancy")), 7);
	json_decref(j);
}

static void area_message_is_type_plus_the_area_object(void **state)
{
	(void)state;
	struct hc_area_state a = sample_area();
	char buf[1024];
	size_t n = hc_proto_build_area(buf, sizeof buf, &a);
	assert_true(n > 0);
	json_t *msg = json_loadb(buf, n, 0, NULL);
	assert_non_null(msg);
	assert_int_equal(json_object_size(msg), 10);
	assert_string_equal(json_string_value(json_object_get(msg, "type")), "area");
	json_object_del(msg, "type");
	json_t *obj = hc_proto_area_json(&a);
	assert_true(json_equal(msg, obj));
	json_decref(obj);
	json_decref(msg);
}

static void builders_return_zero_when_the_buffer_is_too_small(void **state)
{
	(void)state;
	struct hc_msg_batch b = { .seq = 12, .entered = 3, .exited = 1 };
	char buf[256];
	size_t need = hc_proto_build_batch(buf, sizeof buf, &b);
	assert_true(need > 0);
	assert_int_equal(hc_proto_build_batch(buf, need - 1, &b), 0);
	assert_int_equal(hc_proto_build_batch(buf, need, &b), need);

	struct hc_area_state a = sample_area();
	assert_int_equal(hc_proto_build_area(buf, 20, &a), 0);
	struct hc_msg_ack ack = { .seq = 1 };
	assert_int_equal(hc_proto_build_ack(buf, 5, &ack), 0);
}

static void incarnation_hex_round_trips(void **state)
{
	(void)state;
	const uint64_t values[] = {
		0, 1, 0xfULL, 0x0123456789abcdefULL, 0xfedcba9876543210ULL, UINT64_MAX
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char hex[17];
		hc_proto_format_incarnation(values[i], hex);
		assert_int_equal(strlen(hex), 16);
		uint64_t back = 0;
		assert_true(hc_proto_parse_incarnation(hex, &back));
		assert_true(back == values[i]);
	}
	char hex[17];
	hc_proto_format_incarnation(0x0123456789abcdefULL, hex);
	assert_string_equal(hex, "0123456789abcdef");
}

static void incarnation_parse_refuses_other_spellings(void **state)
{
	(void)state;
	uint64_t v = 42;
	assert_false(hc_proto_parse_incarnation("", &v));
	assert_false(hc_proto_parse_incarnation("0123456789abcde", &v));
	assert_false(hc_proto_parse_incarnation("0123456789abcdef0", &v));
	assert_false(hc_proto_parse_incarnation("0123456789ABCDEF", &v));
	assert_false(hc_proto_parse_incarnation("0123456789abcdeg", &v));
	assert_false(hc_proto_parse_incarnation(" 123456789abcdef", &v));
	assert_int_equal(v, 42);
}

static void level_names_round_trip(void **state)
{
	(void)state;
	const char *names[] = { "low", "moderate", "crowded", "full" };
	for (int i = HC_LEVEL_LOW; i <= HC_LEVEL_FULL; i++) {
		assert_string_equal(hc_level_name((enum hc_level)i), names[i]);
		enum hc_level back = HC_LEVEL_FULL;
		assert_true(hc_level_parse(names[i], &back));
		assert_int_equal(back, i);
	}
	enum hc_level l = HC_LEVEL_MODERATE;
	assert_false(hc_level_parse("Full", &l));
	assert_false(hc_level_parse("", &l));
	assert_false(hc_level_parse("overfull", &l));
	assert_int_equal(l, HC_LEVEL_MODERATE);
}

static void ids_are_1_to_32_safe_characters(void **state)
{
	(void)state;
	assert_true(hc_proto_valid_id("a"));
	assert_true(hc_proto_valid_id("Door_7-north"));
	assert_true(hc_proto_valid_id("abcdefghijklmnopqrstuvwxyz012345"));
	assert_false(hc_proto_valid_id(""));
	assert_false(hc_proto_valid_id("abcdefghijklmnopqrstuvwxyz0123456"));
	assert_false(hc_proto_valid_id("a b"));
	assert_false(hc_proto_valid_id("a.b"));
	assert_false(hc_proto_valid_id("h\xc3\xa4ll"));
}

static void unknown_extra_fields_are_ignored(void **state)
{
	(void)state;
	const char frame[] = "{\"type\":\"batch\",\"seq\":5,\"entered\":2,\"exited\":0,"
			     "\"note\":{\"from\":\"v2\"},\"extra\":[1,2]}";
	struct hc_msg m = parse_terminal_frame(frame, strlen(frame));
	assert_int_equal(m.type, HC_MSG_BATCH);
	assert_int_equal(m.u.batch.seq, 5);
	assert_int_equal(m.u.batch.entered, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello_round_trips),
		cmocka_unit_test(hello_has_the_documented_text),
		cmocka_unit_test(batch_round_trips_at_range_edges),
		cmocka_unit_test(batch_has_the_documented_text),
		cmocka_unit_test(batch_undo_fields_round_trip),
		cmocka_unit_test(welcome_round_trips),
		cmocka_unit_test(ack_round_trips_with_both_duplicate_values),
		cmocka_unit_test(area_round_trips),
		cmocka_unit_test(area_updated_at_is_iso8601_utc_with_ms),
		cmocka_unit_test(area_object_has_exactly_nine_typed_fields),
		cmocka_unit_test(area_message_is_type_plus_the_area_object),
		cmocka_unit_test(builders_return_zero_when_the_buffer_is_too_small),
		cmocka_unit_test(incarnation_hex_round_trips),
		cmocka_unit_test(incarnation_parse_refuses_other_spellings),
		cmocka_unit_test(level_names_round_trip),
		cmocka_unit_test(ids_are_1_to_32_safe_characters),
		cmocka_unit_test(unknown_extra_fields_are_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
