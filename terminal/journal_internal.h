/*
 * journal_internal.h — what the journal's files share (terminal/journal*.c
 * only; everyone else uses journal.h).
 *
 * The journal is one SQLite connection and the text of the last failure.
 * journal.c opens it (schema, upgrade, identity); journal_presses.c
 * writes presses, undos and the batches cut from them; journal_replay.c
 * writes acks and rebuilds the outbox on start; journal_sql.c holds the
 * small SQLite helpers below. Every helper records why it failed in
 * last_error (journal_fail) and returns false, NULL or -1.
 */
#ifndef HC_TERMINAL_JOURNAL_INTERNAL_H
#define HC_TERMINAL_JOURNAL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "shared/limits.h"
#include "terminal/journal.h"

struct hc_journal {
	sqlite3 *db;
	char last_error[256]; /* why the last call failed */
	char path[4096];
	char terminal[HC_ID_LEN_MAX + 1];
	uint64_t incarnation;
};

/* Records why a journal call failed. Logged at debug level: the caller
 * (station.c) reports a fault episode once, with this text, instead of a
 * line per retry while a disk stays full. */
void journal_fail(struct hc_journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs sql without results; records and returns false on error. */
bool journal_exec(struct hc_journal *j, const char *sql);
/* Prepares sql; records and returns NULL on error. */
sqlite3_stmt *journal_prepare(struct hc_journal *j, const char *sql);
/* Steps a statement that returns no row; records and returns false on error. */
bool journal_step_done(struct hc_journal *j, sqlite3_stmt *st);
/* Runs a query returning one row of up to two integers (b may be NULL). */
bool journal_query_int64s(struct hc_journal *j, const char *sql, int64_t *a, int64_t *b);
/* The last press row and whether an undo already refers to it: returns
 * 1 found (fills id, dir, undone), 0 when there is no press, -1 error. */
int journal_last_press(struct hc_journal *j, int64_t *id, int *dir, bool *undone);

/* Unbatched presses that count: not undos, and not cancelled by one. */
#define SQL_PENDING_PRESS                                               \
	"seq IS NULL AND undo_of IS NULL AND NOT EXISTS (SELECT 1 FROM" \
	" presses u WHERE u.undo_of = presses.id)"
/* Undos waiting for a batch: their press went out in an earlier one. */
#define SQL_PENDING_UNDO                                             \
	"seq IS NULL AND undo_of IS NOT NULL AND (SELECT t.seq FROM" \
	" presses t WHERE t.id = presses.undo_of) IS NOT NULL"

#endif
