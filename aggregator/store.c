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
 *
 * Loading streams the table in rowid order (a sequential scan) and maps
 * ids through hash indexes built from the config; one terminal's rows come
 * in commit order, nearly ascending by seq, so the ledger extends its
 * intervals in constant time. Target: serving again within about a
 * second with a million rows.
 */
#include "aggregator/store.h"

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

enum record_stmt { ST_AUDIT, ST_OVERRIDE_SET, ST_OVERRIDE_DELETE, ST_ADJUSTMENT,
		   ST_SAMPLE, ST_COUNT };

struct hc_store {
	sqlite3 *db;
	sqlite3_stmt *insert;
	sqlite3_stmt *records[ST_COUNT]; /* prepared on first use */
	const struct hc_venue_cfg *cfg;
	struct hc_slots *sources;    /* NULL: indexes are config positions */
	struct hc_slots *areas;
	int lock_fd;                 /* PATH.lock, flock()ed; -1: none */
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

/* Table order (rowid), not index order: reading in the unique index's
 * order costs a table lookup per row (2 s for a million rows, measured)
 * where a plain scan takes 0.2 s. Rows of one terminal still arrive in
 * the order they were committed, so nearly ascending by seq, and the
 * ledger's interval insert stays at its constant-time tail case. */
static const char *const load_sql =
	"SELECT source, incarnation, seq, area, entered, exited,"
	" undo_entered, undo_exited, received_at_ms FROM ledger;";

/* "message (code N)" for the last error on db. */
static void format_db_error(sqlite3 *db, int rc, const char *what, char *err,
			    size_t err_cap)
{
	snprintf(err, err_cap, "%s: %s (code %d)", what,
		 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
}

/* Column text of a row, "" when NULL. */
static const char *column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
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
static bool ensure_schema(sqlite3 *db, char *err, size_t err_cap)
{
	int version = 0;
	if (!read_user_version(db, &version, err, err_cap))
		return false;
	if (version == HC_STORE_SCHEMA_VERSION)
		return true;
	if (version > HC_STORE_SCHEMA_VERSION) {
		snprintf(err, err_cap,
			 "database schema version %d is newer than this program's %d",
			 version, HC_STORE_SCHEMA_VERSION);
		return false;
	}
	char sql[4096];
	/* A database made before schema 3 has a ledger table without the
	 * undo columns; CREATE ... IF NOT EXISTS leaves it as it is. */
	snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; %s %s PRAGMA user_version = %d; COMMIT;",
		 version >= 1 ? upgrade_to_3_sql : "", schema_sql,
		 HC_STORE_SCHEMA_VERSION);
	if (!exec_sql(db, sql, err, err_cap)) {
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
				 " or point --db / [venue] database elsewhere", dir, dir);
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
				 " read-write or put the database on a writable disk", dir);
		else if (e == EPERM)
			snprintf(err, err_cap,
				 "directory %s is not writable (%s: is it immutable?"
				 " lsattr -d shows an i; chattr -i clears it)", dir,
				 strerror(e));
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
		return true;             /* created by SQLite */
	if (e == EPERM)
		snprintf(err, err_cap,
			 "database file %s cannot be opened for writing (%s: is it"
			 " immutable? lsattr shows an i; chattr -i clears it)",
			 path, strerror(e));
	else if (e == EROFS)
		snprintf(err, err_cap, "database file %s is on a read-only file system;"
			 " remount it read-write or move the database", path);
	else
		snprintf(err, err_cap,
			 "database file %s cannot be opened for writing (%s); make it"
			 " writable for this user", path, strerror(e));
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

struct hc_store *hc_store_open(const char *path, const struct hc_venue_cfg *cfg,
			       char *err, size_t err_cap)
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
		format_db_error(s->db, rc, "open", err, err_cap);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	rc = sqlite3_busy_timeout(s->db, 5000);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "busy_timeout", err, err_cap);
		goto fail;
	}
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		snprintf(err, err_cap,
			 "SQLite could open it only read-only (file or file system not"
			 " writable); nothing could be stored or acknowledged: make it"
			 " writable and start again");
		goto fail;
	}
	if (!exec_sql(s->db, "PRAGMA journal_mode=WAL;", err, err_cap))
		goto fail;
	char pragmas[160];
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-%d;",
		 HC_STORE_CACHE_KIB);
	if (!exec_sql(s->db, pragmas, err, err_cap))
		goto fail;
	if (!ensure_schema(s->db, err, err_cap) || !probe_write(s->db, err, err_cap))
		goto fail;
	rc = sqlite3_prepare_v3(s->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->insert,
				NULL);
	if (rc != SQLITE_OK) {
		format_db_error(s->db, rc, "prepare insert", err, err_cap);
		goto fail;
	}
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
		snprintf(out, cap, "%s", column_text(st, 0));
	sqlite3_finalize(st);
	return ok;
}

