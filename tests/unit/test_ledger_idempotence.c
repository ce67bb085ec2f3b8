/*
 * test_ledger_idempotence.c — a batch is applied at most once (docs/design.md
 * invariant 2), and totals are sums, never overwrites (invariant 1).
 *
 * Drives the pure ledger core through receive / take_staged /
 * commit_done, with the store's answers (ok, inserted[]) played by the
 * test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aggregator/ledger.h"
#include "shared/limits.h"

#define AREAS 2
#define TERMINALS 3
#define INC_A 0x1111222233334444ULL
#define INC_B 0x9999888877776666ULL

static struct hc_ledger_row row_of(uint32_t terminal, uint32_t area, uint64_t inc, int64_t seq,
				   int64_t entered, int64_t exited)
{
	struct hc_ledger_row r = {
		.terminal_index = terminal,
		.area_index = area,
		.incarnation = inc,
		.seq = seq,
		.entered = entered,
		.exited = exited,
		.received_at_ms = 1700000000000 + seq,
	};
	return r;
}

/* Takes the whole staged queue as one job and commits it as the store
 * would on success with every row new. Returns the rows committed. */
static size_t commit_all_new(struct hc_ledger *l, struct hc_ledger_row *rows)
{
	bool inserted[64];
	size_t n = hc_ledger_take_staged(l, rows, 64);
	for (size_t i = 0; i < n; i++)
		inserted[i] = true;
	hc_ledger_commit_done(l, true, inserted);
	return n;
}

static void assert_totals(const struct hc_ledger *l, uint32_t area, int64_t entered, int64_t exited)
{
	int64_t e = -1, x = -1;
	hc_ledger_area_totals(l, area, &e, &x);
	assert_int_equal(e, entered);
	assert_int_equal(x, exited);
}

static void same_batch_twice_is_applied_once(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	struct hc_ledger_row b = row_of(0, 0, INC_A, 1, 3, 1);

	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_STAGED);
	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_PENDING);
	assert_int_equal(hc_ledger_staged_count(l), 1);
	assert_int_equal(commit_all_new(l, rows), 1);
	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_DUPLICATE);
	assert_int_equal(hc_ledger_staged_count(l), 0);
	assert_totals(l, 0, 3, 1);
	assert_true(hc_ledger_contains(l, 0, INC_A, 1));
	hc_ledger_free(l);
}

static void resend_while_committing_is_pending(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	struct hc_ledger_row b = row_of(0, 0, INC_A, 1, 2, 0);

	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_STAGED);
	assert_int_equal(hc_ledger_take_staged(l, rows, 64), 1);
	assert_true(hc_ledger_job_open(l));
	/* A second job cannot open while the first is in flight. */
	assert_int_equal(hc_ledger_take_staged(l, rows, 64), 0);
	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_PENDING);
	assert_int_equal(hc_ledger_staged_count(l), 0);
	bool inserted[1] = { true };
	hc_ledger_commit_done(l, true, inserted);
	assert_false(hc_ledger_job_open(l));
	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_DUPLICATE);
	assert_totals(l, 0, 2, 0);
	hc_ledger_free(l);
}

static void out_of_order_seqs_are_each_applied_once(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	const int64_t order[] = { 5, 2, 9, 1, 3, 8, 4, 7, 6, 10 };

	for (size_t i = 0; i < 10; i++) {
		struct hc_ledger_row b = row_of(1, 0, INC_A, order[i], 1, 0);
		assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_STAGED);
		if (i % 3 == 2)
			commit_all_new(l, rows);
	}
	commit_all_new(l, rows);
	for (size_t i = 0; i < 10; i++) {
		struct hc_ledger_row b = row_of(1, 0, INC_A, order[i], 1, 0);
		assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_DUPLICATE);
	}
	assert_totals(l, 0, 10, 0);
	struct hc_ledger_seq_stats s = hc_ledger_seq_stats(l, 1, INC_A);
	assert_int_equal(s.seq_highest, 10);
	assert_int_equal(s.applied, 10);
	assert_int_equal(s.missing, 0);
	assert_int_equal(hc_ledger_row_count(l), 10);
	hc_ledger_free(l);
}

