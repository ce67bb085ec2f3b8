/*
 * bench_loop.c — the benchmark's one libwebsockets client context and the
 * loop that drives every connection.
 *
 * Relies on: libwebsockets 4.1 (one service thread; a short periodic
 * tick bounds each wait so the loop can check its deadline).
 *
 * Two loops, chosen with --loop:
 *   - "libev" (the default when it loads): lws's libev event-lib plugin on
 *     a libev loop of ours with the epoll backend. One turn costs in
 *     proportion to the sockets that are ready, not to all sockets open.
 *     The backend is the aggregator's own (aggregator/event_loop.c):
 *     libev is opened at run time (dlopen), as lws itself opens its
 *     plugin, so the program needs no link dependency on it.
 *   - "poll": lws's own poll() loop. Every turn scans every descriptor, so
 *     with 10,000 map clients the client itself spends most of its time in
 *     poll() and slows what it measures; kept for comparison.
 *
 * Promises: one thread, no listener, no thread per connection; the
 * context can hold as many descriptors as RLIMIT_NOFILE allows
 * (fd_limit_per_thread), so 10,000 map clients fit; every run of the loop
 * ends at its deadline or on SIGINT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/event_loop.h"
#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"
#include "shared/tls_client.h"
#include "tests/bench/bench.h"

/* The tick that bounds each wait of lws_service(). */
#define BENCH_TICK_US 5000

struct bench *bench_global;

/* The libev loop the context runs on, or NULL (poll). */
static struct hc_event_loop *bench_ev_loop;

int bench_service(struct bench *b)
{
	return hc_event_loop_service(bench_ev_loop, b->context);
}

static void tick_due(lws_sorted_usec_list_t *sul)
{
	struct bench *b = lws_container_of(sul, struct bench, tick_sul);
	lws_sul_schedule(b->context, 0, &b->tick_sul, tick_due, BENCH_TICK_US);
}

/* lws's own warnings and errors go through our log. */
static void lws_log_to_hc(int level, const char *line)
{
	size_t len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	hc_log(level & LLL_ERR ? HC_LOG_ERROR : HC_LOG_WARN, "lws: %.*s", (int)len, line);
}

bool bench_loop_init(struct bench *b, unsigned int fd_limit, bool use_libev)
{
	memset(b->protocols, 0, sizeof b->protocols);
	b->protocols[BENCH_PROTO_MAP] = (struct lws_protocols){
		.name = HC_PROTO_MAP,
		.callback = bench_map_callback,
		.rx_buffer_size = 4096,
	};
	b->protocols[BENCH_PROTO_TERMINAL] = (struct lws_protocols){
		.name = HC_PROTO_TERMINAL,
		.callback = bench_terminal_callback,
		.rx_buffer_size = 4096,
	};
	b->protocols[BENCH_PROTO_HTTP] = (struct lws_protocols){
		.name = "bench-http",
		.callback = bench_http_callback,
	};
	lws_set_log_level(LLL_ERR, lws_log_to_hc);

	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = b->protocols;
	info.fd_limit_per_thread = fd_limit;
	info.user = b;
	hc_tls_client_info(&info, b->ca);
	bench_ev_loop = use_libev ? hc_event_loop_new() : NULL;
	if (use_libev && bench_ev_loop == NULL)
		hc_warn("bench: no libev epoll loop here; using poll()");
	if (bench_ev_loop != NULL) {
		b->context = hc_event_loop_create_context(bench_ev_loop, &info);
		if (b->context == NULL) {
			hc_warn("bench: libwebsockets could not use libev; using poll()");
			hc_event_loop_free(bench_ev_loop);
			bench_ev_loop = NULL;
		}
	}
	b->uses_libev = bench_ev_loop != NULL;
	if (b->context == NULL)
		b->context = lws_create_context(&info);
	if (b->context == NULL) {
		hc_error("bench: lws_create_context failed");
		return false;
	}
	bench_global = b;
	lws_sul_schedule(b->context, 0, &b->tick_sul, tick_due, BENCH_TICK_US);
	return true;
}

