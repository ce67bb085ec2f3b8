/*
 * terminal_role.c — the terminal WebSocket role ("headcount-terminal.v3",
 * and v1/v2 to refuse them with a reason): the session, from the
 * upgrade to the close, its hello and everything written to it.
 *
 * Relies on: shared/protocol.h to parse and build every message (a
 * message that parses is in range), ws_session.c for the session
 * plumbing (closing, hello timer, receive assembly, writes),
 * terminal_auth.c for the challenge, the proof and the recheck after a
 * reload, terminal_batches.c for batches and acks, venue_state.c for
 * the area state pushed back.
 *
 * A connection says hello (terminal id, outbox incarnation) within
 * HC_HELLO_TIMEOUT_S, gets a welcome and its area's state, then sends
 * batches (terminal_batches.c). Promises:
 *   - one connection per terminal: the newest wins, the older one is
 *     closed with 4006;
 *   - every protocol error closes only the offending connection, with its
 *     code and reason, one WARN line, and nothing stored (invariant 6);
 *   - v1 and v2 terminals are refused with 4024 unless terminal_auth =
 *     off (they have no authentication; terminal_auth.c for the rest);
 *   - with a staff listener configured, a terminal on the public one is
 *     closed with 4012 (docs/aggregator.md, *Terminals never starve*);
 *   - after a config reload a terminal no longer listed is closed with
 *     4004, and one moved to another area gets a new welcome and that
 *     area's state; everyone else keeps its connection untouched.
 * Writes happen only in the writeable callback, one lws_write each:
 * welcome, then acks, then the area state when its version moved (and
 * it holds every batch acked to this terminal; see area_due). Acks are
 * never held back; area states are conflated in time by venue_state.c.
 * A terminal is known by its source slot (slots.h), which a reload never
 * changes; its config entry is looked up through s->slot_term.
 */
#include "aggregator/server_internal.h"
#include "aggregator/random.h"
#include "aggregator/server_commit.h"
#include "aggregator/server_conn.h"
#include "aggregator/terminal_role.h"
#include "aggregator/venue_refresh.h"
#include "aggregator/venue_state.h"
#include "aggregator/terminal_auth.h"
#include "aggregator/terminal_batches.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"

/* Room for any message the aggregator sends to a terminal. */
#define TERMINAL_TX_BYTES 1024

/* Closes from inside a callback of this connection: the caller returns -1. */
static int close_now(struct hc_terminal_session *t, uint16_t code, const char *reason)
{
	return hc_ws_session_close_now(&t->ws, code, reason);
}

/* Closes from outside this connection's callbacks: at its next
 * writeable callback. */
static void close_later(struct hc_terminal_session *t, uint16_t code, const char *reason)
{
	hc_ws_session_close_later(&t->ws, code, reason);
}

/* ---- messages --------------------------------------------------------- */

static int on_hello(struct hc_server *s, struct hc_terminal_session *t,
		    const struct hc_msg_hello *m)
{
	if (t->state == HC_SESSION_READY)
		return close_now(t, HC_CLOSE_OUT_OF_ORDER, "hello sent twice");
	int index = hc_venue_find_terminal(s->cfg, m->terminal);
	if (index < 0) {
		char reason[120];
		snprintf(reason, sizeof reason, "unknown terminal \"%s\"", m->terminal);
		return close_now(t, HC_CLOSE_UNKNOWN_TERMINAL, reason);
	}
	if (hc_terminal_auth_check_hello(s, t, m) < 0)
		return -1;
	hc_ws_session_hello_done(&t->ws);
	t->state = HC_SESSION_READY;
	t->slot = (uint32_t)s->term_slot[index];
	hc_ws_session_set_name(&t->ws, hc_slots_id(s->sources, t->slot));
	t->incarnation = m->incarnation;
	snprintf(t->area, sizeof t->area, "%s", s->cfg->terminals[index].area);

	struct hc_terminal_status *status = &s->terminals[t->slot];
	if (status->session != NULL) {
		close_later(status->session, HC_CLOSE_REPLACED,
			    "replaced by a newer connection of this terminal");
		status->session = NULL;
	} else {
		s->terminals_online++;
	}
	status->session = t;
	status->last_seen_wall_ms = hc_wall_ms();
	status->has_incarnation = true;
	status->incarnation = m->incarnation;
	snprintf(status->reported_version, sizeof status->reported_version, "%s", m->version);

	char inc[HC_INCARNATION_HEX_LEN + 1];
	hc_proto_format_incarnation(m->incarnation, inc);
	hc_info("terminal %s connected: incarnation %s, peer %s, area %s%s", m->terminal, inc,
		t->ws.peer, s->cfg->terminals[index].area,
		t->authenticated ? ", authenticated" : ", NOT authenticated (terminal_auth = off)");
	t->welcome_pending = true;
	t->area_version_sent = 0;
	hc_ws_session_want_write(&t->ws);
	hc_venue_state_terminal_changed(s, t->slot);
	return 0;
}

