/*
 * station.c — a terminal's counting state between journal, outbox and
 * screen (see station.h).
 *
 * Relies on the journal to make each step durable and on the outbox to
 * decide. Promises the order docs/design.md invariant 2 needs: a press is
 * stored before it is counted, a batch is stored before it is sent, an
 * ack is stored before the batch leaves the outbox. When the journal
 * fails, nothing moves forward; the failed step is retried on the next
 * tick (presses) or naturally repeats (a batch cut is proposed again, an
 * ack arrives again for the resent batch), and the screen says FAULT.
 */
#include "terminal/station.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"

bool hc_station_init(struct hc_station *s, const char *terminal_id, struct hc_journal *journal,
		     int64_t batch_interval_ms, int64_t now_ms)
{
	memset(s, 0, sizeof *s);
	snprintf(s->terminal_id, sizeof s->terminal_id, "%s", terminal_id);
	s->journal = journal;
	s->outbox = malloc(sizeof *s->outbox);
	s->unstored = calloc(HC_UNSTORED_PRESSES_MAX, sizeof *s->unstored);
	if (s->outbox == NULL || s->unstored == NULL) {
		hc_error("terminal %s: out of memory for the outbox", terminal_id);
		goto fail;
	}
	hc_outbox_init(s->outbox, batch_interval_ms, HC_RESEND_AFTER_MS, now_ms);
	if (!hc_journal_restore(journal, s->outbox)) {
		hc_error("terminal %s: cannot restore the outbox from %s: %s", terminal_id,
			 hc_journal_path(journal), hc_journal_last_error(journal));
		goto fail;
	}
	s->undo_armed = hc_outbox_can_undo(s->outbox, NULL);
	return true;

fail:
	hc_station_free(s);
	return false;
}

void hc_station_free(struct hc_station *s)
{
	free(s->outbox);
	free(s->unstored);
	s->outbox = NULL;
	s->unstored = NULL;
}

/* Tracks fault episodes so a failing disk logs once, not ten times a
 * second, and recovery is logged too. */
static void note_storage(struct hc_station *s, bool ok, const char *what)
{
	if (!ok && !s->storage_fault)
		s->storage_faults++;
	if (!ok && !s->storage_fault)
		hc_error("terminal %s: storage fault: %s failed in %s: %s; "
			 "retrying every loop turn",
			 s->terminal_id, what, hc_journal_path(s->journal),
			 hc_journal_last_error(s->journal));
	if (ok && s->storage_fault)
		hc_info("terminal %s: storage recovered (%s succeeded)", s->terminal_id, what);
	s->storage_fault = !ok;
}

void hc_station_add_press(struct hc_station *s, enum hc_direction dir, int64_t wall_ms)
{
	if (s->unstored_count == HC_UNSTORED_PRESSES_MAX) {
		hc_error("terminal %s: %d presses wait for storage; press "
			 "refused",
			 s->terminal_id, HC_UNSTORED_PRESSES_MAX);
		return;
	}
	s->unstored[s->unstored_count++] = (struct hc_press){ .dir = dir, .at_ms = wall_ms };
	s->undo_armed = true;
	s->presses_taken++;
}

bool hc_station_undo(struct hc_station *s, int64_t wall_ms)
{
	if (!s->undo_armed) {
		hc_info("terminal %s: undo: nothing to undo", s->terminal_id);
		s->undos_refused++;
		return false;
	}
	s->undo_armed = false;
	s->undone_count++;
	/* A press still in memory was never stored or counted: drop it. */
	if (s->unstored_count > 0 && !s->unstored[s->unstored_count - 1].undo) {
		s->unstored_count--;
		hc_info("terminal %s: undo: unstored %s press dropped", s->terminal_id,
			s->unstored[s->unstored_count].dir == HC_DIR_IN ? "in" : "out");
		return true;
	}
	enum hc_direction dir;
	bool can = hc_outbox_can_undo(s->outbox, &dir);
	assert(can); /* armed, nothing queued: the stored last press */
	(void)can;
	if (s->unstored_count == HC_UNSTORED_PRESSES_MAX) {
		hc_error("terminal %s: %d presses wait for storage; undo "
			 "refused",
			 s->terminal_id, HC_UNSTORED_PRESSES_MAX);
		s->undo_armed = true;
		s->undone_count--;
		s->undos_refused++;
		return false;
	}
	s->unstored[s->unstored_count++] = (struct hc_press){ .dir = dir,
							      .at_ms = wall_ms,
							      .undo = true };
	return true;
}

bool hc_station_persist(struct hc_station *s)
{
	if (s->unstored_count == 0)
		return true;
	bool ok = hc_journal_record_presses(s->journal, s->unstored, s->unstored_count);
	note_storage(s, ok, "storing presses");
	if (!ok)
		return false;
	for (size_t i = 0; i < s->unstored_count; i++) {
		const struct hc_press *p = &s->unstored[i];
		if (!p->undo) {
			hc_outbox_pressed(s->outbox, p->dir);
			continue;
		}
		enum hc_undo_effect e = hc_outbox_undone(s->outbox);
		hc_info("terminal %s: undo of an %s press: %s", s->terminal_id,
			p->dir == HC_DIR_IN ? "in" : "out",
			e == HC_UNDO_LEFT_PENDING ? "it was still pending and leaves the count"
						  : "it was sent; a correcting delta follows");
	}
	hc_debug("terminal %s: stored %zu presses", s->terminal_id, s->unstored_count);
	s->unstored_count = 0;
	return true;
}

