/*
 * test_dashboard_keys_and_sorting.c — what the supervisor's keys do, and
 * the order of the rows.
 *
 * Property: no command is sent without a reason and an explicit y
 * (force STOP / open / automatic, correct, thresholds); Esc or n sends
 * nothing; a correction is a signed non-zero delta ("+5", "-3"; "0",
 * "abc" and "=120" are refused at the prompt); a group cannot be
 * corrected; results show ACCEPTED or REFUSED with the aggregator's
 * reason; sorting by name, fill and level and filtering give the
 * expected rows; moving never leaves the rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/dashboard/ui.h"
#include "aggregator/dashboard/view.h"

static struct hc_model model;

static void add_area(struct hc_wire_area *a, const char *id, const char *name, int64_t occ,
		     int64_t cap, enum hc_level l)
{
	memset(a, 0, sizeof *a);
	snprintf(a->st.id, sizeof a->st.id, "%s", id);
	snprintf(a->st.name, sizeof a->st.name, "%s", name);
	a->st.occupancy = occ;
	a->st.capacity = cap;
	a->st.level = l;
}

static int setup(void **state)
{
	(void)state;
	static struct hc_wire_area areas[3];
	static struct hc_wire_group groups[1];
	add_area(&areas[0], "room", "Exhibition room", 30, 40, HC_LEVEL_CROWDED);
	add_area(&areas[1], "hall", "Main hall", 100, 300, HC_LEVEL_LOW);
	add_area(&areas[2], "lawn", "Lawn", 1500, 2000, HC_LEVEL_MODERATE);
	memset(groups, 0, sizeof groups);
	snprintf(groups[0].id, sizeof groups[0].id, "park");
	snprintf(groups[0].name, sizeof groups[0].name, "The park");
	groups[0].occupancy = 1600;
	groups[0].capacity = 2000;
	groups[0].level = HC_LEVEL_FULL;
	struct hc_wire_sup_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = HC_WIRE_SUP_SNAPSHOT;
	msg.areas = areas;
	msg.area_count = 3;
	msg.groups = groups;
	msg.group_count = 1;
	hc_model_init(&model);
	return hc_model_apply(&model, &msg, 0, 0) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	hc_model_free(&model);
	return 0;
}

/* Feeds a string of printable keys, then optionally Enter. */
static bool type(struct hc_ui *ui, const char *keys, bool enter, struct hc_action *out)
{
	bool done = false;
	for (const char *k = keys; *k; k++)
		done |= hc_ui_key(ui, &model, (unsigned char)*k, 5, out);
	if (enter)
		done |= hc_ui_key(ui, &model, HC_KEY_ENTER, 5, out);
	return done;
}

static void test_force_stop_needs_reason_and_yes(void **state)
{
	(void)state;
	struct hc_ui ui;
	struct hc_action act;
	hc_ui_init(&ui);
	/* name order: Exhibition room, Lawn, Main hall, [The park] */
	assert_false(type(&ui, "j", false, &act));
	assert_false(type(&ui, "s", false, &act));
	assert_int_equal(ui.prompt, HC_PROMPT_REASON);
	assert_false(type(&ui, "", true, &act)); /* empty reason refused */
	assert_int_equal(ui.prompt, HC_PROMPT_REASON);
	assert_true(ui.status_bad);
	assert_false(type(&ui, "blocked exit", true, &act));
	assert_int_equal(ui.prompt, HC_PROMPT_CONFIRM);
	assert_false(type(&ui, "x", false, &act)); /* only y or n */
	assert_false(type(&ui, "n", false, &act));
	assert_int_equal(ui.prompt, HC_PROMPT_NONE);
	assert_false(type(&ui, "sblocked exit", true, &act));
	assert_true(type(&ui, "y", false, &act));
	assert_int_equal(act.kind, HC_ACT_OVERRIDE);
	assert_int_equal(act.mode, HC_WIRE_OVERRIDE_CLOSED);
	assert_false(act.group);
	assert_string_equal(act.id, "lawn");
	assert_string_equal(act.reason, "blocked exit");
	/* Esc at any step sends nothing */
	assert_false(type(&ui, "oabc", false, &act));
	assert_false(hc_ui_key(&ui, &model, HC_KEY_ESC, 5, &act));
	assert_int_equal(ui.prompt, HC_PROMPT_NONE);
}

static void test_correct_by_signed_delta(void **state)
{
	(void)state;
	struct hc_ui ui;
	struct hc_action act;
	hc_ui_init(&ui);
	assert_false(type(&ui, "c", false, &act));
	assert_int_equal(ui.prompt, HC_PROMPT_VALUE);
	const char *bad[] = { "0", "abc", "=120", "+", "5x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(type(&ui, bad[i], true, &act));
		assert_int_equal(ui.prompt, HC_PROMPT_VALUE);
		while (ui.input_len > 0)
			hc_ui_key(&ui, &model, HC_KEY_BACKSPACE, 5, &act);
	}
	assert_false(type(&ui, "-3", true, &act));
	assert_false(type(&ui, "double count", true, &act));
	assert_true(type(&ui, "y", false, &act));
	assert_int_equal(act.kind, HC_ACT_CORRECT);
	assert_int_equal(act.delta, -3);
	assert_string_equal(act.id, "room");
	/* a group cannot be corrected */
	assert_false(type(&ui, "G", false, &act));
	assert_false(type(&ui, "c", false, &act));
	assert_int_equal(ui.prompt, HC_PROMPT_NONE);
	assert_true(ui.status_bad);
}

