/*
 * test_wire_supervisor_roundtrip.c — the supervisor role, client side,
 * in shared/ alone.
 *
 * Property: what shared/wire_supervisor builds, the aggregator's own
 * parser (aggregator/supervisor_cmd.c) accepts with the same values —
 * the hello names the supervisor and the proof built from the password
 * and the salt verifies against the password record (and not for
 * another password or nonce), an override, a correction by a signed delta
 * and a threshold change come out as sent; what the aggregator sends
 * (snapshot, area with its supervisor-only fields, terminal, result) is
 * parsed into the same figures; a message with a mistyped required field
 * is refused whole; fields of a newer aggregator are ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/passwords.h"
#include "aggregator/supervisor_cmd.h"
#include "shared/wire_supervisor.h"

static void parse_cmd(const char *text, size_t n, struct hc_sup_cmd *cmd)
{
	char why[200];
	struct hc_proto_error err;
	enum hc_sup_verdict v = hc_sup_parse(text, n, cmd, why, sizeof why, &err);
	if (v != HC_SUP_ACCEPT) {
		print_error("aggregator refused %.*s: %s / %s\n", (int)n, text, why, err.reason);
		fail();
	}
}

static void test_login_proof_verifies(void **state)
{
	(void)state;
	const char *nonce = "00112233445566778899aabbccddeeff";
	const unsigned char salt[HC_WIRE_SUP_SALT_BYTES] = { 1, 2,  3,	4,  5,	6,  7,	8,
							     9, 10, 11, 12, 13, 14, 15, 16 };
	char out[512], salt_hex[HC_WIRE_SUP_SALT_HEX_LEN + 1];
	size_t n = hc_wire_sup_build_hello(out, sizeof out, "alice");
	assert_true(n > 0);
	struct hc_sup_cmd cmd;
	parse_cmd(out, n, &cmd);
	assert_int_equal(cmd.type, HC_SUP_HELLO);
	assert_string_equal(cmd.supervisor, "alice");
	assert_int_equal(hc_wire_sup_build_hello(out, sizeof out, "bad name"), 0);

	struct hc_password_record r;
	assert_true(hc_password_record_make("alice", "correct-horse", salt, 1000, &r));
	hc_password_salt_hex(&r, salt_hex);
	/* The salt message as the aggregator writes it, read by the client. */
	char salt_msg[128];
	snprintf(salt_msg, sizeof salt_msg,
		 "{\"type\":\"salt\",\"salt\":\"%s\","
		 "\"iterations\":1000}",
		 salt_hex);
	struct hc_wire_sup_msg m;
	char why[200];
	assert_true(hc_wire_sup_parse(salt_msg, strlen(salt_msg), &m, why, sizeof why));
	assert_int_equal(m.type, HC_WIRE_SUP_SALT);
	assert_int_equal(m.iterations, 1000);
	n = hc_wire_sup_build_proof(out, sizeof out, "alice", "correct-horse", nonce, m.salt,
				    m.iterations);
	assert_true(n > 0);
	parse_cmd(out, n, &cmd);
	assert_int_equal(cmd.type, HC_SUP_PROOF);
	assert_true(hc_password_proof_valid(&r, nonce, cmd.proof));
	assert_false(hc_password_proof_valid(&r, "00112233445566778899aabbccddeefe", cmd.proof));
	n = hc_wire_sup_build_proof(out, sizeof out, "alice", "correct-horsf", nonce, salt_hex,
				    1000);
	parse_cmd(out, n, &cmd);
	assert_false(hc_password_proof_valid(&r, nonce, cmd.proof));
	/* A hostile aggregator cannot make the client spin without end. */
	assert_int_equal(hc_wire_sup_build_proof(out, sizeof out, "alice", "correct-horse", nonce,
						 salt_hex, HC_WIRE_SUP_ITERATIONS_MAX + 1),
			 0);
	snprintf(salt_msg, sizeof salt_msg,
		 "{\"type\":\"salt\",\"salt\":\"%s\","
		 "\"iterations\":999}",
		 salt_hex);
	assert_false(hc_wire_sup_parse(salt_msg, strlen(salt_msg), &m, why, sizeof why));
}

