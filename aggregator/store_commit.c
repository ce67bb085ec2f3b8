/*
 * store_commit.c — the group commit's transaction: ledger rows and
 * records (audit, overrides, adjustments, samples) in one BEGIN
 * IMMEDIATE ... COMMIT.
 *
 * Relies on: store.c (the open connection and its prepared insert,
 * store_internal.h), the slot tables or the config for index -> id.
 *
 * Promises: all or nothing (ROLLBACK on any error, and inserted[] all
 * false); append-only for the ledger (INSERT OR IGNORE against
 * UNIQUE(source, incarnation, seq), so the store is the final arbiter of
 * "applied once"); durable when it returns true (WAL, synchronous=FULL).
 * Runs on the committer's thread only.
 */
#include "aggregator/store.h"
#include "aggregator/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "aggregator/history.h"
#include "shared/hex.h"
#include "shared/log.h"
#include "shared/protocol.h"

static const char *const record_sql[ST_COUNT] = {
	[ST_AUDIT] = "INSERT INTO audit (at_ms, who, action, target, detail_json, reason)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6);",
	[ST_OVERRIDE_SET] = "INSERT OR REPLACE INTO overrides"
			    " (target, id, mode, who, at_ms, reason)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6);",
	[ST_OVERRIDE_DELETE] = "DELETE FROM overrides WHERE target = ?1 AND id = ?2;",
	[ST_ADJUSTMENT] = "INSERT OR REPLACE INTO adjustments"
			  " (target, id, settings_json, who, at_ms, reason)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6);",
	[ST_SAMPLE] = "INSERT OR REPLACE INTO samples"
		      " (area, minute_ms, occupancy, level, restricted, entered, exited)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);",
};

/* ---- commit ----------------------------------------------------------- */

/* Binds and runs the prepared insert for one row. */
static int insert_row(struct hc_store *s, const struct hc_ledger_row *row, bool *inserted)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	const char *source, *area;
	if (s->sources != NULL) {
		if (row->terminal_index >= hc_slots_count(s->sources) ||
		    row->area_index >= hc_slots_count(s->areas))
			return SQLITE_MISUSE;
		source = hc_slots_id(s->sources, row->terminal_index);
		area = hc_slots_id(s->areas, row->area_index);
	} else {
		if (row->terminal_index >= (uint32_t)cfg->terminal_count ||
		    row->area_index >= (uint32_t)cfg->area_count)
			return SQLITE_MISUSE;
		source = cfg->terminals[row->terminal_index].id;
		area = cfg->areas[row->area_index].id;
	}
	/* The incarnation's 16 hex digits (hc_proto_format_incarnation's
	 * spelling: big-endian, lower case), without snprintf: this runs
	 * once per row. */
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(row->incarnation >> (56 - 8 * i));
	char inc[HC_INCARNATION_HEX_LEN + 1];
	hc_hex_encode(be, sizeof be, inc);
	sqlite3_stmt *st = s->insert;
	int rc;
	/* The statement is reset after every step (here and on the fail
	 * path of the commit), so it is ready; inc outlives the step, so
	 * SQLite need not copy it. */
	if ((rc = sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 2, inc, HC_INCARNATION_HEX_LEN, SQLITE_STATIC)) !=
		    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, row->seq)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 4, area, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, row->entered)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, row->exited)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 7, row->received_at_ms)) != SQLITE_OK)
		return rc;
	if (s->insert_params >= 9 && /* schema 3 */
	    ((rc = sqlite3_bind_int64(st, 8, row->undo_entered)) != SQLITE_OK ||
	     (rc = sqlite3_bind_int64(st, 9, row->undo_exited)) != SQLITE_OK))
		return rc;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	*inserted = sqlite3_changes(s->db) == 1;
	return SQLITE_OK;
}

