/*
 * terminal_role.c — the terminal WebSocket role ("headcount-terminal.v3",
 * and v1/v2 to refuse them with a reason).
 *
 * Relies on: shared/protocol.h to parse and build every message (a
 * message that parses is in range), the ledger for verdicts, server.c for
 * the commit pipeline, venue_state.c for the area state pushed back.
 *
 * A connection says hello (terminal id, outbox incarnation) within
 * HC_HELLO_TIMEOUT_S, gets a welcome and its area's state, then sends
 * batches. Promises:
 *   - a batch is acknowledged only when durable: at once when it is a
 *     duplicate, otherwise after the commit that holds it;
 *   - one connection per terminal: the newest wins, the older one is
 *     closed with 4006;
 *   - every protocol error closes only the offending connection, with its
 *     code and reason, one WARN line, and nothing stored (invariant 6);
 *   - at most HC_INFLIGHT_BATCHES_MAX unacknowledged batches per
 *     connection; more is a close with 4008, so the ack queue is bounded.
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
 *
 * Authentication (docs/security.md; the MACs in shared/terminal_auth.h):
 * unless the venue says terminal_auth = off, a connection on v3 is first
 * sent a challenge (a nonce of 24 CTR-DRBG bytes and a 64-bit counter,
 * so never reused in a run; sent with terminal_auth = off too, unchecked
 * then, so a v3 terminal always waits for it); its hello must carry HMAC(secret, nonce,
 * id, incarnation) for the secret enrolled in the secrets file, and
 * every batch a MAC over its fields bound to the same nonce, compared
 * in constant time. Refusals, each closing only this connection with
 * one WARN line and nothing stored: v1/v2 (4024), listed but not
 * enrolled (4020), missing or wrong proof (4021), missing or wrong
 * batch MAC (4022); a reload that revoked or rotated the secret closes
 * the open connection (4023).
 */
#include "aggregator/server_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/terminal_auth.h"

/* Room for any message the aggregator sends to a terminal. */
#define TERMINAL_TX_BYTES 1024

static const char *terminal_id_of(const struct hc_server *s, const struct hc_terminal_session *t)
{
	return t->state == HC_SESSION_READY ? hc_slots_id(s->sources, t->slot) : "?";
}

/* The terminal's entry in the current config, or NULL once a reload
 * removed it (its connection is then closing). */
static const struct hc_terminal_cfg *terminal_cfg_of(const struct hc_server *s,
						     const struct hc_terminal_session *t)
{
	int i = s->slot_term[t->slot];
	return i >= 0 ? &s->cfg->terminals[i] : NULL;
}

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
	if (!s->cfg->terminal_auth_off) {
		char reason[120];
		const uint8_t *secret = hc_terminal_secrets_find(s->terminal_secrets, m->terminal);
		uint8_t expected[HC_TAUTH_MAC_BYTES];
		if (secret == NULL) {
			snprintf(reason, sizeof reason,
				 "terminal \"%s\" is not enrolled (headcount-aggregator enroll)",
				 m->terminal);
			return close_now(t, HC_CLOSE_NOT_ENROLLED, reason);
		}
		if (!m->has_proof) {
			snprintf(reason, sizeof reason,
				 "hello.proof missing: terminal \"%s\" has no secret configured",
				 m->terminal);
			return close_now(t, HC_CLOSE_BAD_PROOF, reason);
		}
		if (!hc_tauth_hello_proof(secret, t->nonce, m->terminal, m->incarnation,
					  expected) ||
		    !hc_tauth_mac_equal(expected, m->proof)) {
			snprintf(reason, sizeof reason,
				 "hello.proof does not match the secret enrolled for \"%s\"",
				 m->terminal);
			return close_now(t, HC_CLOSE_BAD_PROOF, reason);
		}
		memcpy(t->secret, secret, sizeof t->secret);
		t->authenticated = true;
	}
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

static int on_batch(struct hc_server *s, struct hc_terminal_session *t,
		    const struct hc_msg_batch *m)
{
	if (t->state != HC_SESSION_READY)
		return close_now(t, HC_CLOSE_OUT_OF_ORDER, "batch before hello");
	if (s->stopping)
		return 0; /* not staged, not acked: resent later */

	const struct hc_terminal_cfg *tc = terminal_cfg_of(s, t);
	if (tc == NULL)
		return 0; /* removed by a reload: closing */
	if (t->authenticated) {
		uint8_t expected[HC_TAUTH_MAC_BYTES];
		char reason[120];
		if (!m->has_mac) {
			snprintf(reason, sizeof reason, "batch seq %" PRId64 ": batch.mac missing",
				 m->seq);
			return close_now(t, HC_CLOSE_BAD_MAC, reason);
		}
		if (!hc_tauth_batch_mac(t->secret, t->nonce, tc->id, t->incarnation, m, expected) ||
		    !hc_tauth_mac_equal(expected, m->mac)) {
			snprintf(reason, sizeof reason,
				 "batch seq %" PRId64 ": mac does not match (altered, forged or"
				 " from another connection)",
				 m->seq);
			return close_now(t, HC_CLOSE_BAD_MAC, reason);
		}
	}
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
			return close_now(t, HC_CLOSE_TOO_MANY_INFLIGHT, reason);
		}
		break;
	case HC_LEDGER_PENDING:
		/* A resend of a batch already counted as awaiting (here or on
		 * a predecessor connection): its one ack follows the commit. */
		break;
	}
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
	case HC_MSG_BATCH: return on_batch(s, t, &msg.u.batch);
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
	const struct hc_terminal_cfg *tc = terminal_cfg_of(s, t);
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

