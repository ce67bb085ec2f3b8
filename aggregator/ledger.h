/*
 * ledger.h — the aggregator's counting core (pure: no I/O, no clock).
 *
 * Invariants 1 and 2 of docs/design.md live here. The ledger is an append-only
 * set of rows, each a delta (entered, exited) from one source identified
 * by (terminal, incarnation, seq). Area totals are the sums of the rows.
 * A row is applied at most once; the store (aggregator/store.c) makes it
 * durable and is the final arbiter (INSERT OR IGNORE), this core mirrors
 * it in memory so duplicates are answered without touching disk.
 *
 * Life of a batch:
 *   hc_ledger_receive()      -> STAGED, or DUPLICATE (ack at once),
 *                               or PENDING (already staged/committing;
 *                               its ack will come with that commit)
 *   hc_ledger_take_staged()  -> rows for one group commit (the "job")
 *   hc_ledger_commit_done()  -> on success every row of the job is
 *                               durable: each is applied (added to its
 *                               area's totals) exactly once, and every
 *                               row is acknowledged;
 *                               on failure nothing changes and the
 *                               terminals resend.
 */
#ifndef HC_LEDGER_H
#define HC_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Terminal index for rows of sources not in the current config: their
 * totals count, their sequence numbers are not tracked. */
#define HC_LEDGER_NO_TERMINAL UINT32_MAX

/* Area index for rows (loaded at start-up) of an area no longer in the
 * config: the row counts as applied for its terminal's seqs but adds to
 * no area's totals. Only hc_ledger_load_row() accepts it. */
#define HC_LEDGER_NO_AREA UINT32_MAX

struct hc_ledger_row {
	uint32_t terminal_index;
	uint32_t area_index;
	uint64_t incarnation;
	int64_t seq;
	int64_t entered;
	int64_t exited;
	/* Undos of presses a terminal sent in earlier rows: a correcting
	 * delta of its own, subtracted from the totals, never an overwrite. */
	int64_t undo_entered;
	int64_t undo_exited;
	int64_t received_at_ms; /* wall clock, recorded with the row */
};

enum hc_ledger_verdict {
	HC_LEDGER_STAGED,    /* new: will be acked after its commit */
	HC_LEDGER_DUPLICATE, /* durable already: ack again now */
	HC_LEDGER_PENDING,   /* staged or committing: ack follows */
};

/* Per (terminal, incarnation) sequence health, for gap reporting. */
struct hc_ledger_seq_stats {
	int64_t seq_highest; /* highest applied seq, 0 if none */
	int64_t applied;     /* number of distinct seqs applied */
	int64_t missing;     /* seqs below seq_highest never applied */
};

struct hc_ledger;

struct hc_ledger *hc_ledger_new(uint32_t area_count, uint32_t terminal_count);
void hc_ledger_free(struct hc_ledger *l);

/* Start-up: adds one durable row read back from the store. */
void hc_ledger_load_row(struct hc_ledger *l, const struct hc_ledger_row *row);

/* A batch arrived. The row must be valid (protocol.c checked ranges). */
enum hc_ledger_verdict hc_ledger_receive(struct hc_ledger *l, const struct hc_ledger_row *row);

/* Moves up to max staged rows (oldest first) into the commit job and
 * copies them to rows. Only one job may be open: returns 0 while the
 * previous job has not been passed to hc_ledger_commit_done(). */
size_t hc_ledger_take_staged(struct hc_ledger *l, struct hc_ledger_row *rows, size_t max);

/* Number of rows waiting for the next job. */
size_t hc_ledger_staged_count(const struct hc_ledger *l);

/* True while a job is open. */
bool hc_ledger_job_open(const struct hc_ledger *l);

/* Closes the open job. ok: the store committed it; inserted[i] says
 * whether row i was new to the store. A row the store already had but
 * this ledger did not (a commit reported as failed that reached the disk)
 * is applied now, once, so the totals keep mirroring the store; inserted
 * only tells the edge to acknowledge it as a duplicate. !ok: the rows
 * are forgotten (inserted ignored) and the terminals resend them. */
void hc_ledger_commit_done(struct hc_ledger *l, bool ok, const bool *inserted);

/* Current sums of an area, net of undos: entered = sum(entered) -
 * sum(undo_entered), likewise exited. A terminal can only take back its
 * own presses, so these stay >= 0; should a faulty terminal send more
 * undos than presses, each is held at 0 rather than go negative (the
 * rows still show what was sent). */
void hc_ledger_area_totals(const struct hc_ledger *l, uint32_t area_index, int64_t *entered,
			   int64_t *exited);

/* Sums of the undo deltas alone (what was taken back) of an area. */
void hc_ledger_area_undone(const struct hc_ledger *l, uint32_t area_index, int64_t *undo_entered,
			   int64_t *undo_exited);

/* Sequence health of one terminal incarnation (zeros if unknown). */
struct hc_ledger_seq_stats hc_ledger_seq_stats(const struct hc_ledger *l, uint32_t terminal_index,
					       uint64_t incarnation);

/* Sum of missing seqs over all incarnations of all terminals. */
int64_t hc_ledger_missing_total(const struct hc_ledger *l);

/* True when (terminal, incarnation, seq) is durable in the ledger. */
bool hc_ledger_contains(const struct hc_ledger *l, uint32_t terminal_index, uint64_t incarnation,
			int64_t seq);

/* Sum of missing seqs over all incarnations of one terminal. */
int64_t hc_ledger_terminal_missing(const struct hc_ledger *l, uint32_t terminal_index);

/* Highest seq of a terminal incarnation that is applied, staged or
 * committing (0 if none): the edge compares a new batch's seq with it to
 * report a sequence gap as the batch arrives. */
int64_t hc_ledger_seq_highest_known(const struct hc_ledger *l, uint32_t terminal_index,
				    uint64_t incarnation);

/* ENTER and EXIT presses of one source in the rows applied with a
 * received time on the UTC day of now_wall_ms (zeros for another day):
 * the per-door figures of today. */
void hc_ledger_terminal_today(const struct hc_ledger *l, uint32_t terminal_index,
			      int64_t now_wall_ms, int64_t *entered, int64_t *exited);

/* Number of applied rows, of every source (what the store holds). */
int64_t hc_ledger_row_count(const struct hc_ledger *l);

#endif
