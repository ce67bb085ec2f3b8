/*
 * journal.h — the terminal's SQLite journal: what makes a press durable.
 *
 * One SQLite file per terminal (default ./terminal-<id>.db) in WAL mode
 * with synchronous=FULL, so a transaction that returned is on disk.
 * It holds the outbox incarnation (64 random bits made when the file is
 * created), every press, and every batch with its ack. Each call here is
 * one transaction: all or nothing. The outbox (terminal/outbox.h) is told
 * about a change only after the call that stores it returned true, and
 * after a restart hc_journal_restore() puts the outbox back exactly where
 * the journal says it was, so unacked batches are resent unchanged.
 */
#ifndef HC_TERMINAL_JOURNAL_H
#define HC_TERMINAL_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/limits.h"
#include "terminal/outbox.h"

struct hc_journal;

/* A press read from the input, with the wall-clock time it happened.
 * undo: this is an UNDO of the last press, which had direction dir. */
struct hc_press {
	enum hc_direction dir;
	int64_t at_ms;
	bool undo;
};

/* What `headcount-terminal status` prints. pressed_* counts every press,
 * undone_* every undo; acked_* is the net (presses minus undos) of
 * acknowledged batches; pending_* is the net not yet acknowledged,
 * whether or not it is in a batch yet (negative while an undo of an
 * acknowledged press waits). */
struct hc_journal_status {
	char terminal[HC_ID_LEN_MAX + 1];
	uint64_t incarnation;
	int64_t pressed_in;
	int64_t pressed_out;
	int64_t undone_in;
	int64_t undone_out;
	int64_t acked_in;
	int64_t acked_out;
	int64_t pending_in;
	int64_t pending_out;
	int64_t unacked_batches;
	int64_t last_seq; /* highest seq ever cut, 0 when none */
};

/* Opens (creating when missing) the journal at path for terminal_id. A
 * new file gets a fresh random incarnation; an existing one keeps its
 * own. A journal that belongs to another terminal id is refused. Returns
 * NULL and writes a one-line reason into err on any failure. */
struct hc_journal *hc_journal_open(const char *path, const char *terminal_id, char *err,
				   size_t err_len);

/* Opens an existing journal for reading its status (never creates one;
 * a schema 1 journal gains the undo columns, as hc_journal_open does).
 * terminal_id may be NULL to accept whichever terminal wrote it. */
struct hc_journal *hc_journal_open_existing(const char *path, const char *terminal_id, char *err,
					    size_t err_len);

void hc_journal_close(struct hc_journal *j);

uint64_t hc_journal_incarnation(const struct hc_journal *j);
const char *hc_journal_terminal(const struct hc_journal *j);
const char *hc_journal_path(const struct hc_journal *j);

/* The journal mode ("wal") and synchronous level (2 is FULL) in force on
 * the journal's connection, read back from SQLite. False when SQLite
 * cannot answer. */
bool hc_journal_durability(struct hc_journal *j, char *journal_mode, size_t cap, int *synchronous);

/* Why the last failing call failed ("" before any failure): the SQL step
 * and sqlite3_errmsg(). */
const char *hc_journal_last_error(const struct hc_journal *j);

/* Stores n presses and undos, in order, in one transaction. An undo
 * refers to the last press stored before it, which must have its dir
 * and no undo yet. False (nothing stored) on error. */
bool hc_journal_record_presses(struct hc_journal *j, const struct hc_press *p, size_t n);

/* Stores batch b (from hc_outbox_cut) in one transaction: marks the first
 * b->entered 'in' and first b->exited 'out' pending presses (and the first
 * b->undo_entered / b->undo_exited pending undos) by id with b->seq, and
 * inserts the batch row. False on error (nothing
 * changed), including when fewer unbatched presses exist than b claims. */
bool hc_journal_store_batch(struct hc_journal *j, const struct hc_outbox_batch *b,
			    int64_t created_ms);

/* Records that batch seq was acknowledged. Idempotent: a second ack for
 * the same seq keeps the first time. False on error. */
bool hc_journal_store_ack(struct hc_journal *j, int64_t seq, bool duplicate, int64_t acked_ms);

/* Restores outbox o (already hc_outbox_init'ed) from the journal: next
 * seq, pending presses, acked sums and unacked batches in seq order.
 * False on error or when the journal holds more unacked batches than
 * HC_OUTBOX_UNACKED_MAX. */
bool hc_journal_restore(struct hc_journal *j, struct hc_outbox *o);

/* Fills st from the journal. False on error. */
bool hc_journal_status(struct hc_journal *j, struct hc_journal_status *st);

/* Default journal path for a terminal id: "./terminal-<id>.db". */
void hc_journal_default_path(const char *terminal_id, char *out, size_t cap);

#endif
