/*
 * store.c — the ledger database: schema and its upgrades, durability
 * settings, the checks at open, the lock, close.
 *
 * The rest of the store: store_load.c (start-up loading, settings and
 * history reads), store_commit.c (the group commit's transaction),
 * store_checkpoint.c (WAL checkpoints off the commit thread).
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
 *   - start-up refuses, with one sentence naming what to fix, a database
 *     whose directory is missing, whose directory is not writable (or on
 *     a read-only file system), whose file cannot be opened for writing
 *     (read-only, immutable), that SQLite could open only read-only, or
 *     that cannot take a write; so an aggregator that serves can store;
 *   - one aggregator per ledger: an exclusive flock() on PATH.lock, held
 *     while the store is open, with the holder's pid written in the file;
 *     a second open names that pid and fails (file: URIs are not locked);
 *   - append-only: rows are only ever inserted (INSERT OR IGNORE against
 *     UNIQUE(source, incarnation, seq)); nothing here updates or deletes.
 *
 *   - the other tables (audit, overrides, adjustments, samples) are
 *     written only inside a group commit's transaction, as records
 *     (hc_store_commit_job), so a supervisor's correction and its audit
 *     row are durable together or not at all.
 *
 * Index mapping: rows carry indexes. Without slot tables they are config
 * positions (the config given to hc_store_open); with slot tables
 * (hc_store_use_slots) they are slots, stable across config reloads, and
 * loading gives ids found only in the database slots of their own.
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
#include "shared/log.h"
#include "shared/protocol.h"

/* SQLite's page cache for the ledger connection. Batches from many
 * terminals land on as many leaf pages of the (source, incarnation, seq)
 * index; with SQLite's default 2 MiB those pages were read back from the
 * file on almost every commit (pread was ~9 % of the aggregator's CPU at
 * 40,000 batches/s). The cache fills only as the database grows. */
#define HC_STORE_CACHE_KIB 16384

static const char *const schema_sql = "CREATE TABLE IF NOT EXISTS ledger ("
				      " id INTEGER PRIMARY KEY,"
				      " source TEXT NOT NULL,"
				      " incarnation TEXT NOT NULL,"
				      " seq INTEGER NOT NULL,"
				      " area TEXT NOT NULL,"
				      " entered INTEGER NOT NULL,"
				      " exited INTEGER NOT NULL,"
				      " received_at_ms INTEGER NOT NULL,"
				      " undo_entered INTEGER NOT NULL DEFAULT 0,"
				      " undo_exited INTEGER NOT NULL DEFAULT 0,"
				      " UNIQUE(source, incarnation, seq));"
				      "CREATE TABLE IF NOT EXISTS audit ("
				      " id INTEGER PRIMARY KEY,"
				      " at_ms INTEGER NOT NULL,"
				      " who TEXT NOT NULL,"
				      " action TEXT NOT NULL,"
				      " target TEXT NOT NULL,"
				      " detail_json TEXT NOT NULL,"
				      " reason TEXT NOT NULL);"
				      "CREATE TABLE IF NOT EXISTS overrides ("
				      " target TEXT NOT NULL,"
				      " id TEXT NOT NULL,"
				      " mode TEXT NOT NULL,"
				      " who TEXT NOT NULL,"
				      " at_ms INTEGER NOT NULL,"
				      " reason TEXT NOT NULL,"
				      " PRIMARY KEY(target, id));"
				      "CREATE TABLE IF NOT EXISTS adjustments ("
				      " target TEXT NOT NULL,"
				      " id TEXT NOT NULL,"
				      " settings_json TEXT NOT NULL,"
				      " who TEXT NOT NULL,"
				      " at_ms INTEGER NOT NULL,"
				      " reason TEXT NOT NULL,"
				      " PRIMARY KEY(target, id));"
				      "CREATE TABLE IF NOT EXISTS samples ("
				      " area TEXT NOT NULL,"
				      " minute_ms INTEGER NOT NULL,"
				      " occupancy INTEGER NOT NULL,"
				      " level TEXT NOT NULL,"
				      " restricted INTEGER NOT NULL,"
				      " entered INTEGER NOT NULL,"
				      " exited INTEGER NOT NULL,"
				      " PRIMARY KEY(area, minute_ms));";

/* Schema 3 added the undo columns (a terminal's correcting deltas):
 * a version 1 or 2 database gains them, 0 in every older row. */
static const char *const upgrade_to_3_sql =
	"ALTER TABLE ledger ADD COLUMN undo_entered INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE ledger ADD COLUMN undo_exited INTEGER NOT NULL DEFAULT 0;";

static const char *const insert_sql =
	"INSERT OR IGNORE INTO ledger"
	" (source, incarnation, seq, area, entered, exited, received_at_ms,"
	" undo_entered, undo_exited)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);";

