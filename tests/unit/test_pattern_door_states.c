/*
 * test_pattern_door_states.c — every terminal state gives its LED and
 * buzzer schedule, and every key press its confirmation, on a fake clock
 * (hw/pattern.c: green = entry open, red = STOP, blinking = offline,
 * alternating = no figure yet, fast red + periodic beep = storage fault).
 *
 * Each case samples the pure core every 50 ms over two seconds and
 * compares with the table in hw/pattern.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/pattern.h"

#define T0 5000000

static struct hc_display_state base(void)
{
	struct hc_display_state s;
	memset(&s, 0, sizeof s);
	s.have_figure = true;
	s.online = true;
	s.level = "low";
	return s;
}

/* Expected outputs at t ms after the state began. */
typedef struct hc_outputs (*expect_fn)(int64_t t);

static struct hc_outputs exp_open(int64_t t)
{
	(void)t;
	return (struct hc_outputs){ true, false, false };
}
static struct hc_outputs exp_stop(int64_t t)
{
	(void)t;
	return (struct hc_outputs){ false, true, false };
}
static struct hc_outputs exp_offline_open(int64_t t)
{
	return (struct hc_outputs){ t % 1000 < 500, false, false };
}
static struct hc_outputs exp_offline_stop(int64_t t)
{
	return (struct hc_outputs){ false, t % 1000 < 500, false };
}
static struct hc_outputs exp_unknown(int64_t t)
{
	return (struct hc_outputs){ t % 1000 < 500, t % 1000 >= 500, false };
}
static struct hc_outputs exp_fault(int64_t t)
{
	return (struct hc_outputs){ false, t % 200 < 100, t % 5000 < 100 };
}

static void check_schedule(const struct hc_display_state *s, enum hc_door_state want,
			   expect_fn expect, int64_t span_ms)
{
	struct hc_pattern p;
	hc_pattern_init(&p, T0);
	hc_pattern_update(&p, s, T0);
	assert_int_equal(hc_door_state_of(s), want);
	assert_int_equal(p.state, want);
	for (int64_t t = 0; t <= span_ms; t += 50) {
		hc_pattern_update(&p, s, T0 + t); /* refreshes change nothing */
		struct hc_outputs o = hc_pattern_outputs(&p, T0 + t);
		struct hc_outputs e = expect(t);
		if (o.green != e.green || o.red != e.red || o.buzzer != e.buzzer)
			fail_msg("state %s at +%lld ms: got g%d r%d b%d, want g%d r%d b%d",
				 hc_door_state_name(want), (long long)t, o.green, o.red, o.buzzer,
				 e.green, e.red, e.buzzer);
	}
}

static void open_is_steady_green(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	check_schedule(&s, HC_DOOR_OPEN, exp_open, 2000);
}

static void stop_is_steady_red(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	s.restricted = true;
	check_schedule(&s, HC_DOOR_STOP, exp_stop, 2000);
}

static void offline_blinks_the_last_known_state(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	s.online = false;
	check_schedule(&s, HC_DOOR_OFFLINE_OPEN, exp_offline_open, 2000);
	s.stale = true; /* still last known, still blinking */
	check_schedule(&s, HC_DOOR_OFFLINE_OPEN, exp_offline_open, 2000);
	s.restricted = true;
	check_schedule(&s, HC_DOOR_OFFLINE_STOP, exp_offline_stop, 2000);
}

static void no_figure_alternates(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	s.have_figure = false;
	check_schedule(&s, HC_DOOR_UNKNOWN, exp_unknown, 2000);
	s.online = false;
	check_schedule(&s, HC_DOOR_UNKNOWN, exp_unknown, 2000);
}

static void storage_fault_wins_and_beeps(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	s.storage_fault = true;
	s.restricted = true;
	check_schedule(&s, HC_DOOR_FAULT, exp_fault, 10000);
}

static void a_press_beeps_and_blinks_once(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	struct hc_pattern p;
	hc_pattern_init(&p, T0);
	hc_pattern_update(&p, &s, T0);
	s.presses_taken = 1;
	hc_pattern_update(&p, &s, T0 + 1000);
	struct hc_outputs o = hc_pattern_outputs(&p, T0 + 1000);
	assert_true(o.buzzer);
	assert_false(o.green);
	o = hc_pattern_outputs(&p, T0 + 1099);
	assert_true(o.buzzer);
	o = hc_pattern_outputs(&p, T0 + 1100);
	assert_false(o.buzzer);
	assert_true(o.green);
	/* the count staying put starts nothing new */
	hc_pattern_update(&p, &s, T0 + 1200);
	assert_false(hc_pattern_outputs(&p, T0 + 1200).buzzer);
}

static void undo_beeps_twice_and_refused_undo_long(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	struct hc_pattern p;
	hc_pattern_init(&p, T0);
	hc_pattern_update(&p, &s, T0);
	s.undos_taken = 1;
	hc_pattern_update(&p, &s, T0);
	const bool want[] = { true, false, true, false }; /* 0,100,200,300 ms */
	for (int i = 0; i < 4; i++)
		assert_int_equal(hc_pattern_outputs(&p, T0 + 100 * i + 50).buzzer, want[i]);
	s.undos_refused = 1;
	hc_pattern_update(&p, &s, T0 + 1000);
	for (int64_t t = 0; t < 500; t += 50) {
		struct hc_outputs o = hc_pattern_outputs(&p, T0 + 1000 + t);
		assert_true(o.buzzer);
		assert_true(o.red);
	}
	assert_false(hc_pattern_outputs(&p, T0 + 1500).buzzer);
}

static void a_new_state_restarts_its_blink_phase(void **state)
{
	(void)state;
	struct hc_display_state s = base();
	struct hc_pattern p;
	hc_pattern_init(&p, T0);
	hc_pattern_update(&p, &s, T0);
	s.online = false;
	hc_pattern_update(&p, &s, T0 + 777);
	assert_true(hc_pattern_outputs(&p, T0 + 777).green);
	assert_false(hc_pattern_outputs(&p, T0 + 777 + 500).green);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_is_steady_green),
		cmocka_unit_test(stop_is_steady_red),
		cmocka_unit_test(offline_blinks_the_last_known_state),
		cmocka_unit_test(no_figure_alternates),
		cmocka_unit_test(storage_fault_wins_and_beeps),
		cmocka_unit_test(a_press_beeps_and_blinks_once),
		cmocka_unit_test(undo_beeps_twice_and_refused_undo_long),
		cmocka_unit_test(a_new_state_restarts_its_blink_phase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
