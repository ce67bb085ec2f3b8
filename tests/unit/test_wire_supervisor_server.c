/*
 * test_wire_supervisor_server.c — the server side of the supervisor and
 * map roles, built and parsed in shared/ alone.
 *
 * Properties:
 *   - round trips: an area (override, who, group, corrections, history,
 *     minute figures), a group, a terminal, a snapshot of them, a result,
 *     the map role's group and snapshot, and every command (hello,
 *     proof, override, set_thresholds, correct) come out of shared/'s
 *     parser with every field as built;
 *   - the bytes: for a fixed state each builder writes exactly the text
 *     the aggregator has always sent (field order included), so a change
 *     on the wire fails here before it reaches a dashboard or a map page;
 *   - a command that asks for something wrong is refused, not closed;
 *     a frame that is no message of the role is closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/wire_area.h"
#include "shared/wire_supervisor.h"
#include "shared/wire_supervisor_server.h"

/* 2026-11-23T10:00:00.123Z */
#define AT_MS 1795428000123LL

static char *text_of(json_t *o)
{
	assert_non_null(o);
	char *t = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_non_null(t);
	return t;
}

static void fixed_area(struct hc_wire_area *a)
{
	memset(a, 0, sizeof *a);
	snprintf(a->st.id, sizeof a->st.id, "hall");
	snprintf(a->st.name, sizeof a->st.name, "Main hall");
	a->st.entered = 9;
	a->st.exited = 2;
	a->st.occupancy = 7;
	a->st.capacity = 400;
	a->st.level = HC_LEVEL_MODERATE;
	a->st.restricted = true;
	a->st.updated_at_ms = AT_MS;
	snprintf(a->st.restricted_by, sizeof a->st.restricted_by, "override");
	a->override = HC_WIRE_OVERRIDE_CLOSED;
	snprintf(a->override_by, sizeof a->override_by, "supervisor:alice");
	snprintf(a->override_reason, sizeof a->override_reason, "rain");
	snprintf(a->group, sizeof a->group, "park");
	a->has_corrected = true;
	a->corrected_entered = 4;
	a->corrected_exited = 1;
	a->correction_count = 2;
	snprintf(a->corrections[0].who, sizeof a->corrections[0].who, "supervisor:alice");
	a->corrections[0].at_ms = AT_MS - 60000;
	a->corrections[0].delta = 4;
	snprintf(a->corrections[0].reason, sizeof a->corrections[0].reason, "missed");
	snprintf(a->corrections[1].who, sizeof a->corrections[1].who, "supervisor:bob");
	a->corrections[1].at_ms = AT_MS;
	a->corrections[1].delta = -1;
	snprintf(a->corrections[1].reason, sizeof a->corrections[1].reason, "double press");
	a->history_count = 3;
	a->history[0] = 1;
	a->history[1] = 5;
	a->history[2] = 7;
	a->has_minute = true;
	a->minute_entered = 3;
	a->minute_exited = 1;
}

static void fixed_group(struct hc_wire_group *g)
{
	memset(g, 0, sizeof *g);
	snprintf(g->id, sizeof g->id, "park");
	snprintf(g->name, sizeof g->name, "The park");
	g->occupancy = 7;
	g->capacity = 600;
	g->level = HC_LEVEL_LOW;
	g->restricted = true;
	g->override = HC_WIRE_OVERRIDE_OPEN;
	snprintf(g->override_by, sizeof g->override_by, "supervisor:alice");
	snprintf(g->override_reason, sizeof g->override_reason, "event");
	g->updated_at_ms = AT_MS;
}

static void fixed_terminal(struct hc_wire_terminal *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->id, sizeof t->id, "t1");
	snprintf(t->area, sizeof t->area, "hall");
	t->online = true;
	t->last_seen_ms = AT_MS;
	t->has_incarnation = true;
	t->incarnation = 0xa1;
	t->last_seq = 12;
	t->missing_seqs = 1;
	t->batches_in_flight = 2;
	t->has_today = true;
	t->entered_today = 9;
	t->exited_today = 2;
	t->has_reported = true;
	t->pending = 3;
	t->storage_faults = 1;
	snprintf(t->version, sizeof t->version, "1.4.0");
}

static const char *const park_areas[] = { "hall", "lawn" };