/* A challenge: 24 bytes of the server's CTR-DRBG and the run's count
 * of challenges (big-endian), so no two connections of one run ever
 * share a nonce, and two runs share one with negligible probability. */
static bool draw_nonce(struct hc_server *s, uint8_t nonce[HC_TAUTH_NONCE_BYTES])
{
	char hex[2 * 24 + 1];
	if (!hc_server_random_hex(s, hex, 24) || !hc_tauth_hex_decode(hex, nonce, 24))
		return false;
	uint64_t n = ++s->nonce_counter;
	for (int i = HC_TAUTH_NONCE_BYTES - 1; i >= 24; i--) {
		nonce[i] = (uint8_t)(n & 0xff);
		n >>= 8;
	}
	return true;
}

static void on_established(struct hc_server *s, struct hc_terminal_session *t, struct lws *wsi)
{
	hc_ws_session_start(&t->ws, wsi, "terminal", true, t->rx, HC_TERMINAL_FRAME_BYTES_MAX);
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
	if (!draw_nonce(s, t->nonce)) {
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
	memset(t->secret, 0, sizeof t->secret);
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

/* Reads the secrets file named by the config in force into s; keeps the
 * old set when it cannot be read. */
static bool load_secrets(struct hc_server *s, bool at_start)
{
	const struct hc_venue_cfg *cfg = s->base_cfg; /* s->cfg is not built yet at start */
	char err[PATH_MAX + 256];
	bool missing = false;
	struct hc_terminal_secrets *fresh = hc_terminal_secrets_load(cfg->terminal_secrets,
								     &missing, err, sizeof err);
	if (fresh == NULL) {
		hc_error("terminal secrets: %s%s", err,
			 at_start ? "" : "; keeping the secrets read before");
		return false;
	}
	hc_terminal_secrets_free(s->terminal_secrets);
	s->terminal_secrets = fresh;
	int enrolled = 0;
	for (int i = 0; i < cfg->terminal_count; i++)
		if (hc_terminal_secrets_find(fresh, cfg->terminals[i].id) != NULL)
			enrolled++;
	if (cfg->terminal_auth_off)
		hc_warn("TERMINAL AUTHENTICATION IS OFF (terminal_auth = off in %s): any client"
			" that knows a terminal id can count; fit only for a closed demo network",
			cfg->path);
	else
		hc_info("terminal authentication on: %d of %d terminals enrolled in %s%s", enrolled,
			cfg->terminal_count, cfg->terminal_secrets,
			missing ? " (no such file yet: headcount-aggregator enroll TERMINAL)" : "");
	return true;
}

bool hc_terminal_auth_start(struct hc_server *s)
{
	return load_secrets(s, true);
}

void hc_terminal_auth_stop(struct hc_server *s)
{
	hc_terminal_secrets_free(s->terminal_secrets);
	s->terminal_secrets = NULL;
}

/* After a reload: a terminal whose secret is gone or changed, or that
 * never authenticated while the venue now asks for it, is closed. */
static void recheck_auth(struct hc_server *s, struct hc_terminal_session *t,
			 const struct hc_terminal_cfg *tc)
{
	char reason[120];
	if (s->cfg->terminal_auth_off)
		return;
	const uint8_t *secret = hc_terminal_secrets_find(s->terminal_secrets, tc->id);
	if (!t->authenticated) {
		close_later(t, HC_CLOSE_BAD_PROOF,
			    "terminal authentication is now required; reconnect with a secret");
	} else if (secret == NULL) {
		snprintf(reason, sizeof reason, "terminal \"%s\" was revoked", tc->id);
		close_later(t, HC_CLOSE_REVOKED, reason);
	} else if (!hc_tauth_mac_equal(secret, t->secret)) {
		snprintf(reason, sizeof reason, "terminal \"%s\" has a new secret (rotated)",
			 tc->id);
		close_later(t, HC_CLOSE_REVOKED, reason);
	}
}

void hc_terminal_sessions_reconfigured(struct hc_server *s)
{
	load_secrets(s, false);
	uint32_t count = hc_slots_count(s->sources);
	for (uint32_t slot = 0; slot < count; slot++) {
		struct hc_terminal_session *t = s->terminals[slot].session;
		if (t == NULL || t->ws.close_pending)
			continue;
		const struct hc_terminal_cfg *tc = terminal_cfg_of(s, t);
		if (tc == NULL) {
			close_later(t, HC_CLOSE_UNKNOWN_TERMINAL,
				    "terminal removed from the venue config");
			continue;
		}
		recheck_auth(s, t, tc);
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