bool hc_station_tick(struct hc_station *s, int64_t now_ms, int64_t wall_ms)
{
	if (!hc_station_persist(s))
		return false;
	if (!hc_outbox_cut_due(s->outbox, now_ms))
		return false;
	struct hc_outbox_batch b = hc_outbox_cut(s->outbox);
	bool ok = hc_journal_store_batch(s->journal, &b, wall_ms);
	note_storage(s, ok, "storing a batch");
	if (!ok)
		return false;
	hc_outbox_cut_stored(s->outbox, &b, now_ms);
	hc_info("terminal %s: batch %" PRId64 " cut: entered=%" PRId64 " exited=%" PRId64
		" undo_entered=%" PRId64 " undo_exited=%" PRId64,
		s->terminal_id, b.seq, b.entered, b.exited, b.undo_entered, b.undo_exited);
	return true;
}

void hc_station_link(struct hc_station *s, bool online, int64_t now_ms)
{
	if (s->online && !online)
		s->offline_since_ms = now_ms;
	if (s->online && !online && s->figure_this_link)
		s->figure_known_ms = now_ms;
	if (s->online != online)
		s->figure_this_link = false;
	s->online = online;
	hc_outbox_link(s->outbox, online);
}

const struct hc_outbox_batch *hc_station_next_send(struct hc_station *s, int64_t now_ms)
{
	return hc_outbox_next_send(s->outbox, now_ms);
}

/* True when the outbox holds seq unacknowledged. */
static bool outbox_holds(const struct hc_outbox *o, int64_t seq)
{
	for (size_t i = 0; i < o->unacked_count; i++)
		if (o->unacked[i].seq == seq)
			return true;
	return false;
}

void hc_station_acked(struct hc_station *s, int64_t seq, bool duplicate, int64_t wall_ms)
{
	if (!outbox_holds(s->outbox, seq)) {
		hc_debug("terminal %s: ack for seq %" PRId64
			 " not held (repeated or unknown); ignored",
			 s->terminal_id, seq);
		return;
	}
	bool ok = hc_journal_store_ack(s->journal, seq, duplicate, wall_ms);
	note_storage(s, ok, "storing an ack");
	if (!ok)
		return; /* resent later; the aggregator acks the duplicate */
	struct hc_outbox_batch b;
	if (!hc_outbox_acked(s->outbox, seq, &b))
		return;
	/* A duplicate was applied earlier: the figure already holds it. */
	if (!duplicate)
		s->acked_unshown_net += b.entered - b.undo_entered - b.exited + b.undo_exited;
	hc_info("terminal %s: batch %" PRId64 " acknowledged%s", s->terminal_id, seq,
		duplicate ? " (duplicate)" : "");
}

void hc_station_welcomed(struct hc_station *s, const char *area_id)
{
	snprintf(s->area_id, sizeof s->area_id, "%s", area_id);
}

void hc_station_area(struct hc_station *s, const struct hc_area_state *a, int64_t now_ms)
{
	s->figure = *a;
	s->have_figure = true;
	s->acked_unshown_net = 0;
	s->figure_at_ms = now_ms;
	s->figure_known_ms = now_ms;
	s->figure_this_link = s->online;
	if (s->area_id[0] == '\0')
		snprintf(s->area_id, sizeof s->area_id, "%s", a->id);
}

bool hc_station_all_acked(const struct hc_station *s)
{
	const struct hc_outbox *o = s->outbox;
	return s->unstored_count == 0 && o->pending_entered == 0 && o->pending_exited == 0 &&
	       o->pending_undo_entered == 0 && o->pending_undo_exited == 0 && o->unacked_count == 0;
}

void hc_station_display_state(const struct hc_station *s, int64_t now_ms,
			      struct hc_display_state *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->terminal_id, sizeof out->terminal_id, "%s", s->terminal_id);
	snprintf(out->area_id, sizeof out->area_id, "%s", s->area_id);
	out->have_figure = s->have_figure;
	out->level = "?";
	if (s->have_figure) {
		snprintf(out->area_name, sizeof out->area_name, "%s", s->figure.name);
		out->occupancy_shown = hc_outbox_shown_occupancy(s->outbox,
								 s->figure.occupancy +
									 s->acked_unshown_net);
		out->capacity = s->figure.capacity;
		out->level = hc_level_name(s->figure.level);
		out->restricted = s->figure.restricted;
		/* Pushed on every change, the state is current while the
		 * link that brought it is up, and was current until the
		 * later of its arrival and the loss of that link. */
		bool current = s->online && s->figure_this_link;
		int64_t known_ms = s->figure_known_ms;
		out->stale = !current && now_ms - known_ms > HC_FIGURE_STALE_MS;
		out->last_known = !current;
		if (!current)
			out->known_age_s = now_ms > known_ms ? (now_ms - known_ms) / 1000 : 0;
		if (s->figure.restricted) {
			snprintf(out->restricted_by, sizeof out->restricted_by, "%s",
				 s->figure.restricted_by);
			snprintf(out->restricted_by_name, sizeof out->restricted_by_name, "%s",
				 s->figure.restricted_by_name);
		}
	}
	out->online = s->online;
	out->pending_presses = hc_outbox_unacked_entered(s->outbox) +
			       hc_outbox_unacked_exited(s->outbox) +
			       hc_outbox_unacked_undo_entered(s->outbox) +
			       hc_outbox_unacked_undo_exited(s->outbox) +
			       (int64_t)s->unstored_count;
	out->storage_fault = s->storage_fault;
	out->presses_taken = s->presses_taken;
	out->undos_taken = s->undone_count;
	out->undos_refused = s->undos_refused;
}
