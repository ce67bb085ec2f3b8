/*
 * test_committer_handoff.c — the committer's worker thread and the loop
 * hand jobs back and forth without losing or mixing anything: every job
 * submitted is committed once and its result (rows, inserted flags,
 * records) is the job's own; wake() is called on the worker once per
 * job; at most one job is in flight; stopping lets the job in flight
 * finish and gives the store back. Run under ThreadSanitizer by
 * tests/run.sh (build/tsan), where a race in the hand-off is a failure:
 * so that TSan sees one, this test synchronises with the worker only
 * through the committer's API (it polls hc_committer_take_result; wake()
 * only bumps relaxed atomics, which order nothing).
 *
 * Uses a real SQLite file under a mkdtemp() directory, removed afterwards.
 * Every wait is bounded (WAIT_MS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "aggregator/committer.h"
#include "aggregator/ledger.h"
#include "aggregator/store.h"
#include "shared/config.h"

#define INC_A 0x0123456789abcdefULL
#define JOBS 300
#define ROWS_PER_JOB 4
#define WAIT_MS 10000

struct fixture {
	char dir[64];
	char db_path[128];
	struct hc_venue_cfg *cfg;
	pthread_t main_thread;
	uint32_t wakes;		/* relaxed atomic */
	uint32_t wakes_on_main; /* relaxed atomic: wake() on this thread */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/hc-committer-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db_path, sizeof f->db_path, "%s/agg.db", f->dir);
	f->cfg = calloc(1, sizeof *f->cfg);
	if (f->cfg == NULL)
		return -1;
	f->main_thread = pthread_self();
	f->cfg->area_count = 2;
	snprintf(f->cfg->areas[0].id, sizeof f->cfg->areas[0].id, "hall");
	snprintf(f->cfg->areas[1].id, sizeof f->cfg->areas[1].id, "garden");
	f->cfg->terminal_count = 2;
	snprintf(f->cfg->terminals[0].id, sizeof f->cfg->terminals[0].id, "north");
	snprintf(f->cfg->terminals[1].id, sizeof f->cfg->terminals[1].id, "gate");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", ".lock" };
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", f->db_path, suffixes[i]);
		(void)unlink(p);
	}
	rmdir(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* The committer's wake(): runs on the worker thread. */
static void on_wake(void *arg)
{
	struct fixture *f = arg;
	__atomic_fetch_add(&f->wakes, 1, __ATOMIC_RELAXED);
	if (pthread_equal(pthread_self(), f->main_thread))
		__atomic_fetch_add(&f->wakes_on_main, 1, __ATOMIC_RELAXED);
}

/* Polls (bounded by WAIT_MS) until the job's result can be taken. */
static void wait_result(struct hc_committer *c, struct hc_commit_result *out)
{
	const struct timespec nap = { .tv_sec = 0, .tv_nsec = 100 * 1000 };
	for (int i = 0; i < WAIT_MS * 10; i++) {
		if (hc_committer_take_result(c, out))
			return;
		nanosleep(&nap, NULL);
	}
	fail_msg("no result within %d ms", WAIT_MS);
}

static struct hc_store *open_store(const struct fixture *f)
{
	char err[512] = "";
	struct hc_store *s = hc_store_open(f->db_path, f->cfg, err, sizeof err);
	if (s == NULL)
		fail_msg("open %s: %s", f->db_path, err);
	return s;
}

static struct hc_ledger_row row_of(uint32_t terminal, int64_t seq, int64_t entered)
{
	struct hc_ledger_row r = {
		.terminal_index = terminal,
		.area_index = terminal,
		.incarnation = INC_A,
		.seq = seq,
		.entered = entered,
		.exited = 0,
		.received_at_ms = 1800000000000 + seq,
	};
	return r;
}

static void every_job_is_committed_once_with_its_own_result(void **state)
{
	struct fixture *f = *state;
	struct hc_store *store = open_store(f);
	struct hc_committer *c = hc_committer_start(store, on_wake, f);
	assert_non_null(c);
	int64_t seq = 0;
	for (int job = 0; job < JOBS; job++) {
		struct hc_ledger_row rows[ROWS_PER_JOB];
		for (int i = 0; i < ROWS_PER_JOB; i++)
			rows[i] = row_of((uint32_t)(i % 2), ++seq, job + 1);
		/* Every fourth job resends its first row: not inserted again. */
		if (job % 4 == 3)
			rows[0] = row_of(0, 1, 1);
		struct hc_store_record rec;
		memset(&rec, 0, sizeof rec);
		rec.kind = HC_RECORD_SAMPLE;
		snprintf(rec.id, sizeof rec.id, "hall");
		snprintf(rec.level, sizeof rec.level, "low");
		rec.minute_ms = 60000LL * job;
		rec.occupancy = job;
		assert_true(hc_committer_submit_job(c, rows, ROWS_PER_JOB, &rec, 1));
		/* One job at a time: a second submit is refused until taken. */
		assert_false(hc_committer_submit(c, rows, 1));
		assert_true(hc_committer_busy(c));
		struct hc_commit_result r;
		wait_result(c, &r);
		if (!r.ok)
			fail_msg("job %d failed: %s", job, r.error);
		assert_int_equal(r.n, ROWS_PER_JOB);
		assert_int_equal(r.n_records, 1);
		assert_int_equal(r.records[0].occupancy, job);
		for (int i = 0; i < ROWS_PER_JOB; i++) {
			assert_int_equal(r.rows[i].seq, rows[i].seq);
			assert_int_equal(r.inserted[i], !(job % 4 == 3 && i == 0));
		}
		assert_false(hc_committer_busy(c));
	}
	hc_committer_stop(c); /* joins: every wake() has returned */
	hc_store_close(store);
	assert_int_equal(__atomic_load_n(&f->wakes, __ATOMIC_RELAXED), JOBS);
	assert_int_equal(__atomic_load_n(&f->wakes_on_main, __ATOMIC_RELAXED), 0);

	struct hc_store *s = open_store(f);
	struct hc_ledger *l = hc_ledger_new(2, 2);
	struct hc_store_load_stats stats;
	char err[256] = "";
	assert_true(hc_store_load(s, l, &stats, err, sizeof err));
	assert_int_equal(stats.rows, JOBS * ROWS_PER_JOB - JOBS / 4);
	hc_ledger_free(l);
	hc_store_close(s);
}

static void stop_finishes_the_job_in_flight_and_returns_the_store(void **state)
{
	struct fixture *f = *state;
	struct hc_store *s = open_store(f);
	struct hc_committer *c = hc_committer_start(s, on_wake, f);
	assert_non_null(c);
	struct hc_ledger_row rows[2] = { row_of(0, 1, 3), row_of(1, 1, 4) };
	assert_true(hc_committer_submit(c, rows, 2));
	hc_committer_stop(c); /* without taking the result */

	/* The store is the caller's again: it commits from this thread. */
	struct hc_ledger_row more = row_of(0, 2, 5);
	bool inserted = false;
	char err[256] = "";
	assert_true(hc_store_commit(s, &more, 1, &inserted, err, sizeof err));
	assert_true(inserted);
	struct hc_ledger *l = hc_ledger_new(2, 2);
	struct hc_store_load_stats stats;
	assert_true(hc_store_load(s, l, &stats, err, sizeof err));
	assert_int_equal(stats.rows, 3);
	hc_ledger_free(l);
	hc_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_job_is_committed_once_with_its_own_result,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			stop_finishes_the_job_in_flight_and_returns_the_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
