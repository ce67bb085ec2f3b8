/*
 * store_checkpoint.c — the checkpointer thread and the WAL hook of the
 * store's connection (store_checkpoint.h says why).
 *
 * Relies on: SQLite's WAL (a PASSIVE checkpoint on one connection runs
 * while another appends; the WAL restarts from its start at the first
 * write after a checkpoint that backfilled every frame), POSIX threads.
 *
 * Promises:
 *   - the commit thread never waits for a background pass: the hook only
 *     signals a condition variable, except for the catch-up, which
 *     copies the frames written while the last pass ran (a short tail)
 *     and then lets the WAL restart;
 *   - the WAL stays bounded: past HC_STORE_WAL_PAGES_MAX the commit
 *     thread checkpoints itself, as SQLite's automatic checkpoint would;
 *   - the thread runs with every signal blocked and ends by detach.
 * States of the thread: not started -> waiting <-> running -> stopped.
 */
#include "aggregator/store_checkpoint.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"

struct hc_checkpointer {
	sqlite3 *writer; /* the store's connection (commit thread) */
	sqlite3 *db;	 /* the checkpointer's own connection */
	char *path;
	pthread_t thread;
	bool started;
	bool start_failed;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool requested; /* a pass is wanted */
	bool running;	/* a pass is under way */
	bool stopping;
	struct hc_checkpoint_stats stats;
};

/* One PASSIVE checkpoint of db; returns its duration. */
static int64_t checkpoint(sqlite3 *db, const char *who)
{
	int64_t start_us = hc_mono_us();
	int log_frames = 0, done_frames = 0;
	int rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames,
					   &done_frames);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		hc_warn("store: %s checkpoint: %s (code %d)", who, sqlite3_errmsg(db), rc);
	return hc_mono_us() - start_us;
}

static void *checkpointer_main(void *arg)
{
	struct hc_checkpointer *c = arg;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->requested && !c->stopping)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->stopping)
			break;
		c->requested = false;
		c->running = true;
		pthread_mutex_unlock(&c->lock);
		int64_t us = checkpoint(c->db, "background");
		pthread_mutex_lock(&c->lock);
		c->running = false;
		c->stats.passes++;
		if (us > c->stats.pass_us_max)
			c->stats.pass_us_max = us;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Opens the thread's connection and starts it (first use). */
static bool start_thread(struct hc_checkpointer *c)
{
	int rc = sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(c->db, 5000);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, "PRAGMA synchronous=FULL;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hc_warn("store: checkpointer connection to %s: %s (code %d); checkpoints stay"
			" on the commit thread",
			c->path, c->db ? sqlite3_errmsg(c->db) : "", rc);
		goto fail;
	}
	sigset_t all, old;
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		goto fail;
	rc = pthread_create(&c->thread, NULL, checkpointer_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		hc_warn("store: checkpointer thread: %s; checkpoints stay on the commit thread",
			strerror(rc));
		goto fail;
	}
	c->started = true;
	return true;
fail:
	sqlite3_close(c->db);
	c->db = NULL;
	c->start_failed = true;
	sqlite3_wal_autocheckpoint(c->writer, 1000);
	return false;
}

/* The store connection's WAL hook: after every commit, on the commit
 * thread, with the WAL's size in pages. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct hc_checkpointer *c = arg;
	(void)name;
	if (c->start_failed) {
		/* the automatic checkpoint is back on; nothing to do */
		return SQLITE_OK;
	}
	if (pages < HC_STORE_CHECKPOINT_PAGES)
		return SQLITE_OK;
	if (!c->started && !start_thread(c)) {
		checkpoint(db, "commit-thread");
		return SQLITE_OK;
	}
	pthread_mutex_lock(&c->lock);
	bool busy = c->running || c->requested;
	/* A pass finished and the WAL is long: copy the tail here (the
	 * frames written while it ran), so the next commit restarts the
	 * WAL. Past the bound, try whatever the background does (PASSIVE
	 * answers BUSY at once while a pass holds the checkpoint lock). */
	bool catch_up = (!busy && pages >= HC_STORE_WAL_CATCH_UP_PAGES) ||
			pages >= HC_STORE_WAL_PAGES_MAX;
	if (!busy && !catch_up) {
		c->requested = true;
		pthread_cond_signal(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	if (catch_up) {
		int64_t us = checkpoint(db, "catch-up");
		pthread_mutex_lock(&c->lock);
		c->stats.catch_ups++;
		if (us > c->stats.catch_up_us_max)
			c->stats.catch_up_us_max = us;
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

struct hc_checkpointer *hc_checkpointer_attach(sqlite3 *db, const char *path)
{
	if (strncmp(path, "file:", 5) == 0 || strcmp(path, ":memory:") == 0 || path[0] == '\0')
		return NULL;
	struct hc_checkpointer *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->path = strdup(path);
	if (c->path == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->path);
		free(c);
		return NULL;
	}
	if (pthread_cond_init(&c->cond, NULL) != 0) {
		pthread_mutex_destroy(&c->lock);
		free(c->path);
		free(c);
		return NULL;
	}
	c->writer = db;
	sqlite3_wal_autocheckpoint(db, 0);
	sqlite3_wal_hook(db, on_commit, c);
	return c;
}

void hc_checkpointer_detach(struct hc_checkpointer *c)
{
	if (c == NULL)
		return;
	sqlite3_wal_hook(c->writer, NULL, NULL);
	sqlite3_wal_autocheckpoint(c->writer, 1000);
	if (c->started) {
		pthread_mutex_lock(&c->lock);
		c->stopping = true;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		int rc = pthread_join(c->thread, NULL);
		if (rc != 0)
			hc_error("store: checkpointer join: %s", strerror(rc));
	}
	if (c->stats.passes + c->stats.catch_ups > 0)
		hc_info("store: WAL checkpoints: %" PRId64 " in the background (longest %" PRId64
			" ms), %" PRId64 " tails on the commit thread (longest %" PRId64 " ms)",
			c->stats.passes, c->stats.pass_us_max / 1000, c->stats.catch_ups,
			c->stats.catch_up_us_max / 1000);
	if (c->db != NULL) {
		int rc = sqlite3_close(c->db);
		if (rc != SQLITE_OK)
			hc_error("store: checkpointer close: %s (code %d)", sqlite3_errmsg(c->db),
				 rc);
	}
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c->path);
	free(c);
}

struct hc_checkpoint_stats hc_checkpointer_stats(struct hc_checkpointer *c)
{
	struct hc_checkpoint_stats st = { 0 };
	if (c == NULL)
		return st;
	pthread_mutex_lock(&c->lock);
	st = c->stats;
	pthread_mutex_unlock(&c->lock);
	return st;
}