bool hc_store_durability(struct hc_store *s, char *journal_mode, size_t cap,
			 int *synchronous)
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
	sqlite3_finalize(s->insert);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->records[i]);
	if (s->db != NULL) {
		int rc = sqlite3_close(s->db);
		if (rc != SQLITE_OK)
			hc_error("store %s: close: %s (code %d)", s->path,
				 sqlite3_errmsg(s->db), rc);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd);       /* releases the flock */
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
	struct slots_view {
		struct hc_slots *sources;  /* NULL: map to config positions */
		struct hc_slots *areas;
	} slots;
	struct warned_ids warned;
	char last_source[HC_NAME_LEN_MAX + HC_ID_LEN_MAX + 2];
	uint32_t last_terminal;
	bool last_source_known;      /* a terminal of the config */
	bool last_area_known;
	char last_inc_text[HC_INCARNATION_HEX_LEN + 1];
	uint64_t last_inc;
	char last_area[HC_ID_LEN_MAX + 1];
	uint32_t last_area_index;
};

/* Index (config position or slot) of a row's source. Supervisors'
 * corrections are expected sources and are not warned about. */
static uint32_t loader_terminal(struct loader *ld, const char *source, const char *path)
{
	if (strcmp(source, ld->last_source) != 0) {
		snprintf(ld->last_source, sizeof ld->last_source, "%s", source);
		ld->last_terminal = id_index_find(&ld->terminals, source);
		ld->last_source_known = ld->last_terminal != UINT32_MAX;
		if (!ld->last_source_known) {
			ld->last_terminal = HC_LEDGER_NO_TERMINAL;
			if (strncmp(source, "supervisor:", 11) != 0)
				warn_unknown_once(&ld->warned, "source", source, path);
		}
		if (ld->slots.sources != NULL) {
			uint32_t slot = hc_slots_add(ld->slots.sources, source);
			ld->last_terminal = slot == HC_SLOT_NONE ? HC_LEDGER_NO_TERMINAL : slot;
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
		ld->last_area_known = ld->last_area_index != UINT32_MAX;
		if (!ld->last_area_known) {
			ld->last_area_index = HC_LEDGER_NO_AREA;
			warn_unknown_once(&ld->warned, "area", area, path);
		}
		if (ld->slots.areas != NULL) {
			uint32_t slot = hc_slots_add(ld->slots.areas, area);
			ld->last_area_index = slot == HC_SLOT_NONE ? HC_LEDGER_NO_AREA : slot;
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
	ld->slots.sources = s->sources;
	ld->slots.areas = s->areas;
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
			.undo_entered = sqlite3_column_int64(st, 6),
			.undo_exited = sqlite3_column_int64(st, 7),
			.received_at_ms = sqlite3_column_int64(st, 8),
		};
		stats->rows++;
		if (row.entered < 0 || row.exited < 0 || row.seq < 1 ||
		    row.undo_entered < 0 || row.undo_exited < 0) {
			snprintf(err, err_cap,
				 "row of %s seq %" PRId64 " has a negative count or seq",
				 source, row.seq);
			goto fail;
		}
		if (!ld->last_source_known)
			stats->rows_unknown_source++;
		if (!ld->last_area_known)
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
	char inc[HC_INCARNATION_HEX_LEN + 1];
	hc_proto_format_incarnation(row->incarnation, inc);
	sqlite3_stmt *st = s->insert;
	int rc;
	if ((rc = sqlite3_reset(st)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 2, inc, -1, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, row->seq)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 4, area, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, row->entered)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, row->exited)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 7, row->received_at_ms)) != SQLITE_OK)
		return rc;
	if (sqlite3_bind_parameter_count(st) >= 9 && /* schema 3 */
	    ((rc = sqlite3_bind_int64(st, 8, row->undo_entered)) != SQLITE_OK ||
	     (rc = sqlite3_bind_int64(st, 9, row->undo_exited)) != SQLITE_OK))
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return rc;
	*inserted = sqlite3_changes(s->db) == 1;
	sqlite3_reset(st);
	return SQLITE_OK;
}

