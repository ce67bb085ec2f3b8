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
 *
 * This file opens and closes the journal (schema, upgrade, identity);
 * presses and batches are written in journal_presses.c, acks and the
 * replay on start in journal_replay.c (journal_internal.h).
 */
#include "terminal/journal.h"
#include "terminal/journal_internal.h"

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
	int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, personal,
				       sizeof personal - 1);
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
static int meta_get(struct hc_journal *j, const char *key, char *out, size_t cap)
{
	sqlite3_stmt *st = journal_prepare(j, "SELECT value FROM meta WHERE key = ?1");
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
		journal_fail(j, "reading meta %s failed: %s", key, sqlite3_errmsg(j->db));
	}
	sqlite3_finalize(st);
	return found;
}

static bool meta_put(struct hc_journal *j, const char *key, const char *value)
{
	sqlite3_stmt *st = journal_prepare(j, "INSERT INTO meta(key, value) VALUES (?1, ?2)");
	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	bool ok = journal_step_done(j, st);
	sqlite3_finalize(st);
	return ok;
}

/* Sets the pragmas every connection needs: WAL, FULL sync, busy wait. */
static bool configure_connection(struct hc_journal *j, char *err, size_t err_len)
{
	if (sqlite3_busy_timeout(j->db, JOURNAL_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    !journal_exec(j, "PRAGMA journal_mode=WAL;") ||
	    !journal_exec(j, "PRAGMA synchronous=FULL;")) {
		snprintf(err, err_len, "%s: cannot configure journal: %s", j->path,
			 sqlite3_errmsg(j->db));
		return false;
	}
	return true;
}

/* In one transaction: creates the schema when missing, then either makes
 * a new identity (fresh file) or checks the stored one. One piece (about
 * 90 lines) because it is one transaction: every step shares the one
 * BEGIN, COMMIT and ROLLBACK path below, and the upgrade, the new
 * identity and the check of a stored one must see the same snapshot. */
static bool load_or_create_identity(struct hc_journal *j, const char *terminal_id, bool may_create,
				    char *err, size_t err_len)
{
	char value[128];
	bool in_tx = false;

	/* A writer takes the write lock at once; a status reader only reads. */
	if (!journal_exec(j, may_create ? "BEGIN IMMEDIATE;" : "BEGIN;"))
		goto db_fail;
	in_tx = true;
	if (may_create) {
		if (!journal_exec(j, "CREATE TABLE IF NOT EXISTS meta("
				     " key TEXT PRIMARY KEY, value TEXT NOT NULL);"))
			goto db_fail;
		int has = meta_get(j, "schema_version", value, sizeof value);
		if (has < 0)
			goto db_fail;
		if (has == 1 && strcmp(value, "1") == 0) {
			if (!journal_exec(j, journal_upgrade_1_sql))
				goto db_fail;
			hc_info("journal %s: upgraded from schema 1 to 2 (undo)", j->path);
		} else if (has == 1 && strcmp(value, JOURNAL_SCHEMA_VERSION) != 0) {
			snprintf(err, err_len,
				 "%s: journal schema \"%s\" is not "
				 "one this program knows (%s)",
				 j->path, value, JOURNAL_SCHEMA_VERSION);
			goto fail;
		}
		if (!journal_exec(j, journal_schema_sql))
			goto db_fail;
	}

	int found = meta_get(j, "incarnation", value, sizeof value);
	if (found < 0)
		goto db_fail;
	if (found == 0) {
		if (!may_create) {
			snprintf(err, err_len, "%s: not a headcount terminal journal", j->path);
			goto fail;
		}
		char hex[17];
		if (!new_incarnation(&j->incarnation)) {
			snprintf(err, err_len, "%s: cannot draw an incarnation", j->path);
			goto fail;
		}
		hc_proto_format_incarnation(j->incarnation, hex);
		snprintf(j->terminal, sizeof j->terminal, "%s", terminal_id);
		if (!meta_put(j, "schema_version", JOURNAL_SCHEMA_VERSION) ||
		    !meta_put(j, "terminal", terminal_id) || !meta_put(j, "incarnation", hex))
			goto db_fail;
		hc_info("journal %s: new journal for terminal %s, incarnation %s", j->path,
			terminal_id, hex);
	} else {
		if (!hc_proto_parse_incarnation(value, &j->incarnation)) {
			snprintf(err, err_len, "%s: corrupt incarnation \"%s\"", j->path, value);
			goto fail;
		}
		if (meta_get(j, "terminal", value, sizeof value) != 1)
			goto db_fail;
		if (terminal_id != NULL && strcmp(value, terminal_id) != 0) {
			snprintf(err, err_len, "%s: journal belongs to terminal \"%s\", not \"%s\"",
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
		if (!may_create && meta_get(j, "schema_version", value, sizeof value) == 1 &&
		    strcmp(value, "1") == 0 && !journal_exec(j, journal_upgrade_1_sql))
			goto db_fail;
	}
	if (!journal_exec(j, "COMMIT;"))
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

static struct hc_journal *journal_open(const char *path, const char *terminal_id, bool may_create,
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

struct hc_journal *hc_journal_open(const char *path, const char *terminal_id, char *err,
				   size_t err_len)
{
	if (!hc_proto_valid_id(terminal_id)) {
		snprintf(err, err_len, "invalid terminal id \"%s\"", terminal_id);
		return NULL;
	}
	return journal_open(path, terminal_id, true, err, err_len);
}

struct hc_journal *hc_journal_open_existing(const char *path, const char *terminal_id, char *err,
					    size_t err_len)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		snprintf(err, err_len, "%s: no journal: %s", path, strerror(errno));
		return NULL;
	}
	return journal_open(path, terminal_id, false, err, err_len);
}

void hc_journal_close(struct hc_journal *j)
{
	if (j == NULL)
		return;
	if (j->db != NULL && sqlite3_close(j->db) != SQLITE_OK)
		hc_error("journal %s: close failed: %s", j->path, sqlite3_errmsg(j->db));
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

bool hc_journal_durability(struct hc_journal *j, char *journal_mode, size_t cap, int *synchronous)
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

void hc_journal_default_path(const char *terminal_id, char *out, size_t cap)
{
	snprintf(out, cap, "./terminal-%s.db", terminal_id);
}
