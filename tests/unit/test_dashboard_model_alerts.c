/*
 * test_dashboard_model_alerts.c — the dashboard's venue model and the
 * alerts it derives.
 *
 * Property: an area reaching crowded or full, a gate closing or opening,
 * a sequence gap and a storage fault each raise one alert on the change
 * (not one per update), newest first; a door offline raises its alert
 * after 30 s, not before, and once (a door never seen, none); a dropped link makes the figures
 * stale and keeps them, and a snapshot after reconnecting clears stale,
 * keeps each area's samples and alerts on what changed meanwhile; a
 * muted bell does not ring; messages for unknown ids change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/dashboard/model.h"

static struct hc_wire_area area(const char *id, int64_t occ, int64_t cap, enum hc_level l,
				bool restricted)
{
	struct hc_wire_area a;
	memset(&a, 0, sizeof a);
	snprintf(a.st.id, sizeof a.st.id, "%s", id);
	snprintf(a.st.name, sizeof a.st.name, "Area %s", id);
	a.st.entered = occ;
	a.st.occupancy = occ;
	a.st.capacity = cap;
	a.st.level = l;
	a.st.restricted = restricted;
	return a;
}

static struct hc_wire_terminal door(const char *id, bool online, int64_t gaps, int64_t faults)
{
	struct hc_wire_terminal t;
	memset(&t, 0, sizeof t);
	snprintf(t.id, sizeof t.id, "%s", id);
	snprintf(t.area, sizeof t.area, "hall");
	t.online = online;
	t.last_seen_ms = 1700000000000LL;
	t.missing_seqs = gaps;
	t.storage_faults = faults;
	t.has_reported = true;
	return t;
}

static void snapshot(struct hc_model *m, struct hc_wire_area *areas, uint32_t na,
		     struct hc_wire_terminal *terms, uint32_t nt, int64_t now)
{
	struct hc_wire_sup_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = HC_WIRE_SUP_SNAPSHOT;
	snprintf(msg.venue, sizeof msg.venue, "Fest");
	msg.areas = areas;
	msg.area_count = na;
	msg.terminals = terms;
	msg.terminal_count = nt;
	assert_true(hc_model_apply(m, &msg, now, now));
}

static void push_area(struct hc_model *m, struct hc_wire_area a, int64_t now)
{
	struct hc_wire_sup_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = HC_WIRE_SUP_AREA;
	msg.area = a;
	assert_true(hc_model_apply(m, &msg, now, now));
}

static void push_door(struct hc_model *m, struct hc_wire_terminal t, int64_t now)
{
	struct hc_wire_sup_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = HC_WIRE_SUP_TERMINAL;
	msg.terminal = t;
	assert_true(hc_model_apply(m, &msg, now, now));
}

static void test_level_and_gate_alerts_on_change_only(void **state)
{
	(void)state;
	struct hc_model m;
	hc_model_init(&m);
	struct hc_wire_area a[1] = { area("hall", 10, 100, HC_LEVEL_LOW, false) };
	snapshot(&m, a, 1, NULL, 0, 1000);
	assert_int_equal(m.alerts.len, 0);
	push_area(&m, area("hall", 60, 100, HC_LEVEL_MODERATE, false), 2000);
	assert_int_equal(m.alerts.len, 0); /* moderate is no alert */
	push_area(&m, area("hall", 85, 100, HC_LEVEL_CROWDED, false), 3000);
	assert_int_equal(m.alerts.len, 1);
	assert_int_equal(hc_alerts_get(&m.alerts, 0)->kind, HC_ALERT_CROWDED);
	push_area(&m, area("hall", 86, 100, HC_LEVEL_CROWDED, false), 4000);
	assert_int_equal(m.alerts.len, 1); /* still crowded: no new alert */
	push_area(&m, area("hall", 100, 100, HC_LEVEL_FULL, true), 5000);
	assert_int_equal(m.alerts.len, 3);
	assert_int_equal(hc_alerts_get(&m.alerts, 0)->kind, HC_ALERT_GATE_CLOSED); /* newest */
	assert_int_equal(hc_alerts_get(&m.alerts, 1)->kind, HC_ALERT_FULL);
	assert_int_equal(hc_alerts_get(&m.alerts, 2)->kind, HC_ALERT_CROWDED);
	push_area(&m, area("hall", 80, 100, HC_LEVEL_CROWDED, false), 6000);
	assert_int_equal(hc_alerts_get(&m.alerts, 0)->kind, HC_ALERT_GATE_OPENED);
	assert_true(m.alerts.bell_pending);
	hc_model_free(&m);
}

