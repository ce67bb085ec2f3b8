/*
 * terminal_batches.c — a terminal's batches, from the message to its
 * ack: the ledger's verdict, the window of unacknowledged batches, the
 * ack queue and its routing after a commit.
 *
 * Relies on: the ledger for verdicts, server.c for the commit pipeline
 * (hc_server_kick_commit; hc_terminal_route_ack is called by it after
 * each commit), terminal_auth.c for the batch MAC, venue_state.c for a
 * terminal's reported status, ws_session.h to close. Writing the acks
 * is terminal_role.c's.
 *
 * Promises:
 *   - a batch is acknowledged only when durable: at once when it is a
 *     duplicate, otherwise after the commit that holds it;
 *   - at most HC_INFLIGHT_BATCHES_MAX unacknowledged batches per
 *     connection; more is a close with 4008, so the ack queue is bounded;
 *   - a batch before the hello is 4005; nothing of a refused batch is
 *     stored (invariant 6); while the aggregator stops, batches are
 *     neither staged nor acked (the terminal resends them later).
 */
#include "aggregator/terminal_batches.h"

#include <inttypes.h>
#include <stdio.h>

#include "aggregator/server_commit.h"
#include "aggregator/terminal_auth.h"
#include "aggregator/venue_refresh.h"

#include "shared/clock.h"
#include "shared/log.h"

static const char *terminal_id_of(const struct hc_server *s, const struct hc_terminal_session *t)
{
	return t->state == HC_SESSION_READY ? hc_slots_id(s->sources, t->slot) : "?";
}

const struct hc_terminal_cfg *hc_terminal_cfg_of(const struct hc_server *s,
						 const struct hc_terminal_session *t)
{
	int i = s->slot_term[t->slot];
	return i >= 0 ? &s->cfg->terminals[i] : NULL;
}

/* Queues an ack. commit: the commit that applied the batch (0 for a
 * duplicate, whose effect any figure the terminal gets already holds). */
static void queue_ack(struct hc_server *s, struct hc_terminal_session *t, int64_t seq,
		      bool duplicate, uint64_t commit)
{
	/* A resend of a batch whose ack is still queued (its link stalled)
	 * needs no second ack: one would count twice against the window. */
	for (uint32_t k = 0; duplicate && k < t->ack_len; k++)
		if (t->acks[(t->ack_head + k) % HC_ACK_QUEUE_MAX].seq == seq)
			return;
	if (t->ack_len == HC_ACK_QUEUE_MAX) {
		/* Only acks of a predecessor's batches can overflow it; the
		 * terminal resends and gets a duplicate ack then. */
		hc_debug("terminal %s: ack queue full, dropping ack of seq %" PRId64,
			 terminal_id_of(s, t), seq);
		return;
	}
	uint32_t at = (t->ack_head + t->ack_len) % HC_ACK_QUEUE_MAX;
	struct hc_msg_ack *a = &t->acks[at];
	a->seq = seq;
	a->duplicate = duplicate;
	t->ack_commits[at] = duplicate ? 0 : commit;
	t->ack_len++;
	s->acks_queued++;
	hc_ws_session_want_write(&t->ws);
}

void hc_terminal_route_ack(struct hc_server *s, const struct hc_ledger_row *row, bool ok,
			   bool duplicate)
{
	if (row->terminal_index >= HC_SOURCE_SLOTS_MAX)
		return;
	struct hc_terminal_session *t = s->terminals[row->terminal_index].session;
	if (t == NULL || t->incarnation != row->incarnation || t->ws.close_pending)
		return;
	if (t->awaiting_commit > 0)
		t->awaiting_commit--;
	if (ok)
		queue_ack(s, t, row->seq, duplicate, s->commits_collected);
}

/* One piece: the checks before the ledger and what each verdict does to
 * the window and the ack queue read as one story, in the order they
 * must run. */
int hc_terminal_on_batch(struct hc_server *s, struct hc_terminal_session *t,
			 const struct hc_msg_batch *m)
{
	if (t->state != HC_SESSION_READY)
		return hc_ws_session_close_now(&t->ws, HC_CLOSE_OUT_OF_ORDER, "batch before hello");
	if (s->stopping)
		return 0; /* not staged, not acked: resent later */

	const struct hc_terminal_cfg *tc = hc_terminal_cfg_of(s, t);
	if (tc == NULL)
		return 0; /* removed by a reload: closing */
	if (hc_terminal_auth_check_batch(t, tc, m) < 0)
		return -1;
	struct hc_terminal_status *status = &s->terminals[t->slot];
	if (m->has_status && (!status->has_status || status->pending != m->pending ||
			      status->storage_faults != m->storage_faults)) {
		status->has_status = true; /* shown to supervisors, not counted */
		status->pending = m->pending;
		status->storage_faults = m->storage_faults;
		hc_venue_state_terminal_changed(s, t->slot);
	}
	struct hc_ledger_row row = {
		.terminal_index = t->slot,
		.area_index = (uint32_t)s->area_slot[tc->area_index],
		.incarnation = t->incarnation,
		.seq = m->seq,
		.entered = m->entered,
		.exited = m->exited,
		.undo_entered = m->undo_entered,
		.undo_exited = m->undo_exited,
		.received_at_ms = hc_wall_ms(),
	};
	int64_t highest_known = hc_ledger_seq_highest_known(s->ledger, row.terminal_index,
							    row.incarnation);
	enum hc_ledger_verdict v = hc_ledger_receive(s->ledger, &row);
	switch (v) {
	case HC_LEDGER_DUPLICATE:
		hc_debug("terminal %s: seq %" PRId64 " is a duplicate", tc->id, m->seq);
		queue_ack(s, t, m->seq, true, 0);
		break;
	case HC_LEDGER_STAGED:
		if (m->seq > highest_known + 1) {
			char inc[HC_INCARNATION_HEX_LEN + 1];
			hc_proto_format_incarnation(t->incarnation, inc);
			hc_warn("terminal %s incarnation %s: seq gap: got %" PRId64
				" after %" PRId64 " (%" PRId64 " missing)",
				tc->id, inc, m->seq, highest_known, m->seq - highest_known - 1);
		}
		/* Only new batches count against the window: resends of a
		 * batch in flight (PENDING) or stored (DUPLICATE) are what a
		 * terminal does after a stall and must not close it. */
		t->awaiting_commit++;
		hc_server_kick_commit(s);
		if (t->awaiting_commit + t->ack_len > HC_INFLIGHT_BATCHES_MAX) {
			char reason[120];
			snprintf(reason, sizeof reason, "more than %d batches unacknowledged",
				 HC_INFLIGHT_BATCHES_MAX);
			return hc_ws_session_close_now(&t->ws, HC_CLOSE_TOO_MANY_INFLIGHT, reason);
		}
		break;
	case HC_LEDGER_PENDING:
		/* A resend of a batch already counted as awaiting (here or on
		 * a predecessor connection): its one ack follows the commit. */
		break;
	}
	return 0;
}
