/*
 * test_ledger_seq_gaps.c — sequence gaps are counted per terminal
 * incarnation (docs/design.md invariant 7: faults are visible), shrink as the
 * gap is filled, and never mix incarnations or terminals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aggregator/ledger.h"

#define INC_A 0x00000000000000aaULL
#define INC_B 0x00000000000000bbULL

/* Receives and commits one batch as new. */
static void apply(struct hc_ledger *l, uint32_t terminal, uint64_t inc, int64_t seq)
{
	struct hc_ledger_row b = {
		.terminal_index = terminal,
		.area_index = 0,
		.incarnation = inc,
		.seq = seq,
		.entered = 1,
		.exited = 0,
		.received_at_ms = 1,
	};
	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_STAGED);
	struct hc_ledger_row rows[1];
	assert_int_equal(hc_ledger_take_staged(l, rows, 1), 1);
	bool inserted[1] = { true };
	hc_ledger_commit_done(l, true, inserted);
}

static void contiguous_seqs_have_no_gap(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 1);
	for (int64_t seq = 1; seq <= 4; seq++)
		apply(l, 0, INC_A, seq);
	struct hc_ledger_seq_stats s = hc_ledger_seq_stats(l, 0, INC_A);
	assert_int_equal(s.seq_highest, 4);
	assert_int_equal(s.applied, 4);
	assert_int_equal(s.missing, 0);
	assert_int_equal(hc_ledger_missing_total(l), 0);
	hc_ledger_free(l);
}

static void gap_is_counted(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 1);
	apply(l, 0, INC_A, 1);
	apply(l, 0, INC_A, 2);
	apply(l, 0, INC_A, 7);
	struct hc_ledger_seq_stats s = hc_ledger_seq_stats(l, 0, INC_A);
	assert_int_equal(s.seq_highest, 7);
	assert_int_equal(s.applied, 3);
	assert_int_equal(s.missing, 4);
	assert_int_equal(hc_ledger_missing_total(l), 4);
	assert_int_equal(hc_ledger_terminal_missing(l, 0), 4);
	hc_ledger_free(l);
}

static void gap_before_the_first_seq_is_counted(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 1);
	apply(l, 0, INC_A, 3);
	struct hc_ledger_seq_stats s = hc_ledger_seq_stats(l, 0, INC_A);
	assert_int_equal(s.seq_highest, 3);
	assert_int_equal(s.missing, 2);
	hc_ledger_free(l);
}

static void filled_gap_shrinks_it(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 1);
	apply(l, 0, INC_A, 1);
	apply(l, 0, INC_A, 6);
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_A).missing, 4);
	apply(l, 0, INC_A, 4);
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_A).missing, 3);
	apply(l, 0, INC_A, 2);
	apply(l, 0, INC_A, 3);
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_A).missing, 1);
	apply(l, 0, INC_A, 5);
	struct hc_ledger_seq_stats s = hc_ledger_seq_stats(l, 0, INC_A);
	assert_int_equal(s.missing, 0);
	assert_int_equal(s.applied, 6);
	assert_int_equal(hc_ledger_missing_total(l), 0);
	hc_ledger_free(l);
}

static void gaps_are_per_incarnation_and_terminal(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 2);
	apply(l, 0, INC_A, 1);
	apply(l, 0, INC_A, 10); /* 8 missing in A */
	apply(l, 0, INC_B, 1);
	apply(l, 0, INC_B, 2); /* none missing in B */
	apply(l, 1, INC_A, 5); /* 4 missing at terminal 1 */
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_A).missing, 8);
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_B).missing, 0);
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_B).seq_highest, 2);
	assert_int_equal(hc_ledger_seq_stats(l, 1, INC_A).missing, 4);
	assert_int_equal(hc_ledger_terminal_missing(l, 0), 8);
	assert_int_equal(hc_ledger_terminal_missing(l, 1), 4);
	assert_int_equal(hc_ledger_missing_total(l), 12);
	hc_ledger_free(l);
}

static void unknown_incarnation_has_zero_stats(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 1);
	apply(l, 0, INC_A, 2);
	struct hc_ledger_seq_stats s = hc_ledger_seq_stats(l, 0, INC_B);
	assert_int_equal(s.seq_highest, 0);
	assert_int_equal(s.applied, 0);
	assert_int_equal(s.missing, 0);
	hc_ledger_free(l);
}

static void highest_known_includes_pending_seqs(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 1);
	apply(l, 0, INC_A, 1);
	struct hc_ledger_row b = {
		.terminal_index = 0,
		.area_index = 0,
		.incarnation = INC_A,
		.seq = 2,
		.entered = 1,
		.exited = 0,
		.received_at_ms = 1,
	};
	assert_int_equal(hc_ledger_receive(l, &b), HC_LEDGER_STAGED);
	/* Staged, not applied: no gap, and seq 3 next would not be one. */
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_A).seq_highest, 1);
	assert_int_equal(hc_ledger_seq_highest_known(l, 0, INC_A), 2);
	assert_int_equal(hc_ledger_seq_stats(l, 0, INC_A).missing, 0);
	hc_ledger_free(l);
}

static void gaps_rebuild_from_loaded_rows(void **state)
{
	(void)state;
	struct hc_ledger *l = hc_ledger_new(1, 1);
	const int64_t seqs[] = { 1, 2, 3, 7, 8, 12 };
	for (size_t i = 0; i < 6; i++) {
		struct hc_ledger_row r = {
			.terminal_index = 0,
			.area_index = 0,
			.incarnation = INC_A,
			.seq = seqs[i],
			.entered = 1,
			.exited = 0,
		};
		hc_ledger_load_row(l, &r);
	}
	struct hc_ledger_seq_stats s = hc_ledger_seq_stats(l, 0, INC_A);
	assert_int_equal(s.seq_highest, 12);
	assert_int_equal(s.applied, 6);
	assert_int_equal(s.missing, 6);
	hc_ledger_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contiguous_seqs_have_no_gap),
		cmocka_unit_test(gap_is_counted),
		cmocka_unit_test(gap_before_the_first_seq_is_counted),
		cmocka_unit_test(filled_gap_shrinks_it),
		cmocka_unit_test(gaps_are_per_incarnation_and_terminal),
		cmocka_unit_test(unknown_incarnation_has_zero_stats),
		cmocka_unit_test(highest_known_includes_pending_seqs),
		cmocka_unit_test(gaps_rebuild_from_loaded_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
