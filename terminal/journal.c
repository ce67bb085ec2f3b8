/*
 * journal.c — the terminal's SQLite journal (see journal.h).
 *
 * Relies on SQLite's WAL mode with synchronous=FULL: once COMMIT returns,
 * the transaction survives a crash or a power cut. Every function that
 * changes the journal is one transaction, so a crash leaves either all of
 * it or none of it. Promises the outbox an exact replay: hc_journal_restore
 * rebuilds next seq, pending presses, acked sums and the unacked batches
 * (seq, entered, exited) that were stored, never recomputing a batch.
 *
 * Schema (version 2):
 *   meta(key, value)            terminal id, incarnation (16 hex), version
 *   presses(id, dir, at_ms, seq, undo_of)
 *                               one row per press; seq NULL = in no batch.
 *                               An undo is a row of its own with undo_of =
 *                               the id of the press it takes back (and that
 *                               press's dir). An undo of a press that is in
 *                               no batch cancels it: neither is ever cut.
 *                               An undo of a batched press waits (seq NULL)
 *                               and is cut into a later batch as a delta.
 *   batches(seq, entered, exited, created_ms, acked_ms, duplicate,
 *           undo_entered, undo_exited)
 * Rows are never deleted; a version 1 journal gains the undo columns on
 * open (ALTER TABLE ... ADD COLUMN, defaults NULL and 0).
 *
 * The incarnation is 64 bits from mbedtls' CTR-DRBG seeded by its entropy
 * collector: a journal that was lost or replaced starts a new incarnation
 * so its fresh sequence numbers never collide with the old ones.
 */
#include "terminal/journal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <sqlite3.h>

#include "shared/log.h"
#include "shared/protocol.h"

#define JOURNAL_SCHEMA_VERSION "2"
#define JOURNAL_BUSY_TIMEOUT_MS 250

struct hc_journal {
	sqlite3 *db;
	char last_error[256];        /* why the last call failed */
	char path[4096];
	char terminal[HC_ID_LEN_MAX + 1];
	uint64_t incarnation;
};

static const char *const journal_schema_sql =
	"CREATE TABLE IF NOT EXISTS meta("
	" key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS presses("
	" id INTEGER PRIMARY KEY,"
	" dir INTEGER NOT NULL CHECK (dir IN (0, 1)),"
	" at_ms INTEGER NOT NULL,"
	" seq INTEGER NULL,"
	" undo_of INTEGER NULL);"
	"CREATE INDEX IF NOT EXISTS presses_unbatched"
	" ON presses(dir, id) WHERE seq IS NULL;"
	"CREATE TABLE IF NOT EXISTS batches("
	" seq INTEGER PRIMARY KEY,"
	" entered INTEGER NOT NULL CHECK (entered >= 0),"
	" exited INTEGER NOT NULL CHECK (exited >= 0),"
	" created_ms INTEGER NOT NULL,"
	" acked_ms INTEGER NULL,"
	" duplicate INTEGER NOT NULL DEFAULT 0,"
	" undo_entered INTEGER NOT NULL DEFAULT 0 CHECK (undo_entered >= 0),"
	" undo_exited INTEGER NOT NULL DEFAULT 0 CHECK (undo_exited >= 0));"
	"CREATE INDEX IF NOT EXISTS presses_undo ON presses(undo_of)"
	" WHERE undo_of IS NOT NULL;";

/* Version 1 -> 2: the undo columns. Runs once, inside the open's
 * transaction, before the index on undo_of is created. */
static const char *const journal_upgrade_1_sql =
	"ALTER TABLE presses ADD COLUMN undo_of INTEGER NULL;"
	"ALTER TABLE batches ADD COLUMN undo_entered INTEGER NOT NULL DEFAULT 0"
	" CHECK (undo_entered >= 0);"
	"ALTER TABLE batches ADD COLUMN undo_exited INTEGER NOT NULL DEFAULT 0"
	" CHECK (undo_exited >= 0);"
	"UPDATE meta SET value = '2' WHERE key = 'schema_version';";

/* Records why a journal call failed. Logged at debug level here: the
 * caller (station.c) reports a fault episode once, with this text, instead
 * of a line per retry while a disk stays full. */
