/*
 * net.c — the supervisor-role client connection (see net.h).
 *
 * Relies on libwebsockets 4.1 (client connect, writeable callbacks, sul
 * timers). Promises: at most one connection at a time; a frame is handed
 * up whole (fragments reassembled up to HC_NET_RX_BYTES_MAX, beyond which
 * the connection is dropped and made again); nothing blocks.
 */
#include "aggregator/dashboard/net.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "shared/limits.h"
#include "shared/tls_client.h"

struct hc_net {
	struct lws_context *ctx;
	struct lws *wsi;
	bool up;
	char host[128];
	int port;
	char path[128];
	bool tls;	   /* wss:// */
	char ca[PATH_MAX]; /* the venue CA (shared/tls_client.h) */
	struct hc_net_callbacks cb;
	void *arg;
	char *rx;
	size_t rx_len;
	size_t rx_cap;
	bool rx_overflow;
	char close_why[160]; /* the aggregator's close code and reason */
	char queue[HC_NET_QUEUE_MAX][HC_NET_FRAME_BYTES_MAX];
	size_t queue_len_bytes[HC_NET_QUEUE_MAX];
	unsigned queue_head;
	unsigned queue_len;
	unsigned retry_ms;
	lws_sorted_usec_list_t retry_sul;
	lws_sorted_usec_list_t tick_sul;
	struct lws_protocols protocols[2];
};

static void connect_now(struct hc_net *n);

static void retry_due(lws_sorted_usec_list_t *sul)
{
	struct hc_net *n = lws_container_of(sul, struct hc_net, retry_sul);
	connect_now(n);
}

static void tick_due(lws_sorted_usec_list_t *sul)
{
	struct hc_net *n = lws_container_of(sul, struct hc_net, tick_sul);
	lws_sul_schedule(n->ctx, 0, &n->tick_sul, tick_due, HC_NET_TICK_MS * LWS_US_PER_MS);
}

static void schedule_retry(struct hc_net *n)
{
	lws_sul_schedule(n->ctx, 0, &n->retry_sul, retry_due,
			 (lws_usec_t)n->retry_ms * LWS_US_PER_MS);
	n->retry_ms = n->retry_ms * 2 > HC_NET_RETRY_MS_MAX ? HC_NET_RETRY_MS_MAX : n->retry_ms * 2;
}

static void went_down(struct hc_net *n, const char *why)
{
	bool was = n->wsi != NULL;
	n->wsi = NULL;
	n->up = false;
	n->queue_len = 0;
	n->rx_len = 0;
	if (was)
		n->cb.on_down(n->arg, why);
	schedule_retry(n);
}

static void connect_now(struct hc_net *n)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = n->ctx;
	ci.address = n->host;
	ci.port = n->port;
	ci.path = n->path;
	ci.host = n->host;
	ci.origin = n->host;
	ci.protocol = HC_PROTO_SUPERVISOR;
	ci.ssl_connection = hc_tls_client_connect_flags(n->tls);
	ci.userdata = n;
	ci.pwsi = &n->wsi;
	if (lws_client_connect_via_info(&ci) == NULL) {
		n->wsi = NULL;
		n->cb.on_down(n->arg, "cannot start a connection");
		schedule_retry(n);
	}
}

static void on_rx(struct hc_net *n, struct lws *wsi, const void *in, size_t len)
{
	if (n->rx_overflow)
		return;
	if (n->rx_len + len + 1 > n->rx_cap) {
		size_t cap = n->rx_cap ? n->rx_cap : 65536;
		while (cap < n->rx_len + len + 1)
			cap *= 2;
		char *grown = cap <= HC_NET_RX_BYTES_MAX ? realloc(n->rx, cap) : NULL;
		if (grown == NULL) {
			n->rx_overflow = true;
			return;
		}
		n->rx = grown;
		n->rx_cap = cap;
	}
	memcpy(n->rx + n->rx_len, in, len);
	n->rx_len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
		return;
	n->rx[n->rx_len] = '\0';
	n->cb.on_frame(n->arg, n->rx, n->rx_len);
	n->rx_len = 0;
}

/* The lws callback of the supervisor connection. One piece (about 60
 * lines): one case per lws reason, each a few lines. */