static void after_restart_resent_batches_are_duplicates(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	for (int64_t seq = 1; seq <= 5; seq++) {
		struct hc_ledger_row b = row_of(0, 1, INC_A, seq, seq, 1);
		hc_ledger_receive(l, &b);
	}
	size_t n = commit_all_new(l, rows);
	assert_int_equal(n, 5);
	hc_ledger_free(l);

	/* Restart: a new ledger loaded from the committed rows. */
	struct hc_ledger *again = hc_ledger_new(AREAS, TERMINALS);
	for (size_t i = 0; i < n; i++)
		hc_ledger_load_row(again, &rows[i]);
	assert_totals(again, 1, 1 + 2 + 3 + 4 + 5, 5);
	for (int64_t seq = 1; seq <= 5; seq++) {
		struct hc_ledger_row b = row_of(0, 1, INC_A, seq, seq, 1);
		assert_int_equal(hc_ledger_receive(again, &b), HC_LEDGER_DUPLICATE);
	}
	struct hc_ledger_row next = row_of(0, 1, INC_A, 6, 1, 0);
	assert_int_equal(hc_ledger_receive(again, &next), HC_LEDGER_STAGED);
	assert_totals(again, 1, 15, 5);
	hc_ledger_free(again);
}

static void new_incarnation_with_same_seqs_is_applied(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	struct hc_ledger_row old_b = row_of(2, 0, INC_A, 1, 4, 0);
	struct hc_ledger_row new_b = row_of(2, 0, INC_B, 1, 6, 0);

	assert_int_equal(hc_ledger_receive(l, &old_b), HC_LEDGER_STAGED);
	commit_all_new(l, rows);
	assert_int_equal(hc_ledger_receive(l, &new_b), HC_LEDGER_STAGED);
	commit_all_new(l, rows);
	assert_totals(l, 0, 10, 0);
	assert_true(hc_ledger_contains(l, 2, INC_A, 1));
	assert_true(hc_ledger_contains(l, 2, INC_B, 1));
	assert_false(hc_ledger_contains(l, 2, INC_B, 2));
	hc_ledger_free(l);
}

static void failed_commit_applies_nothing_and_resend_is_staged(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	struct hc_ledger_row b1 = row_of(0, 0, INC_A, 1, 5, 0);
	struct hc_ledger_row b2 = row_of(0, 0, INC_A, 2, 0, 2);

	hc_ledger_receive(l, &b1);
	hc_ledger_receive(l, &b2);
	assert_int_equal(hc_ledger_take_staged(l, rows, 64), 2);
	hc_ledger_commit_done(l, false, NULL);
	assert_false(hc_ledger_job_open(l));
	assert_totals(l, 0, 0, 0);
	assert_false(hc_ledger_contains(l, 0, INC_A, 1));
	assert_int_equal(hc_ledger_row_count(l), 0);

	assert_int_equal(hc_ledger_receive(l, &b2), HC_LEDGER_STAGED);
	assert_int_equal(hc_ledger_receive(l, &b1), HC_LEDGER_STAGED);
	assert_int_equal(commit_all_new(l, rows), 2);
	/* Oldest first: the resend order is the commit order. */
	assert_int_equal(rows[0].seq, 2);
	assert_int_equal(rows[1].seq, 1);
	assert_totals(l, 0, 5, 2);
	hc_ledger_free(l);
}

/* inserted[i] false: the store had the row although this ledger did not
 * (a commit reported as failed had reached the disk). The totals mirror
 * the store, so the row counts, exactly once, and resends are duplicates. */