static void same_state(const struct hc_area_state *a, const struct hc_area_state *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->entered, b->entered);
	assert_int_equal(a->exited, b->exited);
	assert_int_equal(a->occupancy, b->occupancy);
	assert_int_equal(a->capacity, b->capacity);
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->restricted, b->restricted);
	assert_int_equal(a->updated_at_ms, b->updated_at_ms);
	assert_string_equal(a->restricted_by, b->restricted_by);
	assert_string_equal(a->restricted_by_name, b->restricted_by_name);
}

static void same_area(const struct hc_wire_area *a, const struct hc_wire_area *b)
{
	same_state(&a->st, &b->st);
	assert_int_equal(a->override, b->override);
	assert_string_equal(a->override_by, b->override_by);
	assert_string_equal(a->override_reason, b->override_reason);
	assert_string_equal(a->group, b->group);
	assert_int_equal(a->has_corrected, b->has_corrected);
	assert_int_equal(a->corrected_entered, b->corrected_entered);
	assert_int_equal(a->corrected_exited, b->corrected_exited);
	assert_int_equal(a->correction_count, b->correction_count);
	for (uint32_t k = 0; k < a->correction_count; k++) {
		assert_string_equal(a->corrections[k].who, b->corrections[k].who);
		assert_int_equal(a->corrections[k].at_ms, b->corrections[k].at_ms);
		assert_int_equal(a->corrections[k].delta, b->corrections[k].delta);
		assert_string_equal(a->corrections[k].reason, b->corrections[k].reason);
	}
	assert_int_equal(a->history_count, b->history_count);
	for (uint32_t k = 0; k < a->history_count; k++)
		assert_int_equal(a->history[k], b->history[k]);
	assert_int_equal(a->has_minute, b->has_minute);
	assert_int_equal(a->minute_entered, b->minute_entered);
	assert_int_equal(a->minute_exited, b->minute_exited);
}

static void same_group(const struct hc_wire_group *a, const struct hc_wire_group *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->occupancy, b->occupancy);
	assert_int_equal(a->capacity, b->capacity);
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->restricted, b->restricted);
	assert_int_equal(a->override, b->override);
	assert_string_equal(a->override_by, b->override_by);
	assert_string_equal(a->override_reason, b->override_reason);
	assert_int_equal(a->updated_at_ms, b->updated_at_ms);
}

static void same_terminal(const struct hc_wire_terminal *a, const struct hc_wire_terminal *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->area, b->area);
	assert_int_equal(a->online, b->online);
	assert_int_equal(a->last_seen_ms, b->last_seen_ms);
	assert_int_equal(a->has_incarnation, b->has_incarnation);
	assert_int_equal(a->incarnation, b->incarnation);
	assert_int_equal(a->last_seq, b->last_seq);
	assert_int_equal(a->missing_seqs, b->missing_seqs);
	assert_int_equal(a->batches_in_flight, b->batches_in_flight);
	assert_int_equal(a->has_today, b->has_today);
	assert_int_equal(a->entered_today, b->entered_today);
	assert_int_equal(a->exited_today, b->exited_today);
	assert_int_equal(a->has_reported, b->has_reported);
	assert_int_equal(a->pending, b->pending);
	assert_int_equal(a->storage_faults, b->storage_faults);
	assert_string_equal(a->version, b->version);
}

static void parse_sup(const char *text, struct hc_wire_sup_msg *m)
{
	char why[200] = "";
	if (!hc_wire_sup_parse(text, strlen(text), m, why, sizeof why)) {
		print_error("refused %s: %s\n", text, why);
		fail();
	}
}

static void test_area_group_terminal_round_trip(void **state)
{
	(void)state;
	struct hc_wire_area a;
	struct hc_wire_group g;
	struct hc_wire_terminal t;
	struct hc_wire_sup_msg m;
	fixed_area(&a);
	fixed_group(&g);
	fixed_terminal(&t);

	char *text = text_of(hc_wire_sup_area_json(&a, true));
	parse_sup(text, &m);
	assert_int_equal(m.type, HC_WIRE_SUP_AREA);
	same_area(&a, &m.area);
	free(text);

	/* Without corrections, minute figures, override or group. */
	a.has_corrected = false;
	a.correction_count = a.history_count = 0;
	a.has_minute = false;
	a.minute_entered = a.minute_exited = a.corrected_entered = a.corrected_exited = 0;
	a.override = HC_WIRE_OVERRIDE_AUTO;
	a.override_by[0] = a.override_reason[0] = a.group[0] = '\0';
	a.st.restricted = false;
	a.st.restricted_by[0] = '\0';
	text = text_of(hc_wire_sup_area_json(&a, true));
	parse_sup(text, &m);
	same_area(&a, &m.area);
	free(text);

	text = text_of(hc_wire_sup_group_json(&g, park_areas, 2, true));
	parse_sup(text, &m);
	assert_int_equal(m.type, HC_WIRE_SUP_GROUP);
	same_group(&g, &m.group);
	free(text);

	text = text_of(hc_wire_sup_terminal_json(&t, true));
	parse_sup(text, &m);
	assert_int_equal(m.type, HC_WIRE_SUP_TERMINAL);
	same_terminal(&t, &m.terminal);
	free(text);

	/* A terminal never seen: nulls, and nothing reported. */
	memset(&t, 0, sizeof t);
	snprintf(t.id, sizeof t.id, "t2");
	snprintf(t.area, sizeof t.area, "lawn");
	t.last_seq = -1;
	t.has_today = true;
	text = text_of(hc_wire_sup_terminal_json(&t, true));
	parse_sup(text, &m);
	same_terminal(&t, &m.terminal);
	free(text);
}