void bench_loop_destroy(struct bench *b)
{
	if (b->context == NULL)
		return;
	lws_sul_cancel(&b->tick_sul);
	lws_context_destroy(b->context);
	b->context = NULL;
	/* lws releases its watchers on our loop, then it goes. */
	hc_event_loop_free(bench_ev_loop);
	bench_ev_loop = NULL;
}

bool bench_loop_run(struct bench *b, bool (*done)(void *arg), void *arg, int64_t deadline_us)
{
	while (!b->interrupted) {
		if (done != NULL && done(arg))
			return true;
		if (hc_mono_us() >= deadline_us)
			return false;
		if (bench_service(b) < 0) {
			hc_error("bench: lws_service failed");
			return false;
		}
	}
	return false;
}

void bench_loop_idle(struct bench *b, int64_t duration_us)
{
	bench_loop_run(b, NULL, NULL, hc_mono_us() + duration_us);
}

struct lws *bench_connect(struct bench *b, enum bench_proto proto, const char *path, void *user)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = b->context;
	ci.address = b->host;
	ci.port = proto == BENCH_PROTO_TERMINAL && b->staff_port > 0 ? b->staff_port : b->port;
	/* Map clients from many source addresses (the flood): lws binds
	 * the socket to ci.iface before connecting. */
	static char map_iface[256][16];
	if (proto == BENCH_PROTO_MAP && b->map_addresses > 0) {
		uint32_t k = b->map_address_next++ % b->map_addresses % 250;
		snprintf(map_iface[k], sizeof map_iface[k], "127.0.0.%u", 2 + k);
		ci.iface = map_iface[k];
	}
	ci.path = path;
	ci.host = b->host;
	ci.origin = b->host;
	ci.ietf_version_or_minus_one = -1;
	ci.userdata = user;
	ci.ssl_connection = hc_tls_client_connect_flags(b->ca != NULL);
	ci.local_protocol_name = b->protocols[proto].name;
	/* No lws ping timer per connection: lws 4.1 keeps timers in one
	 * sorted list, and inserting 10,000 of them made this client, not
	 * the aggregator, the bound of the storm. Runs are short. */
	static const lws_retry_bo_t no_pings = { .secs_since_valid_hangup = 0 };
	ci.retry_and_idle_policy = &no_pings;
	if (proto == BENCH_PROTO_HTTP)
		ci.method = "GET";
	else
		ci.protocol = b->protocols[proto].name;
	return lws_client_connect_via_info(&ci);
}

bool bench_write_text(struct lws *wsi, const char *text, size_t len)
{
	unsigned char buf[LWS_PRE + 512];
	if (len > sizeof buf - LWS_PRE) {
		hc_error("bench: frame of %zu bytes is too long to send", len);
		return false;
	}
	memcpy(buf + LWS_PRE, text, len);
	return lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) == (int)len;
}

bool bench_rx_feed(struct bench_rx *rx, struct lws *wsi, const void *in, size_t len, size_t cap_max,
		   const char **out, size_t *out_len)
{
	bool final = lws_is_final_fragment(wsi);
	if (final && rx->len == 0 && !rx->overflow) {
		/* The common case: the whole message in one piece. */
		*out = in;
		*out_len = len;
		return true;
	}
	if (!rx->overflow) {
		if (rx->len + len > cap_max) {
			rx->overflow = true;
		} else {
			char *grown = realloc(rx->buf, rx->len + len + 1);
			if (grown == NULL) {
				rx->overflow = true;
			} else {
				rx->buf = grown;
				memcpy(rx->buf + rx->len, in, len);
				rx->len += len;
			}
		}
	}
	if (!final)
		return false;
	bool whole = !rx->overflow;
	if (!whole)
		hc_warn("bench: dropped a message over %zu bytes", cap_max);
	*out = rx->buf;
	*out_len = rx->len;
	rx->len = 0;
	rx->overflow = false;
	return whole;
}

void bench_rx_free(struct bench_rx *rx)
{
	free(rx->buf);
	memset(rx, 0, sizeof *rx);
}
