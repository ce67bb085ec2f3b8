/*
 * test_outbox_undo.c — UNDO takes back the last press, once, never by
 * overwriting anything: before its batch is cut the press simply leaves
 * the pending counts; once it was cut (sent, even acknowledged) the undo
 * goes out as a correcting delta in a later batch. Either way the totals
 * end right: the terminal's shown figure, and the aggregator's ledger fed
 * with the batches the outbox cut (both pure cores, no I/O).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aggregator/ledger.h"
#include "shared/limits.h"
#include "terminal/outbox.h"
#include "tests/unit/fixtures.h"

/* The aggregator side: every batch cut goes into a ledger and commits. */
struct world {
	struct hc_outbox *o;
	struct hc_ledger *l;
	int64_t now_ms;
};

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof *w);
	if (w == NULL || outbox_setup((void **)&w->o) != 0)
		return -1;
	w->l = hc_ledger_new(1, 1);
	w->now_ms = T0_MS;
	*state = w;
	return w->l != NULL ? 0 : -1;
}

static int world_teardown(void **state)
{
	struct world *w = *state;
	hc_ledger_free(w->l);
	free(w->o);
	free(w);
	return 0;
}

/* Cuts the pending batch, delivers it to the ledger, commits, acks. */
static struct hc_outbox_batch send_batch(struct world *w)
{
	w->now_ms += INTERVAL_MS;
	assert_true(hc_outbox_cut_due(w->o, w->now_ms));
	struct hc_outbox_batch b = hc_outbox_cut(w->o);
	hc_outbox_cut_stored(w->o, &b, w->now_ms);
	struct hc_ledger_row row = {
		.terminal_index = 0,
		.area_index = 0,
		.incarnation = 7,
		.seq = b.seq,
		.entered = b.entered,
		.exited = b.exited,
		.undo_entered = b.undo_entered,
		.undo_exited = b.undo_exited,
	};
	assert_int_equal(hc_ledger_receive(w->l, &row), HC_LEDGER_STAGED);
	struct hc_ledger_row job[1];
	assert_int_equal(hc_ledger_take_staged(w->l, job, 1), 1);
	bool inserted = true;
	hc_ledger_commit_done(w->l, true, &inserted);
	assert_true(hc_outbox_acked(w->o, b.seq, NULL));
	return b;
}

static void totals(const struct world *w, int64_t *in, int64_t *out)
{
	hc_ledger_area_totals(w->l, 0, in, out);
}

static void undo_before_sending_leaves_the_pending_counts(void **state)
{
	struct world *w = *state;
	hc_outbox_pressed(w->o, HC_DIR_IN);
	hc_outbox_pressed(w->o, HC_DIR_IN);
	hc_outbox_pressed(w->o, HC_DIR_OUT);
	enum hc_direction dir;
	assert_true(hc_outbox_can_undo(w->o, &dir));
	assert_int_equal(dir, HC_DIR_OUT);
	assert_int_equal(hc_outbox_undone(w->o), HC_UNDO_LEFT_PENDING);
	assert_int_equal(w->o->pending_exited, 0);
	assert_int_equal(w->o->pending_undo_exited, 0);
	assert_int_equal(hc_outbox_shown_occupancy(w->o, 10), 12);
	struct hc_outbox_batch b = send_batch(w);
	assert_int_equal(b.entered, 2);
	assert_int_equal(b.exited, 0);
	assert_int_equal(b.undo_entered + b.undo_exited, 0);
	int64_t in, out;
	totals(w, &in, &out);
	assert_int_equal(in, 2);
	assert_int_equal(out, 0);
}

