/*
 * test_pipeline_acks_after_commit.c — the commit/ack pipeline
 * (aggregator/pipeline.c) acknowledges only what a commit made durable:
 * no ack before the commit result; a failed commit acks nothing and is
 * retried after the retry time, not before; rows the store already had
 * are acked as duplicates; a pending supervisor command is answered
 * once, after its last durable part; a failed correction is staged
 * again. The committer is a recording stub: each test builds the commit
 * result itself, so the pipeline's decisions are checked value by value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/ledger.h"
#include "aggregator/pipeline.h"

#define AREAS 2
#define SOURCES 8
#define SUPERVISOR_SLOT 7
#define INC 0x1111222233334444ULL
#define ACKS_MAX 64

struct ack_seen {
	uint32_t terminal;
	int64_t seq;
	bool ok;
	bool duplicate;
};

struct world {
	struct hc_ledger *ledger;
	struct hc_pipeline pipe;
	/* the job the stub committer holds */
	struct hc_ledger_row job[HC_COMMIT_BATCHES_MAX];
	size_t job_len;
	size_t job_records;
	int submits;
	struct ack_seen acks[ACKS_MAX];
	int ack_count;
	int answers;
	uint64_t answered_token;
	int refreshes;
	int changed;
};

static bool stub_submit(void *arg, const struct hc_ledger_row *rows, size_t n,
			const struct hc_store_record *records, size_t n_records)
{
	struct world *w = arg;
	(void)records;
	memcpy(w->job, rows, n * sizeof *rows);
	w->job_len = n;
	w->job_records = n_records;
	w->submits++;
	return true;
}

static void stub_ack(void *arg, const struct hc_ledger_row *row, bool ok, bool duplicate)
{
	struct world *w = arg;
	assert_true(w->ack_count < ACKS_MAX);
	w->acks[w->ack_count++] = (struct ack_seen){ row->terminal_index, row->seq, ok, duplicate };
}

static void stub_answer(void *arg, struct hc_pending_command *p)
{
	struct world *w = arg;
	w->answers++;
	w->answered_token = p->token;
}

static void stub_changed(void *arg, uint32_t slot)
{
	struct world *w = arg;
	(void)slot;
	w->changed++;
}

static void stub_refresh(void *arg)
{
	struct world *w = arg;
	w->refreshes++;
}

static int setup(void **state)
{
	static struct world w;
	memset(&w, 0, sizeof w);
	w.ledger = hc_ledger_new(AREAS, SOURCES);
	if (w.ledger == NULL)
		return -1;
	const struct hc_pipeline_hooks hooks = {
		.arg = &w,
		.submit = stub_submit,
		.ack = stub_ack,
		.answer = stub_answer,
		.terminal_changed = stub_changed,
		.refresh = stub_refresh,
	};
	if (!hc_pipeline_init(&w.pipe, w.ledger, &hooks))
		return -1;
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	hc_pipeline_free(&w->pipe);
	hc_ledger_free(w->ledger);
	return 0;
}

static struct hc_ledger_row row_of(uint32_t terminal, int64_t seq, int64_t entered)
{
	return (struct hc_ledger_row){ .terminal_index = terminal,
				       .area_index = terminal % AREAS,
				       .incarnation = INC,
				       .seq = seq,
				       .entered = entered };
}

static void stage(struct world *w, uint32_t terminal, int64_t seq)
{
	struct hc_ledger_row r = row_of(terminal, seq, 1);
	assert_int_equal(hc_ledger_receive(w->ledger, &r), HC_LEDGER_STAGED);
}

/* The result the stub committer reports for its job. */
static void settle(struct world *w, bool ok, const bool *inserted, int64_t now_ms)
{
	static bool all_new[HC_COMMIT_BATCHES_MAX];
	for (size_t i = 0; i < w->job_len; i++)
		all_new[i] = true;
	struct hc_commit_result r = {
		.ok = ok,
		.rows = w->job,
		.inserted = inserted != NULL ? inserted : all_new,
		.n = w->job_len,
		.n_records = w->job_records,
		.commit_us = 1000,
	};
	if (!ok)
		snprintf(r.error, sizeof r.error, "disk I/O error");
	hc_pipeline_settle(&w->pipe, &r, now_ms, 1700000000000);
}

