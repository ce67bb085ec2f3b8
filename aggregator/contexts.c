/*
 * contexts.c — creating the aggregator's lws contexts (contexts.h).
 *
 * Relies on libwebsockets 4.1, aggregator/event_loop.c (libev or poll),
 * aggregator/tls_setup.c (certificate and key on every context) and the
 * roles' callbacks. Promises: both contexts' creation info is filled in
 * one place (fill_context_info); no lws ping timer per connection (TCP
 * keepalive finds dead peers); the start-up log names the event loop.
 */
#include "aggregator/contexts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "aggregator/event_loop.h"
#include "aggregator/server_internal.h"
#include "aggregator/http_api.h"
#include "aggregator/map_role.h"
#include "aggregator/public_side.h"
#include "aggregator/supervisor_role.h"
#include "aggregator/terminal_role.h"
#include "aggregator/tls_setup.h"
#include "shared/log.h"

/* Creates the public context on a libev loop of its own when the loop
 * thread's context runs on libev, otherwise on lws's poll() loop. */
static struct lws_context *create_public_context(struct hc_server *s,
						 struct lws_context_creation_info *info)
{
	struct hc_event_loop *loop = s->ev_loop != NULL ? hc_event_loop_new() : NULL;
	if (loop != NULL) {
		struct lws_context *ctx = hc_event_loop_create_context(loop, info);
		if (ctx != NULL) {
			s->pub.ev_loop = loop;
			return ctx;
		}
		hc_event_loop_free(loop);
	}
	return lws_create_context(info);
}

/* Creates the context on libev when it loads and lws's libev plugin
 * accepts the loop, otherwise on lws's poll() loop. */
static struct lws_context *create_context(struct hc_server *s,
					  struct lws_context_creation_info *info)
{
	const char *wanted = getenv("HC_AGGREGATOR_LOOP");
	bool try_libev = wanted == NULL || strcmp(wanted, "poll") != 0;
	if (!try_libev)
		hc_info("event loop: HC_AGGREGATOR_LOOP=poll");
	struct hc_event_loop *loop = try_libev ? hc_event_loop_new() : NULL;
	if (loop != NULL) {
		struct lws_context *ctx = hc_event_loop_create_context(loop, info);
		if (ctx != NULL) {
			s->ev_loop = loop;
			s->loop_name = "libev (epoll)";
			return ctx;
		}
		hc_warn("event loop: libwebsockets could not use libev (is the"
			" libwebsockets-evlib-ev plugin installed?); using poll()");
		hc_event_loop_free(loop);
	}
	s->loop_name = "poll";
	return lws_create_context(info);
}

/* lws's own log lines go through ours, without their trailing newline. */
static void lws_log_to_hc(int level, const char *line)
{
	size_t len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	enum hc_log_level l = level & LLL_ERR	 ? HC_LOG_ERROR
			      : level & LLL_WARN ? HC_LOG_WARN
						 : HC_LOG_DEBUG;
	hc_log(l, "lws: %.*s", (int)len, line);
}

/* Lets the process hold one descriptor per connection: raises the soft
 * RLIMIT_NOFILE to the hard limit. Returns the limit in effect. */
static unsigned int raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		hc_warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return 0;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			hc_warn("setrlimit(RLIMIT_NOFILE, %llu): %s", (unsigned long long)want,
				strerror(errno));
			getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	/* lws sizes a lookup table by this; a million is plenty. */
	rlim_t limit = rl.rlim_cur;
	if (limit == RLIM_INFINITY || limit > 1048576)
		limit = 1048576;
	return (unsigned int)limit;
}

