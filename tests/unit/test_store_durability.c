/*
 * test_store_durability.c — what the store committed is what it loads
 * back after a reopen, a row is never stored twice, a commit that fails
 * changes nothing, a store that could not write is refused at open, and
 * a ledger is opened by one store at a time (the second names the pid).
 *
 * Uses a real SQLite file under a mkdtemp() directory in /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "aggregator/ledger.h"
#include "aggregator/store.h"
#include "shared/config.h"

#define INC_A 0x0123456789abcdefULL

struct fixture {
	char dir[64];
	char db_path[128];
	struct hc_venue_cfg *cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/hc-store-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof f->db_path, "%s/agg.db", f->dir);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	f->cfg->area_count = 2;
	snprintf(f->cfg->areas[0].id, sizeof f->cfg->areas[0].id, "hall");
	snprintf(f->cfg->areas[1].id, sizeof f->cfg->areas[1].id, "garden");
	f->cfg->terminal_count = 2;
	snprintf(f->cfg->terminals[0].id, sizeof f->cfg->terminals[0].id, "north");
	snprintf(f->cfg->terminals[0].area, sizeof f->cfg->terminals[0].area, "hall");
	f->cfg->terminals[0].area_index = 0;
	snprintf(f->cfg->terminals[1].id, sizeof f->cfg->terminals[1].id, "gate");
	snprintf(f->cfg->terminals[1].area, sizeof f->cfg->terminals[1].area, "garden");
	f->cfg->terminals[1].area_index = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *suffixes[] = { "", "-wal", "-shm", "-journal", ".lock" };
	for (size_t i = 0; i < 5; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", f->db_path, suffixes[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

static struct hc_ledger_row row_of(uint32_t terminal, uint32_t area, int64_t seq, int64_t entered,
				   int64_t exited)
{
	struct hc_ledger_row r = {
		.terminal_index = terminal,
		.area_index = area,
		.incarnation = INC_A,
		.seq = seq,
		.entered = entered,
		.exited = exited,
		.received_at_ms = 1800000000000 + seq,
	};
	return r;
}

static struct hc_store *open_store(const char *path, const struct hc_venue_cfg *cfg)
{
	char err[256] = "";
	struct hc_store *s = hc_store_open(path, cfg, err, sizeof err);
	if (s == NULL)
		fail_msg("open %s: %s", path, err);
	return s;
}

/* Loads the store into a fresh ledger. */
static struct hc_ledger *load(struct hc_store *s, const struct hc_venue_cfg *cfg,
			      struct hc_store_load_stats *stats)
{
	struct hc_ledger *l = hc_ledger_new((uint32_t)cfg->area_count,
					    (uint32_t)cfg->terminal_count);
	char err[256] = "";
	if (!hc_store_load(s, l, stats, err, sizeof err))
		fail_msg("load: %s", err);
	return l;
}

/* Rows in the ledger table, read with plain SQLite. */
static int64_t count_rows(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM ledger", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void committed_rows_load_back_after_reopen(void **state)
{
	struct fixture *f = *state;
	struct hc_store *s = open_store(f->db_path, f->cfg);
	struct hc_ledger_row rows[4] = {
		row_of(0, 0, 1, 5, 1),
		row_of(0, 0, 2, 2, 0),
		row_of(1, 1, 1, 7, 3),
		row_of(0, 0, 4, 1, 1),
	};
	bool inserted[4] = { false, false, false, false };
	char err[256] = "";
	assert_true(hc_store_commit(s, rows, 4, inserted, err, sizeof err));
	for (int i = 0; i < 4; i++)
		assert_true(inserted[i]);
	hc_store_close(s);

	s = open_store(f->db_path, f->cfg);
	struct hc_store_load_stats stats;
	struct hc_ledger *l = load(s, f->cfg, &stats);
	assert_int_equal(stats.rows, 4);
	assert_int_equal(stats.rows_unknown_source, 0);
	int64_t entered, exited;
	hc_ledger_area_totals(l, 0, &entered, &exited);
	assert_int_equal(entered, 8);
	assert_int_equal(exited, 2);
	hc_ledger_area_totals(l, 1, &entered, &exited);
	assert_int_equal(entered, 7);
	assert_int_equal(exited, 3);
	for (int i = 0; i < 4; i++)
		assert_true(hc_ledger_contains(l, rows[i].terminal_index, INC_A, rows[i].seq));
	struct hc_ledger_seq_stats seq = hc_ledger_seq_stats(l, 0, INC_A);
	assert_int_equal(seq.seq_highest, 4);
	assert_int_equal(seq.missing, 1);
	hc_ledger_free(l);
	hc_store_close(s);
	assert_int_equal(count_rows(f->db_path), 4);
}

static void existing_row_is_ignored_and_reported_not_inserted(void **state)
{
	struct fixture *f = *state;
	struct hc_store *s = open_store(f->db_path, f->cfg);
	struct hc_ledger_row first = row_of(0, 0, 1, 3, 0);
	bool inserted[2] = { false, false };
	char err[256] = "";
	assert_true(hc_store_commit(s, &first, 1, inserted, err, sizeof err));
	assert_true(inserted[0]);

	/* The same (source, incarnation, seq) with other counts is not a
	 * new row: the first one stands. */
	struct hc_ledger_row again[2] = { row_of(0, 0, 1, 99, 0), row_of(0, 0, 2, 1, 0) };
	assert_true(hc_store_commit(s, again, 2, inserted, err, sizeof err));
	assert_false(inserted[0]);
	assert_true(inserted[1]);
	hc_store_close(s);
	assert_int_equal(count_rows(f->db_path), 2);

	s = open_store(f->db_path, f->cfg);
	struct hc_store_load_stats stats;
	struct hc_ledger *l = load(s, f->cfg, &stats);
	int64_t entered, exited;
	hc_ledger_area_totals(l, 0, &entered, &exited);
	assert_int_equal(entered, 4);
	assert_int_equal(exited, 0);
	hc_ledger_free(l);
	hc_store_close(s);
}

static void failed_commit_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct hc_store *s = open_store(f->db_path, f->cfg);
	struct hc_ledger_row first = row_of(0, 0, 1, 2, 0);
	bool inserted[3] = { false, false, false };
	char err[256] = "";
	assert_true(hc_store_commit(s, &first, 1, inserted, err, sizeof err));

	/* The third row names no terminal of the config: the whole commit
	 * fails, and the two good rows before it are rolled back. */
	struct hc_ledger_row more[3] = {
		row_of(0, 0, 2, 1, 0),
		row_of(1, 1, 1, 4, 0),
		row_of(7, 0, 3, 1, 0),
	};
	err[0] = '\0';
	assert_false(hc_store_commit(s, more, 3, inserted, err, sizeof err));
	assert_non_null(strstr(err, "code"));
	for (int i = 0; i < 3; i++)
		assert_false(inserted[i]);
	assert_int_equal(count_rows(f->db_path), 1);

	/* The good rows alone commit afterwards: nothing was half-applied. */
	assert_true(hc_store_commit(s, more, 2, inserted, err, sizeof err));
	assert_true(inserted[0] && inserted[1]);
	hc_store_close(s);
	assert_int_equal(count_rows(f->db_path), 3);
}