static void test_no_ack_before_the_commit_result(void **state)
{
	struct world *w = *state;
	stage(w, 0, 1);
	stage(w, 1, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 1000), HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->job_len, 2);
	assert_int_equal(w->ack_count, 0);
	/* A second kick while the job is in flight submits nothing. */
	stage(w, 2, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 1001), HC_PIPELINE_IDLE);
	assert_int_equal(w->submits, 1);
	assert_int_equal(w->ack_count, 0);
	settle(w, true, NULL, 1010);
	assert_int_equal(w->ack_count, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(w->acks[i].ok);
		assert_false(w->acks[i].duplicate);
		assert_int_equal(w->acks[i].seq, 1);
		assert_true(hc_ledger_contains(w->ledger, w->acks[i].terminal, INC, 1));
	}
	assert_int_equal(w->refreshes, 1);
	assert_int_equal(w->changed, 2);
	/* The row staged meanwhile goes in the next job. */
	assert_int_equal(hc_pipeline_kick(&w->pipe, 1011), HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->job_len, 1);
	assert_int_equal(w->job[0].terminal_index, 2);
}

static void test_failed_commit_acks_nothing_and_retries_after_the_retry_time(void **state)
{
	struct world *w = *state;
	stage(w, 0, 1);
	stage(w, 3, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 5000), HC_PIPELINE_SUBMITTED);
	settle(w, false, NULL, 5020);
	for (int i = 0; i < w->ack_count; i++)
		assert_false(w->acks[i].ok);
	assert_int_equal(w->refreshes, 0);
	assert_int_equal(w->changed, 0);
	assert_true(w->pipe.storage_failing);
	assert_int_equal(w->pipe.commit_failures, 1);
	assert_int_equal(w->pipe.storage_faults_total, 1);
	assert_string_equal(w->pipe.storage_error, "disk I/O error");
	assert_int_equal(w->pipe.retry_at_mono_ms, 5020 + HC_COMMIT_RETRY_MS);
	assert_false(hc_ledger_contains(w->ledger, 0, INC, 1));

	/* The terminals resend; nothing goes out before the retry time. */
	stage(w, 0, 1);
	stage(w, 3, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 5020), HC_PIPELINE_WAIT);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 5020 + HC_COMMIT_RETRY_MS - 1),
			 HC_PIPELINE_WAIT);
	assert_int_equal(w->submits, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 5020 + HC_COMMIT_RETRY_MS),
			 HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->submits, 2);
	int before = w->ack_count;
	settle(w, true, NULL, 5300);
	assert_int_equal(w->ack_count, before + 2);
	assert_true(w->acks[before].ok);
	assert_false(w->pipe.storage_failing);
	assert_int_equal(w->pipe.commit_failures, 0);
	assert_int_equal(w->pipe.storage_faults_total, 1);
	assert_int_equal(w->pipe.commit_latency.count, 1);
}

static void test_rows_the_store_had_are_acked_as_duplicates(void **state)
{
	struct world *w = *state;
	stage(w, 0, 1);
	stage(w, 1, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 0), HC_PIPELINE_SUBMITTED);
	/* Row 1 reached the disk in an earlier commit reported as failed. */
	const bool inserted[2] = { true, false };
	settle(w, true, inserted, 10);
	assert_int_equal(w->ack_count, 2);
	assert_true(w->acks[0].ok);
	assert_false(w->acks[0].duplicate);
	assert_true(w->acks[1].ok);
	assert_true(w->acks[1].duplicate);
	/* Applied once either way. */
	int64_t in, out;
	hc_ledger_area_totals(w->ledger, 1, &in, &out);
	assert_int_equal(in, 1);
}

static struct hc_store_record record_of(uint64_t token)
{
	struct hc_store_record r = { .kind = HC_RECORD_AUDIT, .token = token };
	snprintf(r.action, sizeof r.action, "override");
	return r;
}