static void setup_protocols(struct hc_server *s)
{
	memset(s->protocols, 0, sizeof s->protocols);
	s->protocols[HC_PROTOCOL_HTTP] = (struct lws_protocols){
		.name = "http",
		.callback = hc_http_callback,
		.per_session_data_size = sizeof(struct hc_http_session),
	};
	s->protocols[HC_PROTOCOL_TERMINAL] = (struct lws_protocols){
		.name = HC_PROTO_TERMINAL,
		.callback = hc_terminal_callback,
		.per_session_data_size = sizeof(struct hc_terminal_session),
		.rx_buffer_size = HC_TERMINAL_FRAME_BYTES_MAX,
	};
	/* Version 1 terminals keep working: the same role, whose batches
	 * never carry undo fields. */
	s->protocols[HC_PROTOCOL_TERMINAL_V1] = s->protocols[HC_PROTOCOL_TERMINAL];
	s->protocols[HC_PROTOCOL_TERMINAL_V1].name = HC_PROTO_TERMINAL_V1;
	/* Older terminals reach the role to be told why they are refused. */
	s->protocols[HC_PROTOCOL_TERMINAL_V2] = s->protocols[HC_PROTOCOL_TERMINAL];
	s->protocols[HC_PROTOCOL_TERMINAL_V2].name = HC_PROTO_TERMINAL_V2;
	s->protocols[HC_PROTOCOL_MAP] = (struct lws_protocols){
		.name = HC_PROTO_MAP,
		.callback = hc_map_callback,
		.per_session_data_size = sizeof(struct hc_map_session),
		.rx_buffer_size = HC_MAP_RX_BYTES,
		.tx_packet_size = HC_MAP_TX_PACKET_BYTES,
		.user = &s->pub,
	};
	s->protocols[HC_PROTOCOL_SUPERVISOR] = (struct lws_protocols){
		.name = HC_PROTO_SUPERVISOR,
		.callback = hc_supervisor_callback,
		.per_session_data_size = sizeof(struct hc_supervisor_session),
		.rx_buffer_size = HC_SUPERVISOR_FRAME_BYTES_MAX,
		.tx_packet_size = HC_MAP_TX_PACKET_BYTES,
	};
	/* The same role, one update frame per push tick (shared/wire_map.h). */
	s->protocols[HC_PROTOCOL_MAP_V2] = s->protocols[HC_PROTOCOL_MAP];
	s->protocols[HC_PROTOCOL_MAP_V2].name = HC_PROTO_MAP_V2;
	/* protocols[HC_PROTOCOL_COUNT] stays zero: the terminator. */
}

/* With a staff listener: the public context serves HTTP (relayed) and
 * map clients, and closes terminals and supervisors with 4012; the main
 * context (staff port) closes map clients with 4012. */
static void setup_public_protocols(struct hc_server *s)
{
	s->wrong_terminal.reason = "terminals connect to the staff listener (staff_listen)";
	s->wrong_supervisor.reason = "supervisors connect to the staff listener (staff_listen)";
	s->wrong_map.reason = "map clients connect to the public port, not staff_listen";
	memcpy(s->public_protocols, s->protocols, sizeof s->protocols);
	struct lws_protocols *pp = s->public_protocols;
	pp[HC_PROTOCOL_HTTP].callback = hc_public_http_callback;
	for (int k = HC_PROTOCOL_TERMINAL; k < HC_PROTOCOL_COUNT; k++) {
		if (k == HC_PROTOCOL_MAP || k == HC_PROTOCOL_MAP_V2)
			continue;
		pp[k].callback = hc_wrong_listener_callback;
		pp[k].per_session_data_size = 0;
		pp[k].user = k == HC_PROTOCOL_SUPERVISOR ? &s->wrong_supervisor
							 : &s->wrong_terminal;
	}
	for (int k = HC_PROTOCOL_MAP; k <= HC_PROTOCOL_MAP_V2;
	     k += HC_PROTOCOL_MAP_V2 - HC_PROTOCOL_MAP) {
		s->protocols[k].callback = hc_wrong_listener_callback;
		s->protocols[k].per_session_data_size = 0;
		s->protocols[k].user = &s->wrong_map;
	}
}

/* Fills the creation info of a context listening on host:port: the one
 * place both contexts' info is built (what one needs, both get). */
