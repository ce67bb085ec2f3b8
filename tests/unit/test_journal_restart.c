/*
 * test_journal_restart.c — what the journal stored survives closing and
 * reopening exactly (docs/design.md invariant 2): the same incarnation, the
 * same unacked batches (seq, entered, exited), the same pending presses
 * and next seq; acknowledged batches stay acknowledged; a lost journal
 * starts a new incarnation; a journal is never used by another terminal.
 *
 * Uses real SQLite files under a mkdtemp() directory, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/log.h"
#include "terminal/journal.h"
#include "terminal/outbox.h"

#define T0_MS 1000000
#define INTERVAL_MS 2000
#define WALL_MS 1763888400000LL

struct fixture {
	char dir[64];
	char path[128];
	struct hc_outbox *o;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/hc-journal-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/terminal-t1.db", f->dir);
	f->o = malloc(sizeof *f->o);
	if (f->o == NULL)
		return -1;
	*state = f;
	return 0;
}

static void remove_journal_files(const struct fixture *f)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
		(void)unlink(p);
	}
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	remove_journal_files(f);
	rmdir(f->dir);
	free(f->o);
	free(f);
	return 0;
}

static struct hc_journal *open_ok(const struct fixture *f, const char *id)
{
	char err[256] = "";
	struct hc_journal *j = hc_journal_open(f->path, id, err, sizeof err);
	if (j == NULL)
		fail_msg("open %s: %s", f->path, err);
	return j;
}

/* Fresh outbox restored from the journal, as the terminal starts. */
static void restore_ok(struct hc_journal *j, struct hc_outbox *o)
{
	hc_outbox_init(o, INTERVAL_MS, 5000, T0_MS);
	assert_true(hc_journal_restore(j, o));
}

/* Stores presses (journal first, then the outbox), as the station does. */
static void press(struct hc_journal *j, struct hc_outbox *o, enum hc_direction dir, int n)
{
	for (int i = 0; i < n; i++) {
		struct hc_press p = { .dir = dir, .at_ms = WALL_MS + i };
		assert_true(hc_journal_record_presses(j, &p, 1));
		hc_outbox_pressed(o, dir);
	}
}

static struct hc_outbox_batch cut(struct hc_journal *j, struct hc_outbox *o, int64_t now_ms)
{
	assert_true(hc_outbox_cut_due(o, now_ms));
	struct hc_outbox_batch b = hc_outbox_cut(o);
	assert_true(hc_journal_store_batch(j, &b, WALL_MS));
	hc_outbox_cut_stored(o, &b, now_ms);
	return b;
}

static void reopen_keeps_incarnation_unacked_batches_pending_and_next_seq(void **state)
{
	struct fixture *f = *state;
	struct hc_journal *j = open_ok(f, "t1");
	uint64_t incarnation = hc_journal_incarnation(j);
	assert_true(incarnation != 0);
	restore_ok(j, f->o);
	assert_int_equal(f->o->next_seq, 1);

	press(j, f->o, HC_DIR_IN, 3);
	press(j, f->o, HC_DIR_OUT, 2);
	cut(j, f->o, T0_MS + INTERVAL_MS);
	press(j, f->o, HC_DIR_IN, 4);
	cut(j, f->o, T0_MS + 2 * INTERVAL_MS);
	press(j, f->o, HC_DIR_IN, 1);
	press(j, f->o, HC_DIR_OUT, 6);
	hc_journal_close(j);

	j = open_ok(f, "t1");
	assert_true(hc_journal_incarnation(j) == incarnation);
	restore_ok(j, f->o);
	assert_int_equal(f->o->next_seq, 3);
	assert_int_equal(f->o->pending_entered, 1);
	assert_int_equal(f->o->pending_exited, 6);
	assert_int_equal(f->o->acked_entered, 0);
	assert_int_equal(f->o->unacked_count, 2);
	assert_int_equal(f->o->unacked[0].seq, 1);
	assert_int_equal(f->o->unacked[0].entered, 3);
	assert_int_equal(f->o->unacked[0].exited, 2);
	assert_int_equal(f->o->unacked[1].seq, 2);
	assert_int_equal(f->o->unacked[1].entered, 4);
	assert_int_equal(f->o->unacked[1].exited, 0);
	/* the next cut continues the sequence */
	assert_int_equal(cut(j, f->o, T0_MS + 3 * INTERVAL_MS).seq, 3);
	hc_journal_close(j);
}

