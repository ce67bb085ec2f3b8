/*
 * test_store_checkpoint_off_commit_path.c — the WAL is checkpointed by
 * the checkpointer thread and by short catch-ups, not by SQLite inside a
 * commit, and nothing is lost or weakened on the way: after enough
 * commits to fill the WAL several times over, background passes and
 * catch-ups have run, the WAL file stays within its bound, the
 * connection still says WAL + synchronous=FULL, and every row loads back
 * after a reopen.
 *
 * Uses a real SQLite file under a mkdtemp() directory in /tmp. Bounded:
 * a fixed number of commits (about 2 s here, 30,000 rows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aggregator/ledger.h"
#include "aggregator/store.h"
#include "aggregator/store_checkpoint.h"
#include "shared/config.h"

/* Rows per commit and commits: each row has its own incarnation, so
 * rows land on leaf pages all over the unique index, as batches from
 * many terminals do, and the WAL fills fast. */
#define ROWS_PER_COMMIT 100
#define COMMITS 300
/* SQLite's default page size for a new database. */
#define PAGE_BYTES 4096

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void test_checkpoints_run_off_the_commit_and_lose_nothing(void **state)
{
	(void)state;
	char dir[64], path[128];
	snprintf(dir, sizeof dir, "/tmp/hc-ckpt-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/agg.db", dir);
	struct hc_venue_cfg *cfg = calloc(1, sizeof *cfg);
	assert_non_null(cfg);
	cfg->area_count = 1;
	snprintf(cfg->areas[0].id, sizeof cfg->areas[0].id, "hall");
	cfg->terminal_count = 1;
	snprintf(cfg->terminals[0].id, sizeof cfg->terminals[0].id, "north");
	snprintf(cfg->terminals[0].area, sizeof cfg->terminals[0].area, "hall");

	char err[256] = "";
	struct hc_store *s = hc_store_open(path, cfg, err, sizeof err);
	if (s == NULL)
		fail_msg("open: %s", err);
	struct hc_ledger_row *rows = calloc(ROWS_PER_COMMIT, sizeof *rows);
	bool *inserted = calloc(ROWS_PER_COMMIT, sizeof *inserted);
	assert_non_null(rows);
	assert_non_null(inserted);
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	int64_t wal_bytes_max = 0;
	for (int c = 0; c < COMMITS; c++) {
		for (int i = 0; i < ROWS_PER_COMMIT; i++)
			rows[i] = (struct hc_ledger_row){
				.terminal_index = 0,
				.area_index = 0,
				.incarnation = next_random(&rnd),
				.seq = 1,
				.entered = 1,
				.received_at_ms = 1800000000000 + c,
			};
		if (!hc_store_commit(s, rows, ROWS_PER_COMMIT, inserted, err, sizeof err))
			fail_msg("commit %d: %s", c, err);
		for (int i = 0; i < ROWS_PER_COMMIT; i++)
			assert_true(inserted[i]);
		char wal[160];
		snprintf(wal, sizeof wal, "%s-wal", path);
		struct stat st;
		if (stat(wal, &st) == 0 && st.st_size > wal_bytes_max)
			wal_bytes_max = st.st_size;
	}
	struct hc_checkpoint_stats cs;
	assert_true(hc_store_checkpoint_stats(s, &cs));
	print_message("  %d commits: %lld background passes (longest %lld ms), %lld"
		      " catch-ups (longest %lld ms), WAL at most %lld KiB\n",
		      COMMITS, (long long)cs.passes, (long long)(cs.pass_us_max / 1000),
		      (long long)cs.catch_ups, (long long)(cs.catch_up_us_max / 1000),
		      (long long)(wal_bytes_max / 1024));
	assert_true(cs.passes >= 1);
	assert_true(cs.catch_ups >= 1);
	/* The WAL restarts: it never holds more than the bound (plus one
	 * commit's pages and the header). */
	assert_true(wal_bytes_max <= (int64_t)(HC_STORE_WAL_PAGES_MAX + 2 * ROWS_PER_COMMIT + 16) *
					     (PAGE_BYTES + 24));
	char mode[16] = "";
	int sync = -1;
	assert_true(hc_store_durability(s, mode, sizeof mode, &sync));
	assert_string_equal(mode, "wal");
	assert_int_equal(sync, 2);
	hc_store_close(s);

	s = hc_store_open(path, cfg, err, sizeof err);
	if (s == NULL)
		fail_msg("reopen: %s", err);
	struct hc_ledger *l = hc_ledger_new(1, 1);
	assert_non_null(l);
	struct hc_store_load_stats ls;
	assert_true(hc_store_load(s, l, &ls, err, sizeof err));
	assert_int_equal(ls.rows, (int64_t)COMMITS * ROWS_PER_COMMIT);
	hc_ledger_free(l);
	hc_store_close(s);

	const char *suffixes[] = { "", "-wal", "-shm", ".lock" };
	for (size_t i = 0; i < 4; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		unlink(p);
	}
	rmdir(dir);
	free(rows);
	free(inserted);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checkpoints_run_off_the_commit_and_lose_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
