/*
 * test_supervisor_commands_parse.c — what supervisors send is parsed,
 * checked and refused exactly as docs/protocol.md says.
 *
 * Property: a frame that is no message of the role closes (4000, 4001,
 * a malformed hello 4002/4003); a well-formed command with a bad field
 * is refused with a sentence naming it and never closes; threshold
 * changes obey the config's own ranges and order rules; a correction is
 * the one delta that yields the asked occupancy; the HMAC answers only
 * the key and nonce it was made for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/supervisor_cmd.h"

struct parsed {
	enum hc_sup_verdict verdict;
	struct hc_sup_cmd cmd;
	char why[200];
	struct hc_proto_error err;
};

static struct parsed parse(const char *text)
{
	struct parsed p;
	memset(&p, 0, sizeof p);
	p.verdict = hc_sup_parse(text, strlen(text), &p.cmd, p.why, sizeof p.why, &p.err);
	return p;
}

static void frames_that_are_not_messages_close_with_the_terminal_codes(void **state)
{
	(void)state;
	static const struct {
		const char *frame;
		enum hc_close_code code;
	} cases[] = {
		{ "not json", HC_CLOSE_BAD_JSON },
		{ "[1,2]", HC_CLOSE_BAD_JSON },
		{ "{\"type\":\"x\",\"type\":\"y\"}", HC_CLOSE_BAD_JSON },
		{ "{\"id\":\"hall\"}", HC_CLOSE_UNKNOWN_TYPE },
		{ "{\"type\":\"batch\",\"seq\":1}", HC_CLOSE_UNKNOWN_TYPE },
		{ "{\"type\":\"hello\",\"supervisor\":7}", HC_CLOSE_BAD_FIELD },
		{ "{\"type\":\"hello\",\"supervisor\":\"a b\"}", HC_CLOSE_OUT_OF_RANGE },
		/* a client of the key logins that are gone */
		{ "{\"type\":\"hello\",\"supervisor\":\"alice\",\"mac\":\"00\"}",
		  HC_CLOSE_AUTH_FAILED },
		{ "{\"type\":\"proof\",\"proof\":7}", HC_CLOSE_BAD_FIELD },
		{ "{\"type\":\"proof\"}", HC_CLOSE_BAD_FIELD },
		{ "{\"type\":\"proof\",\"proof\":\"ABCD\"}", HC_CLOSE_OUT_OF_RANGE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct parsed p = parse(cases[i].frame);
		if (p.verdict != HC_SUP_CLOSE || p.err.code != cases[i].code)
			fail_msg("%s: verdict %d code %d, want close %d", cases[i].frame, p.verdict,
				 p.err.code, cases[i].code);
		assert_true(strlen(p.err.reason) > 0);
	}
}

/* Found by fuzzing: jansson quotes the byte it stopped at, and an
 * unknown type is quoted cut at 24 bytes, possibly inside a UTF-8
 * sequence. The reason is sent as a close reason: printable ASCII only. */
