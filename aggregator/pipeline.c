/*
 * pipeline.c — the commit/ack pipeline: jobs out to the committer,
 * results back into acks, answers and retries (pipeline.h).
 *
 * Relies on the ledger core and the hooks the caller sets; reads no
 * clock (now_ms comes in as an argument) and does no I/O except logging.
 * Promises what pipeline.h lists; the order inside hc_pipeline_settle()
 * is the one the invariants need: the ledger's job is closed before any
 * ack is routed, acks before the states are refreshed.
 */
#include "aggregator/pipeline.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"

bool hc_pipeline_init(struct hc_pipeline *p, struct hc_ledger *ledger,
		      const struct hc_pipeline_hooks *hooks)
{
	memset(p, 0, sizeof *p);
	p->hooks = *hooks;
	p->ledger = ledger;
	p->job_rows_max = HC_COMMIT_BATCHES_MAX;
	p->job_rows = calloc(HC_COMMIT_BATCHES_MAX, sizeof *p->job_rows);
	p->records = calloc(HC_COMMIT_RECORDS_MAX, sizeof *p->records);
	if (p->job_rows == NULL || p->records == NULL) {
		hc_error("pipeline: out of memory for %d rows", HC_COMMIT_BATCHES_MAX);
		goto fail;
	}
	return true;
fail:
	hc_pipeline_free(p);
	return false;
}

void hc_pipeline_free(struct hc_pipeline *p)
{
	free(p->job_rows);
	free(p->records);
	p->job_rows = NULL;
	p->records = NULL;
}

bool hc_pipeline_busy(const struct hc_pipeline *p)
{
	return p->in_flight || hc_ledger_staged_count(p->ledger) > 0 || p->record_count > 0;
}

enum hc_pipeline_kick hc_pipeline_kick(struct hc_pipeline *p, int64_t now_ms)
{
	if (p->in_flight || hc_ledger_job_open(p->ledger))
		return HC_PIPELINE_IDLE;
	size_t staged = hc_ledger_staged_count(p->ledger);
	if (staged == 0 && p->record_count == 0)
		return HC_PIPELINE_IDLE;
	if (now_ms < p->retry_at_mono_ms)
		return HC_PIPELINE_WAIT;
	size_t max = p->job_rows_max < HC_COMMIT_BATCHES_MAX ? p->job_rows_max
							     : HC_COMMIT_BATCHES_MAX;
	size_t n = 0;
	if (staged > 0)
		n = hc_ledger_take_staged(p->ledger, p->job_rows, max);
	p->job_row_count = n;
	p->records_in_flight = p->record_count;
	p->in_flight = true;
	bool submitted = p->hooks.submit(p->hooks.arg, p->job_rows, n, p->records, p->record_count);
	/* The committer is idle whenever no job is in flight. */
	assert(submitted);
	if (!submitted) {
		/* Release builds: forget the job; its terminals resend. */
		hc_error("pipeline: the committer refused a job of %zu rows", n);
		if (n > 0)
			hc_ledger_commit_done(p->ledger, false, NULL);
		p->job_row_count = 0;
		p->records_in_flight = 0;
		p->in_flight = false;
		return HC_PIPELINE_IDLE;
	}
	return HC_PIPELINE_SUBMITTED;
}

/* Logs a failed commit: the first of a run at once, then one summary
 * line every 100 failures, so a full disk does not flood the log. */
static void note_commit_failure(struct hc_pipeline *p, const struct hc_commit_result *r,
				int64_t now_ms, int64_t now_wall_ms)
{
	p->commit_failures++;
	p->storage_faults_total++;
	p->storage_failing = true;
	snprintf(p->storage_error, sizeof p->storage_error, "%s", r->error);
	p->storage_error_at_wall_ms = now_wall_ms;
	p->retry_at_mono_ms = now_ms + HC_COMMIT_RETRY_MS;
	if (p->commit_failures == 1 || p->commit_failures % 100 == 0)
		hc_error("storage: commit of %zu batches failed (%" PRId64
			 " failures in a row), nothing acknowledged: %s",
			 r->n, p->commit_failures, r->error);
}

