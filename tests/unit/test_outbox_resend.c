/*
 * test_outbox_resend.c — a stored batch is sent, and resent unchanged,
 * until acknowledged (docs/design.md invariant 2): after resend_after_ms on
 * the same link, at once and in seq order on a new link, never more than
 * HC_INFLIGHT_BATCHES_MAX outstanding; repeated and unknown acks change
 * nothing; a restored outbox resends exactly what was stored.
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


/* Makes batches seq 1..n, batch k carrying k entries and 1 exit; cut at
 * T0_MS + k * INTERVAL_MS. */
static void make_batches(struct hc_outbox *o, int64_t n)
{
	for (int64_t k = 1; k <= n; k++) {
		for (int64_t i = 0; i < k; i++)
			hc_outbox_pressed(o, HC_DIR_IN);
		hc_outbox_pressed(o, HC_DIR_OUT);
		int64_t now = T0_MS + k * INTERVAL_MS;
		assert_true(hc_outbox_cut_due(o, now));
		struct hc_outbox_batch b = hc_outbox_cut(o);
		hc_outbox_cut_stored(o, &b, now);
	}
}

static void unacked_batch_is_resent_after_resend_after_ms_not_before(void **state)
{
	struct hc_outbox *o = *state;
	make_batches(o, 1);
	hc_outbox_link(o, true);
	int64_t now = T0_MS + 10 * INTERVAL_MS;
	const struct hc_outbox_batch *b = hc_outbox_next_send(o, now);
	assert_non_null(b);
	assert_int_equal(b->seq, 1);
	assert_null(hc_outbox_next_send(o, now));
	assert_null(hc_outbox_next_send(o, now + RESEND_MS - 1));
	b = hc_outbox_next_send(o, now + RESEND_MS);
	assert_non_null(b);
	assert_int_equal(b->seq, 1);
	assert_int_equal(b->entered, 1);
	assert_int_equal(b->exited, 1);
	assert_null(hc_outbox_next_send(o, now + RESEND_MS));
}

static void nothing_is_sent_while_offline(void **state)
{
	struct hc_outbox *o = *state;
	make_batches(o, 2);
	assert_null(hc_outbox_next_send(o, T0_MS + 100 * INTERVAL_MS));
	hc_outbox_link(o, true);
	hc_outbox_link(o, false);
	assert_null(hc_outbox_next_send(o, T0_MS + 100 * INTERVAL_MS));
}

static void link_down_up_makes_every_unacked_batch_due_in_seq_order(void **state)
{
	struct hc_outbox *o = *state;
	make_batches(o, 3);
	hc_outbox_link(o, true);
	int64_t now = T0_MS + 10 * INTERVAL_MS;
	for (int64_t seq = 1; seq <= 3; seq++)
		assert_int_equal(hc_outbox_next_send(o, now)->seq, seq);
	assert_null(hc_outbox_next_send(o, now + 1));

	hc_outbox_link(o, false);
	hc_outbox_link(o, true);
	/* long before resend_after_ms: due at once on the new link */
	for (int64_t seq = 1; seq <= 3; seq++) {
		const struct hc_outbox_batch *b = hc_outbox_next_send(o, now + 2);
		assert_non_null(b);
		assert_int_equal(b->seq, seq);
		assert_int_equal(b->entered, seq);
		assert_int_equal(b->exited, 1);
	}
	assert_null(hc_outbox_next_send(o, now + 2));
}

