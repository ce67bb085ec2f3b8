/*
 * ws_session.c — the WebSocket session plumbing the roles share: close
 * now or later, the hello timer, receive assembly, writes with LWS_PRE
 * headroom, the message budget (contract in aggregator/ws_session.h).
 *
 * Relies on: libwebsockets 4.1, shared/log.h, the close codes of
 * shared/protocol.h. Knows no role's messages: a role calls in at its
 * callbacks and decides the rest.
 *
 * Promises: the texts of the close log lines and reasons are the ones
 * docs/protocol.md and the tests name; hc_ws_rx_add and the hc_ws_rate
 * calls are pure (no lws, no clock) and tested as tables.
 */
#include "aggregator/ws_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/limits.h"
#include "shared/log.h"
#include "shared/protocol.h"

/* ---- pure parts ---------------------------------------------------------- */

enum hc_ws_rx_verdict hc_ws_rx_add(struct hc_ws_rx *rx, const void *in, size_t len, bool last)
{
	if (rx->complete) {
		rx->len = 0;
		rx->complete = false;
	}
	if (len > rx->max_bytes - rx->len) {
		rx->len = 0;
		return HC_WS_RX_TOO_BIG;
	}
	if (len > 0)
		memcpy(rx->buf + rx->len, in, len);
	rx->len += len;
	if (!last)
		return HC_WS_RX_PARTIAL;
	rx->buf[rx->len] = '\0';
	rx->complete = true;
	return HC_WS_RX_COMPLETE;
}

void hc_ws_rate_init(struct hc_ws_rate *r, int64_t burst_max, int64_t per_s_max, int64_t now_ms)
{
	r->burst_max = burst_max;
	r->per_s_max = per_s_max;
	r->tokens_milli = burst_max * 1000;
	r->refilled_at_ms = now_ms;
}

bool hc_ws_rate_take(struct hc_ws_rate *r, int64_t now_ms)
{
	int64_t elapsed_ms = now_ms - r->refilled_at_ms;
	r->refilled_at_ms = now_ms;
	r->tokens_milli += elapsed_ms * r->per_s_max;
	if (r->tokens_milli > r->burst_max * 1000)
		r->tokens_milli = r->burst_max * 1000;
	if (r->tokens_milli < 1000)
		return false;
	r->tokens_milli -= 1000;
	return true;
}

void hc_ws_rate_give_back(struct hc_ws_rate *r)
{
	r->tokens_milli += 1000;
}

/* ---- the session ----------------------------------------------------------- */

void hc_ws_session_start(struct hc_ws_session *ws, struct lws *wsi, enum hc_ws_role role,
			 struct hc_ws_inbox *in, char *rx_buf, size_t rx_max_bytes)
{
	ws->wsi = wsi;
	ws->role = (uint8_t)role;
	ws->in = in;
	if (in == NULL)
		return;
	in->ws = ws;
	in->name[0] = '\0';
	in->rx.buf = rx_buf;
	in->rx.max_bytes = rx_buf != NULL ? rx_max_bytes : 0;
	in->rx.len = 0;
	in->rx.complete = false;
}

void hc_ws_session_set_name(struct hc_ws_session *ws, const char *name)
{
	if (ws->in != NULL)
		snprintf(ws->in->name, sizeof ws->in->name, "%s", name);
}

static const char *role_name(const struct hc_ws_session *ws)
{
	switch ((enum hc_ws_role)ws->role) {
	case HC_WS_TERMINAL: return "terminal";
	case HC_WS_SUPERVISOR: return "supervisor";
	case HC_WS_MAP: return "map";
	}
	return "?";
}

/* A session with an inbox is named in the log ("?" until it has a name). */
static void log_close(const struct hc_ws_session *ws, uint16_t code, const char *reason)
{
	if (ws->in != NULL)
		hc_warn("%s %s %s: closing %u: %s", role_name(ws),
			ws->in->name[0] ? ws->in->name : "?", ws->peer, code, reason);
	else
		hc_warn("%s %s: closing %u: %s", role_name(ws), ws->peer, code, reason);
}

int hc_ws_session_close_now(struct hc_ws_session *ws, uint16_t code, const char *reason)
{
	log_close(ws, code, reason);
	lws_close_reason(ws->wsi, (enum lws_close_status)code, (unsigned char *)reason,
			 strlen(reason));
	return -1;
}

void hc_ws_session_close_later(struct hc_ws_session *ws, uint16_t code, const char *reason)
{
	if (ws->close_pending)
		return;
	log_close(ws, code, reason);
	ws->close_pending = true;
	ws->close_code = code;
	size_t len = strlen(reason);
	if (len > HC_WS_CLOSE_REASON_LEN_MAX)
		len = HC_WS_CLOSE_REASON_LEN_MAX;
	ws->close_reason = malloc(len + 1);
	if (ws->close_reason != NULL) {
		memcpy(ws->close_reason, reason, len);
		ws->close_reason[len] = '\0';
	}
	lws_callback_on_writable(ws->wsi);
}