static void test_commands_round_trip(void **state)
{
	(void)state;
	char out[1024];
	struct hc_sup_cmd cmd;
	size_t n = hc_wire_sup_build_override(out, sizeof out, 7, false, "hall",
					      HC_WIRE_OVERRIDE_CLOSED, "blocked exit");
	parse_cmd(out, n, &cmd);
	assert_int_equal(cmd.type, HC_SUP_OVERRIDE);
	assert_int_equal(cmd.target, HC_SUP_AREA);
	assert_string_equal(cmd.id, "hall");
	assert_int_equal(cmd.mode, HC_OVERRIDE_FORCE_CLOSED);
	assert_string_equal(cmd.request, "7");
	assert_string_equal(cmd.reason, "blocked exit");

	n = hc_wire_sup_build_correct(out, sizeof out, 8, "hall", -3, "double count");
	parse_cmd(out, n, &cmd);
	assert_int_equal(cmd.type, HC_SUP_CORRECT);
	assert_true(cmd.has_delta);
	assert_int_equal(cmd.delta, -3);
	assert_int_equal(hc_wire_sup_build_correct(out, sizeof out, 9, "hall", 0, "x"), 0);
	assert_int_equal(hc_wire_sup_build_correct(out, sizeof out, 9, "hall", 2, ""), 0);

	struct hc_wire_thresholds t = { .capacity = 400,
					.moderate_at = -1,
					.crowded_at = 0.7,
					.full_at = -1,
					.restrict_at = -1,
					.resume_at = 0,
					.hold_s = 30 };
	n = hc_wire_sup_build_thresholds(out, sizeof out, 10, true, "park", &t, "second exit");
	parse_cmd(out, n, &cmd);
	assert_int_equal(cmd.type, HC_SUP_SET_THRESHOLDS);
	assert_int_equal(cmd.target, HC_SUP_GROUP);
	assert_true(cmd.set.has_capacity);
	assert_int_equal(cmd.set.capacity, 400);
}

static const char snapshot[] =
	"{\"type\":\"snapshot\",\"venue\":\"Fest\",\"areas\":[{\"id\":\"oh\",\"name\":"
	"\"\xe5\xa4\xa7\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xab\",\"entered\":10,\"exited\":3,"
	"\"occupancy\":7,\"capacity\":20,\"level\":\"low\",\"restricted\":true,"
	"\"updated_at\":\"2026-11-23T10:00:00.123Z\",\"override\":\"closed\",\"group\":null,"
	"\"override_by\":\"supervisor:alice\",\"override_reason\":\"blocked\","
	"\"corrected_entered\":5,\"corrected_exited\":0,\"corrections\":[{\"who\":"
	"\"supervisor:alice\",\"at\":\"2026-11-23T10:00:01.000Z\",\"delta\":5,\"reason\":"
	"\"recount\"}],\"history\":[1,2,3],\"minute_entered\":4,\"minute_exited\":1,"
	"\"from_the_future\":true}],\"groups\":[{\"id\":\"park\",\"name\":\"P\",\"occupancy\":7,"
	"\"capacity\":20,\"level\":\"low\",\"restricted\":false,\"override\":\"auto\","
	"\"areas\":[\"oh\"],\"updated_at\":null}],\"terminals\":[{\"id\":\"t1\",\"area\":\"oh\","
	"\"online\":true,\"last_seen\":\"2026-11-23T10:41:07.498Z\",\"incarnation\":null,"
	"\"last_seq\":null,\"missing_seqs\":2,\"batches_in_flight\":1,\"entered_today\":9,"
	"\"exited_today\":2,\"pending\":3,\"storage_faults\":1,\"version\":\"0.1.0\"}]}";

