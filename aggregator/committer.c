/*
 * committer.c — the worker thread that makes ledger rows durable.
 *
 * Relies on: store.c (the commit itself), POSIX threads, shared/clock.h.
 *
 * Promises: one job at a time, in submission order; the worker touches
 * the store only between taking a job and publishing its result; wake()
 * is called after every result is published, outside the lock. The job
 * buffers belong to the worker from submit until the result is taken, and
 * to the loop from then until the next submit, so no row is copied twice
 * and nothing is shared while in use.
 *
 * States: IDLE -> (submit) QUEUED -> (worker) RUNNING -> DONE -> (take)
 * IDLE. stop() lets a QUEUED or RUNNING job finish before joining.
 */
#include "aggregator/committer.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"

enum job_state { JOB_IDLE, JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct hc_committer {
	struct hc_store *store;
	hc_committer_wake_fn wake;
	void *wake_arg;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum job_state state;
	bool stopping;

	struct hc_ledger_row *rows; /* HC_COMMIT_BATCHES_MAX */
	bool *inserted;		    /* HC_COMMIT_BATCHES_MAX */
	size_t n;
	struct hc_store_record *records; /* HC_COMMIT_RECORDS_MAX */
	size_t n_records;
	bool ok;
	char error[256];
	int64_t commit_us;
};

/* Worker: waits for a job, commits it, publishes the result, wakes the
 * loop; exits when stopping and nothing is queued. */
static void *worker_main(void *arg)
{
	struct hc_committer *c = arg;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->state != JOB_QUEUED && !c->stopping)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->state != JOB_QUEUED)
			break;
		c->state = JOB_RUNNING;
		pthread_mutex_unlock(&c->lock);

		char error[256] = "";
		int64_t start_us = hc_mono_us();
		bool ok = hc_store_commit_job(c->store, c->rows, c->n, c->inserted, c->records,
					      c->n_records, error, sizeof error);
		int64_t commit_us = hc_mono_us() - start_us;

		pthread_mutex_lock(&c->lock);
		c->ok = ok;
		memcpy(c->error, error, sizeof c->error);
		c->commit_us = commit_us;
		c->state = JOB_DONE;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		if (c->wake != NULL)
			c->wake(c->wake_arg);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct hc_committer *hc_committer_start(struct hc_store *store, hc_committer_wake_fn wake,
					void *wake_arg)
{
	struct hc_committer *c = calloc(1, sizeof *c);
	if (c == NULL) {
		hc_error("committer: out of memory");
		return NULL;
	}
	c->store = store;
	c->wake = wake;
	c->wake_arg = wake_arg;
	c->rows = calloc(HC_COMMIT_BATCHES_MAX, sizeof *c->rows);
	c->inserted = calloc(HC_COMMIT_BATCHES_MAX, sizeof *c->inserted);
	c->records = calloc(HC_COMMIT_RECORDS_MAX, sizeof *c->records);
	if (c->rows == NULL || c->inserted == NULL || c->records == NULL) {
		hc_error("committer: out of memory for %d rows", HC_COMMIT_BATCHES_MAX);
		goto fail_alloc;
	}
	int rc = pthread_mutex_init(&c->lock, NULL);
	if (rc != 0) {
		hc_error("committer: pthread_mutex_init: %s", strerror(rc));
		goto fail_alloc;
	}
	rc = pthread_cond_init(&c->cond, NULL);
	if (rc != 0) {
		hc_error("committer: pthread_cond_init: %s", strerror(rc));
		goto fail_mutex;
	}
	/* The worker is started with every signal blocked (it inherits the
	 * mask), so the aggregator's SIGTERM/SIGHUP handlers always run on the
	 * loop thread: a handler then never touches the server while the loop
	 * thread is tearing it down. */
	sigset_t all, old;
	sigfillset(&all);
	rc = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (rc != 0) {
		hc_error("committer: pthread_sigmask: %s", strerror(rc));
		goto fail_cond;
	}
	rc = pthread_create(&c->thread, NULL, worker_main, c);
	int mask_rc = pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (mask_rc != 0)
		hc_error("committer: pthread_sigmask (restore): %s", strerror(mask_rc));
	if (rc != 0) {
		hc_error("committer: pthread_create: %s", strerror(rc));
		goto fail_cond;
	}
	return c;
fail_cond:
	pthread_cond_destroy(&c->cond);
fail_mutex:
	pthread_mutex_destroy(&c->lock);
fail_alloc:
	free(c->rows);
	free(c->inserted);
	free(c->records);
	free(c);
	return NULL;
}

bool hc_committer_submit(struct hc_committer *c, const struct hc_ledger_row *rows, size_t n)
{
	return hc_committer_submit_job(c, rows, n, NULL, 0);
}

bool hc_committer_submit_job(struct hc_committer *c, const struct hc_ledger_row *rows, size_t n,
			     const struct hc_store_record *records, size_t n_records)
{
	if (n + n_records == 0 || n > HC_COMMIT_BATCHES_MAX || n_records > HC_COMMIT_RECORDS_MAX)
		return false;
	pthread_mutex_lock(&c->lock);
	bool idle = c->state == JOB_IDLE && !c->stopping;
	if (idle) {
		if (n > 0)
			memcpy(c->rows, rows, n * sizeof *rows);
		c->n = n;
		if (n_records > 0)
			memcpy(c->records, records, n_records * sizeof *records);
		c->n_records = n_records;
		c->state = JOB_QUEUED;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	return idle;
}

bool hc_committer_take_result(struct hc_committer *c, struct hc_commit_result *out)
{
	pthread_mutex_lock(&c->lock);
	bool done = c->state == JOB_DONE;
	if (done) {
		out->ok = c->ok;
		out->rows = c->rows;
		out->inserted = c->inserted;
		out->n = c->n;
		out->records = c->records;
		out->n_records = c->n_records;
		memcpy(out->error, c->error, sizeof out->error);
		out->commit_us = c->commit_us;
		c->state = JOB_IDLE;
	}
	pthread_mutex_unlock(&c->lock);
	return done;
}

bool hc_committer_busy(struct hc_committer *c)
{
	pthread_mutex_lock(&c->lock);
	bool busy = c->state != JOB_IDLE;
	pthread_mutex_unlock(&c->lock);
	return busy;
}

void hc_committer_stop(struct hc_committer *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	int rc = pthread_join(c->thread, NULL);
	if (rc != 0)
		hc_error("committer: pthread_join: %s", strerror(rc));
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c->rows);
	free(c->inserted);
	free(c->records);
	free(c);
}
