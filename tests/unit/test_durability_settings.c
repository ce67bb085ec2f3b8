/*
 * test_durability_settings.c — the aggregator's ledger and the terminal's
 * journal run with journal_mode=WAL and synchronous=FULL, as SQLite
 * itself reports them on the very connection the product uses
 * (hc_store_durability, hc_journal_durability): on a fresh file and on a
 * reopened one. synchronous is per connection and WAL is a property of
 * the file, so each open is checked.
 *
 * Debian's SQLite already defaults to synchronous=FULL, also in WAL mode;
 * other builds default to NORMAL in WAL (fsync at checkpoints only). So
 * that the product's own PRAGMA is what is tested, every connection this
 * process opens first gets the weak setting (synchronous=NORMAL, through
 * sqlite3_auto_extension, before the product's PRAGMAs run). Removing
 * either PRAGMA from aggregator/store.c or terminal/journal.c then makes
 * a test here fail.
 *
 * Uses real SQLite files under a mkdtemp() directory, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "aggregator/store.h"
#include "shared/config.h"
#include "terminal/journal.h"

/* Runs on every new connection: the weak default of other SQLite builds. */
static int weak_defaults(sqlite3 *db, const char **err_msg, const struct sqlite3_api_routines *api)
{
	(void)err_msg;
	(void)api;
	return sqlite3_exec(db, "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
}

/* SQLite's number for PRAGMA synchronous=FULL. */
#define SQLITE_SYNCHRONOUS_FULL 2

struct fixture {
	char dir[64];
	char path[128];
	struct hc_venue_cfg *cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/hc-durability-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/file.db", f->dir);
	f->cfg = calloc(1, sizeof *f->cfg);
	if (f->cfg == NULL)
		return -1;
	f->cfg->area_count = 1;
	snprintf(f->cfg->areas[0].id, sizeof f->cfg->areas[0].id, "hall");
	f->cfg->terminal_count = 1;
	snprintf(f->cfg->terminals[0].id, sizeof f->cfg->terminals[0].id, "t1");
	snprintf(f->cfg->terminals[0].area, sizeof f->cfg->terminals[0].area, "hall");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", ".lock" };
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
		(void)unlink(p);
	}
	rmdir(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

static void assert_wal_full(const char *what, bool answered, const char *mode, int sync)
{
	if (!answered)
		fail_msg("%s: SQLite did not answer PRAGMA journal_mode/synchronous", what);
	if (strcmp(mode, "wal") != 0)
		fail_msg("%s: journal_mode is \"%s\", want \"wal\"", what, mode);
	if (sync != SQLITE_SYNCHRONOUS_FULL)
		fail_msg("%s: synchronous is %d, want %d (FULL)", what, sync,
			 SQLITE_SYNCHRONOUS_FULL);
}

static void check_store(const struct fixture *f, const char *what)
{
	char err[512] = "";
	struct hc_store *s = hc_store_open(f->path, f->cfg, err, sizeof err);
	if (s == NULL)
		fail_msg("%s: open %s: %s", what, f->path, err);
	char mode[16] = "";
	int sync = -1;
	bool answered = hc_store_durability(s, mode, sizeof mode, &sync);
	hc_store_close(s);
	assert_wal_full(what, answered, mode, sync);
}

static void ledger_runs_wal_with_synchronous_full(void **state)
{
	struct fixture *f = *state;
	check_store(f, "ledger, new file");
	check_store(f, "ledger, reopened");
}

static void check_journal(struct hc_journal *j, const char *what)
{
	char mode[16] = "";
	int sync = -1;
	bool answered = hc_journal_durability(j, mode, sizeof mode, &sync);
	hc_journal_close(j);
	assert_wal_full(what, answered, mode, sync);
}

static void journal_runs_wal_with_synchronous_full(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	struct hc_journal *j = hc_journal_open(f->path, "t1", err, sizeof err);
	if (j == NULL)
		fail_msg("open %s: %s", f->path, err);
	check_journal(j, "journal, new file");
	j = hc_journal_open(f->path, "t1", err, sizeof err);
	if (j == NULL)
		fail_msg("reopen %s: %s", f->path, err);
	check_journal(j, "journal, reopened");
	j = hc_journal_open_existing(f->path, "t1", err, sizeof err);
	if (j == NULL)
		fail_msg("open existing %s: %s", f->path, err);
	check_journal(j, "journal, opened for status");
}

int main(void)
{
	if (sqlite3_auto_extension((void (*)(void))weak_defaults) != SQLITE_OK) {
		fprintf(stderr, "sqlite3_auto_extension failed\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ledger_runs_wal_with_synchronous_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(journal_runs_wal_with_synchronous_full, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
