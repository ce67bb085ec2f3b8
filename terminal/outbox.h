/*
 * outbox.h — the terminal's counting core (pure: no I/O, no clock).
 *
 * Invariants 2 and 3 of docs/design.md live here. Presses are counted only
 * after the journal (terminal/journal.c) stored them; then they are
 * "pending". Every batch interval the pending presses become one batch
 * with the next sequence number. The journal stores the batch, and from
 * then on it is sent, and resent unchanged, until acknowledged.
 *
 * The edge calls in this order, persisting each decision before telling
 * the core it happened:
 *   hc_outbox_pressed()          after the journal stored a press
 *   hc_outbox_cut_due()/cut()    propose a batch; journal stores it;
 *   hc_outbox_cut_stored()       then the batch exists
 *   hc_outbox_next_send()        which batch to put on the wire now
 *   hc_outbox_acked()            ack arrived; journal stores it
 *   hc_outbox_undone()           after the journal stored an undo
 *
 * UNDO takes back the last press, once: while that press is pending it
 * simply leaves the pending counts; once it was cut into a batch, the
 * undo waits as a correcting delta (pending_undo_*) and goes out in a
 * later batch as undo_entered/undo_exited. Nothing already cut, sent or
 * acknowledged is ever changed.
 */
#ifndef HC_OUTBOX_H
#define HC_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/direction.h"

/* Unacknowledged batches the outbox holds at most. When full, presses
 * stay pending (journaled, counted, shown) until acks make room. */
#define HC_OUTBOX_UNACKED_MAX 4096


struct hc_outbox_batch {
	int64_t seq;
	int64_t entered;
	int64_t exited;
	int64_t undo_entered; /* undos of 'in' presses of earlier batches */
	int64_t undo_exited;
	int64_t sent_at_ms; /* 0: not sent on the current link */
};

struct hc_outbox {
	int64_t batch_interval_ms;
	int64_t resend_after_ms;
	int64_t last_cut_ms;
	int64_t next_seq;	 /* seq the next batch gets */
	int64_t pending_entered; /* stored presses in no batch yet */
	int64_t pending_exited;
	int64_t acked_entered; /* sums of acknowledged batches */
	int64_t acked_exited;
	int64_t pending_undo_entered; /* stored undos of batched presses */
	int64_t pending_undo_exited;
	int64_t acked_undo_entered;
	int64_t acked_undo_exited;
	bool last_press_undoable; /* a press was made and not undone */
	enum hc_direction last_press_dir;
	bool online;
	size_t unacked_count; /* batches in unacked[], seq order */
	struct hc_outbox_batch unacked[HC_OUTBOX_UNACKED_MAX];
};

void hc_outbox_init(struct hc_outbox *o, int64_t batch_interval_ms, int64_t resend_after_ms,
		    int64_t now_ms);

/* Start-up: restore what the journal holds. Batches must come in seq
 * order; next_seq is one past the highest seq ever cut. */
void hc_outbox_restore(struct hc_outbox *o, int64_t next_seq, int64_t pending_entered,
		       int64_t pending_exited, int64_t acked_entered, int64_t acked_exited,
		       const struct hc_outbox_batch *unacked, size_t n);

/* Start-up, after hc_outbox_restore: the undo part of the journal. */
void hc_outbox_restore_undo(struct hc_outbox *o, int64_t pending_undo_entered,
			    int64_t pending_undo_exited, int64_t acked_undo_entered,
			    int64_t acked_undo_exited, bool last_press_undoable,
			    enum hc_direction last_press_dir);

/* A press was stored in the journal. It becomes the press UNDO takes
 * back. */
void hc_outbox_pressed(struct hc_outbox *o, enum hc_direction dir);

/* True (and *dir set) when there is a press UNDO may take back. */
bool hc_outbox_can_undo(const struct hc_outbox *o, enum hc_direction *dir);

/* How an undo was applied. */
enum hc_undo_effect {
	HC_UNDO_LEFT_PENDING, /* the press was still pending: dropped */
	HC_UNDO_CORRECTION,   /* the press was batched: a delta waits */
};

/* The journal stored an undo of the last press (hc_outbox_can_undo must
 * be true). Returns how it was applied. */
enum hc_undo_effect hc_outbox_undone(struct hc_outbox *o);

/* True when a batch should be cut now: presses or undos pending, the interval
 * since the last cut has passed, and the outbox has room. */
bool hc_outbox_cut_due(const struct hc_outbox *o, int64_t now_ms);

/* Proposes the next batch: all pending presses and undos up to
 * HC_BATCH_DELTA_MAX in total, undos first, then entered, then exited.
 * Does not change the outbox. */
struct hc_outbox_batch hc_outbox_cut(const struct hc_outbox *o);

/* The journal stored batch b (from hc_outbox_cut): it leaves pending. */
void hc_outbox_cut_stored(struct hc_outbox *o, const struct hc_outbox_batch *b, int64_t now_ms);

/* The link came up or went down. Up: every unacked batch is due again. */
void hc_outbox_link(struct hc_outbox *o, bool online);

/* Returns the next batch to send now (first one never sent on this link,
 * or sent more than resend_after_ms ago), with at most
 * HC_INFLIGHT_BATCHES_MAX outstanding, and marks it sent; NULL if none. */
const struct hc_outbox_batch *hc_outbox_next_send(struct hc_outbox *o, int64_t now_ms);

/* An ack for seq arrived. Returns true (and fills *b) when it acked a
 * batch still held; false for an unknown or repeated ack. */
bool hc_outbox_acked(struct hc_outbox *o, int64_t seq, struct hc_outbox_batch *b);

/* Presses not yet acknowledged: pending plus unacked batches. */
int64_t hc_outbox_unacked_entered(const struct hc_outbox *o);
int64_t hc_outbox_unacked_exited(const struct hc_outbox *o);

/* Undos not yet acknowledged: pending plus unacked batches. */
int64_t hc_outbox_unacked_undo_entered(const struct hc_outbox *o);
int64_t hc_outbox_unacked_undo_exited(const struct hc_outbox *o);

/* Net people in minus out not yet acknowledged (undos subtracted). */
int64_t hc_outbox_unacked_net(const struct hc_outbox *o);

/* What the door shows: the aggregator's occupancy plus this terminal's
 * unacknowledged net delta, never below zero. */
int64_t hc_outbox_shown_occupancy(const struct hc_outbox *o, int64_t aggregator_occupancy);

#endif
