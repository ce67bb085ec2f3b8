/*
 * test_store_undo_rows.c — a terminal's undo is a ledger row of its own:
 * stored with its undo_entered/undo_exited columns, loaded back after a
 * reopen with the totals net of it, and a database made before those
 * columns existed (schema 2) is upgraded in place, its rows unchanged,
 * or, when it can only be read, refused at open and left as it was.
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

#define INC 0x00000000000000a1ULL

struct fixture {
	char dir[64];
	char db_path[128];
	struct hc_venue_cfg *cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/hc-store-undo.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof f->db_path, "%s/agg.db", f->dir);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	f->cfg->area_count = 1;
	snprintf(f->cfg->areas[0].id, sizeof f->cfg->areas[0].id, "hall");
	f->cfg->terminal_count = 1;
	snprintf(f->cfg->terminals[0].id, sizeof f->cfg->terminals[0].id, "t1");
	snprintf(f->cfg->terminals[0].area, sizeof f->cfg->terminals[0].area, "hall");
	f->cfg->terminals[0].area_index = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < 4; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", f->db_path, suffixes[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

static struct hc_ledger *load(struct hc_store *s, const struct hc_venue_cfg *cfg)
{
	struct hc_ledger *l = hc_ledger_new(1, 1);
	struct hc_store_load_stats stats;
	char err[256] = "";
	memset(&stats, 0, sizeof stats);
	if (!hc_store_load(s, l, &stats, err, sizeof err))
		fail_msg("load: %s", err);
	(void)cfg;
	return l;
}

static struct hc_store *open_store(const struct fixture *f)
{
	char err[256] = "";
	struct hc_store *s = hc_store_open(f->db_path, f->cfg, err, sizeof err);
	if (s == NULL)
		fail_msg("open: %s", err);
	return s;
}

static void undo_row_is_stored_and_loaded_back_as_its_own_row(void **state)
{
	struct fixture *f = *state;
	struct hc_store *s = open_store(f);
	struct hc_ledger_row rows[2] = {
		{ .seq = 1, .incarnation = INC, .entered = 4, .exited = 1 },
		{ .seq = 2, .incarnation = INC, .undo_entered = 1 },
	};
	bool inserted[2];
	char err[256];
	assert_true(hc_store_commit(s, rows, 2, inserted, err, sizeof err));
	hc_store_close(s);

	s = open_store(f);
	struct hc_ledger *l = load(s, f->cfg);
	int64_t in, out, undo_in, undo_out;
	hc_ledger_area_totals(l, 0, &in, &out);
	hc_ledger_area_undone(l, 0, &undo_in, &undo_out);
	assert_int_equal(in, 3);
	assert_int_equal(out, 1);
	assert_int_equal(undo_in, 1);
	assert_int_equal(undo_out, 0);
	hc_ledger_free(l);
	hc_store_close(s);
}

/* The ledger table as schema 2 made it, with one row. */
static void make_schema_2_database(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(
			db,
			"CREATE TABLE ledger (id INTEGER PRIMARY KEY, source TEXT NOT NULL,"
			" incarnation TEXT NOT NULL, seq INTEGER NOT NULL, area TEXT NOT NULL,"
			" entered INTEGER NOT NULL, exited INTEGER NOT NULL,"
			" received_at_ms INTEGER NOT NULL, UNIQUE(source, incarnation, seq));"
			"INSERT INTO ledger (source, incarnation, seq, area, entered, exited,"
			" received_at_ms) VALUES ('t1', '00000000000000a1', 1, 'hall', 7, 2, 1);"
			"PRAGMA user_version = 2;",
			NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
}

static void schema_2_database_is_upgraded_with_its_rows(void **state)
{
	struct fixture *f = *state;
	make_schema_2_database(f->db_path);
	struct hc_store *s = open_store(f);
	struct hc_ledger *l = load(s, f->cfg);
	int64_t in, out;
	hc_ledger_area_totals(l, 0, &in, &out);
	assert_int_equal(in, 7);
	assert_int_equal(out, 2);
	struct hc_ledger_row undo = { .seq = 2, .incarnation = INC, .undo_exited = 1 };
	bool inserted;
	char err[256];
	assert_true(hc_store_commit(s, &undo, 1, &inserted, err, sizeof err));
	assert_true(inserted);
	hc_ledger_free(l);
	hc_store_close(s);

	s = open_store(f);
	l = load(s, f->cfg);
	hc_ledger_area_totals(l, 0, &in, &out);
	assert_int_equal(in, 7);
	assert_int_equal(out, 1);
	hc_ledger_free(l);
	hc_store_close(s);
}

/* A read-only database cannot be upgraded nor written: it is refused at
 * open with a message that says so, and the file stays as it was. */
static void read_only_schema_2_database_is_refused_unchanged(void **state)
{
	struct fixture *f = *state;
	make_schema_2_database(f->db_path);
	char uri[256], err[256] = "";
	snprintf(uri, sizeof uri, "file:%s?mode=ro", f->db_path);
	struct hc_store *s = hc_store_open(uri, f->cfg, err, sizeof err);
	if (s != NULL) {
		hc_store_close(s);
		fail_msg("a read-only database was opened for writing");
	}
	assert_non_null(strstr(err, "read-only"));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(f->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_not_equal(sqlite3_prepare_v2(db, "SELECT undo_entered FROM ledger;", -1, &st,
						NULL),
			     SQLITE_OK);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(undo_row_is_stored_and_loaded_back_as_its_own_row,
						setup, teardown),
		cmocka_unit_test_setup_teardown(schema_2_database_is_upgraded_with_its_rows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(read_only_schema_2_database_is_refused_unchanged,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
