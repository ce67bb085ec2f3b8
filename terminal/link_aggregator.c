/*
 * link_aggregator.c — the terminal's one client connection to the
 * aggregator (subprotocol HC_PROTO_TERMINAL) and its messages.
 *
 * On connect it waits for the aggregator's challenge, answers with a
 * hello that proves the enrollment secret (shared/terminal_auth.h; no
 * proof without a secret), then sends batches from the outbox, each with
 * its MAC, one lws_write() per WRITEABLE callback. Acks are stored in the
 * journal before the outbox hears of them (station.c). Area messages
 * update the figure shown at the door. A close with a refusal code is
 * kept for the door's screen to name.
 *
 * Reconnection forever: lws_retry_sul_schedule() with the backoff table
 * below (HC_RECONNECT_MS_MIN doubling to HC_RECONNECT_MS_MAX,
 * HC_RECONNECT_JITTER_PERCENT jitter). The same lws_retry_bo_t, passed as
 * retry_and_idle_policy, makes lws ping an idle link after
 * HC_PING_AFTER_S and hang up after HC_HANGUP_AFTER_S of silence, so a
 * dead Wi-Fi link is noticed and redialled.
 *
 * Relies on: struct link (terminal/link_internal.h), shared/protocol.h
 * for every message, shared/terminal_auth.h for the proofs,
 * shared/tls_client.h for wss://.
 */
#include "terminal/link_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/protocol.h"
#include "shared/terminal_auth.h"
#include "shared/tls_client.h"
#include "shared/version.h"
#include "terminal/settings.h"

/* Backoff: 250 ms doubling up to HC_RECONNECT_MS_MAX, then stays there. */
static const uint32_t reconnect_ms_table[] = {
	HC_RECONNECT_MS_MIN, 500, 1000, 2000, 4000, 8000, HC_RECONNECT_MS_MAX,
};

static const lws_retry_bo_t link_retry_policy = {
	.retry_ms_table = reconnect_ms_table,
	.retry_ms_table_count = LWS_ARRAY_SIZE(reconnect_ms_table),
	.conceal_count = LWS_RETRY_CONCEAL_ALWAYS, /* retry forever */
	.secs_since_valid_ping = HC_PING_AFTER_S,
	.secs_since_valid_hangup = HC_HANGUP_AFTER_S,
	.jitter_percent = HC_RECONNECT_JITTER_PERCENT,
};

static void link_lost(struct link *l, const char *why);

static void schedule_reconnect(struct link *l)
{
	if (l->quit)
		return;
	if (lws_retry_sul_schedule(l->ctx, 0, &l->sul_connect, &link_retry_policy,
				   link_connect_attempt, &l->retry_count) != 0)
		hc_error("link: could not schedule a reconnect");
}

/* Dials the aggregator once (the sul_connect timer); a failure goes
 * through link_lost, which schedules the next attempt. */
void link_connect_attempt(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_connect);
	const struct hc_link_url *u = &l->cfg->url;
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof info);
	info.context = l->ctx;
	info.vhost = l->vhost;
	info.address = u->host;
	info.port = u->port;
	info.path = u->path;
	info.host = u->host;
	info.origin = u->host;
	info.ssl_connection = hc_tls_client_connect_flags(u->tls);
	info.protocol = HC_PROTO_TERMINAL;
	info.local_protocol_name = HC_PROTO_TERMINAL;
	info.retry_and_idle_policy = &link_retry_policy;
	info.pwsi = &l->attempt_wsi;

	hc_debug("link: connecting to %s://%s:%d%s (attempt %u)", u->tls ? "wss" : "ws", u->host,
		 u->port, u->path, (unsigned)l->retry_count + 1);
	l->attempt_pending = true;
	if (lws_client_connect_via_info(&info) == NULL && l->attempt_pending)
		link_lost(l, "connect failed");
}

/* The link is gone (error or close): back off, then dial again. */
static void link_lost(struct link *l, const char *why)
{
	bool was_up = l->established;
	l->wsi = NULL;
	l->attempt_wsi = NULL;
	l->attempt_pending = false;
	l->established = false;
	l->hello_sent = false;
	l->challenged = false;
	l->authenticating = false;
	memset(l->secret, 0, sizeof l->secret);
	hc_station_link(l->st, false, hc_mono_ms());
	if (l->quit)
		return; /* shutting down: lws closes the link */
	if (was_up)
		hc_warn("link: lost the aggregator (%s); reconnecting", why);
	else
		hc_warn("link: cannot reach the aggregator at %s:%d (%s); "
			"retrying with backoff",
			l->cfg->url.host, l->cfg->url.port, why);
	schedule_reconnect(l);
	link_refresh_display(l);
}

/* Logs the close code and reason the aggregator sent. 4xxx codes mean
 * this terminal is refused (e.g. 4004 unknown terminal): that must be
 * visible, so they are errors, and 4004, 4006 and the authentication
 * refusals (4020..4024) are kept for the door's screen to name; we keep
 * retrying regardless. */