static void test_snapshot_parses(void **state)
{
	(void)state;
	struct hc_wire_sup_msg m;
	char why[200];
	assert_true(hc_wire_sup_parse(snapshot, strlen(snapshot), &m, why, sizeof why));
	assert_int_equal(m.type, HC_WIRE_SUP_SNAPSHOT);
	assert_string_equal(m.venue, "Fest");
	assert_int_equal(m.area_count, 1);
	const struct hc_wire_area *a = &m.areas[0];
	assert_string_equal(a->st.name, "\xe5\xa4\xa7\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xab");
	assert_int_equal(a->st.occupancy, 7);
	assert_true(a->st.restricted);
	assert_int_equal(a->st.updated_at_ms, 1795428000123LL); /* 2026-11-23T10:00:00.123Z */
	assert_int_equal(a->override, HC_WIRE_OVERRIDE_CLOSED);
	assert_string_equal(a->override_by, "supervisor:alice");
	assert_true(a->has_corrected);
	assert_int_equal(a->corrected_entered, 5);
	assert_int_equal(a->correction_count, 1);
	assert_int_equal(a->corrections[0].delta, 5);
	assert_string_equal(a->corrections[0].reason, "recount");
	assert_int_equal(a->history_count, 3);
	assert_int_equal(a->history[2], 3);
	assert_true(a->has_minute);
	assert_int_equal(a->minute_entered, 4);
	assert_int_equal(m.group_count, 1);
	assert_int_equal(m.groups[0].updated_at_ms, 0);
	assert_int_equal(m.terminal_count, 1);
	const struct hc_wire_terminal *t = &m.terminals[0];
	assert_int_equal(t->last_seq, -1);
	assert_int_equal(t->missing_seqs, 2);
	assert_true(t->has_today);
	assert_int_equal(t->entered_today, 9);
	assert_true(t->has_reported);
	assert_int_equal(t->pending, 3);
	assert_string_equal(t->version, "0.1.0");
	hc_wire_sup_msg_free(&m);
}

static void test_mistyped_refused_whole(void **state)
{
	(void)state;
	struct hc_wire_sup_msg m;
	char why[200];
	const char *bad[] = {
		"{\"type\":\"area\",\"id\":\"hall\",\"name\":\"H\",\"entered\":\"1\",\"exited\":0,"
		"\"occupancy\":1,\"capacity\":5,\"level\":\"low\",\"restricted\":false}",
		"{\"type\":\"area\",\"id\":\"hall\",\"name\":\"H\",\"entered\":1,\"exited\":0,"
		"\"occupancy\":1,\"capacity\":5,\"level\":\"packed\",\"restricted\":false}",
		/* a date that does not exist is refused, not moved to 2 March */
		"{\"type\":\"area\",\"id\":\"hall\",\"name\":\"H\",\"entered\":1,\"exited\":0,"
		"\"occupancy\":1,\"capacity\":5,\"level\":\"low\",\"restricted\":false,"
		"\"updated_at\":\"2026-02-30T10:00:00.123Z\"}",
		"{\"type\":\"result\",\"ok\":\"yes\"}",
		"{\"type\":\"challenge\",\"nonce\":\"abc\"}",
		"{\"type\":\"nope\"}",
		"[1,2]",
		"{\"type\":\"snapshot\",\"areas\":{},\"groups\":[],\"terminals\":[]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (hc_wire_sup_parse(bad[i], strlen(bad[i]), &m, why, sizeof why)) {
			print_error("accepted: %s\n", bad[i]);
			fail();
		}
	const char *ok = "{\"type\":\"result\",\"request\":4,\"ok\":false,\"error\":\"no area\"}";
	assert_true(hc_wire_sup_parse(ok, strlen(ok), &m, why, sizeof why));
	assert_true(m.result.has_request);
	assert_int_equal(m.result.request, 4);
	assert_false(m.result.ok);
	assert_string_equal(m.result.error, "no area");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_proof_verifies),
		cmocka_unit_test(test_commands_round_trip),
		cmocka_unit_test(test_snapshot_parses),
		cmocka_unit_test(test_mistyped_refused_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
