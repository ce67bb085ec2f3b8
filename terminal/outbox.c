/*
 * outbox.c — the terminal's counting core: pending presses, batches,
 * sequence numbers, resends and the figure the door shows.
 *
 * Pure: no I/O, no clock, no allocation. Time comes in as now_ms so a
 * simulator can drive it. The edge (terminal/station.c) persists every
 * decision in the journal before telling the outbox it happened, in the
 * order outbox.h lists; the outbox only ever moves presses forward:
 * pending -> unacked batch -> acknowledged, and never re-cuts a batch.
 *
 * Invariants, asserted on every change (assert_invariants):
 *   - counts are never negative;
 *   - unacked[] is in strictly increasing seq order, every seq < next_seq;
 *   - every batch carries 1..HC_BATCH_DELTA_MAX presses and undos in total;
 *   - an undo is applied at most once per press (last_press_undoable).
 *   - unacked_count <= HC_OUTBOX_UNACKED_MAX.
 */
#include "terminal/outbox.h"

#include <assert.h>
#include <string.h>

#include "shared/limits.h"
#include "shared/occupancy.h"

static int64_t batch_total(const struct hc_outbox_batch *b)
{
	return b->entered + b->exited + b->undo_entered + b->undo_exited;
}

static void assert_batch_valid(const struct hc_outbox_batch *b)
{
	assert(b->seq >= 1 && b->seq <= HC_SEQ_MAX);
	assert(b->entered >= 0 && b->exited >= 0);
	assert(b->undo_entered >= 0 && b->undo_exited >= 0);
	assert(batch_total(b) >= 1);
	assert(batch_total(b) <= HC_BATCH_DELTA_MAX);
	(void)b;
}

static void assert_invariants(const struct hc_outbox *o)
{
	assert(o->next_seq >= 1);
	assert(o->pending_entered >= 0 && o->pending_exited >= 0);
	assert(o->acked_entered >= 0 && o->acked_exited >= 0);
	assert(o->pending_undo_entered >= 0 && o->pending_undo_exited >= 0);
	assert(o->acked_undo_entered >= 0 && o->acked_undo_exited >= 0);
	assert(o->unacked_count <= HC_OUTBOX_UNACKED_MAX);
#ifndef NDEBUG
	int64_t prev_seq = 0;
	for (size_t i = 0; i < o->unacked_count; i++) {
		assert_batch_valid(&o->unacked[i]);
		assert(o->unacked[i].seq > prev_seq);
		assert(o->unacked[i].seq < o->next_seq);
		prev_seq = o->unacked[i].seq;
	}
#endif
	(void)o;
}

void hc_outbox_init(struct hc_outbox *o, int64_t batch_interval_ms, int64_t resend_after_ms,
		    int64_t now_ms)
{
	assert(batch_interval_ms > 0);
	assert(resend_after_ms > 0);
	memset(o, 0, sizeof *o);
	o->batch_interval_ms = batch_interval_ms;
	o->resend_after_ms = resend_after_ms;
	o->last_cut_ms = now_ms;
	o->next_seq = 1;
	assert_invariants(o);
}

void hc_outbox_restore(struct hc_outbox *o, int64_t next_seq, int64_t pending_entered,
		       int64_t pending_exited, int64_t acked_entered, int64_t acked_exited,
		       const struct hc_outbox_batch *unacked, size_t n)
{
	assert(next_seq >= 1);
	assert(n <= HC_OUTBOX_UNACKED_MAX);
	o->next_seq = next_seq;
	o->pending_entered = pending_entered;
	o->pending_exited = pending_exited;
	o->acked_entered = acked_entered;
	o->acked_exited = acked_exited;
	o->unacked_count = n;
	for (size_t i = 0; i < n; i++) {
		o->unacked[i] = unacked[i];
		o->unacked[i].sent_at_ms = 0; /* never sent on any link yet */
	}
	assert_invariants(o);
}