/* "message (code N)" for the last error on db. */
void hc_store_db_error(sqlite3 *db, int rc, const char *what, char *err, size_t err_cap)
{
	snprintf(err, err_cap, "%s: %s (code %d)", what,
		 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
}

/* Column text of a row, "" when NULL. */
const char *hc_store_column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

bool hc_store_exec(sqlite3 *db, const char *sql, char *err, size_t err_cap)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hc_store_db_error(db, rc, sql, err, err_cap);
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
	hc_store_db_error(db, rc, "PRAGMA user_version", err, err_cap);
	sqlite3_finalize(st);
	return false;
}

/* Creates the schema on a fresh database, checks it on an existing one. */
static bool ensure_schema(sqlite3 *db, char *err, size_t err_cap)
{
	int version = 0;
	if (!read_user_version(db, &version, err, err_cap))
		return false;
	if (version == HC_STORE_SCHEMA_VERSION)
		return true;
	if (version > HC_STORE_SCHEMA_VERSION) {
		snprintf(err, err_cap, "database schema version %d is newer than this program's %d",
			 version, HC_STORE_SCHEMA_VERSION);
		return false;
	}
	char sql[4096];
	/* A database made before schema 3 has a ledger table without the
	 * undo columns; CREATE ... IF NOT EXISTS leaves it as it is. */
	snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; %s %s PRAGMA user_version = %d; COMMIT;",
		 version >= 1 ? upgrade_to_3_sql : "", schema_sql, HC_STORE_SCHEMA_VERSION);
	if (!hc_store_exec(db, sql, err, err_cap)) {
		sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
		return false;
	}
	return true;
}

/* Why the directory of path cannot hold a ledger, in words an operator
 * can act on; false with err set when it cannot. SQLite creates PATH-wal
 * and PATH-shm beside the file, so the directory must be writable even
 * when the file exists. */
static bool check_directory(const char *path, char *err, size_t err_cap)
{
	char copy[PATH_MAX];
	snprintf(copy, sizeof copy, "%s", path);
	const char *dir = dirname(copy);
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			snprintf(err, err_cap,
				 "directory %s does not exist; create it (mkdir -p %s)"
				 " or point --db / [venue] database elsewhere",
				 dir, dir);
		else
			snprintf(err, err_cap, "directory %s: %s", dir, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, err_cap, "%s is not a directory", dir);
		return false;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		int e = errno;
		if (e == EROFS)
			snprintf(err, err_cap,
				 "directory %s is on a read-only file system; remount it"
				 " read-write or put the database on a writable disk",
				 dir);
		else if (e == EPERM)
			snprintf(err, err_cap,
				 "directory %s is not writable (%s: is it immutable?"
				 " lsattr -d shows an i; chattr -i clears it)",
				 dir, strerror(e));
		else
			snprintf(err, err_cap,
				 "directory %s is not writable (%s); SQLite creates the"
				 " -wal and -shm files beside the database, so make the"
				 " directory writable for this user or move the database",
				 dir, strerror(e));
		return false;
	}
	return true;
}

/* An existing database file must open for writing: a read-only or
 * immutable (chattr +i) file otherwise opens read-only in SQLite and
 * nothing could ever be stored. */
static bool check_file_writable(const char *path, char *err, size_t err_cap)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	int e = errno;
	if (e == ENOENT)
		return true; /* created by SQLite */
	if (e == EPERM)
		snprintf(err, err_cap,
			 "database file %s cannot be opened for writing (%s: is it"
			 " immutable? lsattr shows an i; chattr -i clears it)",
			 path, strerror(e));
	else if (e == EROFS)
		snprintf(err, err_cap,
			 "database file %s is on a read-only file system;"
			 " remount it read-write or move the database",
			 path);
	else
		snprintf(err, err_cap,
			 "database file %s cannot be opened for writing (%s); make it"
			 " writable for this user",
			 path, strerror(e));
	return false;
}

/* Takes the one-aggregator-per-ledger lock: an exclusive flock() on
 * PATH.lock (released by the kernel when the process ends, however it
 * ends), then writes our pid into the file for the next one to name. */
static int take_ledger_lock(const char *path, char *err, size_t err_cap)
{
	char lock_path[PATH_MAX + 8];
	snprintf(lock_path, sizeof lock_path, "%s.lock", path);
	int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, err_cap, "cannot create the lock file %s: %s", lock_path,
			 strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		char pid[32] = "";
		ssize_t n = e == EWOULDBLOCK ? pread(fd, pid, sizeof pid - 1, 0) : -1;
		if (n > 0)
			pid[strcspn(pid, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			snprintf(err, err_cap,
				 "ledger %s is in use by another aggregator (pid %s, lock"
				 " %s); stop that one first, or give this one its own --db",
				 path, n > 0 && pid[0] != '\0' ? pid : "unknown", lock_path);
		else
			snprintf(err, err_cap, "cannot lock %s: %s", lock_path, strerror(e));
		close(fd);
		return -1;
	}
	char pid[32];
	int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		snprintf(err, err_cap, "cannot write the lock file %s: %s", lock_path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Proves the database takes a write: one empty-effect transaction that
 * rewrites user_version (WAL append and fsync included). */
static bool probe_write(sqlite3 *db, char *err, size_t err_cap)
{
	char sql[96];
	snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; PRAGMA user_version = %d; COMMIT;",
		 HC_STORE_SCHEMA_VERSION);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, err_cap, "database cannot take a write: %s (code %d)",
			 sqlite3_errmsg(db), sqlite3_extended_errcode(db));
		sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
		return false;
	}
	return true;
}