static void test_pending_command_answered_once_after_its_last_part(void **state)
{
	struct world *w = *state;
	struct hc_pending_command *p = hc_pipeline_new_pending(&w->pipe);
	assert_non_null(p);
	assert_int_not_equal(p->token, 0);
	uint64_t token = p->token;
	p->parts_left = 2;
	struct hc_store_record first = record_of(token);
	assert_true(hc_pipeline_queue_records(&w->pipe, &first, 1));
	assert_int_equal(hc_pipeline_kick(&w->pipe, 0), HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->job_records, 1);
	/* The second part is queued while the first commits. */
	struct hc_store_record second = record_of(token);
	assert_true(hc_pipeline_queue_records(&w->pipe, &second, 1));
	settle(w, true, NULL, 10);
	assert_int_equal(w->answers, 0);
	assert_int_equal(w->pipe.record_count, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 11), HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->job_records, 1);
	settle(w, true, NULL, 20);
	assert_int_equal(w->answers, 1);
	assert_int_equal(w->answered_token, token);
	assert_int_equal(p->token, 0); /* the entry is free again */
	assert_int_equal(w->pipe.record_count, 0);
	/* Nothing is left to answer it twice. */
	stage(w, 0, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 21), HC_PIPELINE_SUBMITTED);
	settle(w, true, NULL, 30);
	assert_int_equal(w->answers, 1);
}

static void test_records_of_a_failed_commit_stay_queued(void **state)
{
	struct world *w = *state;
	struct hc_pending_command *p = hc_pipeline_new_pending(&w->pipe);
	assert_non_null(p);
	p->parts_left = 1;
	struct hc_store_record r = record_of(p->token);
	assert_true(hc_pipeline_queue_records(&w->pipe, &r, 1));
	assert_int_equal(hc_pipeline_kick(&w->pipe, 0), HC_PIPELINE_SUBMITTED);
	settle(w, false, NULL, 10);
	assert_int_equal(w->answers, 0);
	assert_int_equal(w->pipe.record_count, 1);
	assert_int_equal(hc_pipeline_kick(&w->pipe, 10 + HC_COMMIT_RETRY_MS),
			 HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->job_records, 1);
	settle(w, true, NULL, 300);
	assert_int_equal(w->answers, 1);
}

static void test_failed_correction_is_staged_again(void **state)
{
	struct world *w = *state;
	struct hc_pending_command *p = hc_pipeline_new_pending(&w->pipe);
	assert_non_null(p);
	p->parts_left = 2; /* its audit record and its ledger row */
	p->has_row = true;
	p->row = row_of(SUPERVISOR_SLOT, 1, 5);
	struct hc_store_record audit = record_of(p->token);
	assert_true(hc_pipeline_queue_records(&w->pipe, &audit, 1));
	assert_int_equal(hc_ledger_receive(w->ledger, &p->row), HC_LEDGER_STAGED);
	stage(w, 0, 1); /* a terminal's batch in the same job */
	assert_int_equal(hc_pipeline_kick(&w->pipe, 0), HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->job_len, 2);
	settle(w, false, NULL, 10);
	/* The correction is staged again by the pipeline (no terminal
	 * resends it); the terminal's batch is forgotten until resent. */
	assert_int_equal(hc_ledger_staged_count(w->ledger), 1);
	assert_int_equal(w->answers, 0);
	for (int i = 0; i < w->ack_count; i++) {
		assert_false(w->acks[i].ok);
		assert_int_not_equal(w->acks[i].terminal, SUPERVISOR_SLOT);
	}
	assert_int_equal(hc_pipeline_kick(&w->pipe, 10 + HC_COMMIT_RETRY_MS),
			 HC_PIPELINE_SUBMITTED);
	assert_int_equal(w->job_len, 1);
	assert_int_equal(w->job[0].terminal_index, SUPERVISOR_SLOT);
	assert_int_equal(w->job_records, 1);
	int acks_before = w->ack_count;
	settle(w, true, NULL, 300);
	/* No ack goes to a correction; the command is answered once. */
	assert_int_equal(w->ack_count, acks_before);
	assert_int_equal(w->answers, 1);
	int64_t in, out;
	hc_ledger_area_totals(w->ledger, SUPERVISOR_SLOT % AREAS, &in, &out);
	assert_int_equal(in, 5);
}

static void test_nothing_to_commit_is_idle(void **state)
{
	struct world *w = *state;
	assert_int_equal(hc_pipeline_kick(&w->pipe, 0), HC_PIPELINE_IDLE);
	assert_false(hc_pipeline_busy(&w->pipe));
	assert_int_equal(w->submits, 0);
	/* A settle without a job in flight changes nothing. */
	settle(w, true, NULL, 1);
	assert_int_equal(w->refreshes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_ack_before_the_commit_result, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_commit_acks_nothing_and_retries_after_the_retry_time, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_rows_the_store_had_are_acked_as_duplicates,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_pending_command_answered_once_after_its_last_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_of_a_failed_commit_stay_queued, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_correction_is_staged_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_commit_is_idle, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