static void undo_after_sending_goes_out_as_a_delta(void **state)
{
	struct world *w = *state;
	hc_outbox_pressed(w->o, HC_DIR_IN);
	hc_outbox_pressed(w->o, HC_DIR_IN);
	struct hc_outbox_batch first = send_batch(w);
	assert_int_equal(first.entered, 2);
	assert_int_equal(hc_outbox_undone(w->o), HC_UNDO_CORRECTION);
	assert_int_equal(w->o->pending_undo_entered, 1);
	/* The batch already sent is untouched; the door shows the undo now. */
	assert_int_equal(first.entered, 2);
	assert_int_equal(hc_outbox_shown_occupancy(w->o, 2), 1);
	struct hc_outbox_batch fix = send_batch(w);
	assert_int_equal(fix.seq, first.seq + 1);
	assert_int_equal(fix.entered, 0);
	assert_int_equal(fix.undo_entered, 1);
	int64_t in, out;
	totals(w, &in, &out);
	assert_int_equal(in, 1);
	assert_int_equal(out, 0);
	int64_t undo_in, undo_out;
	hc_ledger_area_undone(w->l, 0, &undo_in, &undo_out);
	assert_int_equal(undo_in, 1);
	assert_int_equal(w->o->acked_entered - w->o->acked_undo_entered, 1);
}

static void undo_of_a_batch_in_flight_is_a_delta_too(void **state)
{
	struct world *w = *state;
	hc_outbox_pressed(w->o, HC_DIR_OUT);
	w->now_ms += INTERVAL_MS;
	struct hc_outbox_batch b = hc_outbox_cut(w->o);
	hc_outbox_cut_stored(w->o, &b, w->now_ms);
	/* cut, not yet acknowledged */
	assert_int_equal(hc_outbox_undone(w->o), HC_UNDO_CORRECTION);
	assert_int_equal(w->o->unacked[0].exited, 1);
	assert_int_equal(w->o->pending_undo_exited, 1);
	assert_int_equal(hc_outbox_unacked_net(w->o), 0);
}

static void a_second_undo_has_nothing_to_take_back(void **state)
{
	struct world *w = *state;
	assert_false(hc_outbox_can_undo(w->o, NULL));
	hc_outbox_pressed(w->o, HC_DIR_IN);
	hc_outbox_pressed(w->o, HC_DIR_IN);
	(void)hc_outbox_undone(w->o);
	assert_false(hc_outbox_can_undo(w->o, NULL));
	assert_int_equal(w->o->pending_entered, 1);
	hc_outbox_pressed(w->o, HC_DIR_OUT);
	assert_true(hc_outbox_can_undo(w->o, NULL));
}

static void mixed_presses_and_undos_end_right(void **state)
{
	struct world *w = *state;
	/* A seeded mix: every press counted minus every undo equals the
	 * ledger's totals, whatever was pending or sent at the time. */
	srand(42);
	int64_t want_in = 0, want_out = 0;
	enum hc_direction last = HC_DIR_IN;
	bool undoable = false;
	for (int i = 0; i < 2000; i++) {
		int r = rand() % 10;
		if (r < 5) {
			hc_outbox_pressed(w->o, HC_DIR_IN);
			want_in++;
			last = HC_DIR_IN;
			undoable = true;
		} else if (r < 8) {
			hc_outbox_pressed(w->o, HC_DIR_OUT);
			want_out++;
			last = HC_DIR_OUT;
			undoable = true;
		} else if (r < 9) {
			assert_int_equal(hc_outbox_can_undo(w->o, NULL), undoable);
			if (undoable) {
				(void)hc_outbox_undone(w->o);
				if (last == HC_DIR_IN)
					want_in--;
				else
					want_out--;
				undoable = false;
			}
		} else if (hc_outbox_cut_due(w->o, w->now_ms + INTERVAL_MS)) {
			(void)send_batch(w);
		}
	}
	while (hc_outbox_cut_due(w->o, w->now_ms + INTERVAL_MS))
		(void)send_batch(w);
	int64_t in, out;
	totals(w, &in, &out);
	assert_int_equal(in, want_in);
	assert_int_equal(out, want_out);
	assert_int_equal(hc_outbox_unacked_net(w->o), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(undo_before_sending_leaves_the_pending_counts,
						world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(undo_after_sending_goes_out_as_a_delta, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(undo_of_a_batch_in_flight_is_a_delta_too,
						world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(a_second_undo_has_nothing_to_take_back, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(mixed_presses_and_undos_end_right, world_setup,
						world_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
