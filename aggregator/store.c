/*
 * store.c — the ledger table in SQLite: open, load at start-up, commit.
 *
 * Relies on: SQLite 3 (WAL), the venue config for index <-> id mapping,
 * shared/protocol.h for the incarnation text form, shared/log.h.
 *
 * Promises:
 *   - durability: journal_mode=WAL with synchronous=FULL, so a commit that
 *     returned ok survives a process crash and a power cut; the aggregator
 *     acknowledges nothing before that;
 *   - atomicity: a commit writes all its rows or none (ROLLBACK on any
 *     error), so a failed commit leaves the table exactly as it was;
 *   - append-only: rows are only ever inserted (INSERT OR IGNORE against
 *     UNIQUE(source, incarnation, seq)); nothing here updates or deletes.
 *
 * Loading streams the table in rowid order (a sequential scan) and maps
 * ids through hash indexes built from the config; one terminal's rows come
 * in commit order, nearly ascending by seq, so the ledger extends its
 * intervals in constant time. Target: serving again within about a
 * second with a million rows.
 */
#include "aggregator/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "shared/log.h"
#include "shared/protocol.h"

struct hc_store {
	sqlite3 *db;
	sqlite3_stmt *insert;
	const struct hc_venue_cfg *cfg;
	char path[PATH_MAX];
};

static const char *const schema_sql =
	"CREATE TABLE IF NOT EXISTS ledger ("
	" id INTEGER PRIMARY KEY,"
	" source TEXT NOT NULL,"
	" incarnation TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" area TEXT NOT NULL,"
	" entered INTEGER NOT NULL,"
	" exited INTEGER NOT NULL,"
	" received_at_ms INTEGER NOT NULL,"
	" UNIQUE(source, incarnation, seq));";

static const char *const insert_sql =
	"INSERT OR IGNORE INTO ledger"
	" (source, incarnation, seq, area, entered, exited, received_at_ms)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);";

/* Table order (rowid), not index order: reading in the unique index's
 * order costs a table lookup per row (2 s for a million rows, measured)
 * where a plain scan takes 0.2 s. Rows of one terminal still arrive in
 * the order they were committed, so nearly ascending by seq, and the
 * ledger's interval insert stays at its constant-time tail case. */
static const char *const load_sql =
	"SELECT source, incarnation, seq, area, entered, exited FROM ledger;";

/* "message (code N)" for the last error on db. */
static void format_db_error(sqlite3 *db, int rc, const char *what, char *err,
			    size_t err_cap)
{
	snprintf(err, err_cap, "%s: %s (code %d)", what,
		 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
}

static bool exec_sql(sqlite3 *db, const char *sql, char *err, size_t err_cap)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(db, rc, sql, err, err_cap);
		return false;
	}
	return true;
}

/* Reads PRAGMA user_version. */
static bool read_user_version(sqlite3 *db, int *version, char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version;", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		goto fail;
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return true;
fail:
	format_db_error(db, rc, "PRAGMA user_version", err, err_cap);
	sqlite3_finalize(st);
	return false;
}

/* Creates the schema on a fresh database, checks it on an existing one. */
static bool ensure_schema(sqlite3 *db, bool read_only, char *err, size_t err_cap)
{
	int version = 0;
	if (!read_user_version(db, &version, err, err_cap))
		return false;
	if (version == HC_STORE_SCHEMA_VERSION || read_only)
		return true;
	if (version > HC_STORE_SCHEMA_VERSION) {
		snprintf(err, err_cap,
			 "database schema version %d is newer than this program's %d",
			 version, HC_STORE_SCHEMA_VERSION);
		return false;
	}
	char sql[600];
	snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
		 schema_sql, HC_STORE_SCHEMA_VERSION);
	if (!exec_sql(db, sql, err, err_cap)) {
		sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
		return false;
	}
	return true;
}

struct hc_store *hc_store_open(const char *path, const struct hc_venue_cfg *cfg,
			       char *err, size_t err_cap)
{
	struct hc_store *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, err_cap, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	snprintf(s->path, sizeof s->path, "%s", path);

	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
		    SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "open", err, err_cap);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	rc = sqlite3_busy_timeout(s->db, 5000);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "busy_timeout", err, err_cap);
		goto fail;
	}
	bool read_only = sqlite3_db_readonly(s->db, "main") == 1;
	if (!read_only && !exec_sql(s->db, "PRAGMA journal_mode=WAL;", err, err_cap))
		goto fail;
	if (!exec_sql(s->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
		      err, err_cap))
		goto fail;
	if (!ensure_schema(s->db, read_only, err, err_cap))
		goto fail;
	rc = sqlite3_prepare_v3(s->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT,
				&s->insert, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "prepare insert", err, err_cap);
		goto fail;
	}
	return s;