static void journal_fail(struct hc_journal *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void journal_fail(struct hc_journal *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->last_error, sizeof j->last_error, fmt, ap);
	va_end(ap);
	hc_debug("journal %s: %s", j->path, j->last_error);
}

/* Runs sql without results; records and returns false on error. */
static bool exec_sql(struct hc_journal *j, const char *sql)
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

static sqlite3_stmt *prepare(struct hc_journal *j, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		journal_fail(j, "prepare \"%.60s\" failed: %s",
			 sql, sqlite3_errmsg(j->db));
		return NULL;
	}
	return st;
}

/* Steps a statement that returns no row; logs on error. */
static bool step_done(struct hc_journal *j, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		journal_fail(j, "\"%.60s\" failed: %s",
			 sqlite3_sql(st), sqlite3_errmsg(j->db));
		return false;
	}
	return true;
}

/* Runs a query returning one row of up to two integers. */
static bool query_int64s(struct hc_journal *j, const char *sql, int64_t *a,
			 int64_t *b)
{
	sqlite3_stmt *st = prepare(j, sql);
	if (st == NULL)
		return false;
	bool ok = false;
	if (sqlite3_step(st) != SQLITE_ROW) {
		journal_fail(j, "\"%.60s\" failed: %s", sql,
			 sqlite3_errmsg(j->db));
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

/* 64 random bits from mbedtls' entropy collector through CTR-DRBG; never
 * 0 so that "no incarnation" can never be mistaken for one. */
static bool new_incarnation(uint64_t *out)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	static const unsigned char personal[] = "headcount-terminal-incarnation";
	bool ok = false;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
				       personal, sizeof personal - 1);
	if (rc != 0) {
		hc_error("journal: seeding random generator failed: mbedtls -0x%04x",
			 (unsigned)-rc);
		goto fail;
	}
	uint64_t value = 0;
	while (value == 0) {
		unsigned char buf[8];
		rc = mbedtls_ctr_drbg_random(&drbg, buf, sizeof buf);
		if (rc != 0) {
			hc_error("journal: random generator failed: mbedtls -0x%04x",
				 (unsigned)-rc);
			goto fail;
		}
		for (size_t i = 0; i < sizeof buf; i++)
			value = (value << 8) | buf[i];
	}
	*out = value;
	ok = true;
fail:
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return ok;
}

/* Reads meta value for key into out; returns 1 found, 0 absent, -1 error. */
static int meta_get(struct hc_journal *j, const char *key, char *out,
		    size_t cap)
{
	sqlite3_stmt *st = prepare(j, "SELECT value FROM meta WHERE key = ?1");
	if (st == NULL)
		return -1;
	int found = -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		journal_fail(j, "reading meta %s failed: %s",
			 key, sqlite3_errmsg(j->db));
	}
	sqlite3_finalize(st);
	return found;
}

static bool meta_put(struct hc_journal *j, const char *key, const char *value)
{
	sqlite3_stmt *st =
		prepare(j, "INSERT INTO meta(key, value) VALUES (?1, ?2)");
	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	bool ok = step_done(j, st);
	sqlite3_finalize(st);
	return ok;
}

