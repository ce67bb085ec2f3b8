/*
 * test_map_backpressure_stall.c — when a slow map client gets nothing
 * and when a stalled one is dropped (aggregator/map_backpressure.c).
 *
 * Properties, as a table: at or under HC_MAP_UNSENT_BYTES_MAX unsent
 * bytes a client is written to and not behind; one byte over, it is
 * behind from that moment and gets nothing; it is dropped exactly when it
 * has been behind HC_MAP_STALL_MS, not a millisecond earlier; catching
 * up in time clears the clock, so a later fall behind starts afresh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aggregator/map_backpressure.h"

struct step {
	const char *name;
	int64_t unsent_bytes;
	int64_t now_ms;
	enum hc_map_flow want;
	int64_t want_behind_since_ms;
};

static void flow_follows_the_table(void **state)
{
	(void)state;
	const int64_t T = 1000000, U = HC_MAP_UNSENT_BYTES_MAX, S = HC_MAP_STALL_MS;
	const struct step steps[] = {
		{ "empty queue: write", 0, T, HC_MAP_FLOW_WRITE, 0 },
		{ "at the bound: write", U, T + 10, HC_MAP_FLOW_WRITE, 0 },
		{ "one over: behind now", U + 1, T + 20, HC_MAP_FLOW_WAIT, T + 20 },
		{ "still behind, clock kept", 10 * U, T + 500, HC_MAP_FLOW_WAIT, T + 20 },
		{ "1 ms before the stall limit", U + 1, T + 20 + S - 1, HC_MAP_FLOW_WAIT, T + 20 },
		{ "caught up just in time", U, T + 20 + S - 1, HC_MAP_FLOW_WRITE, 0 },
		{ "behind again: a fresh clock", U + 1, T + 30000, HC_MAP_FLOW_WAIT, T + 30000 },
		{ "behind the whole limit: drop", U + 1, T + 30000 + S, HC_MAP_FLOW_DROP,
		  T + 30000 },
	};
	int64_t behind_since_ms = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const struct step *st = &steps[i];
		enum hc_map_flow got = hc_map_flow_decide(st->unsent_bytes, st->now_ms,
							  &behind_since_ms);
		if (got != st->want || behind_since_ms != st->want_behind_since_ms)
			fail_msg("%s: flow %d behind_since %lld, want %d and %lld", st->name, got,
				 (long long)behind_since_ms, st->want,
				 (long long)st->want_behind_since_ms);
	}
}

static void limits_are_consistent(void **state)
{
	(void)state;
	/* Linux doubles SO_SNDBUF; the behind bound must be reachable. */
	assert_true(HC_MAP_UNSENT_BYTES_MAX < 2 * HC_MAP_SNDBUF_BYTES);
	assert_true(HC_MAP_RECHECK_MS < HC_MAP_STALL_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flow_follows_the_table),
		cmocka_unit_test(limits_are_consistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