static void test_snapshot_round_trip(void **state)
{
	(void)state;
	struct hc_wire_area areas[2];
	struct hc_wire_group g;
	struct hc_wire_terminal terms[2];
	fixed_area(&areas[0]);
	fixed_area(&areas[1]);
	snprintf(areas[1].st.id, sizeof areas[1].st.id, "lawn");
	areas[1].has_minute = false;
	areas[1].minute_entered = areas[1].minute_exited = 0;
	fixed_group(&g);
	fixed_terminal(&terms[0]);
	fixed_terminal(&terms[1]);
	snprintf(terms[1].id, sizeof terms[1].id, "t2");
	terms[1].has_reported = false;
	terms[1].pending = terms[1].storage_faults = 0;
	terms[1].version[0] = '\0';
	const struct hc_wire_group_entry ge = { &g, park_areas, 2 };
	char *text = text_of(hc_wire_sup_snapshot_json("Park venue", areas, 2, &ge, 1, terms, 2));
	struct hc_wire_sup_msg m;
	parse_sup(text, &m);
	assert_int_equal(m.type, HC_WIRE_SUP_SNAPSHOT);
	assert_string_equal(m.venue, "Park venue");
	assert_int_equal(m.area_count, 2);
	assert_int_equal(m.group_count, 1);
	assert_int_equal(m.terminal_count, 2);
	for (int i = 0; i < 2; i++) {
		same_area(&areas[i], &m.areas[i]);
		same_terminal(&terms[i], &m.terminals[i]);
	}
	same_group(&g, &m.groups[0]);
	hc_wire_sup_msg_free(&m);
	free(text);
}

static void test_map_group_and_snapshot_round_trip(void **state)
{
	(void)state;
	struct hc_wire_area a;
	struct hc_wire_group g;
	fixed_area(&a);
	fixed_group(&g);
	char why[200] = "";
	struct hc_area_feed_msg m;

	char *text = text_of(hc_area_feed_group_json(&g, park_areas, 2, true));
	assert_true(hc_area_feed_parse(text, strlen(text), &m, why, sizeof why));
	assert_int_equal(m.type, HC_AREA_FEED_GROUP);
	assert_string_equal(m.group.id, g.id);
	assert_string_equal(m.group.name, g.name);
	assert_int_equal(m.group.occupancy, g.occupancy);
	assert_int_equal(m.group.capacity, g.capacity);
	assert_int_equal(m.group.level, g.level);
	assert_int_equal(m.group.restricted, g.restricted);
	assert_int_equal(m.group.override, g.override);
	assert_int_equal(m.group.area_count, 2);
	free(text);

	const struct hc_wire_group_entry ge = { &g, park_areas, 2 };
	text = text_of(hc_area_feed_snapshot_json(&a.st, 1, &ge, 1));
	assert_true(hc_area_feed_parse(text, strlen(text), &m, why, sizeof why));
	assert_int_equal(m.type, HC_AREA_FEED_SNAPSHOT);
	assert_int_equal(m.area_count, 1);
	assert_int_equal(m.group_count, 1);
	same_state(&a.st, &m.areas[0]);
	assert_string_equal(m.groups[0].id, "park");
	assert_int_equal(m.groups[0].area_count, 2);
	hc_area_feed_msg_free(&m);
	free(text);
}