static void test_thresholds_prompt(void **state)
{
	(void)state;
	struct hc_ui ui;
	struct hc_action act;
	hc_ui_init(&ui);
	assert_false(type(&ui, "t", false, &act));
	assert_false(type(&ui, "capacity=abc", true, &act));
	assert_int_equal(ui.prompt, HC_PROMPT_VALUE);
	while (ui.input_len > 0)
		hc_ui_key(&ui, &model, HC_KEY_BACKSPACE, 5, &act);
	assert_false(type(&ui, "capacity=45 crowded_at=0.7 hold_s=30", true, &act));
	assert_false(type(&ui, "fire marshal", true, &act));
	assert_true(type(&ui, "y", false, &act));
	assert_int_equal(act.kind, HC_ACT_THRESHOLDS);
	assert_int_equal(act.thresholds.capacity, 45);
	assert_true(act.thresholds.crowded_at > 0.69 && act.thresholds.crowded_at < 0.71);
	assert_true(act.thresholds.moderate_at < 0);
	assert_int_equal(act.thresholds.hold_s, 30);
}

static void test_results_shown(void **state)
{
	(void)state;
	struct hc_ui ui;
	hc_ui_init(&ui);
	struct hc_action a = { .kind = HC_ACT_CORRECT, .delta = 5 };
	snprintf(a.name, sizeof a.name, "Main hall");
	int64_t req;
	hc_ui_sent(&ui, &a, &req);
	assert_int_equal(req, 1);
	struct hc_wire_result r = { .has_request = true, .request = 1, .ok = false };
	snprintf(r.error, sizeof r.error, "a correction of area hall is still being saved");
	hc_ui_result(&ui, &r);
	assert_non_null(strstr(ui.status, "REFUSED: a correction of area hall"));
	assert_non_null(strstr(ui.status, "correct Main hall by +5"));
	r.ok = true;
	hc_ui_result(&ui, &r);
	assert_non_null(strstr(ui.status, "ACCEPTED"));
	for (int i = 0; i < 40; i++) /* more than the memory holds */
		hc_ui_sent(&ui, &a, &req);
	assert_int_equal(ui.sent_len, HC_UI_SENT_MAX);
	assert_int_equal(ui.sent[HC_UI_SENT_MAX - 1].request, req);
}

static void test_sort_and_filter(void **state)
{
	(void)state;
	struct hc_view_row rows[8];
	size_t n = hc_view_areas(&model, HC_SORT_NAME, "", rows);
	assert_int_equal(n, 4);
	assert_string_equal(model.areas[rows[0].index].w.st.id, "room");
	assert_true(rows[3].group);
	n = hc_view_areas(&model, HC_SORT_FILL, "", rows);
	/* room 75 %, park 80 %, lawn 75 %, hall 33 % */
	assert_true(rows[0].group);
	assert_string_equal(model.areas[rows[1].index].w.st.id, "room");
	assert_string_equal(model.areas[rows[2].index].w.st.id, "lawn");
	assert_string_equal(model.areas[rows[3].index].w.st.id, "hall");
	n = hc_view_areas(&model, HC_SORT_LEVEL, "", rows);
	assert_true(rows[0].group);					 /* full */
	assert_string_equal(model.areas[rows[1].index].w.st.id, "room"); /* crowded */
	assert_string_equal(model.areas[rows[2].index].w.st.id, "lawn"); /* moderate */
	n = hc_view_areas(&model, HC_SORT_NAME, "HALL", rows);
	assert_int_equal(n, 1);
	n = hc_view_areas(&model, HC_SORT_NAME, "park", rows);
	assert_int_equal(n, 1);
	assert_true(rows[0].group);
	struct hc_ui ui;
	struct hc_action act;
	hc_ui_init(&ui);
	assert_false(type(&ui, "/", false, &act));
	assert_false(type(&ui, "lawn", true, &act));
	assert_string_equal(ui.filter, "lawn");
	assert_false(type(&ui, "jjjj", false, &act));
	assert_int_equal(ui.sel[HC_PANE_AREAS], 0); /* one row: nowhere to go */
	assert_false(type(&ui, "S", false, &act));
	assert_int_equal(ui.sort, HC_SORT_FILL);
	assert_false(type(&ui, "?", false, &act));
	assert_true(ui.help);
	assert_false(type(&ui, "x", false, &act));
	assert_false(ui.help);
	assert_true(type(&ui, "q", false, &act));
	assert_int_equal(act.kind, HC_ACT_QUIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_force_stop_needs_reason_and_yes),
		cmocka_unit_test(test_correct_by_signed_delta),
		cmocka_unit_test(test_thresholds_prompt),
		cmocka_unit_test(test_results_shown),
		cmocka_unit_test(test_sort_and_filter),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
