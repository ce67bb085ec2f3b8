/*
 * test_protocol_rejections.c — every bad frame is refused with its own
 * close code and a usable reason (shared/wire_terminal.c, docs/protocol.md).
 *
 * Property: for each kind of fault (too big, not JSON, not an object,
 * no/unknown type, wrong direction, wrong JSON type, value out of range,
 * duplicate key) the parser returns false with exactly the documented
 * close code, and a reason that is non-empty, at most 120 bytes, one line
 * of printable ASCII, and names the field at fault where there is one;
 * and the caller's message is left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/protocol.h"

enum direction { FROM_TERMINAL, FROM_AGGREGATOR };

struct rejection {
	const char *what;
	enum direction dir;
	const char *frame;
	enum hc_close_code code;
	const char *reason_has; /* substring the reason must contain, or NULL */
};

#define HELLO_OK_TAIL "\"incarnation\":\"0123456789abcdef\"}"
#define AREA_TAIL_AT(at)                                                 \
	",\"entered\":10,\"exited\":3,\"occupancy\":7,\"capacity\":300," \
	"\"level\":\"low\",\"restricted\":false,\"updated_at\":\"" at "\"}"
#define AREA_TAIL                                                        \
	",\"entered\":10,\"exited\":3,\"occupancy\":7,\"capacity\":300," \
	"\"level\":\"low\",\"restricted\":false,\"updated_at\":\"2026-11-23T10:00:00.123Z\"}"