static void acked_batch_is_no_longer_unacked_after_reopen(void **state)
{
	struct fixture *f = *state;
	struct hc_journal *j = open_ok(f, "t1");
	restore_ok(j, f->o);
	press(j, f->o, HC_DIR_IN, 5);
	cut(j, f->o, T0_MS + INTERVAL_MS);
	press(j, f->o, HC_DIR_OUT, 2);
	cut(j, f->o, T0_MS + 2 * INTERVAL_MS);
	assert_true(hc_journal_store_ack(j, 1, false, WALL_MS + 10));
	assert_true(hc_outbox_acked(f->o, 1, NULL));
	/* a repeated ack is harmless */
	assert_true(hc_journal_store_ack(j, 1, true, WALL_MS + 20));
	hc_journal_close(j);

	j = open_ok(f, "t1");
	restore_ok(j, f->o);
	assert_int_equal(f->o->unacked_count, 1);
	assert_int_equal(f->o->unacked[0].seq, 2);
	assert_int_equal(f->o->acked_entered, 5);
	assert_int_equal(f->o->acked_exited, 0);
	assert_int_equal(f->o->next_seq, 3);

	struct hc_journal_status st;
	assert_true(hc_journal_status(j, &st));
	assert_string_equal(st.terminal, "t1");
	assert_int_equal(st.pressed_in, 5);
	assert_int_equal(st.pressed_out, 2);
	assert_int_equal(st.acked_in, 5);
	assert_int_equal(st.acked_out, 0);
	assert_int_equal(st.pending_in, 0);
	assert_int_equal(st.pending_out, 2);
	assert_int_equal(st.unacked_batches, 1);
	assert_int_equal(st.last_seq, 2);
	hc_journal_close(j);
}

static void batch_claiming_more_presses_than_stored_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct hc_journal *j = open_ok(f, "t1");
	restore_ok(j, f->o);
	press(j, f->o, HC_DIR_IN, 2);
	struct hc_outbox_batch bogus = { .seq = 1, .entered = 3, .exited = 0 };
	assert_false(hc_journal_store_batch(j, &bogus, WALL_MS));
	restore_ok(j, f->o);
	assert_int_equal(f->o->unacked_count, 0);
	assert_int_equal(f->o->pending_entered, 2);
	assert_int_equal(f->o->next_seq, 1);
	hc_journal_close(j);
}

static void deleted_journal_starts_a_new_incarnation(void **state)
{
	struct fixture *f = *state;
	struct hc_journal *j = open_ok(f, "t1");
	uint64_t first = hc_journal_incarnation(j);
	restore_ok(j, f->o);
	press(j, f->o, HC_DIR_IN, 1);
	cut(j, f->o, T0_MS + INTERVAL_MS);
	hc_journal_close(j);

	remove_journal_files(f);
	j = open_ok(f, "t1");
	assert_true(hc_journal_incarnation(j) != first);
	restore_ok(j, f->o);
	assert_int_equal(f->o->next_seq, 1);
	assert_int_equal(f->o->unacked_count, 0);
	assert_int_equal(f->o->pending_entered, 0);
	hc_journal_close(j);
}

static void journal_of_another_terminal_is_refused(void **state)
{
	struct fixture *f = *state;
	hc_journal_close(open_ok(f, "t1"));
	char err[256] = "";
	struct hc_journal *j = hc_journal_open(f->path, "t2", err, sizeof err);
	assert_null(j);
	assert_non_null(strstr(err, "belongs to terminal \"t1\""));
	j = hc_journal_open_existing(f->path, "t2", err, sizeof err);
	assert_null(j);
	/* without an id, status may read any terminal's journal */
	j = hc_journal_open_existing(f->path, NULL, err, sizeof err);
	assert_non_null(j);
	assert_string_equal(hc_journal_terminal(j), "t1");
	hc_journal_close(j);
}

static void status_of_a_missing_journal_creates_nothing(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_null(hc_journal_open_existing(f->path, NULL, err, sizeof err));
	assert_non_null(strstr(err, "no journal"));
	assert_int_not_equal(access(f->path, F_OK), 0);
}

