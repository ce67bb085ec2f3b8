/*
 * station.h — one terminal's counting state, glued in the order the
 * outbox contract requires: journal first, then the outbox, then screen.
 *
 * The station owns the outbox and the presses not stored yet, borrows the
 * journal, and remembers the aggregator's latest area figure. It is driven
 * by the link (terminal/link.c) with events and the time, and has no
 * sockets or clocks of its own, so tests can drive it directly.
 *
 * Storage faults: a press the journal could not store stays in memory
 * (up to HC_UNSTORED_PRESSES_MAX), the display shows storage FAULT, and
 * every tick retries. A press counts toward batches only once stored.
 */
#ifndef HC_TERMINAL_STATION_H
#define HC_TERMINAL_STATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/display.h"
#include "shared/protocol.h"
#include "terminal/journal.h"
#include "terminal/outbox.h"

/* Presses held in memory while the journal cannot store them: hours of
 * presses at one door. Beyond this, further presses are refused loudly. */
#define HC_UNSTORED_PRESSES_MAX 65536

struct hc_station {
	char terminal_id[HC_ID_LEN_MAX + 1];
	struct hc_journal *journal; /* borrowed */
	struct hc_outbox *outbox;   /* owned (large: heap) */
	struct hc_press *unstored;  /* owned, HC_UNSTORED_PRESSES_MAX */
	size_t unstored_count;
	bool storage_fault;	/* the last journal write failed */
	int64_t storage_faults; /* fault episodes since start (reported) */
	bool online;
	char area_id[HC_ID_LEN_MAX + 1]; /* from welcome, "" before */
	bool have_figure;
	struct hc_area_state figure; /* aggregator's latest area state */
	int64_t figure_at_ms;	     /* monotonic time it arrived */
	int64_t offline_since_ms;    /* monotonic time the link went down */
	/* The figure is current only once an area message came on this
	 * link (a link the aggregator refuses never brings one). The figure
	 * was known current until figure_known_ms (monotonic): its arrival,
	 * or the loss of the link that kept it current. */
	bool figure_this_link;
	int64_t figure_known_ms;
	/* Net delta of batches newly acknowledged since the last area
	 * message. The aggregator sends an ack before the area state that
	 * includes the batch; counting it here until that state arrives
	 * keeps the door's figure from dipping between the two. */
	int64_t acked_unshown_net;
	/* UNDO may take back the last press: set by a press, cleared by an
	 * undo (one undo per press, only the most recent one). */
	bool undo_armed;
	int64_t undone_count;  /* undos taken since start */
	int64_t presses_taken; /* ENTER/EXIT taken since start */
	int64_t undos_refused; /* UNDO with nothing to undo */
};

/* Creates the outbox and restores it from the journal. False on error. */
bool hc_station_init(struct hc_station *s, const char *terminal_id, struct hc_journal *journal,
		     int64_t batch_interval_ms, int64_t now_ms);
void hc_station_free(struct hc_station *s);

/* Presses read from the input: queued in memory, then stored together in
 * one journal transaction by hc_station_persist(). */
void hc_station_add_press(struct hc_station *s, enum hc_direction dir, int64_t wall_ms);

/* UNDO: takes back the last press, once. A press still queued in memory
 * is simply dropped (it was never stored or counted); otherwise the undo
 * is queued like a press, journaled, and only then applied to the outbox
 * (hc_outbox_undone). Returns false when there is nothing to undo. */
bool hc_station_undo(struct hc_station *s, int64_t wall_ms);

/* Stores every queued press and undo in one transaction; only after it
 * commits does the outbox count them. Returns false on a storage fault. */
bool hc_station_persist(struct hc_station *s);

/* Loop turn: retries storing, cuts a batch when one is due (journal
 * first). Returns true when a new batch was cut. */
bool hc_station_tick(struct hc_station *s, int64_t now_ms, int64_t wall_ms);

/* The link came up or went down at now_ms. */
void hc_station_link(struct hc_station *s, bool online, int64_t now_ms);

/* Next batch to put on the wire now, or NULL (hc_outbox_next_send). */
const struct hc_outbox_batch *hc_station_next_send(struct hc_station *s, int64_t now_ms);

/* An ack arrived: stored in the journal, then the outbox is told.
 * Unknown or repeated acks are ignored (logged at debug level). */
void hc_station_acked(struct hc_station *s, int64_t seq, bool duplicate, int64_t wall_ms);

void hc_station_welcomed(struct hc_station *s, const char *area_id);
void hc_station_area(struct hc_station *s, const struct hc_area_state *a, int64_t now_ms);

/* True when nothing is unstored, pending or unacknowledged. */
bool hc_station_all_acked(const struct hc_station *s);

/* What the screen shows at now_ms. The figure is pushed on every change,
 * so it is current while the link that brought it is up; otherwise it is
 * the last known one, known_age_s old (counted from the later of the
 * figure's arrival and the loss of that link), and stale once that age
 * passes HC_FIGURE_STALE_MS. */
void hc_station_display_state(const struct hc_station *s, int64_t now_ms,
			      struct hc_display_state *out);

#endif