static void hello_timeout_due(lws_sorted_usec_list_t *sul)
{
	struct hc_ws_inbox *in = lws_container_of(sul, struct hc_ws_inbox, hello_sul);
	if (!in->hello_armed)
		return;
	in->hello_armed = false;
	char reason[64];
	snprintf(reason, sizeof reason, "no hello within %d s", (int)in->hello_timeout_s);
	hc_ws_session_close_later(in->ws, HC_CLOSE_HELLO_TIMEOUT, reason);
}

void hc_ws_session_start_hello_timer(struct hc_ws_session *ws, int32_t timeout_s)
{
	struct hc_ws_inbox *in = ws->in;
	in->hello_timeout_s = timeout_s;
	in->hello_armed = true;
	lws_sul_schedule(lws_get_context(ws->wsi), 0, &in->hello_sul, hello_timeout_due,
			 (lws_usec_t)timeout_s * LWS_USEC_PER_SEC);
}

void hc_ws_session_hello_done(struct hc_ws_session *ws)
{
	if (ws->in == NULL)
		return;
	ws->in->hello_armed = false;
	lws_sul_cancel(&ws->in->hello_sul);
}

int hc_ws_session_receive(struct hc_ws_session *ws, const void *in, size_t len, const char **msg,
			  size_t *msg_len)
{
	if (ws->close_pending || ws->in == NULL)
		return 0;
	struct hc_ws_rx *rx = &ws->in->rx;
	bool last = lws_is_final_fragment(ws->wsi) && lws_remaining_packet_payload(ws->wsi) == 0;
	switch (hc_ws_rx_add(rx, in, len, last)) {
	case HC_WS_RX_PARTIAL: return 0;
	case HC_WS_RX_COMPLETE:
		*msg = rx->buf;
		*msg_len = rx->len;
		return 1;
	case HC_WS_RX_TOO_BIG: break;
	}
	char reason[64];
	snprintf(reason, sizeof reason, "message over %zu bytes", rx->max_bytes);
	return hc_ws_session_close_now(ws, HC_CLOSE_TOO_BIG, reason);
}

int hc_ws_session_refuse_binary(struct hc_ws_session *ws)
{
	if (!lws_frame_is_binary(ws->wsi))
		return 0;
	return hc_ws_session_close_now(ws, HC_CLOSE_BAD_JSON, "binary frames are not accepted");
}

bool hc_ws_session_writeable_closes(struct hc_ws_session *ws, bool closing_all)
{
	if (ws->close_pending) {
		/* Out of memory at close_later: the code alone (it was logged
		 * with its reason then). */
		const char *reason = ws->close_reason != NULL ? ws->close_reason : "";
		lws_close_reason(ws->wsi, (enum lws_close_status)ws->close_code,
				 (unsigned char *)reason, strlen(reason));
		return true;
	}
	if (closing_all) {
		const char *reason = "aggregator shutting down";
		lws_close_reason(ws->wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)reason,
				 strlen(reason));
		return true;
	}
	return false;
}

int hc_ws_session_write_text(struct hc_ws_session *ws, unsigned char *buf, size_t len)
{
	int n = lws_write(ws->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
	return n < (int)len ? -1 : 0;
}

int hc_ws_session_write_copy(struct hc_ws_session *ws, const char *text, size_t len)
{
	unsigned char *buf = malloc(LWS_PRE + len);
	if (buf == NULL)
		return -1;
	memcpy(buf + LWS_PRE, text, len);
	int rc = hc_ws_session_write_text(ws, buf, len);
	free(buf);
	return rc;
}

int hc_ws_session_ping_now(struct hc_ws_session *ws, const char *payload, size_t len)
{
	unsigned char ping[LWS_PRE + 125];
	if (len > 125)
		return -1;
	if (len > 0)
		memcpy(ping + LWS_PRE, payload, len);
	return lws_write(ws->wsi, ping + LWS_PRE, len, LWS_WRITE_PING) < (int)len ? -1 : 0;
}

int hc_ws_session_write_ping(struct hc_ws_session *ws, const char *payload, size_t len)
{
	if (hc_ws_session_ping_now(ws, payload, len) < 0)
		return -1;
	lws_callback_on_writable(ws->wsi); /* whatever else waits */
	return 0;
}

void hc_ws_session_want_write(struct hc_ws_session *ws)
{
	lws_callback_on_writable(ws->wsi);
}

void hc_ws_session_end(struct hc_ws_session *ws)
{
	free(ws->close_reason);
	ws->close_reason = NULL;
	if (ws->in == NULL)
		return;
	ws->in->hello_armed = false;
	lws_sul_cancel(&ws->in->hello_sul);
}
