/*
 * test_conflation_rules.c — the pure conflation core
 * (aggregator/conflation.c), as tables.
 *
 * Properties: an occupancy-only change with a token goes out at once and
 * one without waits exactly until the next token (the rate edge: 1 ms
 * before it waits, at it goes); a level or restriction change is never
 * held, with or without a token; updates under the rate (steady or
 * jittered 4 a second) all go out at once; a burst of 1,000 in a second
 * is cut to BURST + what the rate refills; a long pause refills the
 * bucket to the burst and no further. A reader gets entries round robin
 * from its cursor, only those whose version moved, and after any pause
 * (1,000 publications of one area, some of another) it is at most one
 * message per area and group behind, and the one it gets carries the
 * latest level.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aggregator/conflation.h"

enum { O = HC_CHANGE_OCCUPANCY, G = HC_CHANGE_GATE };

struct step {
	const char *name;
	int change;
	int64_t now_ms;
	bool want_now;
	int64_t want_due_ms; /* after the step */
};

static void bucket_follows_the_table(void **state)
{
	(void)state;
	_Static_assert(HC_OCCUPANCY_PUSH_RATE_PER_S == 4 && HC_OCCUPANCY_PUSH_BURST_MILLI == 1500,
		       "the table is written for 4 a second, a burst of 1.5");
	const int64_t T = 1000000;
	const struct step steps[] = {
		{ "first change: a full bucket (1.5 tokens)", O, T, true, T + 125 },
		{ "second at once: no whole token, waits", O, T + 1, false, T + 125 },
		{ "1 ms before the token: waits", O, T + 124, false, T + 125 },
		{ "at the token: goes", O, T + 125, true, T + 375 },
		{ "a level change with no token: never held", G, T + 126, true, T + 375 },
		{ "a restriction change right after: never held", G, T + 127, true, T + 375 },
		{ "occupancy 1 ms before the refill: waits", O, T + 374, false, T + 375 },
		{ "and goes with it", O, T + 375, true, T + 625 },
		{ "a long pause refills to the burst, no more", O, T + 60000, true, T + 60125 },
		{ "the half token left is not a push", O, T + 60000, false, T + 60125 },
	};
	struct hc_push_bucket b = { 0 };
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const struct step *st = &steps[i];
		bool now = hc_conflation_publish_now(&b, (enum hc_change)st->change, st->now_ms);
		if (now != st->want_now)
			fail_msg("step %zu (%s): publish_now %d, want %d", i, st->name, now,
				 st->want_now);
		int64_t due = hc_conflation_due_ms(&b, st->now_ms);
		if (due != st->want_due_ms)
			fail_msg("step %zu (%s): due %lld, want %lld", i, st->name,
				 (long long)(due - T), (long long)(st->want_due_ms - T));
	}
}

/* Offers a change every gap_ms[i % n] for span_ms; returns how many went
 * out at once. */
static int offer(const int64_t *gap_ms, size_t n, int64_t span_ms, int *offered)
{
	struct hc_push_bucket b = { 0 };
	int now = 0;
	*offered = 0;
	size_t i = 0;
	for (int64_t t = 1000; t < 1000 + span_ms; t += gap_ms[i++ % n]) {
		(*offered)++;
		now += hc_conflation_publish_now(&b, HC_CHANGE_OCCUPANCY, t);
	}
	return now;
}

static void under_the_rate_nothing_waits(void **state)
{
	(void)state;
	const struct {
		const char *name;
		int64_t gaps[2];
	} rows[] = {
		{ "4 a second, steady", { 250, 250 } },
		{ "4 a second, jittered 200/300 ms", { 200, 300 } },
		{ "2 a second", { 500, 500 } },
		{ "3 a second, jittered 150/517 ms", { 150, 517 } },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		int offered = 0;
		int now = offer(rows[r].gaps, 2, 10000, &offered);
		if (now != offered)
			fail_msg("%s: %d of %d went out at once", rows[r].name, now, offered);
	}
}

static void a_burst_is_cut_to_the_rate(void **state)
{
	(void)state;
	const int64_t one_ms[1] = { 1 };
	int offered = 0;
	int now = offer(one_ms, 1, 1000, &offered);
	assert_int_equal(offered, 1000);
	/* At 0 and 125 ms, then one per refill (375, 625, 875 ms). */
	assert_int_equal(now, 5);
	assert_true(now <= 1 + HC_OCCUPANCY_PUSH_RATE_PER_S);
	/* Ten seconds of it: the long-run rate, 2 + (10,000 - 125) / 250. */
	now = offer(one_ms, 1, 10000, &offered);
	assert_int_equal(now, 2 + (9999 - 125) / HC_OCCUPANCY_PUSH_INTERVAL_MS);
}

