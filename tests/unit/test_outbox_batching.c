/*
 * test_outbox_batching.c — pending presses become batches at the batch
 * interval, with strictly increasing sequence numbers, never more than
 * HC_BATCH_DELTA_MAX presses each, and the door shows the aggregator's
 * figure plus the terminal's own unacknowledged delta (docs/design.md
 * invariants 2 and 3).
 *
 * Drives the pure outbox core the way terminal/station.c does: pressed,
 * cut_due, cut, cut_stored (the journal's success is assumed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "shared/limits.h"
#include "terminal/outbox.h"
#include "tests/unit/fixtures.h"


static void press_n(struct hc_outbox *o, enum hc_direction dir, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		hc_outbox_pressed(o, dir);
}

/* Cuts and stores a batch as the journal edge would; returns it. */
static struct hc_outbox_batch cut_and_store(struct hc_outbox *o, int64_t now_ms)
{
	assert_true(hc_outbox_cut_due(o, now_ms));
	struct hc_outbox_batch b = hc_outbox_cut(o);
	hc_outbox_cut_stored(o, &b, now_ms);
	return b;
}

static void presses_become_one_batch_at_the_interval(void **state)
{
	struct hc_outbox *o = *state;
	press_n(o, HC_DIR_IN, 3);
	press_n(o, HC_DIR_OUT, 2);
	struct hc_outbox_batch b = cut_and_store(o, T0_MS + INTERVAL_MS);
	assert_int_equal(b.seq, 1);
	assert_int_equal(b.entered, 3);
	assert_int_equal(b.exited, 2);
	assert_int_equal(o->pending_entered, 0);
	assert_int_equal(o->pending_exited, 0);
	assert_int_equal(o->unacked_count, 1);
	assert_int_equal(o->next_seq, 2);
}

static void no_batch_before_the_interval(void **state)
{
	struct hc_outbox *o = *state;
	press_n(o, HC_DIR_IN, 1);
	assert_false(hc_outbox_cut_due(o, T0_MS));
	assert_false(hc_outbox_cut_due(o, T0_MS + INTERVAL_MS - 1));
	assert_true(hc_outbox_cut_due(o, T0_MS + INTERVAL_MS));
	cut_and_store(o, T0_MS + INTERVAL_MS);
	press_n(o, HC_DIR_IN, 1);
	/* the interval counts from the last cut */
	assert_false(hc_outbox_cut_due(o, T0_MS + 2 * INTERVAL_MS - 1));
	assert_true(hc_outbox_cut_due(o, T0_MS + 2 * INTERVAL_MS));
}

static void nothing_is_cut_when_nothing_is_pending(void **state)
{
	struct hc_outbox *o = *state;
	assert_false(hc_outbox_cut_due(o, T0_MS + 100 * INTERVAL_MS));
	press_n(o, HC_DIR_OUT, 1);
	cut_and_store(o, T0_MS + INTERVAL_MS);
	assert_false(hc_outbox_cut_due(o, T0_MS + 100 * INTERVAL_MS));
	assert_int_equal(o->unacked_count, 1);
}

static void sequence_numbers_are_1_2_3_and_never_reused(void **state)
{
	struct hc_outbox *o = *state;
	int64_t now = T0_MS;
	for (int64_t expect = 1; expect <= 3; expect++) {
		press_n(o, HC_DIR_IN, 1);
		now += INTERVAL_MS;
		assert_int_equal(cut_and_store(o, now).seq, expect);
	}
	/* acknowledging batch 3 frees nothing for reuse: next is 4 */
	assert_true(hc_outbox_acked(o, 3, NULL));
	press_n(o, HC_DIR_IN, 1);
	now += INTERVAL_MS;
	assert_int_equal(cut_and_store(o, now).seq, 4);
	assert_int_equal(o->unacked[0].seq, 1);
	assert_int_equal(o->unacked[1].seq, 2);
	assert_int_equal(o->unacked[2].seq, 4);
}

static void a_cut_splits_at_batch_delta_max(void **state)
{
	struct hc_outbox *o = *state;
	press_n(o, HC_DIR_IN, HC_BATCH_DELTA_MAX - 10);
	press_n(o, HC_DIR_OUT, 25);
	struct hc_outbox_batch b1 = cut_and_store(o, T0_MS + INTERVAL_MS);
	assert_int_equal(b1.entered, HC_BATCH_DELTA_MAX - 10);
	assert_int_equal(b1.exited, 10);
	assert_int_equal(b1.entered + b1.exited, HC_BATCH_DELTA_MAX);
	assert_int_equal(o->pending_exited, 15);
	struct hc_outbox_batch b2 = cut_and_store(o, T0_MS + 2 * INTERVAL_MS);
	assert_int_equal(b2.seq, 2);
	assert_int_equal(b2.entered, 0);
	assert_int_equal(b2.exited, 15);
}