/* The prepared statement for a record kind, prepared on first use. */
static sqlite3_stmt *record_stmt(struct hc_store *s, enum record_stmt which, int *rc)
{
	if (s->records[which] == NULL)
		*rc = sqlite3_prepare_v3(s->db, record_sql[which], -1,
					 SQLITE_PREPARE_PERSISTENT, &s->records[which], NULL);
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

/* Writes one record with its kind's statement. */
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
	default:
		return SQLITE_MISUSE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

bool hc_store_commit(struct hc_store *s, const struct hc_ledger_row *rows,
		     size_t n, bool *inserted, char *err, size_t err_cap)
{
	return hc_store_commit_job(s, rows, n, inserted, NULL, 0, err, err_cap);
}

bool hc_store_commit_job(struct hc_store *s, const struct hc_ledger_row *rows,
			 size_t n, bool *inserted,
			 const struct hc_store_record *records, size_t n_records,
			 char *err, size_t err_cap)
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
	for (size_t i = 0; i < n_records; i++) {
		rc = write_record(s, &records[i]);
		if (rc != SQLITE_OK) {
			format_db_error(s->db, rc, "record", err, err_cap);
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

void hc_store_use_slots(struct hc_store *s, struct hc_slots *sources,
			struct hc_slots *areas)
{
	s->sources = sources;
	s->areas = areas;
}

/* ---- settings and history --------------------------------------------- */

/* Reads one settings table (overrides or adjustments) into fn. */
static bool load_setting_table(struct hc_store *s, const char *sql,
			       enum hc_store_record_kind kind,
			       void (*fn)(void *arg, const struct hc_store_record *r),
			       void *arg, char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	struct hc_store_record *r = calloc(1, sizeof *r);
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK || r == NULL) {
		format_db_error(s->db, rc, sql, err, err_cap);
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(r, 0, sizeof *r);
		r->kind = kind;
		snprintf(r->target, sizeof r->target, "%s", column_text(st, 0));
		snprintf(r->id, sizeof r->id, "%s", column_text(st, 1));
		snprintf(r->text, sizeof r->text, "%s", column_text(st, 2));
		snprintf(r->who, sizeof r->who, "%s", column_text(st, 3));
		r->at_ms = sqlite3_column_int64(st, 4);
		snprintf(r->reason, sizeof r->reason, "%s", column_text(st, 5));
		fn(arg, r);
	}
	if (rc != SQLITE_DONE) {
		format_db_error(s->db, rc, sql, err, err_cap);
		goto fail;
	}
	sqlite3_finalize(st);
	free(r);
	return true;
fail:
	sqlite3_finalize(st);
	free(r);
	return false;
}

bool hc_store_load_settings(struct hc_store *s,
			    void (*fn)(void *arg, const struct hc_store_record *r),
			    void *arg, char *err, size_t err_cap)
{
	return load_setting_table(s, "SELECT target, id, mode, who, at_ms, reason"
				  " FROM overrides ORDER BY at_ms;",
				  HC_RECORD_OVERRIDE, fn, arg, err, err_cap) &&
	       load_setting_table(s, "SELECT target, id, settings_json, who, at_ms, reason"
				  " FROM adjustments ORDER BY at_ms;",
				  HC_RECORD_ADJUSTMENT, fn, arg, err, err_cap);
}

bool hc_store_export_samples(const char *path, int64_t from_ms, int64_t to_ms,
			     const char *area, FILE *out, int64_t *rows_out,
			     char *err, size_t err_cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	*rows_out = 0;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(db, rc, "open", err, err_cap);
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	const char *sql =
		"SELECT area, minute_ms, occupancy, level, restricted, entered, exited"
		" FROM samples WHERE minute_ms >= ?1 AND minute_ms < ?2"
		" AND (?3 IS NULL OR area = ?3) ORDER BY area, minute_ms;";
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		format_db_error(db, rc, "read samples (is this a headcount database?)",
				err, err_cap);
		goto fail;
	}
	if ((rc = sqlite3_bind_int64(st, 1, from_ms)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, to_ms)) != SQLITE_OK ||
	    (rc = area ? sqlite3_bind_text(st, 3, area, -1, SQLITE_STATIC)
		       : sqlite3_bind_null(st, 3)) != SQLITE_OK) {
		format_db_error(db, rc, "bind", err, err_cap);
		goto fail;
	}
	if (fprintf(out, "%s\n", HC_HISTORY_CSV_HEADER) < 0) {
		snprintf(err, err_cap, "write: %s", strerror(errno));
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char line[256];
		size_t len = hc_history_csv_row(line, sizeof line, column_text(st, 0),
						sqlite3_column_int64(st, 1),
						sqlite3_column_int64(st, 2), column_text(st, 3),
						sqlite3_column_int(st, 4) != 0,
						sqlite3_column_int64(st, 5),
						sqlite3_column_int64(st, 6));
		if (len == 0 || fwrite(line, 1, len, out) != len) {
			snprintf(err, err_cap, "write: %s", len ? strerror(errno) : "line too long");
			goto fail;
		}
		(*rows_out)++;
	}
	if (rc != SQLITE_DONE) {
		format_db_error(db, rc, "read samples", err, err_cap);
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return true;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return false;
}
