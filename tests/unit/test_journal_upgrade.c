/*
 * test_journal_upgrade.c — a terminal journal written before UNDO
 * (schema 1) opens with the new program: it gains the undo columns in
 * place, keeps its incarnation, presses and batches exactly, resends its
 * unacked batch unchanged, and can then store an undo; `status` reads
 * it too, even before a terminal of this version opened it.
 *
 * The schema 1 file is made with plain SQLite, as that version wrote it.
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

#include <sqlite3.h>

#include "terminal/journal.h"
#include "terminal/outbox.h"

static void v1_journal_is_upgraded_with_everything_it_held(void **state)
{
	(void)state;
	char dir[] = "/tmp/hc-journal-up-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/terminal-t1.db", dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "PRAGMA journal_mode=WAL;"
			     "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
			     "CREATE TABLE presses(id INTEGER PRIMARY KEY,"
			     " dir INTEGER NOT NULL CHECK (dir IN (0, 1)),"
			     " at_ms INTEGER NOT NULL, seq INTEGER NULL);"
			     "CREATE INDEX presses_unbatched ON presses(dir, id) WHERE seq IS NULL;"
			     "CREATE TABLE batches(seq INTEGER PRIMARY KEY,"
			     " entered INTEGER NOT NULL CHECK (entered >= 0),"
			     " exited INTEGER NOT NULL CHECK (exited >= 0),"
			     " created_ms INTEGER NOT NULL, acked_ms INTEGER NULL,"
			     " duplicate INTEGER NOT NULL DEFAULT 0);"
			     "INSERT INTO meta VALUES ('schema_version', '1'), ('terminal', 't1'),"
			     " ('incarnation', '00000000000000b2');"
			     "INSERT INTO presses(dir, at_ms, seq) VALUES (0, 1, 1), (0, 2, 1),"
			     " (1, 3, 1), (0, 4, NULL);"
			     "INSERT INTO batches VALUES (1, 2, 1, 10, NULL, 0);",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	char err[256] = "";
	/* `headcount-terminal status` first: it reads the old journal. */
	struct hc_journal *j = hc_journal_open_existing(path, NULL, err, sizeof err);
	if (j == NULL)
		fail_msg("open for status: %s", err);
	struct hc_journal_status st;
	assert_true(hc_journal_status(j, &st));
	assert_int_equal(st.pressed_in, 3);
	assert_int_equal(st.pressed_out, 1);
	assert_int_equal(st.undone_in, 0);
	assert_int_equal(st.pending_in, 3);
	hc_journal_close(j);

	j = hc_journal_open(path, "t1", err, sizeof err);
	if (j == NULL)
		fail_msg("open: %s", err);
	assert_true(hc_journal_incarnation(j) == 0xb2);
	struct hc_outbox *o = malloc(sizeof *o);
	assert_non_null(o);
	hc_outbox_init(o, 2000, 5000, 1000000);
	assert_true(hc_journal_restore(j, o));
	assert_int_equal(o->next_seq, 2);
	assert_int_equal(o->pending_entered, 1);
	assert_int_equal(o->unacked_count, 1);
	assert_int_equal(o->unacked[0].entered, 2);
	assert_int_equal(o->unacked[0].exited, 1);
	assert_int_equal(o->unacked[0].undo_entered, 0);
	/* the last press (the pending 'in') can be undone */
	enum hc_direction last_dir;
	assert_true(hc_outbox_can_undo(o, &last_dir));
	assert_int_equal(last_dir, HC_DIR_IN);
	struct hc_press u = { .dir = HC_DIR_IN, .at_ms = 5, .undo = true };
	assert_true(hc_journal_record_presses(j, &u, 1));
	assert_int_equal(hc_outbox_undone(o), HC_UNDO_LEFT_PENDING);
	hc_journal_close(j);

	j = hc_journal_open(path, "t1", err, sizeof err);
	assert_non_null(j);
	hc_outbox_init(o, 2000, 5000, 1000000);
	assert_true(hc_journal_restore(j, o));
	assert_int_equal(o->pending_entered, 0);
	assert_false(hc_outbox_can_undo(o, NULL));
	hc_journal_close(j);
	free(o);

	const char *suffixes[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		unlink(p);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1_journal_is_upgraded_with_everything_it_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