/* Sets the pragmas every connection needs: WAL, FULL sync, busy wait. */
static bool configure_connection(struct hc_journal *j, char *err,
				 size_t err_len)
{
	if (sqlite3_busy_timeout(j->db, JOURNAL_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    !exec_sql(j, "PRAGMA journal_mode=WAL;") ||
	    !exec_sql(j, "PRAGMA synchronous=FULL;")) {
		snprintf(err, err_len, "%s: cannot configure journal: %s",
			 j->path, sqlite3_errmsg(j->db));
		return false;
	}
	return true;
}

/* In one transaction: creates the schema when missing, then either makes
 * a new identity (fresh file) or checks the stored one. */
static bool load_or_create_identity(struct hc_journal *j,
				    const char *terminal_id, bool may_create,
				    char *err, size_t err_len)
{
	char value[128];
	bool in_tx = false;

	/* A writer takes the write lock at once; a status reader only reads. */
	if (!exec_sql(j, may_create ? "BEGIN IMMEDIATE;" : "BEGIN;"))
		goto db_fail;
	in_tx = true;
	if (may_create) {
		if (!exec_sql(j, "CREATE TABLE IF NOT EXISTS meta("
				 " key TEXT PRIMARY KEY, value TEXT NOT NULL);"))
			goto db_fail;
		int has = meta_get(j, "schema_version", value, sizeof value);
		if (has < 0)
			goto db_fail;
		if (has == 1 && strcmp(value, "1") == 0) {
			if (!exec_sql(j, journal_upgrade_1_sql))
				goto db_fail;
			hc_info("journal %s: upgraded from schema 1 to 2 (undo)",
				j->path);
		} else if (has == 1 && strcmp(value, JOURNAL_SCHEMA_VERSION) != 0) {
			snprintf(err, err_len, "%s: journal schema \"%s\" is not "
				 "one this program knows (%s)", j->path, value,
				 JOURNAL_SCHEMA_VERSION);
			goto fail;
		}
		if (!exec_sql(j, journal_schema_sql))
			goto db_fail;
	}

	int found = meta_get(j, "incarnation", value, sizeof value);
	if (found < 0)
		goto db_fail;
	if (found == 0) {
		if (!may_create) {
			snprintf(err, err_len,
				 "%s: not a headcount terminal journal", j->path);
			goto fail;
		}
		char hex[17];
		if (!new_incarnation(&j->incarnation)) {
			snprintf(err, err_len, "%s: cannot draw an incarnation",
				 j->path);
			goto fail;
		}
		hc_proto_format_incarnation(j->incarnation, hex);
		snprintf(j->terminal, sizeof j->terminal, "%s", terminal_id);
		if (!meta_put(j, "schema_version", JOURNAL_SCHEMA_VERSION) ||
		    !meta_put(j, "terminal", terminal_id) ||
		    !meta_put(j, "incarnation", hex))
			goto db_fail;
		hc_info("journal %s: new journal for terminal %s, incarnation %s",
			j->path, terminal_id, hex);
	} else {
		if (!hc_proto_parse_incarnation(value, &j->incarnation)) {
			snprintf(err, err_len, "%s: corrupt incarnation \"%s\"",
				 j->path, value);
			goto fail;
		}
		if (meta_get(j, "terminal", value, sizeof value) != 1)
			goto db_fail;
		if (terminal_id != NULL && strcmp(value, terminal_id) != 0) {
			snprintf(err, err_len,
				 "%s: journal belongs to terminal \"%s\", not \"%s\"",
				 j->path, value, terminal_id);
			goto fail;
		}
		if (strlen(value) >= sizeof j->terminal) {
			snprintf(err, err_len, "%s: corrupt terminal id", j->path);
			goto fail;
		}
		memcpy(j->terminal, value, strlen(value) + 1);
		/* A status read of a journal no terminal of this version has
		 * opened yet: the undo columns it queries are added here. */
		if (!may_create &&
		    meta_get(j, "schema_version", value, sizeof value) == 1 &&
		    strcmp(value, "1") == 0 && !exec_sql(j, journal_upgrade_1_sql))
			goto db_fail;
	}
	if (!exec_sql(j, "COMMIT;"))
		goto db_fail;
	return true;

db_fail:
	snprintf(err, err_len, "%s: %s", j->path,
		 j->last_error[0] != '\0' ? j->last_error : sqlite3_errmsg(j->db));
fail:
	if (in_tx)
		(void)sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL);
	return false;
}

static struct hc_journal *journal_open(const char *path,
				       const char *terminal_id, bool may_create,
				       char *err, size_t err_len)
{
	struct hc_journal *j = calloc(1, sizeof *j);
	if (j == NULL) {
		snprintf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	snprintf(j->path, sizeof j->path, "%s", path);

	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
	if (may_create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &j->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "%s: cannot open journal: %s", path,
			 j->db != NULL ? sqlite3_errmsg(j->db) : "out of memory");
		goto fail;
	}
	if (!configure_connection(j, err, err_len))
		goto fail;
	if (!load_or_create_identity(j, terminal_id, may_create, err, err_len))
		goto fail;
	return j;

fail:
	hc_journal_close(j);
	return NULL;
}