static const struct rejection cases[] = {
	/* not JSON, not an object: 4000 */
	{ "malformed JSON", FROM_TERMINAL, "{\"type\":\"batch\",", HC_CLOSE_BAD_JSON, "column" },
	{ "trailing garbage", FROM_TERMINAL, "{\"type\":\"batch\"} x", HC_CLOSE_BAD_JSON, "JSON" },
	{ "empty frame", FROM_TERMINAL, "", HC_CLOSE_BAD_JSON, "JSON" },
	{ "array instead of object", FROM_TERMINAL, "[{\"type\":\"hello\"}]", HC_CLOSE_BAD_JSON,
	  "object" },
	{ "bare number", FROM_TERMINAL, "42", HC_CLOSE_BAD_JSON, "JSON" },
	{ "duplicate keys", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"entered\":500,\"exited\":0}",
	  HC_CLOSE_BAD_JSON, "duplicate" },
	{ "duplicate type key", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"type\":\"hello\",\"seq\":1,\"entered\":1,\"exited\":0}",
	  HC_CLOSE_BAD_JSON, "duplicate" },
	{ "integer too big for JSON int", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":123456789012345678901234567890,\"entered\":1,\"exited\":0}",
	  HC_CLOSE_BAD_JSON, "column" },

	/* type: 4001 */
	{ "missing type", FROM_TERMINAL, "{\"seq\":1,\"entered\":1,\"exited\":0}",
	  HC_CLOSE_UNKNOWN_TYPE, "type" },
	{ "type not a string", FROM_TERMINAL, "{\"type\":7}", HC_CLOSE_UNKNOWN_TYPE, "type" },
	{ "unknown type", FROM_TERMINAL, "{\"type\":\"reset\"}", HC_CLOSE_UNKNOWN_TYPE, "reset" },
	{ "ack sent by a terminal", FROM_TERMINAL,
	  "{\"type\":\"ack\",\"seq\":1,\"duplicate\":false}", HC_CLOSE_UNKNOWN_TYPE, "ack" },
	{ "area sent by a terminal", FROM_TERMINAL, "{\"type\":\"area\",\"id\":\"hall\"}",
	  HC_CLOSE_UNKNOWN_TYPE, "area" },
	{ "batch sent by the aggregator", FROM_AGGREGATOR,
	  "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0}", HC_CLOSE_UNKNOWN_TYPE,
	  "batch" },
	{ "hello sent by the aggregator", FROM_AGGREGATOR,
	  "{\"type\":\"hello\",\"terminal\":\"t1\"," HELLO_OK_TAIL, HC_CLOSE_UNKNOWN_TYPE,
	  "hello" },
	{ "type with control bytes", FROM_TERMINAL, "{\"type\":\"a\\n\\u00e9b\"}",
	  HC_CLOSE_UNKNOWN_TYPE, "a??" },

	/* wrong JSON type: 4002 */
	{ "negative undo", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":2,\"entered\":0,\"exited\":0,\"undo_entered\":-1}",
	  HC_CLOSE_OUT_OF_RANGE, "batch.undo_entered" },
	{ "string undo", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":2,\"entered\":1,\"exited\":0,\"undo_exited\":\"1\"}",
	  HC_CLOSE_BAD_FIELD, "batch.undo_exited" },
	{ "string seq", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":\"12\",\"entered\":3,\"exited\":1}", HC_CLOSE_BAD_FIELD,
	  "batch.seq" },
	{ "real entered", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":12,\"entered\":3.0,\"exited\":1}", HC_CLOSE_BAD_FIELD,
	  "batch.entered must be an integer 0..10000" },
	{ "string entered", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":12,\"entered\":\"3\",\"exited\":1}", HC_CLOSE_BAD_FIELD,
	  "batch.entered" },
	{ "missing exited", FROM_TERMINAL, "{\"type\":\"batch\",\"seq\":12,\"entered\":3}",
	  HC_CLOSE_BAD_FIELD, "batch.exited" },
	{ "null seq", FROM_TERMINAL, "{\"type\":\"batch\",\"seq\":null,\"entered\":3,\"exited\":1}",
	  HC_CLOSE_BAD_FIELD, "batch.seq" },
	{ "bool terminal", FROM_TERMINAL, "{\"type\":\"hello\",\"terminal\":true," HELLO_OK_TAIL,
	  HC_CLOSE_BAD_FIELD, "hello.terminal" },
	{ "missing terminal", FROM_TERMINAL, "{\"type\":\"hello\"," HELLO_OK_TAIL,
	  HC_CLOSE_BAD_FIELD, "hello.terminal" },
	{ "numeric incarnation", FROM_TERMINAL,
	  "{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":81985529216486895}",
	  HC_CLOSE_BAD_FIELD, "hello.incarnation" },
	{ "ack duplicate not bool", FROM_AGGREGATOR, "{\"type\":\"ack\",\"seq\":1,\"duplicate\":0}",
	  HC_CLOSE_BAD_FIELD, "ack.duplicate" },
	{ "welcome without area", FROM_AGGREGATOR, "{\"type\":\"welcome\",\"terminal\":\"t1\"}",
	  HC_CLOSE_BAD_FIELD, "welcome.area" },
	{ "area occupancy as string", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\",\"entered\":10,\"exited\":3,"
	  "\"occupancy\":\"7\",\"capacity\":300,\"level\":\"low\",\"restricted\":false,"
	  "\"updated_at\":\"2026-11-23T10:00:00.123Z\"}",
	  HC_CLOSE_BAD_FIELD, "area.occupancy" },
	{ "area without updated_at", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\",\"entered\":10,\"exited\":3,"
	  "\"occupancy\":7,\"capacity\":300,\"level\":\"low\",\"restricted\":false}",
	  HC_CLOSE_BAD_FIELD, "area.updated_at" },

	/* right type, out of range: 4003 */
	{ "seq 0", FROM_TERMINAL, "{\"type\":\"batch\",\"seq\":0,\"entered\":3,\"exited\":1}",
	  HC_CLOSE_OUT_OF_RANGE, "batch.seq must be an integer 1..9007199254740991" },
	{ "seq 2^53", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":9007199254740992,\"entered\":3,\"exited\":1}",
	  HC_CLOSE_OUT_OF_RANGE, "batch.seq" },
	{ "seq negative", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":-5,\"entered\":3,\"exited\":1}", HC_CLOSE_OUT_OF_RANGE,
	  "batch.seq" },
	{ "entered -1", FROM_TERMINAL, "{\"type\":\"batch\",\"seq\":1,\"entered\":-1,\"exited\":1}",
	  HC_CLOSE_OUT_OF_RANGE, "batch.entered must be an integer 0..10000" },
	{ "entered 10001", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":1,\"entered\":10001,\"exited\":1}", HC_CLOSE_OUT_OF_RANGE,
	  "batch.entered" },
	{ "exited 10001", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":1,\"entered\":0,\"exited\":10001}", HC_CLOSE_OUT_OF_RANGE,
	  "batch.exited" },
	{ "entered and exited both 0", FROM_TERMINAL,
	  "{\"type\":\"batch\",\"seq\":1,\"entered\":0,\"exited\":0}", HC_CLOSE_OUT_OF_RANGE,
	  "at least 1" },
	{ "id with bad characters", FROM_TERMINAL,
	  "{\"type\":\"hello\",\"terminal\":\"t 1\"," HELLO_OK_TAIL, HC_CLOSE_OUT_OF_RANGE,
	  "hello.terminal" },
	{ "id with a dot", FROM_TERMINAL, "{\"type\":\"hello\",\"terminal\":\"t.1\"," HELLO_OK_TAIL,
	  HC_CLOSE_OUT_OF_RANGE, "hello.terminal" },
	{ "empty id", FROM_TERMINAL, "{\"type\":\"hello\",\"terminal\":\"\"," HELLO_OK_TAIL,
	  HC_CLOSE_OUT_OF_RANGE, "hello.terminal" },
	{ "33-char id", FROM_TERMINAL,
	  "{\"type\":\"hello\",\"terminal\":\"abcdefghijklmnopqrstuvwxyz0123456\"," HELLO_OK_TAIL,
	  HC_CLOSE_OUT_OF_RANGE, "1..32" },
	{ "incarnation of 15 chars", FROM_TERMINAL,
	  "{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":\"0123456789abcde\"}",
	  HC_CLOSE_OUT_OF_RANGE, "hello.incarnation" },
	{ "incarnation of 17 chars", FROM_TERMINAL,
	  "{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":\"0123456789abcdef0\"}",
	  HC_CLOSE_OUT_OF_RANGE, "hello.incarnation" },
	{ "incarnation upper-case", FROM_TERMINAL,
	  "{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":\"0123456789ABCDEF\"}",
	  HC_CLOSE_OUT_OF_RANGE, "lower-case hex" },
	{ "incarnation not hex", FROM_TERMINAL,
	  "{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":\"0123456789abcdeg\"}",
	  HC_CLOSE_OUT_OF_RANGE, "hello.incarnation" },
	{ "ack seq 0", FROM_AGGREGATOR, "{\"type\":\"ack\",\"seq\":0,\"duplicate\":false}",
	  HC_CLOSE_OUT_OF_RANGE, "ack.seq" },
	{ "area unknown level", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\",\"entered\":10,\"exited\":3,"
	  "\"occupancy\":7,\"capacity\":300,\"level\":\"packed\",\"restricted\":false,"
	  "\"updated_at\":\"2026-11-23T10:00:00.123Z\"}",
	  HC_CLOSE_OUT_OF_RANGE, "area.level" },
	{ "area negative exited", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\",\"entered\":10,\"exited\":-3,"
	  "\"occupancy\":7,\"capacity\":300,\"level\":\"low\",\"restricted\":false,"
	  "\"updated_at\":\"2026-11-23T10:00:00.123Z\"}",
	  HC_CLOSE_OUT_OF_RANGE, "area.exited" },
	{ "area updated_at without ms", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\",\"entered\":10,\"exited\":3,"
	  "\"occupancy\":7,\"capacity\":300,\"level\":\"low\",\"restricted\":false,"
	  "\"updated_at\":\"2026-11-23T10:00:00Z\"}",
	  HC_CLOSE_OUT_OF_RANGE, "area.updated_at" },
	{ "area updated_at 31 April", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\",\"entered\":10,\"exited\":3,"
	  "\"occupancy\":7,\"capacity\":300,\"level\":\"low\",\"restricted\":false,"
	  "\"updated_at\":\"2026-04-31T10:00:00.000Z\"}",
	  HC_CLOSE_OUT_OF_RANGE, "area.updated_at" },
	/* Found by fuzzing: sscanf's %d took these; the parser is the exact
	 * inverse of hc_format_utc(), so only its spelling is accepted. */
	{ "area updated_at day with a plus sign", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\"" AREA_TAIL_AT(
		  "2026-04-+1T10:00:00.000Z"),
	  HC_CLOSE_OUT_OF_RANGE, "area.updated_at" },
	{ "area updated_at hour with a leading space", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\"" AREA_TAIL_AT(
		  "2026-11-23T 1:00:00.123Z"),
	  HC_CLOSE_OUT_OF_RANGE, "area.updated_at" },
	{ "area updated_at ms with a plus sign", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\"" AREA_TAIL_AT(
		  "2026-11-23T10:00:00.+12Z"),
	  HC_CLOSE_OUT_OF_RANGE, "area.updated_at" },
	{ "area updated_at leap second", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Hall\"" AREA_TAIL_AT(
		  "2026-11-23T10:00:60.000Z"),
	  HC_CLOSE_OUT_OF_RANGE, "area.updated_at" },
	{ "area empty name", FROM_AGGREGATOR,
	  "{\"type\":\"area\",\"id\":\"hall\",\"name\":\"\"" AREA_TAIL, HC_CLOSE_OUT_OF_RANGE,
	  "area.name" },
};