/* A whole message has arrived. */
static int on_message(struct hc_server *s, struct hc_terminal_session *t, const char *text,
		      size_t len)
{
	struct hc_msg msg;
	struct hc_proto_error err;
	if (hc_ws_session_refuse_binary(&t->ws) < 0)
		return -1;
	if (!hc_proto_parse_from_terminal(text, len, &msg, &err))
		return close_now(t, (uint16_t)err.code, err.reason);
	if (t->state == HC_SESSION_READY)
		s->terminals[t->slot].last_seen_wall_ms = hc_wall_ms();
	switch (msg.type) {
	case HC_MSG_HELLO: return on_hello(s, t, &msg.u.hello);
	case HC_MSG_BATCH: return hc_terminal_on_batch(s, t, &msg.u.batch);
	default: return close_now(t, HC_CLOSE_UNKNOWN_TYPE, "type not sent by terminals");
	}
}

/* Appends a piece of a message (ws_session.h); handles it when complete. */
static int on_receive(struct hc_server *s, struct hc_terminal_session *t, const void *in,
		      size_t len)
{
	const char *text;
	size_t text_len;
	int rc = hc_ws_session_receive(&t->ws, in, len, &text, &text_len);
	return rc == 1 ? on_message(s, t, text, text_len) : rc;
}

/* ---- writing ---------------------------------------------------------- */

static int write_text(struct hc_terminal_session *t, unsigned char *buf, size_t len)
{
	if (hc_ws_session_write_text(&t->ws, buf, len) < 0) {
		hc_warn("terminal write of %zu bytes failed", len);
		return -1;
	}
	return 0;
}

/* True when the terminal should get its area's published state: it
 * moved since the last one sent, and it holds every batch this
 * terminal was sent an ack for. Otherwise the area is deferred and its
 * publication (within HC_OCCUPANCY_PUSH_INTERVAL_MS) wakes us again: an
 * older figure after an ack would make the terminal show its own acked
 * presses twice undone (it drops its acked delta on every area message). */
static bool area_due(const struct hc_area_slot *area, const struct hc_terminal_session *t)
{
	return area->version != t->area_version_sent &&
	       area->valid_through_commit >= t->ack_commit_sent;
}

/* One piece: the order of what is due (close, challenge, ping, welcome,
 * acks, area) is the protocol's, and each branch ends in the one write
 * lws allows per callback; split, the order would be spread over
 * functions that each need the same early returns. */
static int on_writeable(struct hc_server *s, struct hc_terminal_session *t)
{
	if (hc_ws_session_writeable_closes(&t->ws, s->closing_all))
		return -1;
	if (t->challenge_pending) {
		unsigned char cbuf[LWS_PRE + 160];
		struct hc_msg_challenge c;
		memcpy(c.nonce, t->nonce, sizeof c.nonce);
		size_t clen = hc_proto_build_challenge((char *)cbuf + LWS_PRE, 160, &c);
		t->challenge_pending = false;
		if (clen == 0)
			return -1;
		return write_text(t, cbuf, clen);
	}
	if (t->state != HC_SESSION_READY)
		return 0;
	if (t->ping_pending) {
		t->ping_pending = false;
		return hc_ws_session_write_ping(&t->ws, NULL, 0);
	}

	unsigned char local[LWS_PRE + TERMINAL_TX_BYTES];
	unsigned char *buf = local;
	char *out = (char *)buf + LWS_PRE;
	size_t len = 0;
	const struct hc_terminal_cfg *tc = hc_terminal_cfg_of(s, t);
	if (tc == NULL)
		return 0;
	const struct hc_area_slot *area = &s->areas[tc->area_index];

	if (t->welcome_pending) {
		struct hc_msg_welcome w;
		snprintf(w.terminal, sizeof w.terminal, "%s", tc->id);
		snprintf(w.area, sizeof w.area, "%s", tc->area);
		len = hc_proto_build_welcome(out, TERMINAL_TX_BYTES, &w);
		t->welcome_pending = false;
	} else if (t->ack_len > 0) {
		len = hc_proto_build_ack(out, TERMINAL_TX_BYTES, &t->acks[t->ack_head]);
		if (t->ack_commits[t->ack_head] > t->ack_commit_sent)
			t->ack_commit_sent = t->ack_commits[t->ack_head];
		t->ack_head = (t->ack_head + 1) % HC_ACK_QUEUE_MAX;
		t->ack_len--;
		s->acks_queued--;
	} else if (area_due(area, t)) {
		/* The same bytes every receiver of this version gets. */
		buf = hc_venue_area_message(s, tc->area_index, &len);
		if (buf == NULL)
			return -1;
		t->area_version_sent = area->version;
	} else {
		return 0;
	}
	if (len == 0) {
		hc_error("terminal %s: message does not fit %d bytes", tc->id, TERMINAL_TX_BYTES);
		return -1;
	}
	if (write_text(t, buf, len) < 0)
		return -1;
	if (t->ack_len > 0 || area_due(area, t))
		hc_ws_session_want_write(&t->ws);
	return 0;
}

/* ---- connection life -------------------------------------------------- */