void hc_outbox_restore_undo(struct hc_outbox *o, int64_t pending_undo_entered,
			    int64_t pending_undo_exited, int64_t acked_undo_entered,
			    int64_t acked_undo_exited, bool last_press_undoable,
			    enum hc_direction last_press_dir)
{
	o->pending_undo_entered = pending_undo_entered;
	o->pending_undo_exited = pending_undo_exited;
	o->acked_undo_entered = acked_undo_entered;
	o->acked_undo_exited = acked_undo_exited;
	o->last_press_undoable = last_press_undoable;
	o->last_press_dir = last_press_dir;
	assert_invariants(o);
}

void hc_outbox_pressed(struct hc_outbox *o, enum hc_direction dir)
{
	assert(dir == HC_DIR_IN || dir == HC_DIR_OUT);
	if (dir == HC_DIR_IN)
		o->pending_entered++;
	else
		o->pending_exited++;
	o->last_press_dir = dir;
	o->last_press_undoable = true;
	assert_invariants(o);
}

bool hc_outbox_can_undo(const struct hc_outbox *o, enum hc_direction *dir)
{
	if (!o->last_press_undoable)
		return false;
	if (dir != NULL)
		*dir = o->last_press_dir;
	return true;
}

enum hc_undo_effect hc_outbox_undone(struct hc_outbox *o)
{
	assert(o->last_press_undoable);
	o->last_press_undoable = false;
	/* Batches take the oldest presses first, so the last press of a
	 * direction is still pending exactly when any press of that
	 * direction is: taking one pending press back is taking it back. */
	int64_t *pending = o->last_press_dir == HC_DIR_IN ? &o->pending_entered
							  : &o->pending_exited;
	enum hc_undo_effect effect;
	if (*pending > 0) {
		(*pending)--;
		effect = HC_UNDO_LEFT_PENDING;
	} else if (o->last_press_dir == HC_DIR_IN) {
		o->pending_undo_entered++;
		effect = HC_UNDO_CORRECTION;
	} else {
		o->pending_undo_exited++;
		effect = HC_UNDO_CORRECTION;
	}
	assert_invariants(o);
	return effect;
}

bool hc_outbox_cut_due(const struct hc_outbox *o, int64_t now_ms)
{
	if (o->pending_entered + o->pending_exited + o->pending_undo_entered +
		    o->pending_undo_exited ==
	    0)
		return false;
	if (o->unacked_count >= HC_OUTBOX_UNACKED_MAX)
		return false;
	if (o->next_seq > HC_SEQ_MAX)
		return false;
	return now_ms - o->last_cut_ms >= o->batch_interval_ms;
}

/* min(want, *room), taken out of *room. */
static int64_t take_up_to(int64_t want, int64_t *room)
{
	int64_t n = want < *room ? want : *room;
	*room -= n;
	return n;
}

struct hc_outbox_batch hc_outbox_cut(const struct hc_outbox *o)
{
	assert(o->pending_entered + o->pending_exited + o->pending_undo_entered +
		       o->pending_undo_exited >=
	       1);
	struct hc_outbox_batch b = { .seq = o->next_seq };
	int64_t room = HC_BATCH_DELTA_MAX;
	b.undo_entered = take_up_to(o->pending_undo_entered, &room);
	b.undo_exited = take_up_to(o->pending_undo_exited, &room);
	b.entered = take_up_to(o->pending_entered, &room);
	b.exited = take_up_to(o->pending_exited, &room);
	assert_batch_valid(&b);
	return b;
}

void hc_outbox_cut_stored(struct hc_outbox *o, const struct hc_outbox_batch *b, int64_t now_ms)
{
	assert_batch_valid(b);
	assert(b->seq == o->next_seq);
	assert(b->entered <= o->pending_entered);
	assert(b->exited <= o->pending_exited);
	assert(b->undo_entered <= o->pending_undo_entered);
	assert(b->undo_exited <= o->pending_undo_exited);
	assert(o->unacked_count < HC_OUTBOX_UNACKED_MAX);

	struct hc_outbox_batch *slot = &o->unacked[o->unacked_count++];
	*slot = *b;
	slot->sent_at_ms = 0;
	o->pending_entered -= b->entered;
	o->pending_exited -= b->exited;
	o->pending_undo_entered -= b->undo_entered;
	o->pending_undo_exited -= b->undo_exited;
	o->next_seq++;
	o->last_cut_ms = now_ms;
	assert_invariants(o);
}