/* The reason is what a close frame carries: 1..120 printable bytes. */
static void assert_reason_is_usable(const struct hc_proto_error *err)
{
	size_t n = strlen(err->reason);
	assert_true(n >= 1);
	assert_true(n <= 120);
	for (size_t i = 0; i < n; i++) {
		assert_true(err->reason[i] >= 0x20);
		assert_true(err->reason[i] <= 0x7e);
	}
}

static bool parse(enum direction dir, const char *buf, size_t len, struct hc_msg *m,
		  struct hc_proto_error *err)
{
	if (dir == FROM_TERMINAL)
		return hc_proto_parse_from_terminal(buf, len, m, err);
	return hc_proto_parse_from_aggregator(buf, len, m, err);
}

static void every_bad_frame_gets_its_close_code(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct rejection *c = &cases[i];
		struct hc_msg m, before;
		memset(&m, 0xa5, sizeof m);
		memcpy(&before, &m, sizeof m);
		struct hc_proto_error err = { .code = HC_CLOSE_NORMAL };
		bool ok = parse(c->dir, c->frame, strlen(c->frame), &m, &err);
		if (ok || err.code != c->code)
			fail_msg("case '%s': want refusal %d, got %s %d (%s)", c->what, c->code,
				 ok ? "accepted" : "code", err.code, err.reason);
		if (memcmp(&m, &before, sizeof m) != 0)
			fail_msg("case '%s': the refused frame changed the message", c->what);
		assert_reason_is_usable(&err);
		if (c->reason_has != NULL && strstr(err.reason, c->reason_has) == NULL)
			fail_msg("case '%s': reason '%s' lacks '%s'", c->what, err.reason,
				 c->reason_has);
	}
}