static void note_commit_success(struct hc_pipeline *p, const struct hc_commit_result *r)
{
	if (p->storage_failing)
		hc_info("storage: commits succeed again after %" PRId64 " failures",
			p->commit_failures);
	p->storage_failing = false;
	p->commit_failures = 0;
	hc_histogram_observe(&p->commit_latency, r->commit_us);
	hc_debug("commit: %zu batches in %" PRId64 " us", r->n, r->commit_us);
}

struct hc_pending_command *hc_pipeline_new_pending(struct hc_pipeline *p)
{
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		struct hc_pending_command *c = &p->pending[k];
		if (c->token == 0) {
			memset(c, 0, sizeof *c);
			c->token = ++p->next_token;
			return c;
		}
	}
	return NULL;
}

/* One durable part of the command with this token; answers ok after
 * the last. */
static void pending_part_done(struct hc_pipeline *p, uint64_t token)
{
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		struct hc_pending_command *c = &p->pending[k];
		if (c->token != token)
			continue;
		if (--c->parts_left > 0)
			return;
		if (p->hooks.answer != NULL)
			p->hooks.answer(p->hooks.arg, c);
		c->token = 0;
		return;
	}
}

/* The pending correction whose row this is, or NULL. */
static struct hc_pending_command *pending_of_row(struct hc_pipeline *p,
						 const struct hc_ledger_row *row)
{
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		struct hc_pending_command *c = &p->pending[k];
		if (c->token != 0 && c->has_row && c->row.terminal_index == row->terminal_index &&
		    c->row.incarnation == row->incarnation && c->row.seq == row->seq)
			return c;
	}
	return NULL;
}

/* True when any pending command carries a ledger row: only then can a
 * row of a job be a correction. */
static bool any_pending_row(const struct hc_pipeline *p)
{
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++)
		if (p->pending[k].token != 0 && p->pending[k].has_row)
			return true;
	return false;
}

bool hc_pipeline_queue_records(struct hc_pipeline *p, const struct hc_store_record *r, size_t n)
{
	if (n > HC_COMMIT_RECORDS_MAX - p->record_count)
		return false;
	memcpy(&p->records[p->record_count], r, n * sizeof *r);
	p->record_count += n;
	return true;
}

/* After a commit: records of the job are done (ok) or stay queued. */
static void settle_records(struct hc_pipeline *p, bool ok)
{
	size_t done = p->records_in_flight;
	p->records_in_flight = 0;
	if (!ok)
		return;
	/* Tokens are collected first: answering may queue nothing, but keep
	 * the queue consistent before any hook runs. */
	uint64_t tokens[HC_COMMIT_RECORDS_MAX];
	size_t token_count = 0;
	for (size_t i = 0; i < done; i++)
		if (p->records[i].token != 0)
			tokens[token_count++] = p->records[i].token;
	memmove(p->records, p->records + done, (p->record_count - done) * sizeof *p->records);
	p->record_count -= done;
	for (size_t i = 0; i < token_count; i++)
		pending_part_done(p, tokens[i]);
}

void hc_pipeline_settle(struct hc_pipeline *p, const struct hc_commit_result *r, int64_t now_ms,
			int64_t now_wall_ms)
{
	if (!p->in_flight)
		return;
	p->in_flight = false;
	if (p->job_row_count > 0)
		hc_ledger_commit_done(p->ledger, r->ok, r->inserted);
	p->job_row_count = 0;
	if (r->ok)
		note_commit_success(p, r);
	else
		note_commit_failure(p, r, now_ms, now_wall_ms);

	bool corrections = any_pending_row(p);
	for (size_t i = 0; i < r->n; i++) {
		const struct hc_ledger_row *row = &r->rows[i];
		struct hc_pending_command *c = corrections ? pending_of_row(p, row) : NULL;
		if (c == NULL) {
			p->hooks.ack(p->hooks.arg, row, r->ok, r->ok && !r->inserted[i]);
			if (r->ok && p->hooks.terminal_changed != NULL)
				p->hooks.terminal_changed(p->hooks.arg, row->terminal_index);
		} else if (r->ok) {
			pending_part_done(p, c->token);
		} else {
			/* No terminal resends a correction: stage it again. */
			hc_ledger_receive(p->ledger, &c->row);
		}
	}
	settle_records(p, r->ok);
	if (r->ok && p->hooks.refresh != NULL)
		p->hooks.refresh(p->hooks.arg);
}