/* UNDO through the journal: an undo is stored before it counts; after a
 * restart the outbox has the same pending presses, pending undo deltas
 * and "last press undoable" as before, and the journal cuts the undo
 * into the next batch as a delta of its own. */
static void undo_is_journaled_and_restored(void **state)
{
	struct fixture *f = *state;
	struct hc_journal *j = open_ok(f, "t1");
	restore_ok(j, f->o);
	press(j, f->o, HC_DIR_IN, 3);
	press(j, f->o, HC_DIR_OUT, 1);
	/* undo of a pending press: the pair cancels */
	struct hc_press u = { .dir = HC_DIR_OUT, .at_ms = WALL_MS + 10, .undo = true };
	assert_true(hc_journal_record_presses(j, &u, 1));
	assert_int_equal(hc_outbox_undone(f->o), HC_UNDO_LEFT_PENDING);
	/* a second undo of the same press is refused by the journal too */
	assert_false(hc_journal_record_presses(j, &u, 1));
	struct hc_outbox_batch b1 = cut(j, f->o, T0_MS + INTERVAL_MS);
	assert_int_equal(b1.entered, 3);
	assert_int_equal(b1.exited, 0);
	/* undo of a batched press: waits as a delta */
	press(j, f->o, HC_DIR_IN, 1);
	cut(j, f->o, T0_MS + 2 * INTERVAL_MS);
	u.dir = HC_DIR_IN;
	assert_true(hc_journal_record_presses(j, &u, 1));
	assert_int_equal(hc_outbox_undone(f->o), HC_UNDO_CORRECTION);
	hc_journal_close(j);

	j = open_ok(f, "t1");
	restore_ok(j, f->o);
	assert_int_equal(f->o->pending_entered, 0);
	assert_int_equal(f->o->pending_exited, 0);
	assert_int_equal(f->o->pending_undo_entered, 1);
	assert_int_equal(f->o->pending_undo_exited, 0);
	assert_false(hc_outbox_can_undo(f->o, NULL));
	assert_int_equal(f->o->unacked_count, 2);
	struct hc_outbox_batch b3 = cut(j, f->o, T0_MS + 3 * INTERVAL_MS);
	assert_int_equal(b3.undo_entered, 1);
	assert_int_equal(b3.entered + b3.exited, 0);
	hc_journal_close(j);

	j = open_ok(f, "t1");
	restore_ok(j, f->o);
	assert_int_equal(f->o->unacked_count, 3);
	assert_int_equal(f->o->unacked[2].undo_entered, 1);
	assert_int_equal(f->o->pending_undo_entered, 0);
	assert_int_equal(hc_outbox_unacked_net(f->o), 3);
	struct hc_journal_status st;
	assert_true(hc_journal_status(j, &st));
	assert_int_equal(st.pressed_in, 4);
	assert_int_equal(st.pressed_out, 1);
	assert_int_equal(st.undone_in, 1);
	assert_int_equal(st.undone_out, 1);
	assert_int_equal(st.pending_in, 3);
	assert_int_equal(st.pending_out, 0);
	hc_journal_close(j);
}

/* A press that is still the last one after a restart can be undone. */
static void last_press_stays_undoable_across_a_restart(void **state)
{
	struct fixture *f = *state;
	struct hc_journal *j = open_ok(f, "t1");
	restore_ok(j, f->o);
	press(j, f->o, HC_DIR_OUT, 2);
	hc_journal_close(j);
	j = open_ok(f, "t1");
	restore_ok(j, f->o);
	enum hc_direction dir;
	assert_true(hc_outbox_can_undo(f->o, &dir));
	assert_int_equal(dir, HC_DIR_OUT);
	hc_journal_close(j);
}

int main(void)
{
	hc_log_init("test", HC_LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			reopen_keeps_incarnation_unacked_batches_pending_and_next_seq, setup,
			teardown),
		cmocka_unit_test_setup_teardown(undo_is_journaled_and_restored, setup, teardown),
		cmocka_unit_test_setup_teardown(last_press_stays_undoable_across_a_restart, setup,
						teardown),
		cmocka_unit_test_setup_teardown(acked_batch_is_no_longer_unacked_after_reopen,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			batch_claiming_more_presses_than_stored_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(deleted_journal_starts_a_new_incarnation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(journal_of_another_terminal_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(status_of_a_missing_journal_creates_nothing, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