static void the_valid_neighbours_of_the_bad_frames_are_accepted(void **state)
{
	(void)state;
	const char *ok_terminal[] = {
		"{\"type\":\"batch\",\"seq\":9007199254740991,\"entered\":10000,\"exited\":0}",
		"{\"type\":\"batch\",\"seq\":1,\"entered\":0,\"exited\":1}",
		"{\"type\":\"hello\",\"terminal\":\"abcdefghijklmnopqrstuvwxyz012345\"," HELLO_OK_TAIL,
		" {\"type\":\"hello\",\"terminal\":\"A_b-9\"," HELLO_OK_TAIL "\n",
	};
	for (size_t i = 0; i < sizeof ok_terminal / sizeof ok_terminal[0]; i++) {
		struct hc_msg m;
		struct hc_proto_error err = { 0 };
		if (!hc_proto_parse_from_terminal(ok_terminal[i], strlen(ok_terminal[i]), &m, &err))
			fail_msg("refused '%s': %s", ok_terminal[i], err.reason);
	}
}

static char *frame_of_size(size_t size)
{
	/* {"type":"batch","seq":1,"entered":1,"exited":0,"pad":"xxx...x"} */
	const char head[] = "{\"type\":\"batch\",\"seq\":1,\"entered\":1,\"exited\":0,\"pad\":\"";
	const char tail[] = "\"}";
	char *buf = malloc(size + 1);
	assert_non_null(buf);
	size_t fixed = strlen(head) + strlen(tail);
	assert_true(size > fixed);
	memcpy(buf, head, strlen(head));
	memset(buf + strlen(head), 'x', size - fixed);
	memcpy(buf + size - strlen(tail), tail, strlen(tail));
	buf[size] = '\0';
	return buf;
}