static void log_peer_close(struct link *l, const unsigned char *in, size_t len)
{
	int code = len >= 2 ? (in[0] << 8) | in[1] : 0;
	int reason_len = len > 2 ? (int)(len - 2) : 0;
	const char *reason = len > 2 ? (const char *)in + 2 : "";
	bool auth = code >= HC_CLOSE_NOT_ENROLLED && code <= HC_CLOSE_OLD_PROTOCOL;
	if (code == HC_CLOSE_UNKNOWN_TERMINAL || code == HC_CLOSE_REPLACED || auth) {
		l->refusal = auth				 ? HC_REFUSAL_NOT_AUTHENTICATED
			     : code == HC_CLOSE_UNKNOWN_TERMINAL ? HC_REFUSAL_UNKNOWN_TERMINAL
								 : HC_REFUSAL_REPLACED;
		l->refused_at_ms = hc_mono_ms();
		l->welcomed_since_refusal = false;
	}
	if (code >= 4000)
		hc_error("link: aggregator closed the link for terminal %s: "
			 "code %d%s reason \"%.*s\"",
			 l->st->terminal_id, code,
			 code == HC_CLOSE_UNKNOWN_TERMINAL
				 ? " (unknown terminal: check the venue config)"
			 : code == HC_CLOSE_REPLACED ? " (another device uses this id)"
			 : auth ? " (authentication: check the enrollment and the secret)"
				: "",
			 reason_len, reason);
	else
		hc_warn("link: aggregator closed the link: code %d reason \"%.*s\"", code,
			reason_len, reason);
}

/* The secret for this connection: inline, or the secret file read
 * now (so a rotated secret put in place is used without a restart).
 * Without one the hello goes out without proof and the aggregator says
 * why it refuses (unless terminal_auth is off there). */
static void load_secret(struct link *l)
{
	l->authenticating = false;
	if (l->cfg->has_secret) {
		memcpy(l->secret, l->cfg->secret, sizeof l->secret);
		l->authenticating = true;
	} else if (l->cfg->secret_file[0] != '\0') {
		char err[PATH_MAX + 100];
		bool missing;
		l->authenticating = hc_term_secret_read_file(l->cfg->secret_file, l->secret,
							     &missing, err, sizeof err);
		if (!l->authenticating)
			hc_error("link: %s; saying hello without proof", err);
	}
}

static void handle_message(struct link *l, const char *buf, size_t len)
{
	struct hc_msg msg;
	struct hc_proto_error err;
	if (!hc_proto_parse_from_aggregator(buf, len, &msg, &err)) {
		hc_error("link: bad message from the aggregator (%d %s): %.80s", (int)err.code,
			 err.reason, buf);
		return;
	}
	switch (msg.type) {
	case HC_MSG_CHALLENGE:
		if (l->challenged) {
			hc_warn("link: a second challenge from the aggregator ignored");
			break;
		}
		memcpy(l->nonce, msg.u.challenge.nonce, sizeof l->nonce);
		l->challenged = true;
		load_secret(l);
		lws_callback_on_writable(l->wsi); /* the hello can go */
		break;
	case HC_MSG_WELCOME:
		if (strcmp(msg.u.welcome.terminal, l->st->terminal_id) != 0)
			hc_warn("link: welcome names terminal %s, we are %s",
				msg.u.welcome.terminal, l->st->terminal_id);
		hc_info("link: welcomed as terminal %s of area %s", l->st->terminal_id,
			msg.u.welcome.area);
		hc_station_welcomed(l->st, msg.u.welcome.area);
		if (l->refusal == HC_REFUSAL_UNKNOWN_TERMINAL ||
		    l->refusal == HC_REFUSAL_NOT_AUTHENTICATED)
			l->refusal = HC_REFUSAL_NONE;
		l->welcomed_since_refusal = true;
		/* Only a welcome proves the link works: an aggregator that
		 * accepts and then refuses us (4004) keeps the backoff growing. */
		l->retry_count = 0;
		break;
	case HC_MSG_ACK:
		hc_station_acked(l->st, msg.u.ack.seq, msg.u.ack.duplicate, hc_wall_ms());
		lws_callback_on_writable(l->wsi); /* the window may have opened */
		break;
	case HC_MSG_AREA:
		if (l->st->area_id[0] != '\0' && strcmp(l->st->area_id, msg.u.area.id) != 0)
			hc_warn("link: area message for %s, we count for %s", msg.u.area.id,
				l->st->area_id);
		hc_station_area(l->st, &msg.u.area, hc_mono_ms());
		break;
	default:
		hc_warn("link: unexpected message type %d from the aggregator", (int)msg.type);
		break;
	}
	link_refresh_display(l);
}

/* Collects fragments up to HC_TERMINAL_FRAME_BYTES_MAX; returns -1 to
 * close a link that sends more. */
