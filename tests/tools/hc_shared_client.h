/*
 * hc_shared_client.h — the lws client setup the test clients share
 * (hc_wsclient.c, hc_shared_roles.c): splitting the url, one client
 * context with one subprotocol, dialling, and a service loop that ends
 * by itself at a deadline.
 *
 * Relies on: libwebsockets 4.1 and shared/tls_client.h only, so
 * hc_shared_roles still links libhcshared.a alone (tests/lint/deps.rules
 * checks this file as part of the shared-only clients). Header-only:
 * every .c in tests/tools/ is a program of its own.
 *
 * Promises: hc_tool_run returns at the latest wait_ms after it starts,
 * even on a silent connection (an lws timer wakes lws_service).
 */
#ifndef HC_TESTS_TOOLS_SHARED_CLIENT_H
#define HC_TESTS_TOOLS_SHARED_CLIENT_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "shared/tls_client.h"

/* The parts of ws://host:port/path (or wss://); host points into buf. */
struct hc_tool_url {
	char buf[256];
	const char *scheme;
	const char *host;
	int port;
	char path[128]; /* with its leading '/' */
	bool tls;	/* wss:// */
};

/* Splits url into u; false when lws cannot parse it. */
static inline bool hc_tool_parse_url(const char *url, struct hc_tool_url *u)
{
	const char *path;
	snprintf(u->buf, sizeof u->buf, "%s", url);
	if (lws_parse_uri(u->buf, &u->scheme, &u->host, &u->port, &path) != 0)
		return false;
	snprintf(u->path, sizeof u->path, "/%s", path);
	u->tls = strcmp(u->scheme, "wss") == 0;
	return true;
}

/* Makes a client context whose one protocol proto is served by cb (lws
 * logs errors only; with ca, TLS verified against it) and dials u with
 * TLS when tls, from the local address iface when not NULL. The context,
 * or NULL: *dial_failed then says whether the context was made and the
 * dial refused at once (it is destroyed already). */
static inline struct lws_context *hc_tool_dial(const struct hc_tool_url *u, const char *proto,
					       lws_callback_function *cb, const char *ca, bool tls,
					       const char *iface, bool *dial_failed)
{
	static struct lws_protocols protocols[2];
	protocols[0].name = proto;
	protocols[0].callback = cb;
	protocols[0].rx_buffer_size = 65536;
	*dial_failed = false;

	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	hc_tls_client_info(&info, ca);
	struct lws_context *ctx = lws_create_context(&info);
	if (ctx == NULL)
		return NULL;

	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = ctx;
	ci.address = u->host;
	ci.port = u->port;
	ci.path = u->path;
	ci.host = u->host;
	ci.origin = u->host;
	ci.protocol = proto;
	ci.ssl_connection = hc_tls_client_connect_flags(tls);
	ci.iface = iface; /* lws binds the client socket to it */
	if (lws_client_connect_via_info(&ci) == NULL) {
		*dial_failed = true;
		lws_context_destroy(ctx);
		return NULL;
	}
	return ctx;
}

/* The close code and reason of a peer's close frame payload (in, len):
 * returns the code (0 when none), *reason and *reason_len the text. */
static inline int hc_tool_close_code(const void *in, size_t len, const char **reason,
				     int *reason_len)
{
	const unsigned char *p = in;
	*reason = len > 2 ? (const char *)p + 2 : "";
	*reason_len = len > 2 ? (int)len - 2 : 0;
	return len >= 2 ? (p[0] << 8) | p[1] : 0;
}

/* What the deadline timer ends (one run per program). */
static struct {
	struct lws_context *ctx;
	bool *done;
	lws_sorted_usec_list_t sul;
} hc_tool_deadline;

/* Ends the run: lws_service() may otherwise sleep until the next frame. */
static inline void hc_tool_deadline_due(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	*hc_tool_deadline.done = true;
	lws_cancel_service(hc_tool_deadline.ctx);
}

/* Services ctx until *done (set by the callback or by the deadline,
 * wait_ms from now) or until lws fails. */
static inline void hc_tool_run(struct lws_context *ctx, long wait_ms, bool *done)
{
	hc_tool_deadline.ctx = ctx;
	hc_tool_deadline.done = done;
	lws_sul_schedule(ctx, 0, &hc_tool_deadline.sul, hc_tool_deadline_due,
			 wait_ms * LWS_US_PER_MS);
	while (!*done)
		if (lws_service(ctx, 0) < 0)
			break;
}

#endif