fail:
	hc_store_close(s);
	return NULL;
}

void hc_store_close(struct hc_store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->insert);
	if (s->db != NULL) {
		int rc = sqlite3_close(s->db);
		if (rc != SQLITE_OK)
			hc_error("store %s: close: %s (code %d)", s->path,
				 sqlite3_errmsg(s->db), rc);
	}
	free(s);
}

/* ---- loading ---------------------------------------------------------- */

/* Remembers ids already warned about, so each is logged once. */
struct warned_ids {
	char ids[64][HC_NAME_LEN_MAX + HC_ID_LEN_MAX + 2];
	int len;
	bool overflow_said;
};

static void warn_unknown_once(struct warned_ids *w, const char *kind,
			      const char *id, const char *path)
{
	for (int i = 0; i < w->len; i++)
		if (strcmp(w->ids[i], id) == 0)
			return;
	if (w->len == (int)(sizeof w->ids / sizeof w->ids[0])) {
		if (!w->overflow_said)
			hc_warn("store %s: more unknown ids than are worth listing",
				path);
		w->overflow_said = true;
		return;
	}
	snprintf(w->ids[w->len++], sizeof w->ids[0], "%s", id);
	hc_warn("store %s: ledger rows of %s \"%s\", not in the venue config",
		path, kind, id);
}

/* Column text of a row, "" when NULL. */
static const char *column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

/* An open-addressing hash of config ids to their index, so a row's
 * source and area are found in constant time whatever the row order. */
struct id_index {
	const char **ids;            /* slot -> id, NULL when empty */
	uint32_t *indexes;           /* slot -> index in the config */
	size_t mask;
};

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL;     /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Builds the index of count ids, each at (char *)base + i * stride. */
static bool id_index_build(struct id_index *x, const char *base, size_t stride,
			   int count)
{
	size_t slots = 16;
	while (slots < 2 * (size_t)count)
		slots *= 2;
	x->ids = calloc(slots, sizeof *x->ids);
	x->indexes = calloc(slots, sizeof *x->indexes);
	x->mask = slots - 1;
	if (x->ids == NULL || x->indexes == NULL)
		return false;
	for (int i = 0; i < count; i++) {
		const char *id = base + (size_t)i * stride;
		size_t slot = hash_id(id) & x->mask;
		while (x->ids[slot] != NULL)
			slot = (slot + 1) & x->mask;
		x->ids[slot] = id;
		x->indexes[slot] = (uint32_t)i;
	}
	return true;
}

/* Index of id, or UINT32_MAX. */
static uint32_t id_index_find(const struct id_index *x, const char *id)
{
	for (size_t slot = hash_id(id) & x->mask; x->ids[slot] != NULL;
	     slot = (slot + 1) & x->mask)
		if (strcmp(x->ids[slot], id) == 0)
			return x->indexes[slot];
	return UINT32_MAX;
}

static void id_index_free(struct id_index *x)
{
	free(x->ids);
	free(x->indexes);
}

/* Loading state: the id indexes, the warned ids, and lookups cached from
 * the previous row (consecutive rows often share them). */
struct loader {
	struct id_index terminals;
	struct id_index areas;
	struct warned_ids warned;
	char last_source[HC_NAME_LEN_MAX + HC_ID_LEN_MAX + 2];
	uint32_t last_terminal;
	char last_inc_text[HC_INCARNATION_HEX_LEN + 1];
	uint64_t last_inc;
	char last_area[HC_ID_LEN_MAX + 1];
	uint32_t last_area_index;
};

static uint32_t loader_terminal(struct loader *ld, const char *source, const char *path)
{
	if (strcmp(source, ld->last_source) != 0) {
		snprintf(ld->last_source, sizeof ld->last_source, "%s", source);
		ld->last_terminal = id_index_find(&ld->terminals, source);
		if (ld->last_terminal == UINT32_MAX) {
			ld->last_terminal = HC_LEDGER_NO_TERMINAL;
			warn_unknown_once(&ld->warned, "source", source, path);
		}
	}
	return ld->last_terminal;
}

static uint64_t loader_incarnation(struct loader *ld, const char *text)
{
	if (strcmp(text, ld->last_inc_text) != 0) {
		snprintf(ld->last_inc_text, sizeof ld->last_inc_text, "%s", text);
		/* Not a terminal's (a correction's): seqs are not tracked. */
		if (!hc_proto_parse_incarnation(text, &ld->last_inc))
			ld->last_inc = 0;
	}
	return ld->last_inc;
}