static void a_close_reason_is_printable_ascii_whatever_the_peer_sent(void **state)
{
	(void)state;
	static const struct {
		const char *frame;
		enum hc_close_code code;
	} cases[] = {
		{ "[1,3]\x01", HC_CLOSE_BAD_JSON },
		{ "{\"type\":\"override\"}\x7f", HC_CLOSE_BAD_JSON },
		{ "{\"type\":\"aaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\"}", HC_CLOSE_UNKNOWN_TYPE },
		{ "{\"type\":\"a\\nb\"}", HC_CLOSE_UNKNOWN_TYPE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct parsed p;
		memset(&p, 0, sizeof p);
		p.verdict = hc_sup_parse(cases[i].frame, strlen(cases[i].frame), &p.cmd, p.why,
					 sizeof p.why, &p.err);
		if (p.verdict != HC_SUP_CLOSE || p.err.code != cases[i].code)
			fail_msg("case %zu: verdict %d code %d, want close %d", i, p.verdict,
				 p.err.code, cases[i].code);
		size_t n = strlen(p.err.reason);
		assert_true(n >= 1 && n <= 120);
		for (size_t k = 0; k < n; k++)
			if (p.err.reason[k] < 0x20 || p.err.reason[k] > 0x7e)
				fail_msg("case %zu: reason byte %zu is 0x%02x: %s", i, k,
					 (unsigned char)p.err.reason[k], p.err.reason);
	}
}

static void bad_commands_are_refused_with_a_reason_and_never_close(void **state)
{
	(void)state;
	static const struct {
		const char *frame;
		const char *why_contains;
	} cases[] = {
		{ "{\"type\":\"override\",\"target\":\"room\",\"id\":\"hall\",\"mode\":\"closed\",\"reason\":\"r\"}",
		  "target" },
		{ "{\"type\":\"override\",\"target\":\"area\",\"id\":\"a b\",\"mode\":\"closed\",\"reason\":\"r\"}",
		  "override.id" },
		{ "{\"type\":\"override\",\"target\":\"area\",\"id\":\"hall\",\"mode\":\"shut\",\"reason\":\"r\"}",
		  "override.mode" },
		{ "{\"type\":\"override\",\"target\":\"area\",\"id\":\"hall\",\"mode\":\"closed\"}",
		  "override.reason" },
		{ "{\"type\":\"override\",\"target\":\"area\",\"id\":\"hall\",\"mode\":\"closed\",\"reason\":\"\"}",
		  "override.reason" },
		{ "{\"type\":\"set_thresholds\",\"target\":\"area\",\"id\":\"hall\",\"reason\":\"r\"}",
		  "at least one" },
		{ "{\"type\":\"set_thresholds\",\"target\":\"area\",\"id\":\"hall\",\"capacity\":\"9\",\"reason\":\"r\"}",
		  "capacity must be an integer" },
		{ "{\"type\":\"set_thresholds\",\"target\":\"area\",\"id\":\"hall\",\"capacity\":9.5,\"reason\":\"r\"}",
		  "capacity must be an integer" },
		{ "{\"type\":\"set_thresholds\",\"target\":\"area\",\"id\":\"hall\",\"hold_s\":true,\"reason\":\"r\"}",
		  "hold_s must be a number" },
		{ "{\"type\":\"correct\",\"area\":\"hall\",\"occupancy\":-1,\"reason\":\"r\"}",
		  "correct.occupancy" },
		{ "{\"type\":\"correct\",\"area\":\"hall\",\"occupancy\":10000001,\"reason\":\"r\"}",
		  "correct.occupancy" },
		{ "{\"type\":\"correct\",\"area\":\"hall\",\"occupancy\":1.5,\"reason\":\"r\"}",
		  "correct.occupancy" },
		{ "{\"type\":\"correct\",\"occupancy\":1,\"reason\":\"r\"}", "correct.area" },
		{ "{\"type\":\"correct\",\"area\":\"hall\",\"occupancy\":1,\"reason\":\"r\",\"request\":[1]}",
		  "request" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct parsed p = parse(cases[i].frame);
		if (p.verdict != HC_SUP_REFUSE || strstr(p.why, cases[i].why_contains) == NULL)
			fail_msg("%s: verdict %d why '%s', want refused with '%s'", cases[i].frame,
				 p.verdict, p.why, cases[i].why_contains);
	}
}

static void good_commands_carry_every_field_and_the_request(void **state)
{
	(void)state;
	struct parsed p = parse("{\"type\":\"override\",\"target\":\"group\",\"id\":\"park\","
				"\"mode\":\"open\",\"reason\":\"VIP group\",\"request\":\"r-1\"}");
	assert_int_equal(p.verdict, HC_SUP_ACCEPT);
	assert_int_equal(p.cmd.type, HC_SUP_OVERRIDE);
	assert_int_equal(p.cmd.target, HC_SUP_GROUP);
	assert_string_equal(p.cmd.id, "park");
	assert_int_equal(p.cmd.mode, HC_OVERRIDE_FORCE_OPEN);
	assert_string_equal(p.cmd.reason, "VIP group");
	assert_string_equal(p.cmd.request, "\"r-1\"");

	p = parse(
		"{\"type\":\"set_thresholds\",\"target\":\"area\",\"id\":\"hall\","
		"\"capacity\":400,\"hold_s\":30,\"resume_at\":0.7,\"reason\":\"r\",\"request\":12}");
	assert_int_equal(p.verdict, HC_SUP_ACCEPT);
	assert_true(p.cmd.set.has_capacity);
	assert_int_equal(p.cmd.set.capacity, 400);
	assert_true(p.cmd.set.has[HC_THRESHOLD_HOLD]);
	assert_true(p.cmd.set.has[HC_THRESHOLD_RESUME]);
	assert_false(p.cmd.set.has[HC_THRESHOLD_MODERATE]);
	assert_true(p.cmd.set.value[HC_THRESHOLD_RESUME] == 0.7);
	assert_string_equal(p.cmd.request, "12");

	p = parse(
		"{\"type\":\"correct\",\"area\":\"hall\",\"occupancy\":120,\"reason\":\"recount\"}");
	assert_int_equal(p.verdict, HC_SUP_ACCEPT);
	assert_int_equal(p.cmd.type, HC_SUP_CORRECT);
	assert_string_equal(p.cmd.id, "hall");
	assert_int_equal(p.cmd.occupancy, 120);
	assert_string_equal(p.cmd.request, "");
}

static const struct hc_thresholds defaults = {
	.moderate_at = 0.5,
	.crowded_at = 0.8,
	.full_at = 1.0,
	.restrict_at = 1.0,
	.resume_at = 0.9,
	.hold_ms = 60000,
};

static void threshold_changes_obey_the_config_rules(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool has_capacity;
		int64_t capacity;
		enum hc_threshold_key key;
		double value;
		const char *why_contains; /* NULL: accepted */
	} cases[] = {
		{ "raise capacity", true, 400, HC_THRESHOLD_KEY_COUNT, 0, NULL },
		{ "capacity 0", true, 0, HC_THRESHOLD_KEY_COUNT, 0,
		  "capacity must be an integer 1..1000000" },
		{ "capacity too big", true, 1000001, HC_THRESHOLD_KEY_COUNT, 0, "1..1000000" },
		{ "moderate 0", false, 0, HC_THRESHOLD_MODERATE, 0,
		  "moderate_at must be a number > 0" },
		{ "moderate above crowded", false, 0, HC_THRESHOLD_MODERATE, 0.85,
		  "moderate_at (0.85) must be <= crowded_at (0.8)" },
		{ "resume at restrict", false, 0, HC_THRESHOLD_RESUME, 1.0,
		  "resume_at (1) must be < restrict_at (1)" },
		{ "resume 0 allowed", false, 0, HC_THRESHOLD_RESUME, 0, NULL },
		{ "restrict above 10", false, 0, HC_THRESHOLD_RESTRICT, 10.5,
		  "restrict_at must be a number > 0 and <= 10" },
		{ "hold fraction", false, 0, HC_THRESHOLD_HOLD, 2.5,
		  "hold_s must be an integer 0..86400" },
		{ "hold a day", false, 0, HC_THRESHOLD_HOLD, 86400, NULL },
		{ "hold over a day", false, 0, HC_THRESHOLD_HOLD, 86401, "0..86400" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hc_adjustment a = { 0 };
		a.has_capacity = cases[i].has_capacity;
		a.capacity = cases[i].capacity;
		if (cases[i].key != HC_THRESHOLD_KEY_COUNT) {
			a.has[cases[i].key] = true;
			a.value[cases[i].key] = cases[i].value;
		}
		struct hc_thresholds t = defaults;
		int64_t capacity = 300;
		char why[160] = "";
		bool ok = hc_adjustment_apply(&a, false, &t, &capacity, why, sizeof why);
		if (cases[i].why_contains == NULL) {
			if (!ok)
				fail_msg("%s: refused: %s", cases[i].name, why);
		} else {
			if (ok || strstr(why, cases[i].why_contains) == NULL)
				fail_msg("%s: ok %d why '%s', want '%s'", cases[i].name, ok, why,
					 cases[i].why_contains);
			/* A refused change leaves everything as it was. */
			assert_int_equal(capacity, 300);
			assert_memory_equal(&t, &defaults, sizeof t);
		}
	}
}

static void a_group_takes_the_group_capacity_range(void **state)
{
	(void)state;
	struct hc_adjustment a = { .has_capacity = true, .capacity = 5000000 };
	struct hc_thresholds t = defaults;
	int64_t capacity = 100;
	char why[160];
	assert_false(hc_adjustment_apply(&a, false, &t, &capacity, why, sizeof why));
	assert_true(hc_adjustment_apply(&a, true, &t, &capacity, why, sizeof why));
	assert_int_equal(capacity, 5000000);
}

static void merged_adjustments_round_trip_through_json(void **state)
{
	(void)state;
	struct hc_adjustment first = { .has_capacity = true, .capacity = 400 };
	struct hc_adjustment second = { 0 };
	second.has[HC_THRESHOLD_HOLD] = true;
	second.value[HC_THRESHOLD_HOLD] = 30;
	second.has[HC_THRESHOLD_RESUME] = true;
	second.value[HC_THRESHOLD_RESUME] = 0.75;
	hc_adjustment_merge(&first, &second);
	char text[256];
	assert_true(hc_adjustment_to_json(&first, text, sizeof text));
	assert_string_equal(text, "{\"capacity\":400,\"hold_s\":30,\"resume_at\":0.75}");
	struct hc_adjustment back;
	assert_true(hc_adjustment_from_json(text, &back));
	assert_true(back.has_capacity);
	assert_int_equal(back.capacity, 400);
	assert_true(back.has[HC_THRESHOLD_HOLD] && back.value[HC_THRESHOLD_HOLD] == 30);
	assert_true(back.has[HC_THRESHOLD_RESUME] && back.value[HC_THRESHOLD_RESUME] == 0.75);
	assert_false(back.has[HC_THRESHOLD_MODERATE]);
	assert_false(hc_adjustment_from_json("{\"colour\":1}", &back));
	assert_false(hc_adjustment_from_json("[]", &back));
}

static void a_correction_is_the_delta_that_yields_the_occupancy(void **state)
{
	(void)state;
	static const struct {
		int64_t entered, exited, target, d_entered, d_exited;
	} cases[] = {
		{ 9, 2, 120, 113, 0 },				 /* 7 -> 120: entries added */
		{ 500, 100, 120, 0, 280 },			 /* 400 -> 120: exits added */
		{ 10, 10, 10, 10, 0 },	   { 3, 8, 0, 5, 0 },	 /* shown as 0, raw -5: 5 entries */
		{ 3, 8, 2, 7, 0 },	   { 50, 20, 30, 0, 0 }, /* already so: nothing */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t de = -1, dx = -1;
		hc_sup_correction_delta(cases[i].entered, cases[i].exited, cases[i].target, &de,
					&dx);
		assert_int_equal(de, cases[i].d_entered);
		assert_int_equal(dx, cases[i].d_exited);
		assert_int_equal(cases[i].entered + de - cases[i].exited - dx, cases[i].target);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames_that_are_not_messages_close_with_the_terminal_codes),
		cmocka_unit_test(a_close_reason_is_printable_ascii_whatever_the_peer_sent),
		cmocka_unit_test(bad_commands_are_refused_with_a_reason_and_never_close),
		cmocka_unit_test(good_commands_carry_every_field_and_the_request),
		cmocka_unit_test(threshold_changes_obey_the_config_rules),
		cmocka_unit_test(a_group_takes_the_group_capacity_range),
		cmocka_unit_test(merged_adjustments_round_trip_through_json),
		cmocka_unit_test(a_correction_is_the_delta_that_yields_the_occupancy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