static int receive_fragment(struct link *l, struct lws *wsi, const void *in, size_t len)
{
	if (!l->rx_too_big && l->rx_len + len < sizeof l->rx) {
		memcpy(l->rx + l->rx_len, in, len);
		l->rx_len += len;
	} else {
		l->rx_too_big = true;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (l->rx_too_big) {
		static const char reason[] = "message too big";
		hc_error("link: aggregator message over %d bytes; closing",
			 HC_TERMINAL_FRAME_BYTES_MAX);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)reason,
				 sizeof reason - 1);
		return -1;
	}
	l->rx[l->rx_len] = '\0';
	handle_message(l, l->rx, l->rx_len);
	l->rx_len = 0;
	return 0;
}

/* The hello answering this connection's challenge, with its proof when
 * there is a secret; its length in out, 0 when it does not fit. */
static size_t build_hello(struct link *l, char *out, size_t cap)
{
	struct hc_msg_hello hello;
	memset(&hello, 0, sizeof hello);
	snprintf(hello.terminal, sizeof hello.terminal, "%s", l->st->terminal_id);
	hello.incarnation = hc_journal_incarnation(l->st->journal);
	snprintf(hello.version, sizeof hello.version, "%s", hc_version_tag());
	if (l->authenticating &&
	    !(hello.has_proof = hc_tauth_hello_proof(l->secret, l->nonce, hello.terminal,
						     hello.incarnation, hello.proof)))
		hc_error("link: cannot compute the hello proof");
	return hc_proto_build_hello(out, cap, &hello);
}

/* Batch b as a message, with the door's status and, when there is a
 * secret, its MAC; its length in out, 0 when it does not fit. */
static size_t build_batch(struct link *l, const struct hc_outbox_batch *b, char *out, size_t cap)
{
	/* With each batch the door tells supervisors what it holds besides
	 * this batch (journaled or in memory, not yet acknowledged) and how
	 * often its storage failed. */
	int64_t held = hc_outbox_unacked_entered(l->st->outbox) +
		       hc_outbox_unacked_exited(l->st->outbox) + (int64_t)l->st->unstored_count -
		       b->entered - b->exited;
	struct hc_msg_batch m = {
		.seq = b->seq,
		.entered = b->entered,
		.exited = b->exited,
		.undo_entered = b->undo_entered,
		.undo_exited = b->undo_exited,
		.has_status = true,
		.pending = held > 0 ? held : 0,
		.storage_faults = l->st->storage_faults,
	};
	/* Bound to this connection's challenge: a resend after a reconnect
	 * gets a fresh MAC, the batch itself is unchanged. */
	if (l->authenticating &&
	    !(m.has_mac = hc_tauth_batch_mac(l->secret, l->nonce, l->st->terminal_id,
					     hc_journal_incarnation(l->st->journal), &m, m.mac)))
		hc_error("link: cannot compute the batch mac");
	return hc_proto_build_batch(out, cap, &m);
}

/* One lws_write per WRITEABLE: hello first, then the next batch due. */
static int write_next(struct link *l, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + 256];
	char *out = (char *)buf + LWS_PRE;
	size_t cap = sizeof buf - LWS_PRE;
	size_t n;

	if (!l->challenged)
		return 0; /* the hello answers the challenge */
	if (!l->hello_sent) {
		n = build_hello(l, out, cap);
		l->hello_sent = true;
	} else {
		const struct hc_outbox_batch *b = hc_station_next_send(l->st, hc_mono_ms());
		if (b == NULL)
			return 0;
		n = build_batch(l, b, out, cap);
		hc_debug("link: sending batch %" PRId64, b->seq);
	}
	if (n == 0) {
		hc_error("link: message does not fit %zu bytes", cap);
		return -1;
	}
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n) {
		hc_warn("link: write to the aggregator failed");
		return -1;
	}
	lws_callback_on_writable(wsi); /* more may be due */
	return 0;
}

/* The lws callback of the aggregator connection. */
int link_callback_aggregator(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			     void *in, size_t len)
{
	struct link *l = lws_context_user(lws_get_context(wsi));
	(void)user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		/* Not reached at all: a refusal is no longer why. */
		char why[512];
		l->refusal = HC_REFUSAL_NONE;
		link_lost(l, hc_tls_client_explain(in, l->cfg->ca, why, sizeof why));
		break;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		hc_info("link: connected to %s:%d as terminal %s", l->cfg->url.host,
			l->cfg->url.port, l->st->terminal_id);
		l->wsi = wsi;
		l->attempt_pending = false;
		l->established = true;
		l->hello_sent = false;
		l->challenged = false;
		l->rx_len = 0;
		l->rx_too_big = false;
		hc_station_link(l->st, true, hc_mono_ms());
		lws_callback_on_writable(wsi);
		link_refresh_display(l);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE: return receive_fragment(l, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE: return write_next(l, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: log_peer_close(l, in, len); break;
	case LWS_CALLBACK_CLIENT_CLOSED: link_lost(l, "closed"); break;
	case LWS_CALLBACK_WSI_DESTROY:
		/* lws 4.1 drops a connection whose handshake timed out without
		 * CONNECTION_ERROR or CLIENT_CLOSED: without this, no redial. */
		if ((l->attempt_pending && wsi == l->attempt_wsi) ||
		    (l->established && wsi == l->wsi))
			link_lost(l, "connection dropped");
		break;
	default: break;
	}
	return 0;
}