struct hc_journal *hc_journal_open(const char *path, const char *terminal_id,
				   char *err, size_t err_len)
{
	if (!hc_proto_valid_id(terminal_id)) {
		snprintf(err, err_len, "invalid terminal id \"%s\"", terminal_id);
		return NULL;
	}
	return journal_open(path, terminal_id, true, err, err_len);
}

struct hc_journal *hc_journal_open_existing(const char *path,
					    const char *terminal_id,
					    char *err, size_t err_len)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		snprintf(err, err_len, "%s: no journal: %s", path,
			 strerror(errno));
		return NULL;
	}
	return journal_open(path, terminal_id, false, err, err_len);
}

void hc_journal_close(struct hc_journal *j)
{
	if (j == NULL)
		return;
	if (j->db != NULL && sqlite3_close(j->db) != SQLITE_OK)
		hc_error("journal %s: close failed: %s", j->path,
			 sqlite3_errmsg(j->db));
	free(j);
}

/* Reads one pragma's value as text. */
static bool read_pragma(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		  sqlite3_step(st) == SQLITE_ROW;
	if (ok) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	return ok;
}

bool hc_journal_durability(struct hc_journal *j, char *journal_mode, size_t cap,
			   int *synchronous)
{
	char sync_text[16];
	if (!read_pragma(j->db, "PRAGMA journal_mode;", journal_mode, cap) ||
	    !read_pragma(j->db, "PRAGMA synchronous;", sync_text, sizeof sync_text))
		return false;
	*synchronous = atoi(sync_text);
	return true;
}

const char *hc_journal_last_error(const struct hc_journal *j)
{
	return j->last_error;
}

uint64_t hc_journal_incarnation(const struct hc_journal *j)
{
	return j->incarnation;
}

const char *hc_journal_terminal(const struct hc_journal *j)
{
	return j->terminal;
}

const char *hc_journal_path(const struct hc_journal *j)
{
	return j->path;
}

/* The last press row and whether an undo already refers to it: returns
 * 1 found (fills id, dir, undone), 0 when there is no press, -1 error. */
static int last_press(struct hc_journal *j, int64_t *id, int *dir,
		      bool *undone)
{
	sqlite3_stmt *st = prepare(j,
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
		journal_fail(j, "reading the last press failed: %s",
			     sqlite3_errmsg(j->db));
	}
	sqlite3_finalize(st);
	return found;
}

/* Inserts an undo row for the last press, which must be of dir and not
 * undone yet (the outbox decided so; a mismatch is a fault, not a
 * guess). */
static bool insert_undo(struct hc_journal *j, enum hc_direction dir,
			int64_t at_ms)
{
	int64_t id = 0;
	int last_dir = 0;
	bool undone = false;
	int found = last_press(j, &id, &last_dir, &undone);
	if (found < 0)
		return false;
	int want_dir = dir == HC_DIR_IN ? 0 : 1;
	if (found == 0 || undone || last_dir != want_dir) {
		journal_fail(j, "undo refused: the last press is %s",
			     found == 0 ? "missing" : undone ? "undone already"
						     : "of the other direction");
		return false;
	}
	sqlite3_stmt *st = prepare(j,
		"INSERT INTO presses(dir, at_ms, seq, undo_of)"
		" VALUES (?1, ?2, NULL, ?3)");
	if (st == NULL)
		return false;
	sqlite3_bind_int(st, 1, want_dir);
	sqlite3_bind_int64(st, 2, at_ms);
	sqlite3_bind_int64(st, 3, id);
	bool ok = step_done(j, st);
	sqlite3_finalize(st);
	return ok;
}