static void test_result_round_trip(void **state)
{
	(void)state;
	char out[512];
	struct hc_wire_sup_msg m;
	size_t n = hc_wire_sup_build_result(out, sizeof out, "42", true, NULL);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "{\"type\":\"result\",\"ok\":true,\"request\":42}");
	parse_sup(out, &m);
	assert_int_equal(m.type, HC_WIRE_SUP_RESULT);
	assert_true(m.result.ok);
	assert_true(m.result.has_request);
	assert_int_equal(m.result.request, 42);
	assert_string_equal(m.result.error, "");

	n = hc_wire_sup_build_result(out, sizeof out, "\"two\"", false, "no area 'x'");
	out[n] = '\0';
	assert_string_equal(out, "{\"type\":\"result\",\"ok\":false,\"request\":\"two\","
				 "\"error\":\"no area 'x'\"}");
	parse_sup(out, &m);
	assert_false(m.result.ok);
	assert_false(m.result.has_request); /* this client sends integers */
	assert_string_equal(m.result.error, "no area 'x'");

	n = hc_wire_sup_build_result(out, sizeof out, "", false, NULL);
	out[n] = '\0';
	assert_string_equal(out, "{\"type\":\"result\",\"ok\":false,\"error\":\"refused\"}");
	assert_int_equal(hc_wire_sup_build_result(out, 10, "1", true, NULL), 0);
}

static enum hc_wire_cmd_verdict cmd_of(const char *text, size_t n, struct hc_wire_cmd *cmd,
				       char *why, size_t why_cap)
{
	struct hc_proto_error err;
	return hc_wire_cmd_parse(text, n, cmd, why, why_cap, &err);
}

