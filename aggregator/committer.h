/*
 * committer.h — group commit on one worker thread.
 *
 * The event loop must never wait for fsync. The committer owns the
 * store's connection on a worker thread: the loop submits one job (the
 * rows hc_ledger_take_staged() handed out), the worker commits it and
 * calls wake() (the server passes lws_cancel_service), and the loop
 * collects the result with hc_committer_take_result(). At most one job is
 * in flight; whatever the loop stages meanwhile goes into the next job,
 * so under load one fsync carries many batches.
 *
 * A job may also carry records (store.h: audit rows, overrides,
 * threshold adjustments, history samples). They are written in the same
 * transaction as the job's ledger rows, so nothing the loop decides ever
 * waits for fsync on the loop thread either.
 */
#ifndef HC_COMMITTER_H
#define HC_COMMITTER_H

#include <stdbool.h>
#include <stddef.h>

#include "aggregator/ledger.h"
#include "aggregator/store.h"
#include "shared/limits.h"

/* Records one job may carry at most: a history sample per area plus
 * room for supervisor commands. */
#define HC_COMMIT_RECORDS_MAX (HC_AREAS_MAX + 256)

struct hc_committer;

/* Called on the worker thread after each job; must be thread-safe. */
typedef void (*hc_committer_wake_fn)(void *arg);

/* What one job came to. rows/inserted stay valid until the next submit. */
struct hc_commit_result {
	bool ok;
	const struct hc_ledger_row *rows;
	const bool *inserted;
	size_t n;
	const struct hc_store_record *records;
	size_t n_records;
	char error[256];   /* "" when ok */
	int64_t commit_us; /* time the commit took */
};

/* Starts the worker; it uses store from now on (the caller must not).
 * Returns NULL (and logs) when the thread cannot be started. */
struct hc_committer *hc_committer_start(struct hc_store *store, hc_committer_wake_fn wake,
					void *wake_arg);

/* Hands n rows (n <= HC_COMMIT_BATCHES_MAX) to the worker. Only when idle:
 * returns false while a job is in flight or its result is uncollected. */
bool hc_committer_submit(struct hc_committer *c, const struct hc_ledger_row *rows, size_t n);

/* The same with records (n + n_records >= 1, n_records <=
 * HC_COMMIT_RECORDS_MAX). */
bool hc_committer_submit_job(struct hc_committer *c, const struct hc_ledger_row *rows, size_t n,
			     const struct hc_store_record *records, size_t n_records);

/* True, with the result, once the job submitted last is done; the
 * committer is idle again afterwards. False while running or idle. */
bool hc_committer_take_result(struct hc_committer *c, struct hc_commit_result *out);

/* True while a job is submitted and its result not yet taken. */
bool hc_committer_busy(struct hc_committer *c);

/* Lets the job in flight finish, stops and joins the worker. The store
 * is the caller's again afterwards. */
void hc_committer_stop(struct hc_committer *c);

#endif