static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	(void)user;
	struct hc_net *n = lws_context_user(lws_get_context(wsi));
	if (n == NULL || n->ctx == NULL)
		return 0; /* starting up or being destroyed */
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		char why[512], lws_why[160];
		snprintf(lws_why, sizeof lws_why, "%.*s", in ? (int)len : 0,
			 in ? (const char *)in : "");
		snprintf(why, sizeof why, "cannot connect: %.400s",
			 hc_tls_client_explain(lws_why, n->ca, (char[400]){ 0 }, 400));
		n->wsi = wsi; /* so went_down reports it */
		went_down(n, why);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		n->wsi = wsi;
		n->up = true;
		n->rx_overflow = false;
		n->close_why[0] = '\0';
		n->cb.on_up(n->arg);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_rx(n, wsi, in, len);
		if (n->rx_overflow)
			return -1;
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		if (n->queue_len == 0)
			return 0;
		unsigned char buf[LWS_PRE + HC_NET_FRAME_BYTES_MAX];
		size_t flen = n->queue_len_bytes[n->queue_head];
		memcpy(buf + LWS_PRE, n->queue[n->queue_head], flen);
		n->queue_head = (n->queue_head + 1) % HC_NET_QUEUE_MAX;
		n->queue_len--;
		if (lws_write(wsi, buf + LWS_PRE, flen, LWS_WRITE_TEXT) < (int)flen)
			return -1;
		if (n->queue_len > 0)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
		const unsigned char *p = in;
		snprintf(n->close_why, sizeof n->close_why, "closed by the aggregator: %d %.*s",
			 len >= 2 ? (p[0] << 8) | p[1] : 0, len > 2 ? (int)len - 2 : 0,
			 len > 2 ? (const char *)p + 2 : "");
		return 0;
	}
	case LWS_CALLBACK_CLIENT_CLOSED: {
		char why[sizeof n->close_why];
		snprintf(why, sizeof why, "%s",
			 n->close_why[0] ? n->close_why : "connection closed");
		n->close_why[0] = '\0';
		went_down(n, why);
		return 0;
	}
	default: return 0;
	}
}

bool hc_net_check_tls(const char *url, const char *ca_path, char *err, size_t err_len)
{
	bool tls = strncmp(url, "wss://", 6) == 0;
	if (tls && (ca_path == NULL || ca_path[0] == '\0')) {
		snprintf(err, err_len,
			 "--url %s needs --ca PATH, the venue CA's certificate (the ca.crt"
			 " headcount-aggregator make-ca wrote)",
			 url);
		return false;
	}
	if (ca_path == NULL || ca_path[0] == '\0')
		return true;
	if (!tls) {
		snprintf(err, err_len, "--ca is for a wss:// --url, not %s", url);
		return false;
	}
	return hc_tls_ca_load(ca_path, NULL, NULL, err, err_len);
}

struct hc_net *hc_net_new(const char *url, const char *ca_path, const struct hc_net_callbacks *cb,
			  void *arg, char *err, size_t err_len)
{
	struct hc_net *n = calloc(1, sizeof *n);
	if (n == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	char urlbuf[256];
	snprintf(urlbuf, sizeof urlbuf, "%s", url);
	const char *scheme, *host, *path;
	int port;
	if (lws_parse_uri(urlbuf, &scheme, &host, &port, &path) != 0 ||
	    (strcmp(scheme, "ws") != 0 && strcmp(scheme, "wss") != 0)) {
		snprintf(err, err_len, "--url must be ws://HOST:PORT or wss://HOST:PORT, not %s",
			 url);
		goto fail;
	}
	n->tls = strcmp(scheme, "wss") == 0;
	snprintf(n->ca, sizeof n->ca, "%s", ca_path != NULL ? ca_path : "");
	snprintf(n->host, sizeof n->host, "%s", host);
	snprintf(n->path, sizeof n->path, "/%s", path);
	n->port = port;
	n->cb = *cb;
	n->arg = arg;
	n->retry_ms = HC_RECONNECT_MS_MIN;
	n->protocols[0].name = HC_PROTO_SUPERVISOR;
	n->protocols[0].callback = callback;
	n->protocols[0].rx_buffer_size = 65536;
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = n->protocols;
	info.user = n;
	hc_tls_client_info(&info, n->ca);
	n->ctx = lws_create_context(&info);
	if (n->ctx == NULL) {
		snprintf(err, err_len, "cannot start libwebsockets");
		goto fail;
	}
	lws_sul_schedule(n->ctx, 0, &n->tick_sul, tick_due, HC_NET_TICK_MS * LWS_US_PER_MS);
	connect_now(n);
	return n;
fail:
	free(n);
	return NULL;
}

void hc_net_free(struct hc_net *n)
{
	if (n == NULL)
		return;
	if (n->ctx != NULL) {
		lws_sul_cancel(&n->retry_sul);
		lws_sul_cancel(&n->tick_sul);
		struct lws_context *ctx = n->ctx;
		n->ctx = NULL;
		lws_context_destroy(ctx);
	}
	free(n->rx);
	free(n);
}

bool hc_net_send(struct hc_net *n, const char *text, size_t len)
{
	if (!n->up || n->wsi == NULL || n->queue_len == HC_NET_QUEUE_MAX ||
	    len > HC_NET_FRAME_BYTES_MAX)
		return false;
	unsigned slot = (n->queue_head + n->queue_len) % HC_NET_QUEUE_MAX;
	memcpy(n->queue[slot], text, len);
	n->queue_len_bytes[slot] = len;
	n->queue_len++;
	lws_callback_on_writable(n->wsi);
	return true;
}

void hc_net_service(struct hc_net *n)
{
	lws_service(n->ctx, 0);
}

bool hc_net_up(const struct hc_net *n)
{
	return n->up;
}
