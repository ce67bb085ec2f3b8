/*
 * test_map_feed_handoff.c — the latest-state hand-off from the loop
 * thread to the map side (aggregator/map_feed.c).
 *
 * Properties: a take copies what was put and reports nothing new when
 * nothing was put; after any number of puts between two takes, the view
 * equals the latest put for every entry (at most one message per area
 * and group behind, never a backlog); an unchanged entry is not copied
 * again; a new generation refills every entry; and with a writer and a
 * reader on two threads (run under ThreadSanitizer in make test) the
 * reader sees every entry's versions only grow, every message's bytes
 * match its version, and after the writer's last put one take gives
 * exactly the final state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "aggregator/map_feed.h"

#define HEADROOM 16

static struct hc_map_settings settings(void)
{
	struct hc_map_settings s = { .idle_timeout_s = 90, .sessions_max = 100 };
	return s;
}

/* Puts entry k at version v; its payload names both. */
static void put(struct hc_map_feed *f, uint32_t k, uint64_t v)
{
	char text[64];
	int n = snprintf(text, sizeof text, "{\"k\":%u,\"v\":%llu}", k, (unsigned long long)v);
	assert_true(hc_map_feed_put(f, k, v, (const unsigned char *)text, (size_t)n));
}

/* The view's entry k says version v. */
static void assert_entry(const struct hc_map_table *t, uint32_t k, uint64_t v)
{
	char want[64];
	int n = snprintf(want, sizeof want, "{\"k\":%u,\"v\":%llu}", k, (unsigned long long)v);
	assert_int_equal(t->entries[k].version, v);
	assert_int_equal(t->entries[k].len, (size_t)n);
	assert_memory_equal(t->entries[k].buf + HEADROOM, want, (size_t)n);
}

static void take_is_latest_after_any_number_of_puts(void **state)
{
	(void)state;
	struct hc_map_feed f;
	struct hc_map_table view;
	memset(&view, 0, sizeof view);
	assert_true(hc_map_feed_init(&f, HEADROOM));
	struct hc_map_settings set = settings();

	hc_map_feed_begin(&f, 1, 2, 1, &set);
	put(&f, 0, 1);
	put(&f, 1, 2);
	put(&f, 2, 3);
	hc_map_feed_end(&f);
	assert_true(hc_map_feed_take(&f, &view));
	assert_entry(&view, 0, 1);
	assert_entry(&view, 1, 2);
	assert_entry(&view, 2, 3);
	assert_int_equal(view.area_count, 2);
	assert_int_equal(view.group_count, 1);
	assert_int_equal(view.settings.sessions_max, 100);
	/* Nothing put: nothing new. */
	assert_false(hc_map_feed_take(&f, &view));

	/* A pause: 1,000 publications of area 0 and one of the group between
	 * two takes leave the view exactly one message behind each. */
	for (uint64_t v = 10; v < 1010; v++) {
		hc_map_feed_begin(&f, 1, 2, 1, &set);
		put(&f, 0, v);
		if (v == 500)
			put(&f, 2, v);
		hc_map_feed_end(&f);
	}
	unsigned char *kept = view.entries[1].buf;
	assert_true(hc_map_feed_take(&f, &view));
	assert_entry(&view, 0, 1009);
	assert_entry(&view, 1, 2);
	assert_entry(&view, 2, 500);
	/* The unchanged entry was not copied again. */
	assert_ptr_equal(view.entries[1].buf, kept);

	/* Settings travel with every put. */
	set.stopping = true;
	hc_map_feed_begin(&f, 1, 2, 1, &set);
	hc_map_feed_end(&f);
	assert_true(hc_map_feed_take(&f, &view));
	assert_true(view.settings.stopping);

	hc_map_table_free(&view);
	hc_map_feed_destroy(&f);
}

static void new_generation_refills_every_entry(void **state)
{
	(void)state;
	struct hc_map_feed f;
	struct hc_map_table view;
	memset(&view, 0, sizeof view);
	assert_true(hc_map_feed_init(&f, HEADROOM));
	struct hc_map_settings set = settings();
	hc_map_feed_begin(&f, 1, 2, 0, &set);
	put(&f, 0, 5);
	put(&f, 1, 6);
	hc_map_feed_end(&f);
	assert_true(hc_map_feed_take(&f, &view));

	/* A reload renumbered: the table forgets its versions, so the writer
	 * (which skips entries whose version it holds) puts all of them. */
	hc_map_feed_begin(&f, 2, 1, 0, &set);
	assert_int_equal(hc_map_feed_version(&f, 0), 0);
	assert_int_equal(hc_map_feed_version(&f, 1), 0);
	assert_int_equal(hc_map_feed_version(&f, HC_FEED_ENTRIES_MAX), 0);
	put(&f, 0, 6);
	hc_map_feed_end(&f);
	assert_true(hc_map_feed_take(&f, &view));
	assert_int_equal(view.generation, 2);
	assert_int_equal(view.area_count, 1);
	assert_entry(&view, 0, 6);

	hc_map_table_free(&view);
	hc_map_feed_destroy(&f);
}

/* ---- two threads ---------------------------------------------------------- */

#define ENTRIES 3
#define PUTS 20000

struct writer_arg {
	struct hc_map_feed *feed;
};

static void *writer(void *arg)
{
	struct writer_arg *w = arg;
	struct hc_map_settings set = settings();
	for (uint64_t v = 1; v <= PUTS; v++) {
		hc_map_feed_begin(w->feed, 1, ENTRIES, 0, &set);
		put(w->feed, (uint32_t)(v % ENTRIES), v);
		hc_map_feed_end(w->feed);
	}
	return NULL;
}

static void two_threads_reader_sees_only_growth(void **state)
{
	(void)state;
	struct hc_map_feed f;
	static struct hc_map_table view;
	memset(&view, 0, sizeof view);
	assert_true(hc_map_feed_init(&f, HEADROOM));
	struct writer_arg w = { &f };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer, &w), 0);
	uint64_t seen[ENTRIES] = { 0 };
	uint64_t takes = 0;
	/* Bounded by time, not by a count of rounds: the reader must keep
	 * taking until it has seen the writer's last put (however late the
	 * writer's thread is scheduled, as under a sanitizer), or 30 s. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 30)
			break;
		if (hc_map_feed_take(&f, &view)) {
			takes++;
			for (uint32_t k = 0; k < ENTRIES; k++) {
				uint64_t v = view.entries[k].version;
				assert_true(v >= seen[k]);
				if (v != 0)
					assert_entry(&view, k, v);
				seen[k] = v;
			}
		}
		if (seen[PUTS % ENTRIES] == PUTS)
			break;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	hc_map_feed_take(&f, &view);
	for (uint32_t k = 0; k < ENTRIES; k++) {
		/* The last version put of entry k. */
		uint64_t last = PUTS - ((PUTS - k) % ENTRIES);
		assert_entry(&view, k, last);
	}
	assert_true(takes >= 1);
	hc_map_table_free(&view);
	hc_map_feed_destroy(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(take_is_latest_after_any_number_of_puts),
		cmocka_unit_test(new_generation_refills_every_entry),
		cmocka_unit_test(two_threads_reader_sees_only_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
