/*
 * test_wire_area_parse.c — the map role, client side, in shared/ alone
 * (shared/wire_area.c).
 *
 * Property: an area built by shared/wire_terminal.c (as the aggregator builds
 * it) parses back with the same figures, alone and inside a snapshot; a
 * group object parses with its figures, level, gate and override; a
 * message with a mistyped field, an unknown type or a snapshot without
 * its arrays is refused and leaves nothing allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "shared/wire_area.h"

static struct hc_area_state hall(void)
{
	struct hc_area_state a = { .entered = 10,
				   .exited = 3,
				   .occupancy = 7,
				   .capacity = 300,
				   .level = HC_LEVEL_MODERATE,
				   .restricted = true,
				   .updated_at_ms = 1795000000123LL };
	strcpy(a.id, "hall");
	strcpy(a.name, "Main hall");
	strcpy(a.restricted_by, "override");
	return a;
}

static const char *const park =
	"{\"id\":\"park\",\"name\":\"The park\",\"occupancy\":1207,\"capacity\":2000,"
	"\"level\":\"crowded\",\"restricted\":true,\"override\":\"closed\","
	"\"areas\":[\"hall\",\"lawn\"],\"updated_at\":\"2026-11-23T10:00:00.123Z\"}";

static void assert_hall(const struct hc_area_state *a)
{
	assert_string_equal(a->id, "hall");
	assert_string_equal(a->name, "Main hall");
	assert_int_equal(a->entered, 10);
	assert_int_equal(a->exited, 3);
	assert_int_equal(a->occupancy, 7);
	assert_int_equal(a->capacity, 300);
	assert_int_equal(a->level, HC_LEVEL_MODERATE);
	assert_true(a->restricted);
	assert_string_equal(a->restricted_by, "override");
}

static void assert_park(const struct hc_area_feed_group *g)
{
	assert_string_equal(g->id, "park");
	assert_string_equal(g->name, "The park");
	assert_int_equal(g->occupancy, 1207);
	assert_int_equal(g->capacity, 2000);
	assert_int_equal(g->level, HC_LEVEL_CROWDED);
	assert_true(g->restricted);
	assert_int_equal(g->override, HC_WIRE_OVERRIDE_CLOSED);
	assert_int_equal(g->area_count, 2);
}

static void test_area_round_trip(void **state)
{
	(void)state;
	struct hc_area_state a = hall();
	char buf[1024];
	size_t n = hc_proto_build_area(buf, sizeof buf, &a);
	assert_true(n > 0);
	struct hc_area_feed_msg m;
	char why[160];
	assert_true(hc_area_feed_parse(buf, n, &m, why, sizeof why));
	assert_int_equal(m.type, HC_AREA_FEED_AREA);
	assert_hall(&m.area);
	hc_area_feed_msg_free(&m);
}

static void test_snapshot_and_group(void **state)
{
	(void)state;
	struct hc_area_state a = hall();
	json_t *snap = json_pack("{s:s, s:[o], s:[o]}", "type", "snapshot", "areas",
				 hc_proto_area_json(&a), "groups", json_loads(park, 0, NULL));
	assert_non_null(snap);
	char *text = json_dumps(snap, JSON_COMPACT);
	json_decref(snap);
	assert_non_null(text);
	struct hc_area_feed_msg m;
	char why[160];
	assert_true(hc_area_feed_parse(text, strlen(text), &m, why, sizeof why));
	free(text);
	assert_int_equal(m.type, HC_AREA_FEED_SNAPSHOT);
	assert_int_equal(m.area_count, 1);
	assert_int_equal(m.group_count, 1);
	assert_hall(&m.areas[0]);
	assert_park(&m.groups[0]);
	hc_area_feed_msg_free(&m);

	char group[1024];
	snprintf(group, sizeof group, "{\"type\":\"group\",%s", park + 1);
	assert_true(hc_area_feed_parse(group, strlen(group), &m, why, sizeof why));
	assert_int_equal(m.type, HC_AREA_FEED_GROUP);
	assert_park(&m.group);
	hc_area_feed_msg_free(&m);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"type\":\"area\",\"id\":\"hall\",\"name\":\"Main hall\",\"entered\":10,"
		"\"exited\":3,\"occupancy\":\"7\",\"capacity\":300,\"level\":\"low\","
		"\"restricted\":false,\"updated_at\":\"2026-11-23T10:00:00.123Z\"}",
		"{\"type\":\"group\",\"id\":\"park\",\"name\":\"The park\",\"occupancy\":1,"
		"\"capacity\":2,\"level\":\"low\",\"restricted\":false,\"override\":\"maybe\","
		"\"areas\":[]}",
		"{\"type\":\"group\",\"id\":\"park\",\"name\":\"The park\",\"occupancy\":1,"
		"\"capacity\":2,\"level\":\"low\",\"restricted\":false}",
		"{\"type\":\"snapshot\",\"areas\":[]}",
		"{\"type\":\"snapshot\",\"areas\":[{\"id\":\"x\"}],\"groups\":[]}",
		"{\"type\":\"welcome\"}",
		"[1]",
		"not json",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct hc_area_feed_msg m;
		char why[160] = "";
		if (hc_area_feed_parse(bad[i], strlen(bad[i]), &m, why, sizeof why)) {
			print_error("accepted: %s\n", bad[i]);
			fail();
		}
		assert_true(why[0] != '\0');
		assert_null(m.areas);
		assert_null(m.groups);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_area_round_trip),
		cmocka_unit_test(test_snapshot_and_group),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