void hc_outbox_link(struct hc_outbox *o, bool online)
{
	/* Whatever was sent on the old link may or may not have arrived:
	 * on the next link every unacked batch goes out again, unchanged. */
	o->online = online;
	for (size_t i = 0; i < o->unacked_count; i++)
		o->unacked[i].sent_at_ms = 0;
}

/* Batches sent on the current link and not acknowledged yet. */
static size_t count_outstanding(const struct hc_outbox *o)
{
	size_t n = 0;
	for (size_t i = 0; i < o->unacked_count; i++)
		if (o->unacked[i].sent_at_ms != 0)
			n++;
	return n;
}

const struct hc_outbox_batch *hc_outbox_next_send(struct hc_outbox *o, int64_t now_ms)
{
	assert(now_ms > 0); /* sent_at_ms 0 means "not sent" */
	if (!o->online)
		return NULL;
	bool window_open = count_outstanding(o) < HC_INFLIGHT_BATCHES_MAX;
	for (size_t i = 0; i < o->unacked_count; i++) {
		struct hc_outbox_batch *b = &o->unacked[i];
		bool never_sent = b->sent_at_ms == 0;
		bool overdue = !never_sent && now_ms - b->sent_at_ms >= o->resend_after_ms;
		if ((never_sent && window_open) || overdue) {
			b->sent_at_ms = now_ms;
			return b;
		}
	}
	return NULL;
}

bool hc_outbox_acked(struct hc_outbox *o, int64_t seq, struct hc_outbox_batch *b)
{
	for (size_t i = 0; i < o->unacked_count; i++) {
		if (o->unacked[i].seq != seq)
			continue;
		struct hc_outbox_batch done = o->unacked[i];
		memmove(&o->unacked[i], &o->unacked[i + 1],
			(o->unacked_count - i - 1) * sizeof o->unacked[0]);
		o->unacked_count--;
		o->acked_entered += done.entered;
		o->acked_exited += done.exited;
		o->acked_undo_entered += done.undo_entered;
		o->acked_undo_exited += done.undo_exited;
		if (b != NULL)
			*b = done;
		assert_invariants(o);
		return true;
	}
	return false;
}

int64_t hc_outbox_unacked_entered(const struct hc_outbox *o)
{
	int64_t n = o->pending_entered;
	for (size_t i = 0; i < o->unacked_count; i++)
		n += o->unacked[i].entered;
	return n;
}

int64_t hc_outbox_unacked_exited(const struct hc_outbox *o)
{
	int64_t n = o->pending_exited;
	for (size_t i = 0; i < o->unacked_count; i++)
		n += o->unacked[i].exited;
	return n;
}

int64_t hc_outbox_unacked_undo_entered(const struct hc_outbox *o)
{
	int64_t n = o->pending_undo_entered;
	for (size_t i = 0; i < o->unacked_count; i++)
		n += o->unacked[i].undo_entered;
	return n;
}

int64_t hc_outbox_unacked_undo_exited(const struct hc_outbox *o)
{
	int64_t n = o->pending_undo_exited;
	for (size_t i = 0; i < o->unacked_count; i++)
		n += o->unacked[i].undo_exited;
	return n;
}

int64_t hc_outbox_unacked_net(const struct hc_outbox *o)
{
	return hc_outbox_unacked_entered(o) - hc_outbox_unacked_undo_entered(o) -
	       hc_outbox_unacked_exited(o) + hc_outbox_unacked_undo_exited(o);
}

int64_t hc_outbox_shown_occupancy(const struct hc_outbox *o, int64_t aggregator_occupancy)
{
	int64_t in = aggregator_occupancy + hc_outbox_unacked_entered(o) +
		     hc_outbox_unacked_undo_exited(o);
	int64_t out = hc_outbox_unacked_exited(o) + hc_outbox_unacked_undo_entered(o);
	return hc_occupancy(in, out);
}