static void a_cut_of_only_entries_over_the_limit_leaves_the_rest_pending(void **state)
{
	struct hc_outbox *o = *state;
	press_n(o, HC_DIR_IN, HC_BATCH_DELTA_MAX + 7);
	struct hc_outbox_batch b = cut_and_store(o, T0_MS + INTERVAL_MS);
	assert_int_equal(b.entered, HC_BATCH_DELTA_MAX);
	assert_int_equal(b.exited, 0);
	assert_int_equal(o->pending_entered, 7);
}

static void a_full_outbox_keeps_presses_pending(void **state)
{
	struct hc_outbox *o = *state;
	int64_t now = T0_MS;
	for (size_t i = 0; i < HC_OUTBOX_UNACKED_MAX; i++) {
		press_n(o, HC_DIR_IN, 1);
		now += INTERVAL_MS;
		cut_and_store(o, now);
	}
	assert_int_equal(o->unacked_count, HC_OUTBOX_UNACKED_MAX);
	press_n(o, HC_DIR_IN, 2);
	now += 10 * INTERVAL_MS;
	assert_false(hc_outbox_cut_due(o, now));
	assert_int_equal(o->pending_entered, 2);
	/* the presses are still counted toward what the door shows */
	assert_int_equal(hc_outbox_unacked_entered(o), (int64_t)HC_OUTBOX_UNACKED_MAX + 2);
	/* an ack makes room; the pending presses are cut next */
	assert_true(hc_outbox_acked(o, 1, NULL));
	struct hc_outbox_batch b = cut_and_store(o, now);
	assert_int_equal(b.entered, 2);
	assert_int_equal(b.seq, (int64_t)HC_OUTBOX_UNACKED_MAX + 1);
}

static void shown_occupancy_is_figure_plus_unacked_net(void **state)
{
	struct hc_outbox *o = *state;
	press_n(o, HC_DIR_IN, 5);
	press_n(o, HC_DIR_OUT, 1);
	assert_int_equal(hc_outbox_shown_occupancy(o, 100), 104);
	cut_and_store(o, T0_MS + INTERVAL_MS);
	press_n(o, HC_DIR_IN, 1);
	/* batch unacked (+4) and one pending (+1) */
	assert_int_equal(hc_outbox_shown_occupancy(o, 100), 105);
	/* once acked, the aggregator's figure carries the batch */
	assert_true(hc_outbox_acked(o, 1, NULL));
	assert_int_equal(hc_outbox_shown_occupancy(o, 104), 105);
	assert_int_equal(o->acked_entered, 5);
	assert_int_equal(o->acked_exited, 1);
}

static void shown_occupancy_is_never_below_zero(void **state)
{
	struct hc_outbox *o = *state;
	press_n(o, HC_DIR_OUT, 7);
	assert_int_equal(hc_outbox_shown_occupancy(o, 3), 0);
	assert_int_equal(hc_outbox_shown_occupancy(o, 7), 0);
	assert_int_equal(hc_outbox_shown_occupancy(o, 8), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(presses_become_one_batch_at_the_interval,
						outbox_setup, outbox_teardown),
		cmocka_unit_test_setup_teardown(no_batch_before_the_interval, outbox_setup,
						outbox_teardown),
		cmocka_unit_test_setup_teardown(nothing_is_cut_when_nothing_is_pending,
						outbox_setup, outbox_teardown),
		cmocka_unit_test_setup_teardown(sequence_numbers_are_1_2_3_and_never_reused,
						outbox_setup, outbox_teardown),
		cmocka_unit_test_setup_teardown(a_cut_splits_at_batch_delta_max, outbox_setup,
						outbox_teardown),
		cmocka_unit_test_setup_teardown(
			a_cut_of_only_entries_over_the_limit_leaves_the_rest_pending, outbox_setup,
			outbox_teardown),
		cmocka_unit_test_setup_teardown(a_full_outbox_keeps_presses_pending, outbox_setup,
						outbox_teardown),
		cmocka_unit_test_setup_teardown(shown_occupancy_is_figure_plus_unacked_net,
						outbox_setup, outbox_teardown),
		cmocka_unit_test_setup_teardown(shown_occupancy_is_never_below_zero, outbox_setup,
						outbox_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