static void fill_context_info(struct hc_server *s, struct lws_context_creation_info *info,
			      const char *host, uint16_t port, const char *vhost_name,
			      const struct lws_protocols *protocols, void *user)
{
	memset(info, 0, sizeof *info);
	info->port = port;
	info->iface = host;
	/* lws 4.1 with IPv6 binds an IPv4 literal as the wildcard address;
	 * an IPv4 socket binds exactly the address asked for. */
	if (strchr(host, ':') == NULL)
		info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info->protocols = protocols;
	info->user = user;
	info->retry_and_idle_policy = &s->idle_policy;
	info->ka_time = HC_SERVER_PING_AFTER_S;
	info->ka_probes = HC_SERVER_KEEPALIVE_PROBES;
	info->ka_interval = (HC_SERVER_HANGUP_AFTER_S - HC_SERVER_PING_AFTER_S) /
			    HC_SERVER_KEEPALIVE_PROBES;
	info->fd_limit_per_thread = s->fd_limit;
	/* Limits (docs/aggregator.md, *Limits*): the whole request within
	 * the handshake timeout (lws's timer runs from accept and is not
	 * renewed per byte), its headers within HC_HTTP_HEADER_BYTES_MAX,
	 * kept-alive HTTP connections idle at most HC_HTTP_IDLE_TIMEOUT_S. */
	info->timeout_secs = HC_HANDSHAKE_TIMEOUT_S;
	info->timeout_secs_ah_idle = HC_HANDSHAKE_TIMEOUT_S;
	info->max_http_header_data = HC_HTTP_HEADER_BYTES_MAX;
	info->keepalive_timeout = HC_HTTP_IDLE_TIMEOUT_S;
	info->options |= LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	info->vhost_name = vhost_name;
	hc_tls_server_apply(s->base_cfg, info);
}


/* One piece because it is one decision (one listener, or staff and
 * public) whose two branches build the same things in the same order. */
bool hc_server_contexts_create(struct hc_server *s, bool verbose)
{
	const struct hc_venue_cfg *cfg = s->base_cfg;
	struct lws_context_creation_info info;
	lws_set_log_level(verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR | LLL_WARN,
			  lws_log_to_hc);
	setup_protocols(s);
	/* Dead peers are found by TCP keepalive (kernel timers: probe after
	 * HC_SERVER_PING_AFTER_S of silence, drop by HC_SERVER_HANGUP_AFTER_S).
	 * lws's own ping policy is off (a zero hang-up time): it would keep one
	 * timer per connection in lws 4.1's sorted timer list, and inserting
	 * it walks the list (27 % of the aggregator's CPU during a storm of
	 * 10,000 map clients even at a 30 s ping). */
	s->idle_policy = (lws_retry_bo_t){
		.secs_since_valid_ping = 0,
		.secs_since_valid_hangup = 0,
	};
	s->fd_limit = raise_fd_limit();
	/* TLS (aggregator/tls_setup.c): the files are checked once, here;
	 * every context below gets the same certificate and key. */
	if (!hc_tls_server_check(cfg))
		return false;
	bool staff = cfg->staff_listen_port != 0;
	if (staff) {
		/* Two contexts: staff (this thread) and public (its own). */
		snprintf(s->staff_listen_host, sizeof s->staff_listen_host, "%s",
			 cfg->staff_listen_host);
		s->staff_listen_port = cfg->staff_listen_port;
		setup_public_protocols(s);
		fill_context_info(s, &info, s->staff_listen_host, s->staff_listen_port,
				  "headcount-staff", s->protocols, s);
		s->context = create_context(s, &info);
		if (s->context == NULL) {
			hc_error("server: cannot listen on %s:%u for terminals and supervisors"
				 " (staff_listen; is the port in use?)",
				 s->staff_listen_host, s->staff_listen_port);
			return false;
		}
		s->staff_vhost = lws_get_vhost_by_name(s->context, "headcount-staff");
		fill_context_info(s, &info, s->listen_host, s->listen_port, "headcount",
				  s->public_protocols, &s->pub);
		s->pub.context = create_public_context(s, &info);
		if (s->pub.context == NULL) {
			hc_error("server: cannot listen on %s:%u (lws_create_context failed;"
				 " is the port in use?)",
				 s->listen_host, s->listen_port);
			return false;
		}
		s->public_vhost = lws_get_vhost_by_name(s->pub.context, "headcount");
		s->pub.threaded = true;
		s->pub.wake_per_turn = UINT32_MAX;
	} else {
		fill_context_info(s, &info, s->listen_host, s->listen_port, "headcount",
				  s->protocols, s);
		s->context = create_context(s, &info);
		if (s->context == NULL) {
			hc_error("server: cannot listen on %s:%u (lws_create_context failed;"
				 " is the port in use?)",
				 s->listen_host, s->listen_port);
			return false;
		}
		s->public_vhost = lws_get_vhost_by_name(s->context, "headcount");
		s->pub.context = s->context;
		s->pub.wake_per_turn = HC_MAP_WAKE_PER_TURN;
	}
	s->pub.main_context = s->context;
	hc_info("event loop: %s", s->loop_name);
	return true;
}