/* ---- readers ---------------------------------------------------------- */

struct entries {
	uint64_t version[4];
	int level[4]; /* what the entry's message would carry */
};

static uint64_t version_of(const void *ctx, uint32_t k)
{
	return ((const struct entries *)ctx)->version[k];
}

static void reader_round_robin_from_its_cursor(void **state)
{
	(void)state;
	struct entries e = { .version = { 5, 6, 7, 8 } };
	const struct {
		const char *name;
		uint64_t sent[4];
		uint32_t cursor;
		int want;
	} rows[] = {
		{ "has everything", { 5, 6, 7, 8 }, 0, -1 },
		{ "one behind", { 5, 6, 0, 8 }, 0, 2 },
		{ "from the cursor on", { 0, 6, 0, 8 }, 1, 2 },
		{ "wraps around", { 0, 6, 7, 8 }, 3, 0 },
		{ "cursor at the end", { 5, 6, 7, 0 }, 3, 3 },
		{ "all behind: the cursor's first", { 0, 0, 0, 0 }, 2, 2 },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		int got = hc_conflation_next(4, rows[r].cursor, rows[r].sent, version_of, &e);
		if (got != rows[r].want)
			fail_msg("%s: next %d, want %d", rows[r].name, got, rows[r].want);
	}
	uint64_t none[1] = { 0 };
	assert_int_equal(hc_conflation_next(0, 0, none, version_of, &e), -1);
}

/* Reads like a map connection: the next changed entry, until none. */
static int drain(struct entries *e, uint64_t *sent, int *got_level, uint32_t *cursor)
{
	int messages = 0;
	for (int guard = 0; guard < 100; guard++) {
		int i = hc_conflation_next(4, *cursor, sent, version_of, e);
		if (i < 0)
			break;
		sent[i] = e->version[i];
		got_level[i] = e->level[i];
		*cursor = (uint32_t)i + 1;
		messages++;
	}
	return messages;
}

static void after_any_pause_one_message_per_entry(void **state)
{
	(void)state;
	struct entries e = { .version = { 1, 2, 3, 4 } };
	uint64_t sent[4] = { 0 };
	int got_level[4] = { 0 };
	uint32_t cursor = 0;
	uint64_t clock = 4;
	assert_int_equal(drain(&e, sent, got_level, &cursor), 4);

	/* A pause: area 0 published 1,000 times, its level moving at the
	 * 400th (to 2) and 900th (to 3); group 3 published 7 times. */
	for (int n = 1; n <= 1000; n++) {
		if (n == 400)
			e.level[0] = 2;
		if (n == 900)
			e.level[0] = 3;
		e.version[0] = ++clock;
		if (n % 150 == 0)
			e.version[3] = ++clock;
	}
	int messages = drain(&e, sent, got_level, &cursor);
	assert_int_equal(messages, 2);	   /* one for area 0, one for group 3 */
	assert_int_equal(got_level[0], 3); /* the latest level, not lost */
	for (int k = 0; k < 4; k++)
		assert_int_equal(sent[k], e.version[k]);
	assert_int_equal(drain(&e, sent, got_level, &cursor), 0);
}

/* End to end: bucket decides, versions move, a reader reads at the
 * moment of each decision; a gate change is on the wire at once. */
static void a_gate_change_reaches_a_reader_at_once(void **state)
{
	(void)state;
	struct entries e = { .version = { 1, 0, 0, 0 } };
	uint64_t sent[4] = { 1, 0, 0, 0 };
	int got_level[4] = { 0 };
	uint32_t cursor = 0;
	struct hc_push_bucket b = { 0 };
	uint64_t clock = 1;
	int64_t t = 5000;
	/* Empty the bucket with occupancy changes. */
	while (hc_conflation_publish_now(&b, HC_CHANGE_OCCUPANCY, t))
		e.version[0] = ++clock;
	drain(&e, sent, got_level, &cursor);
	/* Level moves with no token: published and read in the same turn. */
	e.level[0] = 4;
	assert_true(hc_conflation_publish_now(&b, HC_CHANGE_GATE, t + 1));
	e.version[0] = ++clock;
	assert_int_equal(drain(&e, sent, got_level, &cursor), 1);
	assert_int_equal(got_level[0], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_follows_the_table),
		cmocka_unit_test(under_the_rate_nothing_waits),
		cmocka_unit_test(a_burst_is_cut_to_the_rate),
		cmocka_unit_test(reader_round_robin_from_its_cursor),
		cmocka_unit_test(after_any_pause_one_message_per_entry),
		cmocka_unit_test(a_gate_change_reaches_a_reader_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
