/*
 * journal_sql.c — the journal's SQLite helpers (journal_internal.h).
 *
 * What lives here: recording a failure's text, running a statement,
 * preparing one, stepping one that returns no row, reading one row of
 * integers. Each records why it failed in the journal's last_error and
 * returns false or NULL; none logs above debug level.
 */
#include "terminal/journal_internal.h"

#include <stdarg.h>
#include <stdio.h>

#include "shared/log.h"

/* Records why a journal call failed. Logged at debug level here: the
 * caller (station.c) reports a fault episode once, with this text, instead
 * of a line per retry while a disk stays full. */
void journal_fail(struct hc_journal *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->last_error, sizeof j->last_error, fmt, ap);
	va_end(ap);
	hc_debug("journal %s: %s", j->path, j->last_error);
}

/* Runs sql without results; records and returns false on error. */
bool journal_exec(struct hc_journal *j, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		journal_fail(j, "\"%.60s\" failed: %s", sql,
			     msg != NULL ? msg : sqlite3_errmsg(j->db));
		sqlite3_free(msg);
		return false;
	}
	return true;
}

sqlite3_stmt *journal_prepare(struct hc_journal *j, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		journal_fail(j, "prepare \"%.60s\" failed: %s", sql, sqlite3_errmsg(j->db));
		return NULL;
	}
	return st;
}

/* Steps a statement that returns no row; logs on error. */
bool journal_step_done(struct hc_journal *j, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		journal_fail(j, "\"%.60s\" failed: %s", sqlite3_sql(st), sqlite3_errmsg(j->db));
		return false;
	}
	return true;
}

/* Runs a query returning one row of up to two integers. */
bool journal_query_int64s(struct hc_journal *j, const char *sql, int64_t *a, int64_t *b)
{
	sqlite3_stmt *st = journal_prepare(j, sql);
	if (st == NULL)
		return false;
	bool ok = false;
	if (sqlite3_step(st) != SQLITE_ROW) {
		journal_fail(j, "\"%.60s\" failed: %s", sql, sqlite3_errmsg(j->db));
		goto fail;
	}
	*a = sqlite3_column_int64(st, 0);
	if (b != NULL)
		*b = sqlite3_column_int64(st, 1);
	ok = true;
fail:
	sqlite3_finalize(st);
	return ok;
}