static void read_only_database_is_refused_at_open(void **state)
{
	struct fixture *f = *state;
	hc_store_close(open_store(f->db_path, f->cfg));
	/* Opened read-only, as a database on a read-only medium is: root
	 * ignores file modes, an SQLite read-only open does not. */
	char uri[200];
	snprintf(uri, sizeof uri, "file:%s?mode=ro", f->db_path);
	char err[512] = "";
	assert_null(hc_store_open(uri, f->cfg, err, sizeof err));
	if (strstr(err, "read-only") == NULL)
		fail_msg("err does not say read-only: %s", err);
}

static void missing_directory_is_named_at_open(void **state)
{
	struct fixture *f = *state;
	char path[200], dir[160];
	snprintf(dir, sizeof dir, "%s/no-such-dir", f->dir);
	snprintf(path, sizeof path, "%s/agg.db", dir);
	char err[512] = "";
	assert_null(hc_store_open(path, f->cfg, err, sizeof err));
	if (strstr(err, "does not exist") == NULL || strstr(err, dir) == NULL)
		fail_msg("err does not name the missing directory %s: %s", dir, err);
}

static void second_store_on_a_ledger_is_refused_naming_the_pid(void **state)
{
	struct fixture *f = *state;
	struct hc_store *first = open_store(f->db_path, f->cfg);
	char err[512] = "";
	assert_null(hc_store_open(f->db_path, f->cfg, err, sizeof err));
	char pid[64];
	snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
	if (strstr(err, "in use by another aggregator") == NULL || strstr(err, pid) == NULL)
		fail_msg("err does not name %s: %s", pid, err);
	hc_store_close(first);
	/* The lock goes with the store that held it. */
	hc_store_close(open_store(f->db_path, f->cfg));
}

static void rows_of_unknown_sources_count_for_their_area(void **state)
{
	struct fixture *f = *state;
	struct hc_store *s = open_store(f->db_path, f->cfg);
	hc_store_close(s);

	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(
			db,
			"INSERT INTO ledger (source, incarnation, seq, area, entered, exited, received_at_ms) VALUES"
			" ('supervisor:ann', 'correction', 1, 'hall', 0, 4, 1),"
			" ('retired', '00000000000000aa', 1, 'hall', 6, 0, 1),"
			" ('north', '0123456789abcdef', 1, 'demolished', 9, 9, 1);",
			NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	s = open_store(f->db_path, f->cfg);
	struct hc_store_load_stats stats;
	struct hc_ledger *l = load(s, f->cfg, &stats);
	assert_int_equal(stats.rows, 3);
	assert_int_equal(stats.rows_unknown_source, 2);
	assert_int_equal(stats.rows_unknown_area, 1);
	int64_t entered, exited;
	hc_ledger_area_totals(l, 0, &entered, &exited);
	assert_int_equal(entered, 6);
	assert_int_equal(exited, 4);
	/* north's seq 1 is applied even though its area is gone. */
	assert_true(hc_ledger_contains(l, 0, INC_A, 1));
	hc_ledger_free(l);
	hc_store_close(s);
}

static void newer_schema_version_is_refused(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	char err[256] = "";
	assert_null(hc_store_open(f->db_path, f->cfg, err, sizeof err));
	assert_non_null(strstr(err, "99"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(committed_rows_load_back_after_reopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(existing_row_is_ignored_and_reported_not_inserted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(failed_commit_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_database_is_refused_at_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(missing_directory_is_named_at_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(second_store_on_a_ledger_is_refused_naming_the_pid,
						setup, teardown),
		cmocka_unit_test_setup_teardown(rows_of_unknown_sources_count_for_their_area, setup,
						teardown),
		cmocka_unit_test_setup_teardown(newer_schema_version_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