static uint32_t loader_area(struct loader *ld, const char *area, const char *path)
{
	if (ld->last_area_index == UINT32_MAX - 1 || strcmp(area, ld->last_area) != 0) {
		snprintf(ld->last_area, sizeof ld->last_area, "%s", area);
		ld->last_area_index = id_index_find(&ld->areas, area);
		if (ld->last_area_index == UINT32_MAX) {
			ld->last_area_index = HC_LEDGER_NO_AREA;
			warn_unknown_once(&ld->warned, "area", area, path);
		}
	}
	return ld->last_area_index;
}

bool hc_store_load(struct hc_store *s, struct hc_ledger *l,
		   struct hc_store_load_stats *stats, char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	struct loader *ld = calloc(1, sizeof *ld);
	memset(stats, 0, sizeof *stats);
	if (ld == NULL ||
	    !id_index_build(&ld->terminals, s->cfg->terminals[0].id,
			    sizeof s->cfg->terminals[0], s->cfg->terminal_count) ||
	    !id_index_build(&ld->areas, s->cfg->areas[0].id, sizeof s->cfg->areas[0],
			    s->cfg->area_count)) {
		snprintf(err, err_cap, "out of memory");
		goto fail;
	}
	ld->last_terminal = HC_LEDGER_NO_TERMINAL;
	ld->last_area_index = UINT32_MAX - 1;     /* nothing cached yet */
	int rc = sqlite3_prepare_v2(s->db, load_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "prepare load", err, err_cap);
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *source = column_text(st, 0);
		struct hc_ledger_row row = {
			.terminal_index = loader_terminal(ld, source, s->path),
			.incarnation = loader_incarnation(ld, column_text(st, 1)),
			.seq = sqlite3_column_int64(st, 2),
			.area_index = loader_area(ld, column_text(st, 3), s->path),
			.entered = sqlite3_column_int64(st, 4),
			.exited = sqlite3_column_int64(st, 5),
		};
		stats->rows++;
		if (row.entered < 0 || row.exited < 0 || row.seq < 1) {
			snprintf(err, err_cap,
				 "row of %s seq %" PRId64 " has a negative count or seq",
				 source, row.seq);
			goto fail;
		}
		if (row.terminal_index == HC_LEDGER_NO_TERMINAL)
			stats->rows_unknown_source++;
		if (row.area_index == HC_LEDGER_NO_AREA)
			stats->rows_unknown_area++;
		hc_ledger_load_row(l, &row);
	}
	if (rc != SQLITE_DONE) {
		format_db_error(s->db, rc, "load", err, err_cap);
		goto fail;
	}
	sqlite3_finalize(st);
	id_index_free(&ld->terminals);
	id_index_free(&ld->areas);
	free(ld);
	return true;
fail:
	sqlite3_finalize(st);
	if (ld != NULL) {
		id_index_free(&ld->terminals);
		id_index_free(&ld->areas);
	}
	free(ld);
	return false;
}

/* ---- commit ----------------------------------------------------------- */

/* Binds and runs the prepared insert for one row. */
static int insert_row(struct hc_store *s, const struct hc_ledger_row *row,
		      bool *inserted)
{
	const struct hc_venue_cfg *cfg = s->cfg;
	if (row->terminal_index >= (uint32_t)cfg->terminal_count ||
	    row->area_index >= (uint32_t)cfg->area_count)
		return SQLITE_MISUSE;
	char inc[HC_INCARNATION_HEX_LEN + 1];
	hc_proto_format_incarnation(row->incarnation, inc);
	sqlite3_stmt *st = s->insert;
	int rc;
	if ((rc = sqlite3_reset(st)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 1, cfg->terminals[row->terminal_index].id, -1,
				    SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 2, inc, -1, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, row->seq)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 4, cfg->areas[row->area_index].id, -1,
				    SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, row->entered)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, row->exited)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 7, row->received_at_ms)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return rc;
	*inserted = sqlite3_changes(s->db) == 1;
	sqlite3_reset(st);
	return SQLITE_OK;
}

bool hc_store_commit(struct hc_store *s, const struct hc_ledger_row *rows,
		     size_t n, bool *inserted, char *err, size_t err_cap)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "begin", err, err_cap);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		rc = insert_row(s, &rows[i], &inserted[i]);
		if (rc != SQLITE_OK) {
			format_db_error(s->db, rc, "insert", err, err_cap);
			goto fail;
		}
	}
	rc = sqlite3_exec(s->db, "COMMIT;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "commit", err, err_cap);
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