/* Opens (or creates) the ledger database and readies its statements.
 * One piece (about 60 lines): open, settings, schema, write probe and
 * statements in the order SQLite needs them, on one fail path that
 * closes what was opened. */
struct hc_store *hc_store_open(const char *path, const struct hc_venue_cfg *cfg, char *err,
			       size_t err_cap)
{
	struct hc_store *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, err_cap, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->lock_fd = -1;
	snprintf(s->path, sizeof s->path, "%s", path);

	bool plain_file = strncmp(path, "file:", 5) != 0 && strcmp(path, ":memory:") != 0;
	if (plain_file) {
		if (!check_directory(path, err, err_cap) ||
		    !check_file_writable(path, err, err_cap))
			goto fail;
		s->lock_fd = take_ledger_lock(path, err, err_cap);
		if (s->lock_fd < 0)
			goto fail;
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
		    SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		hc_store_db_error(s->db, rc, "open", err, err_cap);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	rc = sqlite3_busy_timeout(s->db, 5000);
	if (rc != SQLITE_OK) {
		hc_store_db_error(s->db, rc, "busy_timeout", err, err_cap);
		goto fail;
	}
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		snprintf(err, err_cap,
			 "SQLite could open it only read-only (file or file system not"
			 " writable); nothing could be stored or acknowledged: make it"
			 " writable and start again");
		goto fail;
	}
	if (!hc_store_exec(s->db, "PRAGMA journal_mode=WAL;", err, err_cap))
		goto fail;
	char pragmas[160];
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-%d;",
		 HC_STORE_CACHE_KIB);
	if (!hc_store_exec(s->db, pragmas, err, err_cap))
		goto fail;
	if (!ensure_schema(s->db, err, err_cap) || !probe_write(s->db, err, err_cap))
		goto fail;
	rc = sqlite3_prepare_v3(s->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->insert, NULL);
	if (rc != SQLITE_OK) {
		hc_store_db_error(s->db, rc, "prepare insert", err, err_cap);
		goto fail;
	}
	s->insert_params = sqlite3_bind_parameter_count(s->insert);
	/* The group commit's transaction statements, prepared once instead
	 * of parsed by sqlite3_exec() on every commit. */
	rc = sqlite3_prepare_v3(s->db, "BEGIN IMMEDIATE;", -1, SQLITE_PREPARE_PERSISTENT, &s->begin,
				NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(s->db, "COMMIT;", -1, SQLITE_PREPARE_PERSISTENT, &s->commit,
					NULL);
	if (rc != SQLITE_OK) {
		hc_store_db_error(s->db, rc, "prepare begin/commit", err, err_cap);
		goto fail;
	}
	/* Checkpoints leave the commit path (store_checkpoint.h). */
	if (plain_file)
		s->checkpointer = hc_checkpointer_attach(s->db, path);
	return s;
fail:
	hc_store_close(s);
	return NULL;
}

/* Reads one pragma's value as text on the store's connection. */
static bool read_pragma(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		  sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		snprintf(out, cap, "%s", hc_store_column_text(st, 0));
	sqlite3_finalize(st);
	return ok;
}

bool hc_store_durability(struct hc_store *s, char *journal_mode, size_t cap, int *synchronous)
{
	char sync_text[16];
	if (!read_pragma(s->db, "PRAGMA journal_mode;", journal_mode, cap) ||
	    !read_pragma(s->db, "PRAGMA synchronous;", sync_text, sizeof sync_text))
		return false;
	*synchronous = atoi(sync_text);
	return true;
}

void hc_store_close(struct hc_store *s)
{
	if (s == NULL)
		return;
	hc_checkpointer_detach(s->checkpointer);
	sqlite3_finalize(s->insert);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->records[i]);
	if (s->db != NULL) {
		int rc = sqlite3_close(s->db);
		if (rc != SQLITE_OK)
			hc_error("store %s: close: %s (code %d)", s->path, sqlite3_errmsg(s->db),
				 rc);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	free(s);
}

bool hc_store_checkpoint_stats(struct hc_store *s, struct hc_checkpoint_stats *out)
{
	if (s->checkpointer == NULL)
		return false;
	*out = hc_checkpointer_stats(s->checkpointer);
	return true;
}

void hc_store_use_slots(struct hc_store *s, struct hc_slots *sources, struct hc_slots *areas)
{
	s->sources = sources;
	s->areas = areas;
}
