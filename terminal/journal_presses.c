/*
 * journal_presses.c — writing presses, undos and the batches cut from
 * them into the terminal's journal (journal.h, journal_internal.h).
 *
 * Each call is one transaction: a press and its undo bookkeeping, or a
 * batch row together with the presses it takes, are stored whole or not
 * at all. Promises the outbox that what it was told was stored is on
 * disk (WAL, synchronous=FULL) when the call returns true.
 */
#include "terminal/journal.h"
#include "terminal/journal_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "shared/log.h"
#include "shared/protocol.h"

int journal_last_press(struct hc_journal *j, int64_t *id, int *dir, bool *undone)
{
	sqlite3_stmt *st = journal_prepare(j,
					   "SELECT p.id, p.dir, EXISTS (SELECT 1 FROM presses u"
					   " WHERE u.undo_of = p.id) FROM presses p"
					   " WHERE p.undo_of IS NULL ORDER BY p.id DESC LIMIT 1");
	if (st == NULL)
		return -1;
	int found = -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*dir = sqlite3_column_int(st, 1);
		*undone = sqlite3_column_int(st, 2) != 0;
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		journal_fail(j, "reading the last press failed: %s", sqlite3_errmsg(j->db));
	}
	sqlite3_finalize(st);
	return found;
}

/* Inserts an undo row for the last press, which must be of dir and not
 * undone yet (the outbox decided so; a mismatch is a fault, not a
 * guess). */
static bool insert_undo(struct hc_journal *j, enum hc_direction dir, int64_t at_ms)
{
	int64_t id = 0;
	int last_dir = 0;
	bool undone = false;
	int found = journal_last_press(j, &id, &last_dir, &undone);
	if (found < 0)
		return false;
	int want_dir = dir == HC_DIR_IN ? 0 : 1;
	if (found == 0 || undone || last_dir != want_dir) {
		journal_fail(j, "undo refused: the last press is %s",
			     found == 0 ? "missing"
			     : undone	? "undone already"
					: "of the other direction");
		return false;
	}
	sqlite3_stmt *st = journal_prepare(j, "INSERT INTO presses(dir, at_ms, seq, undo_of)"
					      " VALUES (?1, ?2, NULL, ?3)");
	if (st == NULL)
		return false;
	sqlite3_bind_int(st, 1, want_dir);
	sqlite3_bind_int64(st, 2, at_ms);
	sqlite3_bind_int64(st, 3, id);
	bool ok = journal_step_done(j, st);
	sqlite3_finalize(st);
	return ok;
}

/* Runs body(j, arg) inside one write transaction (BEGIN IMMEDIATE ..
 * COMMIT): true when it and the commit succeeded; on any failure the
 * transaction is rolled back, so nothing of it is stored. body records
 * why it failed (journal_fail) and releases what it prepared. */
static bool in_write_transaction(struct hc_journal *j,
				 bool (*body)(struct hc_journal *j, const void *arg),
				 const void *arg)
{
	if (!journal_exec(j, "BEGIN IMMEDIATE;"))
		return false;
	if (body(j, arg) && journal_exec(j, "COMMIT;"))
		return true;
	(void)sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL);
	return false;
}

struct press_list {
	const struct hc_press *p;
	size_t n;
};

/* The body of hc_journal_record_presses: one row per press, an undo
 * row for each undo. */
static bool insert_presses(struct hc_journal *j, const void *arg)
{
	const struct press_list *list = arg;
	const struct hc_press *p = list->p;
	sqlite3_stmt *st =
		journal_prepare(j, "INSERT INTO presses(dir, at_ms, seq) VALUES (?1, ?2, NULL)");
	if (st == NULL)
		return false;
	for (size_t i = 0; i < list->n; i++) {
		if (p[i].undo) {
			if (!insert_undo(j, p[i].dir, p[i].at_ms))
				goto fail;
			continue;
		}
		sqlite3_bind_int(st, 1, p[i].dir == HC_DIR_IN ? 0 : 1);
		sqlite3_bind_int64(st, 2, p[i].at_ms);
		if (!journal_step_done(j, st))
			goto fail;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return true;
fail:
	sqlite3_finalize(st);
	return false;
}

bool hc_journal_record_presses(struct hc_journal *j, const struct hc_press *p, size_t n)
{
	if (n == 0)
		return true;
	const struct press_list list = { p, n };
	return in_write_transaction(j, insert_presses, &list);
}

/* Marks the first count pending presses (or, with undo, pending undos)
 * of dir with seq; checks that exactly count rows changed. */
static bool mark_presses(struct hc_journal *j, int dir, bool undo, int64_t count, int64_t seq)
{
	if (count == 0)
		return true;
	sqlite3_stmt *st =
		journal_prepare(j, undo ? "UPDATE presses SET seq = ?1 WHERE id IN"
					  " (SELECT id FROM presses WHERE " SQL_PENDING_UNDO
					  "  AND dir = ?2 ORDER BY id LIMIT ?3)"
					: "UPDATE presses SET seq = ?1 WHERE id IN"
					  " (SELECT id FROM presses WHERE " SQL_PENDING_PRESS
					  "  AND dir = ?2 ORDER BY id LIMIT ?3)");
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int(st, 2, dir);
	sqlite3_bind_int64(st, 3, count);
	bool ok = journal_step_done(j, st);
	sqlite3_finalize(st);
	if (ok && sqlite3_changes(j->db) != count) {
		journal_fail(j, "batch %" PRId64 " claims %" PRId64 " %s %s but %d are unbatched",
			     seq, count, dir == 0 ? "in" : "out", undo ? "undos" : "presses",
			     sqlite3_changes(j->db));
		ok = false;
	}
	return ok;
}

struct batch_row {
	const struct hc_outbox_batch *b;
	int64_t created_ms;
};

/* The body of hc_journal_store_batch: the presses the batch takes are
 * marked with its seq, then its row is inserted. */
static bool insert_batch(struct hc_journal *j, const void *arg)
{
	const struct batch_row *row = arg;
	const struct hc_outbox_batch *b = row->b;
	if (!mark_presses(j, 0, false, b->entered, b->seq) ||
	    !mark_presses(j, 1, false, b->exited, b->seq) ||
	    !mark_presses(j, 0, true, b->undo_entered, b->seq) ||
	    !mark_presses(j, 1, true, b->undo_exited, b->seq))
		return false;
	sqlite3_stmt *st = journal_prepare(j,
					   "INSERT INTO batches(seq, entered, exited, created_ms,"
					   " acked_ms, duplicate, undo_entered, undo_exited)"
					   " VALUES (?1, ?2, ?3, ?4, NULL, 0, ?5, ?6)");
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, b->seq);
	sqlite3_bind_int64(st, 2, b->entered);
	sqlite3_bind_int64(st, 3, b->exited);
	sqlite3_bind_int64(st, 4, row->created_ms);
	sqlite3_bind_int64(st, 5, b->undo_entered);
	sqlite3_bind_int64(st, 6, b->undo_exited);
	bool ok = journal_step_done(j, st);
	sqlite3_finalize(st);
	return ok;
}

bool hc_journal_store_batch(struct hc_journal *j, const struct hc_outbox_batch *b,
			    int64_t created_ms)
{
	const struct batch_row row = { b, created_ms };
	return in_write_transaction(j, insert_batch, &row);
}