static void on_established(struct hc_server *s, struct hc_terminal_session *t, struct lws *wsi)
{
	hc_ws_session_start(&t->ws, wsi, HC_WS_TERMINAL, &t->inbox, t->rx,
			    HC_TERMINAL_FRAME_BYTES_MAX);
	t->state = HC_SESSION_AWAITING_HELLO;
	hc_server_peer_address(wsi, t->ws.peer, sizeof t->ws.peer);
	s->terminal_sessions++;
	hc_ws_session_start_hello_timer(&t->ws, HC_HELLO_TIMEOUT_S);
	if (!hc_server_role_allowed(s, wsi, true)) {
		close_later(t, HC_CLOSE_WRONG_LISTENER,
			    "terminals connect to the staff listener (staff_listen)");
		return;
	}
	const struct lws_protocols *p = lws_get_protocol(wsi);
	const char *name = p != NULL && p->name != NULL ? p->name : "";
	t->proto_version = strcmp(name, HC_PROTO_TERMINAL_V1) == 0   ? 1
			   : strcmp(name, HC_PROTO_TERMINAL_V2) == 0 ? 2
								     : 3;
	if (t->proto_version < 3 && s->cfg->terminal_auth_off)
		return; /* no challenge in v1 and v2 */
	if (t->proto_version < 3) {
		char reason[120];
		snprintf(reason, sizeof reason,
			 "%s has no authentication; this aggregator needs %s (update the terminal)",
			 name, HC_PROTO_TERMINAL);
		close_later(t, HC_CLOSE_OLD_PROTOCOL, reason);
		return;
	}
	if (!hc_terminal_auth_draw_nonce(s, t->nonce)) {
		close_later(t, HC_CLOSE_GOING_AWAY, "aggregator cannot draw a challenge");
		return;
	}
	t->challenge_pending = true;
	lws_callback_on_writable(wsi);
}

static void on_closed(struct hc_server *s, struct hc_terminal_session *t)
{
	/* lws 4.1 moves a connection to the WebSocket role before it runs
	 * FILTER_PROTOCOL_CONNECTION and the handshake, so an upgrade that
	 * fails there (no Sec-WebSocket-Key or Host, a peer that reset before
	 * the 101 could be written, refused while stopping) is CLOSED without
	 * ever being ESTABLISHED: its session is zeroed (or
	 * absent when lws ran out of memory) and there is nothing to undo.
	 * t->ws.wsi is set by on_established only. */
	if (t == NULL || t->ws.wsi == NULL)
		return;
	hc_ws_session_end(&t->ws);
	hc_terminal_auth_end(t);
	assert(s->terminal_sessions > 0);
	s->terminal_sessions--;
	s->acks_queued -= t->ack_len;
	t->ack_len = 0;
	if (t->state != HC_SESSION_READY)
		return;
	struct hc_terminal_status *status = &s->terminals[t->slot];
	const char *id = hc_slots_id(s->sources, t->slot);
	if (status->session != t) {
		hc_info("terminal %s: replaced connection from %s closed", id, t->ws.peer);
		return;
	}
	status->session = NULL;
	status->last_seen_wall_ms = hc_wall_ms();
	s->terminals_online--;
	hc_info("terminal %s disconnected: peer %s", id, t->ws.peer);
	hc_venue_state_terminal_changed(s, t->slot);
}

void hc_terminal_sessions_reconfigured(struct hc_server *s)
{
	hc_terminal_auth_reload(s);
	uint32_t count = hc_slots_count(s->sources);
	for (uint32_t slot = 0; slot < count; slot++) {
		struct hc_terminal_session *t = s->terminals[slot].session;
		if (t == NULL || t->ws.close_pending)
			continue;
		const struct hc_terminal_cfg *tc = hc_terminal_cfg_of(s, t);
		if (tc == NULL) {
			close_later(t, HC_CLOSE_UNKNOWN_TERMINAL,
				    "terminal removed from the venue config");
			continue;
		}
		hc_terminal_auth_recheck(s, t, tc);
		if (t->ws.close_pending)
			continue;
		if (strcmp(tc->area, t->area) != 0) {
			hc_info("terminal %s moved from area %s to area %s", tc->id, t->area,
				tc->area);
			snprintf(t->area, sizeof t->area, "%s", tc->area);
			t->welcome_pending = true;
			t->area_version_sent = 0;
			hc_ws_session_want_write(&t->ws);
		}
	}
}

int hc_terminal_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct hc_server *s = hc_server_of(wsi);
	struct hc_terminal_session *t = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return s->stopping ? -1 : 0;
	case LWS_CALLBACK_ESTABLISHED: on_established(s, t, wsi); return 0;
	case LWS_CALLBACK_RECEIVE:
		/* Only an established connection has a session to read into. */
		return t != NULL && t->ws.wsi != NULL ? on_receive(s, t, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return t != NULL && t->ws.wsi != NULL ? on_writeable(s, t) : 0;
	case LWS_CALLBACK_CLOSED: on_closed(s, t); return 0;
	default: return 0;
	}
}