/* Runs one of the prepared transaction statements (begin, commit). */
static int step_once(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The prepared statement for a record kind, prepared on first use. */
static sqlite3_stmt *record_stmt(struct hc_store *s, enum record_stmt which, int *rc)
{
	if (s->records[which] == NULL)
		*rc = sqlite3_prepare_v3(s->db, record_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
					 &s->records[which], NULL);
	return s->records[which];
}

/* Binds text parameters 1..n of st from texts (NULL: skip). */
static int bind_texts(sqlite3_stmt *st, const char *const *texts, int n)
{
	for (int i = 0; i < n; i++) {
		if (texts[i] == NULL)
			continue;
		int rc = sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* Writes one record with its kind's statement. One piece (about 60
 * lines): a switch with one short case per record kind, each binding
 * its own columns; the statement is reset on the one way out. */
static int write_record(struct hc_store *s, const struct hc_store_record *r)
{
	int rc = SQLITE_OK;
	sqlite3_stmt *st = NULL;
	switch (r->kind) {
	case HC_RECORD_AUDIT: {
		char target[sizeof r->target + sizeof r->id + 1];
		snprintf(target, sizeof target, "%s:%s", r->target, r->id);
		st = record_stmt(s, ST_AUDIT, &rc);
		if (st == NULL)
			return rc;
		const char *texts[] = { NULL, r->who, r->action, target, r->text, r->reason };
		sqlite3_reset(st);
		if ((rc = sqlite3_bind_int64(st, 1, r->at_ms)) != SQLITE_OK ||
		    (rc = bind_texts(st, texts, 6)) != SQLITE_OK)
			return rc;
		rc = sqlite3_step(st);
		break;
	}
	case HC_RECORD_OVERRIDE: {
		bool release = strcmp(r->text, "auto") == 0;
		st = record_stmt(s, release ? ST_OVERRIDE_DELETE : ST_OVERRIDE_SET, &rc);
		if (st == NULL)
			return rc;
		const char *texts[] = { r->target, r->id, r->text, r->who, NULL, r->reason };
		sqlite3_reset(st);
		if ((rc = bind_texts(st, texts, release ? 2 : 6)) != SQLITE_OK ||
		    (!release && (rc = sqlite3_bind_int64(st, 5, r->at_ms)) != SQLITE_OK))
			return rc;
		rc = sqlite3_step(st);
		break;
	}
	case HC_RECORD_ADJUSTMENT: {
		st = record_stmt(s, ST_ADJUSTMENT, &rc);
		if (st == NULL)
			return rc;
		const char *texts[] = { r->target, r->id, r->text, r->who, NULL, r->reason };
		sqlite3_reset(st);
		if ((rc = bind_texts(st, texts, 6)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(st, 5, r->at_ms)) != SQLITE_OK)
			return rc;
		rc = sqlite3_step(st);
		break;
	}
	case HC_RECORD_SAMPLE: {
		st = record_stmt(s, ST_SAMPLE, &rc);
		if (st == NULL)
			return rc;
		sqlite3_reset(st);
		if ((rc = sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(st, 2, r->minute_ms)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(st, 3, r->occupancy)) != SQLITE_OK ||
		    (rc = sqlite3_bind_text(st, 4, r->level, -1, SQLITE_STATIC)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int(st, 5, r->restricted ? 1 : 0)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(st, 6, r->entered)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(st, 7, r->exited)) != SQLITE_OK)
			return rc;
		rc = sqlite3_step(st);
		break;
	}
	default: return SQLITE_MISUSE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

bool hc_store_commit(struct hc_store *s, const struct hc_ledger_row *rows, size_t n, bool *inserted,
		     char *err, size_t err_cap)
{
	return hc_store_commit_job(s, rows, n, inserted, NULL, 0, err, err_cap);
}

bool hc_store_commit_job(struct hc_store *s, const struct hc_ledger_row *rows, size_t n,
			 bool *inserted, const struct hc_store_record *records, size_t n_records,
			 char *err, size_t err_cap)
{
	int rc = step_once(s->begin);
	if (rc != SQLITE_OK) {
		hc_store_db_error(s->db, rc, "begin", err, err_cap);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		rc = insert_row(s, &rows[i], &inserted[i]);
		if (rc != SQLITE_OK) {
			hc_store_db_error(s->db, rc, "insert", err, err_cap);
			goto fail;
		}
	}
	for (size_t i = 0; i < n_records; i++) {
		rc = write_record(s, &records[i]);
		if (rc != SQLITE_OK) {
			hc_store_db_error(s->db, rc, "record", err, err_cap);
			goto fail;
		}
	}
	rc = step_once(s->commit);
	if (rc != SQLITE_OK) {
		hc_store_db_error(s->db, rc, "commit", err, err_cap);
		goto fail;
	}
	return true;
fail:
	sqlite3_reset(s->insert);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		inserted[i] = false;
	return false;
}