static void test_commands_round_trip(void **state)
{
	(void)state;
	char out[1024], why[200];
	struct hc_wire_cmd cmd;

	size_t n = hc_wire_sup_build_hello(out, sizeof out, "alice");
	assert_int_equal(cmd_of(out, n, &cmd, why, sizeof why), HC_WIRE_CMD_ACCEPT);
	assert_int_equal(cmd.type, HC_WIRE_CMD_HELLO);
	assert_string_equal(cmd.supervisor, "alice");

	n = hc_wire_sup_build_override(out, sizeof out, 7, true, "park", HC_WIRE_OVERRIDE_CLOSED,
				       "rain");
	assert_int_equal(cmd_of(out, n, &cmd, why, sizeof why), HC_WIRE_CMD_ACCEPT);
	assert_int_equal(cmd.type, HC_WIRE_CMD_OVERRIDE);
	assert_true(cmd.group);
	assert_string_equal(cmd.id, "park");
	assert_int_equal(cmd.mode, HC_WIRE_OVERRIDE_CLOSED);
	assert_string_equal(cmd.reason, "rain");
	assert_string_equal(cmd.request, "7");

	n = hc_wire_sup_build_correct(out, sizeof out, 8, "hall", -3, "double press");
	assert_int_equal(cmd_of(out, n, &cmd, why, sizeof why), HC_WIRE_CMD_ACCEPT);
	assert_int_equal(cmd.type, HC_WIRE_CMD_CORRECT);
	assert_false(cmd.group);
	assert_string_equal(cmd.id, "hall");
	assert_true(cmd.has_delta);
	assert_int_equal(cmd.delta, -3);
	assert_string_equal(cmd.reason, "double press");
	assert_string_equal(cmd.request, "8");

	const struct hc_wire_thresholds t = { .capacity = 450,
					      .moderate_at = 0.5,
					      .crowded_at = -1,
					      .full_at = 0.95,
					      .restrict_at = -1,
					      .resume_at = -1,
					      .hold_s = 30 };
	n = hc_wire_sup_build_thresholds(out, sizeof out, 9, false, "hall", &t, "more room");
	assert_int_equal(cmd_of(out, n, &cmd, why, sizeof why), HC_WIRE_CMD_ACCEPT);
	assert_int_equal(cmd.type, HC_WIRE_CMD_SET_THRESHOLDS);
	assert_false(cmd.group);
	assert_string_equal(cmd.id, "hall");
	assert_true(cmd.set.has_capacity);
	assert_int_equal(cmd.set.capacity, 450);
	assert_true(cmd.set.has[HC_THRESHOLD_MODERATE]);
	assert_true(cmd.set.value[HC_THRESHOLD_MODERATE] == 0.5);
	assert_false(cmd.set.has[HC_THRESHOLD_CROWDED]);
	assert_true(cmd.set.has[HC_THRESHOLD_FULL]);
	assert_true(cmd.set.value[HC_THRESHOLD_FULL] == 0.95);
	assert_false(cmd.set.has[HC_THRESHOLD_RESTRICT]);
	assert_false(cmd.set.has[HC_THRESHOLD_RESUME]);
	assert_true(cmd.set.has[HC_THRESHOLD_HOLD]);
	assert_true(cmd.set.value[HC_THRESHOLD_HOLD] == 30);
	assert_string_equal(cmd.reason, "more room");

	static const char proof[] =
		"{\"type\":\"proof\",\"proof\":\"00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff\"}";
	assert_int_equal(cmd_of(proof, strlen(proof), &cmd, why, sizeof why), HC_WIRE_CMD_ACCEPT);
	assert_int_equal(cmd.type, HC_WIRE_CMD_PROOF);
	assert_string_equal(cmd.proof,
			    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
}

static void test_commands_refused_or_closed(void **state)
{
	(void)state;
	char why[200];
	struct hc_wire_cmd cmd;
	static const char no_reason[] =
		"{\"type\":\"override\",\"target\":\"area\",\"id\":\"hall\",\"mode\":\"closed\","
		"\"request\":\"r1\"}";
	assert_int_equal(cmd_of(no_reason, strlen(no_reason), &cmd, why, sizeof why),
			 HC_WIRE_CMD_REFUSE);
	assert_string_equal(cmd.request, "\"r1\"");
	assert_non_null(strstr(why, "override.reason is required"));
	static const char bad_mode[] = "{\"type\":\"override\",\"target\":\"area\",\"id\":\"hall\","
				       "\"mode\":\"shut\",\"reason\":\"x\"}";
	assert_int_equal(cmd_of(bad_mode, strlen(bad_mode), &cmd, why, sizeof why),
			 HC_WIRE_CMD_REFUSE);
	static const char both[] = "{\"type\":\"correct\",\"area\":\"hall\",\"delta\":1,"
				   "\"occupancy\":4,\"reason\":\"x\"}";
	assert_int_equal(cmd_of(both, strlen(both), &cmd, why, sizeof why), HC_WIRE_CMD_REFUSE);
	static const char unknown[] = "{\"type\":\"reboot\"}";
	assert_int_equal(cmd_of(unknown, strlen(unknown), &cmd, why, sizeof why),
			 HC_WIRE_CMD_CLOSE);
	assert_int_equal(cmd_of("[1]", 3, &cmd, why, sizeof why), HC_WIRE_CMD_CLOSE);
}

/* The exact text the aggregator has always sent for a fixed state. */
static void test_bytes_on_the_wire(void **state)
{
	(void)state;
	struct hc_wire_area a;
	struct hc_wire_group g;
	struct hc_wire_terminal t;
	fixed_area(&a);
	fixed_group(&g);
	fixed_terminal(&t);

	char *text = text_of(hc_wire_sup_area_json(&a, true));
	assert_string_equal(
		text,
		"{\"id\":\"hall\",\"name\":\"Main hall\",\"entered\":9,\"exited\":2,"
		"\"occupancy\":7,\"capacity\":400,\"level\":\"moderate\",\"restricted\":true,"
		"\"updated_at\":\"2026-11-23T10:00:00.123Z\",\"restricted_by\":\"override\","
		"\"override\":\"closed\",\"group\":\"park\",\"override_by\":\"supervisor:alice\","
		"\"override_reason\":\"rain\",\"corrected_entered\":4,\"corrected_exited\":1,"
		"\"corrections\":[{\"who\":\"supervisor:alice\",\"at\":\"2026-11-23T09:59:00.123Z\","
		"\"delta\":4,\"reason\":\"missed\"},{\"who\":\"supervisor:bob\","
		"\"at\":\"2026-11-23T10:00:00.123Z\",\"delta\":-1,\"reason\":\"double press\"}],"
		"\"history\":[1,5,7],\"minute_entered\":3,\"minute_exited\":1,\"type\":\"area\"}");
	free(text);

	text = text_of(hc_area_feed_group_json(&g, park_areas, 2, true));
	assert_string_equal(text, "{\"type\":\"group\",\"id\":\"park\",\"name\":\"The park\","
				  "\"occupancy\":7,\"capacity\":600,\"level\":\"low\","
				  "\"restricted\":true,\"override\":\"open\","
				  "\"areas\":[\"hall\",\"lawn\"],"
				  "\"updated_at\":\"2026-11-23T10:00:00.123Z\"}");
	free(text);

	text = text_of(hc_wire_sup_group_json(&g, park_areas, 2, false));
	assert_string_equal(text, "{\"id\":\"park\",\"name\":\"The park\",\"occupancy\":7,"
				  "\"capacity\":600,\"level\":\"low\",\"restricted\":true,"
				  "\"override\":\"open\",\"areas\":[\"hall\",\"lawn\"],"
				  "\"updated_at\":\"2026-11-23T10:00:00.123Z\","
				  "\"override_by\":\"supervisor:alice\","
				  "\"override_reason\":\"event\"}");
	free(text);

	text = text_of(hc_wire_sup_terminal_json(&t, true));
	assert_string_equal(text, "{\"id\":\"t1\",\"area\":\"hall\",\"online\":true,"
				  "\"last_seen\":\"2026-11-23T10:00:00.123Z\","
				  "\"incarnation\":\"00000000000000a1\",\"last_seq\":12,"
				  "\"missing_seqs\":1,\"batches_in_flight\":2,"
				  "\"entered_today\":9,\"exited_today\":2,\"version\":\"1.4.0\","
				  "\"pending\":3,\"storage_faults\":1,\"type\":\"terminal\"}");
	free(text);

	memset(&t, 0, sizeof t);
	snprintf(t.id, sizeof t.id, "t2");
	snprintf(t.area, sizeof t.area, "lawn");
	t.last_seq = -1;
	t.has_today = true;
	memset(&a, 0, sizeof a);
	snprintf(a.st.id, sizeof a.st.id, "lawn");
	snprintf(a.st.name, sizeof a.st.name, "lawn");
	a.st.capacity = 200;
	a.st.updated_at_ms = AT_MS;
	a.has_corrected = true;
	g.override = HC_WIRE_OVERRIDE_AUTO;
	g.override_by[0] = g.override_reason[0] = '\0';
	g.updated_at_ms = 0;
	const struct hc_wire_group_entry ge = { &g, park_areas + 1, 1 };
	text = text_of(hc_wire_sup_snapshot_json("Park venue", &a, 1, &ge, 1, &t, 1));
	assert_string_equal(
		text,
		"{\"type\":\"snapshot\",\"venue\":\"Park venue\",\"areas\":[{\"id\":\"lawn\","
		"\"name\":\"lawn\",\"entered\":0,\"exited\":0,\"occupancy\":0,\"capacity\":200,"
		"\"level\":\"low\",\"restricted\":false,\"updated_at\":\"2026-11-23T10:00:00.123Z\","
		"\"override\":\"auto\",\"group\":null,\"corrected_entered\":0,"
		"\"corrected_exited\":0,\"corrections\":[],\"history\":[]}],"
		"\"groups\":[{\"id\":\"park\",\"name\":\"The park\",\"occupancy\":7,"
		"\"capacity\":600,\"level\":\"low\",\"restricted\":true,\"override\":\"auto\","
		"\"areas\":[\"lawn\"],\"updated_at\":null}],"
		"\"terminals\":[{\"id\":\"t2\",\"area\":\"lawn\",\"online\":false,"
		"\"last_seen\":null,\"incarnation\":null,\"last_seq\":null,\"missing_seqs\":0,"
		"\"batches_in_flight\":0,\"entered_today\":0,\"exited_today\":0}]}");
	free(text);

	text = text_of(hc_area_feed_snapshot_json(&a.st, 1, &ge, 1));
	assert_string_equal(text,
			    "{\"type\":\"snapshot\",\"areas\":[{\"id\":\"lawn\",\"name\":\"lawn\","
			    "\"entered\":0,\"exited\":0,\"occupancy\":0,\"capacity\":200,"
			    "\"level\":\"low\",\"restricted\":false,"
			    "\"updated_at\":\"2026-11-23T10:00:00.123Z\"}],"
			    "\"groups\":[{\"id\":\"park\",\"name\":\"The park\",\"occupancy\":7,"
			    "\"capacity\":600,\"level\":\"low\",\"restricted\":true,"
			    "\"override\":\"auto\",\"areas\":[\"lawn\"],\"updated_at\":null}]}");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_area_group_terminal_round_trip),
		cmocka_unit_test(test_snapshot_round_trip),
		cmocka_unit_test(test_map_group_and_snapshot_round_trip),
		cmocka_unit_test(test_result_round_trip),
		cmocka_unit_test(test_commands_round_trip),
		cmocka_unit_test(test_commands_refused_or_closed),
		cmocka_unit_test(test_bytes_on_the_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