bool hc_journal_record_presses(struct hc_journal *j, const struct hc_press *p,
			       size_t n)
{
	if (n == 0)
		return true;
	sqlite3_stmt *st = NULL;
	bool in_tx = false;

	if (!exec_sql(j, "BEGIN IMMEDIATE;"))
		goto fail;
	in_tx = true;
	st = prepare(j, "INSERT INTO presses(dir, at_ms, seq) VALUES (?1, ?2, NULL)");
	if (st == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (p[i].undo) {
			if (!insert_undo(j, p[i].dir, p[i].at_ms))
				goto fail;
			continue;
		}
		sqlite3_bind_int(st, 1, p[i].dir == HC_DIR_IN ? 0 : 1);
		sqlite3_bind_int64(st, 2, p[i].at_ms);
		if (!step_done(j, st))
			goto fail;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!exec_sql(j, "COMMIT;"))
		goto fail;
	return true;

fail:
	sqlite3_finalize(st);
	if (in_tx)
		(void)sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL);
	return false;
}

/* Unbatched presses that count: not undos, and not cancelled by one. */
#define SQL_PENDING_PRESS \
	"seq IS NULL AND undo_of IS NULL AND NOT EXISTS (SELECT 1 FROM" \
	" presses u WHERE u.undo_of = presses.id)"
/* Undos waiting for a batch: their press went out in an earlier one. */
#define SQL_PENDING_UNDO \
	"seq IS NULL AND undo_of IS NOT NULL AND (SELECT t.seq FROM" \
	" presses t WHERE t.id = presses.undo_of) IS NOT NULL"

/* Marks the first count pending presses (or, with undo, pending undos)
 * of dir with seq; checks that exactly count rows changed. */
static bool mark_presses(struct hc_journal *j, int dir, bool undo,
			 int64_t count, int64_t seq)
{
	if (count == 0)
		return true;
	sqlite3_stmt *st = prepare(j, undo
		? "UPDATE presses SET seq = ?1 WHERE id IN"
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
	bool ok = step_done(j, st);
	sqlite3_finalize(st);
	if (ok && sqlite3_changes(j->db) != count) {
		journal_fail(j, "batch %" PRId64 " claims %" PRId64
			 " %s %s but %d are unbatched",
			 seq, count, dir == 0 ? "in" : "out",
			 undo ? "undos" : "presses", sqlite3_changes(j->db));
		ok = false;
	}
	return ok;
}

bool hc_journal_store_batch(struct hc_journal *j,
			    const struct hc_outbox_batch *b,
			    int64_t created_ms)
{
	sqlite3_stmt *st = NULL;
	bool in_tx = false;

	if (!exec_sql(j, "BEGIN IMMEDIATE;"))
		goto fail;
	in_tx = true;
	if (!mark_presses(j, 0, false, b->entered, b->seq) ||
	    !mark_presses(j, 1, false, b->exited, b->seq) ||
	    !mark_presses(j, 0, true, b->undo_entered, b->seq) ||
	    !mark_presses(j, 1, true, b->undo_exited, b->seq))
		goto fail;
	st = prepare(j, "INSERT INTO batches(seq, entered, exited, created_ms,"
			" acked_ms, duplicate, undo_entered, undo_exited)"
			" VALUES (?1, ?2, ?3, ?4, NULL, 0, ?5, ?6)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, b->seq);
	sqlite3_bind_int64(st, 2, b->entered);
	sqlite3_bind_int64(st, 3, b->exited);
	sqlite3_bind_int64(st, 4, created_ms);
	sqlite3_bind_int64(st, 5, b->undo_entered);
	sqlite3_bind_int64(st, 6, b->undo_exited);
	if (!step_done(j, st))
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if (!exec_sql(j, "COMMIT;"))
		goto fail;
	return true;

fail:
	sqlite3_finalize(st);
	if (in_tx)
		(void)sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL);
	return false;
}

bool hc_journal_store_ack(struct hc_journal *j, int64_t seq, bool duplicate,
			  int64_t acked_ms)
{
	sqlite3_stmt *st = prepare(j,
		"UPDATE batches SET acked_ms = ?1, duplicate = ?2"
		" WHERE seq = ?3 AND acked_ms IS NULL");
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, acked_ms);
	sqlite3_bind_int(st, 2, duplicate ? 1 : 0);
	sqlite3_bind_int64(st, 3, seq);
	bool ok = step_done(j, st);
	sqlite3_finalize(st);
	return ok;
}

