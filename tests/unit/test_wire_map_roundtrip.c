/*
 * test_wire_map_roundtrip.c — the map role's update message
 * (shared/wire_map.c): what the builder joins, the parser hands back,
 * element by element and in order, as the v1 messages they are; an
 * empty update is valid; snapshots and single messages parse too; what
 * is not a map-role frame is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shared/wire_map.h"

struct seen {
	int n;
	char types[8][8];
	char ids[8][16];
};

static void collect(void *arg, const char *type, json_t *msg)
{
	struct seen *s = arg;
	if (s->n >= 8)
		return;
	snprintf(s->types[s->n], sizeof s->types[s->n], "%s", type);
	const char *id = json_string_value(json_object_get(msg, "id"));
	snprintf(s->ids[s->n], sizeof s->ids[s->n], "%s", id ? id : "");
	s->n++;
}

static void update_round_trip(void **state)
{
	(void)state;
	const char *msgs[] = {
		"{\"type\":\"area\",\"id\":\"hall\",\"occupancy\":3}",
		"{\"type\":\"group\",\"id\":\"park\",\"occupancy\":3}",
		"{\"type\":\"area\",\"id\":\"lawn\",\"occupancy\":0}",
	};
	struct hc_wire_map_update u = { 0 };
	const size_t headroom = 16;
	assert_true(hc_wire_map_update_begin(&u, headroom));
	for (size_t i = 0; i < 3; i++)
		assert_true(hc_wire_map_update_add(&u, (const unsigned char *)msgs[i],
						   strlen(msgs[i])));
	assert_true(hc_wire_map_update_end(&u));
	assert_int_equal(u.count, 3);
	const char *text = (const char *)u.buf + headroom;
	const char want[] = "{\"type\":\"update\",\"messages\":[{\"type\":\"area\",\"id\":\"hall\","
			    "\"occupancy\":3},{\"type\":\"group\",\"id\":\"park\",\"occupancy\":3},"
			    "{\"type\":\"area\",\"id\":\"lawn\",\"occupancy\":0}]}";
	assert_int_equal(u.len, strlen(want));
	assert_memory_equal(text, want, u.len);
	struct seen s = { 0 };
	assert_int_equal(hc_wire_map_parse(text, u.len, collect, &s), 3);
	assert_string_equal(s.types[0], "area");
	assert_string_equal(s.ids[0], "hall");
	assert_string_equal(s.types[1], "group");
	assert_string_equal(s.ids[1], "park");
	assert_string_equal(s.ids[2], "lawn");

	/* Reused: an empty update is valid JSON with no messages. */
	assert_true(hc_wire_map_update_begin(&u, headroom));
	assert_true(hc_wire_map_update_end(&u));
	struct seen none = { 0 };
	assert_int_equal(hc_wire_map_parse((const char *)u.buf + headroom, u.len, collect, &none),
			 0);
	hc_wire_map_update_free(&u);
}

static void other_frames_and_refusals(void **state)
{
	(void)state;
	const struct {
		const char *text;
		int want;
	} rows[] = {
		{ "{\"type\":\"area\",\"id\":\"hall\"}", 1 },
		{ "{\"type\":\"group\",\"id\":\"park\"}", 1 },
		{ "{\"type\":\"snapshot\",\"areas\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"groups\":[{\"id\":\"g\"}]}",
		  3 },
		{ "{\"type\":\"update\",\"messages\":[]}", 0 },
		{ "{\"type\":\"update\",\"messages\":[{\"type\":\"terminal\"}]}", -1 },
		{ "{\"type\":\"update\",\"messages\":{}}", -1 },
		{ "{\"type\":\"update\"}", -1 },
		{ "{\"type\":\"ack\"}", -1 },
		{ "[1,2]", -1 },
		{ "not json", -1 },
		{ "", -1 },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		struct seen s = { 0 };
		int got = hc_wire_map_parse(rows[r].text, strlen(rows[r].text), collect, &s);
		if (got != rows[r].want)
			fail_msg("%s: %d, want %d", rows[r].text, got, rows[r].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(update_round_trip),
		cmocka_unit_test(other_frames_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