static void inflight_window_is_respected(void **state)
{
	struct hc_outbox *o = *state;
	const int64_t total = HC_INFLIGHT_BATCHES_MAX + 5;
	make_batches(o, total);
	hc_outbox_link(o, true);
	int64_t now = T0_MS + (total + 1) * INTERVAL_MS;
	for (int64_t seq = 1; seq <= HC_INFLIGHT_BATCHES_MAX; seq++)
		assert_int_equal(hc_outbox_next_send(o, now)->seq, seq);
	assert_null(hc_outbox_next_send(o, now));
	/* one ack opens the window by exactly one */
	assert_true(hc_outbox_acked(o, 1, NULL));
	assert_int_equal(hc_outbox_next_send(o, now)->seq, HC_INFLIGHT_BATCHES_MAX + 1);
	assert_null(hc_outbox_next_send(o, now));
	/* a resend of an outstanding batch does not widen the window */
	const struct hc_outbox_batch *b = hc_outbox_next_send(o, now + RESEND_MS);
	assert_non_null(b);
	assert_int_equal(b->seq, 2);
}

static void repeated_and_unknown_acks_are_ignored(void **state)
{
	struct hc_outbox *o = *state;
	make_batches(o, 2);
	struct hc_outbox_batch acked;
	assert_true(hc_outbox_acked(o, 2, &acked));
	assert_int_equal(acked.seq, 2);
	assert_int_equal(acked.entered, 2);
	assert_int_equal(acked.exited, 1);
	assert_int_equal(o->acked_entered, 2);

	assert_false(hc_outbox_acked(o, 2, &acked));  /* repeated */
	assert_false(hc_outbox_acked(o, 99, &acked)); /* never cut */
	assert_false(hc_outbox_acked(o, 0, &acked));
	assert_int_equal(o->unacked_count, 1);
	assert_int_equal(o->unacked[0].seq, 1);
	assert_int_equal(o->acked_entered, 2);
	assert_int_equal(o->acked_exited, 1);
}

static void restore_then_resend_sends_the_same_batches_unchanged(void **state)
{
	struct hc_outbox *o = *state;
	make_batches(o, 4);
	assert_true(hc_outbox_acked(o, 2, NULL));
	hc_outbox_pressed(o, HC_DIR_OUT);

	/* What the journal would hand back after a restart. */
	struct hc_outbox_batch saved[4];
	size_t n = o->unacked_count;
	for (size_t i = 0; i < n; i++)
		saved[i] = o->unacked[i];

	struct hc_outbox *r = malloc(sizeof *r);
	assert_non_null(r);
	hc_outbox_init(r, INTERVAL_MS, RESEND_MS, T0_MS + 99);
	hc_outbox_restore(r, o->next_seq, o->pending_entered, o->pending_exited, o->acked_entered,
			  o->acked_exited, saved, n);
	hc_outbox_link(r, true);
	int64_t now = T0_MS + 1000 * INTERVAL_MS;
	for (size_t i = 0; i < n; i++) {
		const struct hc_outbox_batch *b = hc_outbox_next_send(r, now);
		assert_non_null(b);
		assert_int_equal(b->seq, saved[i].seq);
		assert_int_equal(b->entered, saved[i].entered);
		assert_int_equal(b->exited, saved[i].exited);
	}
	assert_null(hc_outbox_next_send(r, now));
	assert_int_equal(r->next_seq, 5);
	assert_int_equal(r->pending_exited, 1);
	assert_int_equal(hc_outbox_unacked_entered(r), 1 + 3 + 4);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			unacked_batch_is_resent_after_resend_after_ms_not_before, outbox_setup,
			outbox_teardown),
		cmocka_unit_test_setup_teardown(nothing_is_sent_while_offline, outbox_setup,
						outbox_teardown),
		cmocka_unit_test_setup_teardown(
			link_down_up_makes_every_unacked_batch_due_in_seq_order, outbox_setup,
			outbox_teardown),
		cmocka_unit_test_setup_teardown(inflight_window_is_respected, outbox_setup,
						outbox_teardown),
		cmocka_unit_test_setup_teardown(repeated_and_unknown_acks_are_ignored, outbox_setup,
						outbox_teardown),
		cmocka_unit_test_setup_teardown(
			restore_then_resend_sends_the_same_batches_unchanged, outbox_setup,
			outbox_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