static void test_door_offline_after_30_s_once(void **state)
{
	(void)state;
	struct hc_model m;
	hc_model_init(&m);
	struct hc_wire_area a[1] = { area("hall", 0, 100, HC_LEVEL_LOW, false) };
	struct hc_wire_terminal t[1] = { door("d1", true, 0, 0) };
	snapshot(&m, a, 1, t, 1, 1000);
	push_door(&m, door("d1", false, 0, 0), 10000);
	hc_model_tick(&m, 10000 + HC_ALERT_OFFLINE_MS - 1, 0);
	assert_int_equal(m.alerts.len, 0);
	hc_model_tick(&m, 10000 + HC_ALERT_OFFLINE_MS, 0);
	assert_int_equal(m.alerts.len, 1);
	assert_int_equal(hc_alerts_get(&m.alerts, 0)->kind, HC_ALERT_DOOR_OFFLINE);
	hc_model_tick(&m, 10000 + 3 * HC_ALERT_OFFLINE_MS, 0);
	assert_int_equal(m.alerts.len, 1);
	/* back online and off again: a new alert after another 30 s */
	push_door(&m, door("d1", true, 0, 0), 100000);
	push_door(&m, door("d1", false, 0, 0), 101000);
	hc_model_tick(&m, 101000 + HC_ALERT_OFFLINE_MS, 0);
	assert_int_equal(m.alerts.len, 2);
	/* a door that never connected raises nothing */
	struct hc_wire_terminal never = door("d2", false, 0, 0);
	never.last_seen_ms = 0;
	struct hc_wire_terminal t2[2] = { door("d1", true, 0, 0), never };
	snapshot(&m, a, 1, t2, 2, 200000);
	hc_model_tick(&m, 200000 + 10 * HC_ALERT_OFFLINE_MS, 0);
	assert_int_equal(m.alerts.len, 2);
	hc_model_free(&m);
}

static void test_gap_and_storage_fault(void **state)
{
	(void)state;
	struct hc_model m;
	hc_model_init(&m);
	m.alerts.muted = true;
	struct hc_wire_terminal t[1] = { door("d1", true, 0, 0) };
	snapshot(&m, NULL, 0, t, 1, 1000);
	push_door(&m, door("d1", true, 2, 0), 2000);
	push_door(&m, door("d1", true, 2, 1), 3000);
	push_door(&m, door("d1", true, 2, 1), 4000);
	assert_int_equal(m.alerts.len, 2);
	assert_int_equal(hc_alerts_get(&m.alerts, 0)->kind, HC_ALERT_STORAGE_FAULT);
	assert_int_equal(hc_alerts_get(&m.alerts, 1)->kind, HC_ALERT_SEQ_GAP);
	assert_false(m.alerts.bell_pending); /* muted */
	hc_model_free(&m);
}

static void test_stale_and_reconnect(void **state)
{
	(void)state;
	struct hc_model m;
	hc_model_init(&m);
	struct hc_wire_area a[1] = { area("hall", 10, 100, HC_LEVEL_LOW, false) };
	snapshot(&m, a, 1, NULL, 0, 1000);
	push_area(&m, area("hall", 20, 100, HC_LEVEL_LOW, false), 11000);
	assert_false(hc_model_stale(&m));
	hc_model_disconnected(&m, 1700000000000LL);
	assert_true(hc_model_stale(&m));
	assert_int_equal(m.disconnected_since_wall_ms, 1700000000000LL);
	hc_model_disconnected(&m, 1700000005000LL); /* still since the first */
	assert_int_equal(m.disconnected_since_wall_ms, 1700000000000LL);
	assert_int_equal(m.areas[0].w.st.occupancy, 20); /* last figures kept */
	struct hc_wire_area b[1] = { area("hall", 100, 100, HC_LEVEL_FULL, true) };
	snapshot(&m, b, 1, NULL, 0, 40000);
	assert_false(hc_model_stale(&m));
	assert_int_equal(m.disconnected_since_wall_ms, 0);
	assert_int_equal(m.areas[0].sample_len, 3); /* samples kept by id */
	assert_int_equal(hc_alerts_get(&m.alerts, 0)->kind, HC_ALERT_GATE_CLOSED);
	/* an area the model does not know is ignored */
	push_area(&m, area("nope", 5, 10, HC_LEVEL_LOW, false), 41000);
	assert_int_equal(m.area_count, 1);
	hc_model_free(&m);
}

static void test_per_minute_and_raw(void **state)
{
	(void)state;
	struct hc_model m;
	hc_model_init(&m);
	struct hc_wire_area a[1] = { area("hall", 0, 100, HC_LEVEL_LOW, false) };
	snapshot(&m, a, 1, NULL, 0, 0);
	struct hc_wire_area x = area("hall", 30, 100, HC_LEVEL_LOW, false);
	x.st.entered = 40;
	x.st.exited = 10;
	push_area(&m, x, 30000);
	int64_t e, o;
	assert_true(hc_model_per_minute(&m, 0, 30000, &e, &o));
	assert_int_equal(e, 80); /* 40 in 30 s */
	assert_int_equal(o, 20);
	x.has_minute = true;
	x.minute_entered = 7;
	x.minute_exited = 3;
	x.has_corrected = true;
	x.corrected_entered = 5;
	push_area(&m, x, 31000);
	assert_true(hc_model_per_minute(&m, 0, 31000, &e, &o));
	assert_int_equal(e, 7); /* the aggregator's figure wins */
	assert_true(hc_model_raw(&m, 0, &e, &o));
	assert_int_equal(e, 35);
	assert_int_equal(o, 10);
	hc_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_and_gate_alerts_on_change_only),
		cmocka_unit_test(test_door_offline_after_30_s_once),
		cmocka_unit_test(test_gap_and_storage_fault),
		cmocka_unit_test(test_stale_and_reconnect),
		cmocka_unit_test(test_per_minute_and_raw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
