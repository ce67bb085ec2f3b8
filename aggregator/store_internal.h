/*
 * store_internal.h — what the files of the store share (store.c,
 * store_load.c, store_commit.c); nothing outside them includes it.
 *
 * One connection per store, used by one thread at a time: the loop's
 * while loading, then only the committer's worker thread.
 */
#ifndef HC_STORE_INTERNAL_H
#define HC_STORE_INTERNAL_H

#include <limits.h>
#include <stddef.h>

#include <sqlite3.h>

#include "aggregator/slots.h"
#include "aggregator/store.h"
#include "aggregator/store_checkpoint.h"

enum record_stmt {
	ST_AUDIT,
	ST_OVERRIDE_SET,
	ST_OVERRIDE_DELETE,
	ST_ADJUSTMENT,
	ST_SAMPLE,
	ST_COUNT
};

struct hc_store {
	sqlite3 *db;
	sqlite3_stmt *insert;
	int insert_params;		 /* its parameter count: 9 from schema 3 on */
	sqlite3_stmt *begin;		 /* BEGIN IMMEDIATE, prepared once */
	sqlite3_stmt *commit;		 /* COMMIT, prepared once */
	sqlite3_stmt *records[ST_COUNT]; /* prepared on first use */
	const struct hc_venue_cfg *cfg;
	struct hc_slots *sources; /* NULL: indexes are config positions */
	struct hc_slots *areas;
	struct hc_checkpointer *checkpointer; /* NULL: SQLite checkpoints itself */
	int lock_fd;			      /* PATH.lock, flock()ed; -1: none */
	char path[PATH_MAX];
};

/* "what: message (code N)" for the last error on db into err. */
void hc_store_db_error(sqlite3 *db, int rc, const char *what, char *err, size_t err_cap);
/* Column text of a row, "" when NULL. */
const char *hc_store_column_text(sqlite3_stmt *st, int col);
/* Runs sql; false with err on failure. */
bool hc_store_exec(sqlite3 *db, const char *sql, char *err, size_t err_cap);

#endif
