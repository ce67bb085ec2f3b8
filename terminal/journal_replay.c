/*
 * journal_replay.c — acks, and the replay of the journal into the outbox
 * on start (journal.h, journal_internal.h).
 *
 * hc_journal_restore rebuilds next seq, pending presses, acked sums and
 * the unacked batches exactly as they were stored, never recomputing a
 * batch, so a restarted terminal resends the same (seq, entered, exited)
 * the aggregator may already have. hc_journal_status reads the same
 * figures for `headcount-terminal status`.
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

bool hc_journal_store_ack(struct hc_journal *j, int64_t seq, bool duplicate, int64_t acked_ms)
{
	sqlite3_stmt *st = journal_prepare(j, "UPDATE batches SET acked_ms = ?1, duplicate = ?2"
					      " WHERE seq = ?3 AND acked_ms IS NULL");
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, acked_ms);
	sqlite3_bind_int(st, 2, duplicate ? 1 : 0);
	sqlite3_bind_int64(st, 3, seq);
	bool ok = journal_step_done(j, st);
	sqlite3_finalize(st);
	return ok;
}

/* Reads the unacked batches in seq order into out (cap entries). */
static bool load_unacked(struct hc_journal *j, struct hc_outbox_batch *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st = journal_prepare(j,
					   "SELECT seq, entered, exited, undo_entered, undo_exited"
					   " FROM batches WHERE acked_ms IS NULL ORDER BY seq");
	if (st == NULL)
		return false;
	bool ok = false;
	size_t count = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			journal_fail(j, "more than %zu unacked batches", cap);
			goto fail;
		}
		out[count].seq = sqlite3_column_int64(st, 0);
		out[count].entered = sqlite3_column_int64(st, 1);
		out[count].exited = sqlite3_column_int64(st, 2);
		out[count].undo_entered = sqlite3_column_int64(st, 3);
		out[count].undo_exited = sqlite3_column_int64(st, 4);
		out[count].sent_at_ms = 0;
		count++;
	}
	if (rc != SQLITE_DONE) {
		journal_fail(j, "reading batches failed: %s", sqlite3_errmsg(j->db));
		goto fail;
	}
	*n = count;
	ok = true;
fail:
	sqlite3_finalize(st);
	return ok;
}

bool hc_journal_restore(struct hc_journal *j, struct hc_outbox *o)
{
	int64_t last_seq, pending_in, pending_out, acked_in, acked_out;
	int64_t undo_in, undo_out, acked_undo_in, acked_undo_out;
	int64_t last_id = 0;
	int last_dir = 0;
	bool last_undone = true;
	int last_found = 0;
	size_t n = 0;
	struct hc_outbox_batch *unacked = calloc(HC_OUTBOX_UNACKED_MAX, sizeof *unacked);
	bool ok = false;

	if (unacked == NULL) {
		journal_fail(j, "out of memory restoring");
		return false;
	}
	if (!journal_exec(j, "BEGIN;"))
		goto fail;
	bool read_ok = journal_query_int64s(j, "SELECT COALESCE(MAX(seq), 0) FROM batches",
					    &last_seq, NULL) &&
		       journal_query_int64s(j,
					    "SELECT COALESCE(SUM(dir = 0), 0),"
					    " COALESCE(SUM(dir = 1), 0)"
					    " FROM presses WHERE " SQL_PENDING_PRESS,
					    &pending_in, &pending_out) &&
		       journal_query_int64s(j,
					    "SELECT COALESCE(SUM(dir = 0), 0),"
					    " COALESCE(SUM(dir = 1), 0)"
					    " FROM presses WHERE " SQL_PENDING_UNDO,
					    &undo_in, &undo_out) &&
		       journal_query_int64s(j,
					    "SELECT COALESCE(SUM(entered), 0),"
					    " COALESCE(SUM(exited), 0)"
					    " FROM batches WHERE acked_ms IS NOT NULL",
					    &acked_in, &acked_out) &&
		       journal_query_int64s(j,
					    "SELECT COALESCE(SUM(undo_entered), 0),"
					    " COALESCE(SUM(undo_exited), 0)"
					    " FROM batches WHERE acked_ms IS NOT NULL",
					    &acked_undo_in, &acked_undo_out) &&
		       (last_found = journal_last_press(j, &last_id, &last_dir, &last_undone)) >=
			       0 &&
		       load_unacked(j, unacked, HC_OUTBOX_UNACKED_MAX, &n);
	(void)sqlite3_exec(j->db, "COMMIT;", NULL, NULL, NULL);
	if (!read_ok)
		goto fail;
	hc_outbox_restore(o, last_seq + 1, pending_in, pending_out, acked_in, acked_out, unacked,
			  n);
	hc_outbox_restore_undo(o, undo_in, undo_out, acked_undo_in, acked_undo_out,
			       last_found == 1 && !last_undone,
			       last_dir == 0 ? HC_DIR_IN : HC_DIR_OUT);
	ok = true;
fail:
	free(unacked);
	return ok;
}

bool hc_journal_status(struct hc_journal *j, struct hc_journal_status *st)
{
	memset(st, 0, sizeof *st);
	snprintf(st->terminal, sizeof st->terminal, "%s", j->terminal);
	st->incarnation = j->incarnation;
	if (!journal_exec(j, "BEGIN;"))
		return false;
	bool ok = journal_query_int64s(j,
				       "SELECT COALESCE(SUM(dir = 0), 0),"
				       " COALESCE(SUM(dir = 1), 0) FROM presses"
				       " WHERE undo_of IS NULL",
				       &st->pressed_in, &st->pressed_out) &&
		  journal_query_int64s(j,
				       "SELECT COALESCE(SUM(dir = 0), 0),"
				       " COALESCE(SUM(dir = 1), 0) FROM presses"
				       " WHERE undo_of IS NOT NULL",
				       &st->undone_in, &st->undone_out) &&
		  journal_query_int64s(j,
				       "SELECT COALESCE(SUM(entered - undo_entered), 0),"
				       " COALESCE(SUM(exited - undo_exited), 0)"
				       " FROM batches WHERE acked_ms IS NOT NULL",
				       &st->acked_in, &st->acked_out) &&
		  journal_query_int64s(j,
				       "SELECT COUNT(*) FROM batches"
				       " WHERE acked_ms IS NULL",
				       &st->unacked_batches, NULL) &&
		  journal_query_int64s(j, "SELECT COALESCE(MAX(seq), 0) FROM batches",
				       &st->last_seq, NULL);
	(void)sqlite3_exec(j->db, "COMMIT;", NULL, NULL, NULL);
	st->pending_in = st->pressed_in - st->undone_in - st->acked_in;
	st->pending_out = st->pressed_out - st->undone_out - st->acked_out;
	return ok;
}