static void row_the_store_already_had_counts_once(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	struct hc_ledger_row b1 = row_of(0, 0, INC_A, 1, 7, 0);
	struct hc_ledger_row b2 = row_of(0, 0, INC_A, 2, 1, 0);

	hc_ledger_receive(l, &b1);
	hc_ledger_receive(l, &b2);
	assert_int_equal(hc_ledger_take_staged(l, rows, 64), 2);
	bool inserted[2] = { false, true };
	hc_ledger_commit_done(l, true, inserted);
	assert_int_equal(hc_ledger_receive(l, &b1), HC_LEDGER_DUPLICATE);
	assert_int_equal(hc_ledger_receive(l, &b2), HC_LEDGER_DUPLICATE);
	assert_totals(l, 0, 8, 0);
	assert_int_equal(hc_ledger_row_count(l), 2);
	assert_int_equal(hc_ledger_staged_count(l), 0);
	hc_ledger_free(l);
}

static void two_terminals_of_one_area_sum_never_overwrite(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[64];
	struct hc_ledger_row north = row_of(0, 1, INC_A, 1, 10, 2);
	struct hc_ledger_row south = row_of(1, 1, INC_A, 1, 4, 3);

	assert_int_equal(hc_ledger_receive(l, &north), HC_LEDGER_STAGED);
	assert_int_equal(hc_ledger_receive(l, &south), HC_LEDGER_STAGED);
	commit_all_new(l, rows);
	assert_totals(l, 1, 14, 5);
	struct hc_ledger_row north2 = row_of(0, 1, INC_A, 2, 1, 0);
	hc_ledger_receive(l, &north2);
	commit_all_new(l, rows);
	assert_totals(l, 1, 15, 5);
	assert_totals(l, 0, 0, 0);
	hc_ledger_free(l);
}

static void take_staged_respects_max_and_keeps_fifo_order(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row rows[200];
	bool inserted[200];
	for (int64_t seq = 1; seq <= 150; seq++) {
		struct hc_ledger_row b = row_of(0, 0, INC_A, seq, 1, 0);
		assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_STAGED);
	}
	assert_int_equal(hc_ledger_take_staged(l, rows, 100), 100);
	assert_int_equal(rows[0].seq, 1);
	assert_int_equal(rows[99].seq, 100);
	assert_int_equal(hc_ledger_staged_count(l), 50);
	for (size_t i = 0; i < 100; i++)
		inserted[i] = true;
	hc_ledger_commit_done(l, true, inserted);
	assert_int_equal(hc_ledger_take_staged(l, rows, 100), 50);
	assert_int_equal(rows[0].seq, 101);
	hc_ledger_commit_done(l, true, inserted);
	assert_totals(l, 0, 150, 0);
	hc_ledger_free(l);
}

static void unknown_terminal_rows_count_for_their_area(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(AREAS, TERMINALS);
	struct hc_ledger_row gone = row_of(HC_LEDGER_NO_TERMINAL, 1, 0, 1, 9, 4);
	hc_ledger_load_row(l, &gone);
	gone.seq = 2;
	hc_ledger_load_row(l, &gone);
	struct hc_ledger_row no_area = row_of(0, HC_LEDGER_NO_AREA, INC_A, 1, 5, 0);
	hc_ledger_load_row(l, &no_area);
	assert_totals(l, 1, 18, 8);
	assert_totals(l, 0, 0, 0);
	/* The seq of a row whose area is gone still counts as applied. */
	struct hc_ledger_row resend = row_of(0, 0, INC_A, 1, 5, 0);
	assert_int_equal(hc_ledger_receive(l, &resend), HC_LEDGER_DUPLICATE);
	assert_int_equal(hc_ledger_row_count(l), 3);
	hc_ledger_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_batch_twice_is_applied_once),
		cmocka_unit_test(resend_while_committing_is_pending),
		cmocka_unit_test(out_of_order_seqs_are_each_applied_once),
		cmocka_unit_test(after_restart_resent_batches_are_duplicates),
		cmocka_unit_test(new_incarnation_with_same_seqs_is_applied),
		cmocka_unit_test(failed_commit_applies_nothing_and_resend_is_staged),
		cmocka_unit_test(row_the_store_already_had_counts_once),
		cmocka_unit_test(two_terminals_of_one_area_sum_never_overwrite),
		cmocka_unit_test(take_staged_respects_max_and_keeps_fifo_order),
		cmocka_unit_test(unknown_terminal_rows_count_for_their_area),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
