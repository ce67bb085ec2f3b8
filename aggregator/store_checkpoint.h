/*
 * store_checkpoint.h — WAL checkpoints off the commit thread.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
 * past 1,000 pages, on the committing connection: it copies the WAL's
 * pages into the database file and fsyncs it (synchronous=FULL), and no
 * batch is acknowledged meanwhile. With a large ledger that fsync took up
 * to a second (docs/performance.md, *The ingest stall*). Here the store's
 * connection checkpoints nothing by itself; a checkpointer thread with a
 * connection of its own copies the WAL in the background (PASSIVE: it
 * never blocks a writer), and the commit thread only finishes the short
 * tail a background pass could not cover, so that the WAL can start over
 * from its beginning and stays bounded.
 *
 * Durability is unchanged: every commit is still fsynced in the WAL
 * before it returns (WAL, synchronous=FULL); a checkpoint only moves
 * already durable pages, and SQLite syncs the WAL before and the database
 * after each copy, whichever connection runs it.
 */
#ifndef HC_STORE_CHECKPOINT_H
#define HC_STORE_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

/* WAL pages after which a background pass starts (SQLite's automatic
 * checkpoint used 1,000; more pages per pass write each hot index page
 * once per pass instead of once per 1,000 WAL pages). */
#define HC_STORE_CHECKPOINT_PAGES 4000
/* WAL pages at which the commit thread copies the tail a finished
 * background pass left, so that the next commit restarts the WAL. */
#define HC_STORE_WAL_CATCH_UP_PAGES (2 * HC_STORE_CHECKPOINT_PAGES)
/* WAL pages past which the commit thread checkpoints whatever the
 * background is doing (the background cannot keep up): the WAL's bound. */
#define HC_STORE_WAL_PAGES_MAX (16 * HC_STORE_CHECKPOINT_PAGES)

struct hc_checkpointer;

/* What the checkpoints did so far (read on any thread). */
struct hc_checkpoint_stats {
	int64_t passes;		 /* background passes */
	int64_t catch_ups;	 /* tails copied on the commit thread */
	int64_t catch_up_us_max; /* the longest of those */
	int64_t pass_us_max;	 /* the longest background pass */
};

/* Takes over checkpointing of db (the store's connection, opened on
 * path): turns its automatic checkpoint off and installs a WAL hook.
 * The thread and its connection start on the first commit that needs
 * them. Returns NULL (db keeps SQLite's automatic checkpoint) when path
 * is not a plain file or on out of memory. */
struct hc_checkpointer *hc_checkpointer_attach(sqlite3 *db, const char *path);

/* Stops the thread (letting a pass finish), closes its connection and
 * gives db its automatic checkpoint back. Before closing db. */
void hc_checkpointer_detach(struct hc_checkpointer *c);

struct hc_checkpoint_stats hc_checkpointer_stats(struct hc_checkpointer *c);

#endif