/* Reads the unacked batches in seq order into out (cap entries). */
static bool load_unacked(struct hc_journal *j, struct hc_outbox_batch *out,
			 size_t cap, size_t *n)
{
	sqlite3_stmt *st = prepare(j,
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
		journal_fail(j, "reading batches failed: %s",
			 sqlite3_errmsg(j->db));
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
	struct hc_outbox_batch *unacked =
		calloc(HC_OUTBOX_UNACKED_MAX, sizeof *unacked);
	bool ok = false;

	if (unacked == NULL) {
		journal_fail(j, "out of memory restoring");
		return false;
	}
	if (!exec_sql(j, "BEGIN;"))
		goto fail;
	bool read_ok =
		query_int64s(j, "SELECT COALESCE(MAX(seq), 0) FROM batches",
			     &last_seq, NULL) &&
		query_int64s(j, "SELECT COALESCE(SUM(dir = 0), 0),"
				" COALESCE(SUM(dir = 1), 0)"
				" FROM presses WHERE " SQL_PENDING_PRESS,
			     &pending_in, &pending_out) &&
		query_int64s(j, "SELECT COALESCE(SUM(dir = 0), 0),"
				" COALESCE(SUM(dir = 1), 0)"
				" FROM presses WHERE " SQL_PENDING_UNDO,
			     &undo_in, &undo_out) &&
		query_int64s(j, "SELECT COALESCE(SUM(entered), 0),"
				" COALESCE(SUM(exited), 0)"
				" FROM batches WHERE acked_ms IS NOT NULL",
			     &acked_in, &acked_out) &&
		query_int64s(j, "SELECT COALESCE(SUM(undo_entered), 0),"
				" COALESCE(SUM(undo_exited), 0)"
				" FROM batches WHERE acked_ms IS NOT NULL",
			     &acked_undo_in, &acked_undo_out) &&
		(last_found = last_press(j, &last_id, &last_dir,
					 &last_undone)) >= 0 &&
		load_unacked(j, unacked, HC_OUTBOX_UNACKED_MAX, &n);
	(void)sqlite3_exec(j->db, "COMMIT;", NULL, NULL, NULL);
	if (!read_ok)
		goto fail;
	hc_outbox_restore(o, last_seq + 1, pending_in, pending_out, acked_in,
			  acked_out, unacked, n);
	hc_outbox_restore_undo(o, undo_in, undo_out, acked_undo_in,
			       acked_undo_out, last_found == 1 && !last_undone,
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
	if (!exec_sql(j, "BEGIN;"))
		return false;
	bool ok =
		query_int64s(j, "SELECT COALESCE(SUM(dir = 0), 0),"
				" COALESCE(SUM(dir = 1), 0) FROM presses"
				" WHERE undo_of IS NULL",
			     &st->pressed_in, &st->pressed_out) &&
		query_int64s(j, "SELECT COALESCE(SUM(dir = 0), 0),"
				" COALESCE(SUM(dir = 1), 0) FROM presses"
				" WHERE undo_of IS NOT NULL",
			     &st->undone_in, &st->undone_out) &&
		query_int64s(j, "SELECT COALESCE(SUM(entered - undo_entered), 0),"
				" COALESCE(SUM(exited - undo_exited), 0)"
				" FROM batches WHERE acked_ms IS NOT NULL",
			     &st->acked_in, &st->acked_out) &&
		query_int64s(j, "SELECT COUNT(*) FROM batches"
				" WHERE acked_ms IS NULL",
			     &st->unacked_batches, NULL) &&
		query_int64s(j, "SELECT COALESCE(MAX(seq), 0) FROM batches",
			     &st->last_seq, NULL);
	(void)sqlite3_exec(j->db, "COMMIT;", NULL, NULL, NULL);
	st->pending_in = st->pressed_in - st->undone_in - st->acked_in;
	st->pending_out = st->pressed_out - st->undone_out - st->acked_out;
	return ok;
}

void hc_journal_default_path(const char *terminal_id, char *out, size_t cap)
{
	snprintf(out, cap, "./terminal-%s.db", terminal_id);
}