static void frame_over_the_limit_is_too_big(void **state)
{
	(void)state;
	char *buf = frame_of_size(HC_TERMINAL_FRAME_BYTES_MAX + 1);
	struct hc_msg m;
	struct hc_proto_error err = { 0 };
	assert_false(hc_proto_parse_from_terminal(buf, HC_TERMINAL_FRAME_BYTES_MAX + 1, &m, &err));
	assert_int_equal(err.code, HC_CLOSE_TOO_BIG);
	assert_non_null(strstr(err.reason, "4096"));
	assert_reason_is_usable(&err);
	free(buf);
}

static void frame_at_the_limit_is_accepted(void **state)
{
	(void)state;
	char *buf = frame_of_size(HC_TERMINAL_FRAME_BYTES_MAX);
	struct hc_msg m;
	struct hc_proto_error err = { 0 };
	if (!hc_proto_parse_from_terminal(buf, HC_TERMINAL_FRAME_BYTES_MAX, &m, &err))
		fail_msg("refused: %s", err.reason);
	assert_int_equal(m.type, HC_MSG_BATCH);
	assert_int_equal(m.u.batch.entered, 1);
	free(buf);
}

static void frame_is_read_by_length_not_by_nul(void **state)
{
	(void)state;
	/* The bytes after len are not part of the frame. */
	const char buf[] = "{\"type\":\"batch\",\"seq\":3,\"entered\":1,\"exited\":0}GARBAGE";
	size_t len = strlen(buf) - strlen("GARBAGE");
	struct hc_msg m;
	struct hc_proto_error err = { 0 };
	assert_true(hc_proto_parse_from_terminal(buf, len, &m, &err));
	assert_int_equal(m.u.batch.seq, 3);
	/* An embedded NUL inside the frame is not JSON. */
	const char nul[] = "{\"type\":\"batch\",\"seq\":3,\"entered\":1,\"exited\":0}\0";
	assert_false(hc_proto_parse_from_terminal(nul, sizeof nul - 1, &m, &err));
	assert_int_equal(err.code, HC_CLOSE_BAD_JSON);
}

static void long_unknown_type_keeps_the_reason_within_120_bytes(void **state)
{
	(void)state;
	char frame[600];
	char type[500];
	memset(type, 'z', sizeof type - 1);
	type[sizeof type - 1] = '\0';
	snprintf(frame, sizeof frame, "{\"type\":\"%s\"}", type);
	struct hc_msg m;
	struct hc_proto_error err = { 0 };
	assert_false(hc_proto_parse_from_terminal(frame, strlen(frame), &m, &err));
	assert_int_equal(err.code, HC_CLOSE_UNKNOWN_TYPE);
	assert_reason_is_usable(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_bad_frame_gets_its_close_code),
		cmocka_unit_test(the_valid_neighbours_of_the_bad_frames_are_accepted),
		cmocka_unit_test(frame_over_the_limit_is_too_big),
		cmocka_unit_test(frame_at_the_limit_is_accepted),
		cmocka_unit_test(frame_is_read_by_length_not_by_nul),
		cmocka_unit_test(long_unknown_type_keeps_the_reason_within_120_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
