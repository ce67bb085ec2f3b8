/*
 * server.c — the aggregator's event loop: context, commit pipeline, acks,
 * graceful shutdown.
 *
 * Relies on: libwebsockets 4.1 (one service thread), the committer (a
 * worker thread that commits and wakes the loop with lws_cancel_service),
 * the ledger core, and the role files listed in server_internal.h.
 *
 * Promises:
 *   - the loop never waits for the disk: commits run on the committer's
 *     thread, one job at a time; batches staged while a job is in flight
 *     go into the next job (group commit);
 *   - an ack leaves only after the commit holding its batch returned ok
 *     (DESIGN.md invariant 2), on the terminal's current connection;
 *   - area states are recomputed and pushed in the same loop turn as the
 *     commit result (invariant 4);
 *   - a failed commit acknowledges nothing, is logged and shown by
 *     /healthz, and the next commit (of whatever terminals resend) clears
 *     it by itself (invariant 7).
 */
#include "aggregator/server_internal.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "shared/clock.h"
#include "shared/log.h"

struct hc_server *hc_server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

void hc_server_peer_address(struct lws *wsi, char *out, size_t cap)
{
	char peer[64];
	if (lws_get_peer_simple(wsi, peer, sizeof peer) == NULL) {
		snprintf(out, cap, "?");
		return;
	}
	const char *mapped = "::ffff:";
	bool v4_in_v6 = strncmp(peer, mapped, strlen(mapped)) == 0 &&
			strchr(peer + strlen(mapped), '.') != NULL;
	snprintf(out, cap, "%s", v4_in_v6 ? peer + strlen(mapped) : peer);
}

/* ---- commit pipeline -------------------------------------------------- */

/* Runs on the committer thread: wakes the loop, which then sees
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED and collects the result. */
static void wake_loop(void *arg)
{
	struct hc_server *s = arg;
	lws_cancel_service(s->context);
}

static void commit_retry_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, commit_retry_sul);
	hc_server_kick_commit(s);
}

void hc_server_kick_commit(struct hc_server *s)
{
	if (hc_committer_busy(s->committer) || hc_ledger_job_open(s->ledger))
		return;
	if (hc_ledger_staged_count(s->ledger) == 0)
		return;
	int64_t now_ms = hc_mono_ms();
	if (now_ms < s->commit_retry_at_mono_ms) {
		lws_sul_schedule(s->context, 0, &s->commit_retry_sul, commit_retry_due,
				 (s->commit_retry_at_mono_ms - now_ms) * LWS_US_PER_MS);
		return;
	}
	size_t n = hc_ledger_take_staged(s->ledger, s->job_rows, HC_COMMIT_BATCHES_MAX);
	if (n == 0)
		return;
	bool submitted = hc_committer_submit(s->committer, s->job_rows, n);
	/* The committer is idle whenever the ledger has no open job. */
	assert(submitted);
	(void)submitted;
}

/* Logs a failed commit: the first of a run at once, then one summary
 * line every 100 failures, so a full disk does not flood the log. */
static void note_commit_failure(struct hc_server *s, const struct hc_commit_result *r)
{
	s->commit_failures++;
	s->storage_failing = true;
	snprintf(s->storage_error, sizeof s->storage_error, "%s", r->error);
	s->storage_error_at_wall_ms = hc_wall_ms();
	s->commit_retry_at_mono_ms = hc_mono_ms() + HC_COMMIT_RETRY_MS;
	if (s->commit_failures == 1 || s->commit_failures % 100 == 0)
		hc_error("storage: commit of %zu batches failed (%" PRId64
			 " failures in a row), nothing acknowledged: %s",
			 r->n, s->commit_failures, r->error);
}

static void note_commit_success(struct hc_server *s, const struct hc_commit_result *r)
{
	if (s->storage_failing)
		hc_info("storage: commits succeed again after %" PRId64 " failures",
			s->commit_failures);
	s->storage_failing = false;
	s->commit_failures = 0;
	hc_debug("commit: %zu batches in %" PRId64 " us", r->n, r->commit_us);
}

void hc_server_collect_commit(struct hc_server *s)
{
	struct hc_commit_result r;
	if (!hc_committer_take_result(s->committer, &r))
		return;
	hc_ledger_commit_done(s->ledger, r.ok, r.inserted);
	if (r.ok)
		note_commit_success(s, &r);
	else
		note_commit_failure(s, &r);

	for (size_t i = 0; i < r.n; i++) {
		const struct hc_ledger_row *row = &r.rows[i];
		hc_terminal_route_ack(s, row, r.ok, r.ok && !r.inserted[i]);
		if (r.ok && r.inserted[i])
			s->area_touched[row->area_index] = true;
	}
	if (r.ok)
		hc_venue_state_refresh(s);
	hc_server_kick_commit(s);
}

/* ---- context ---------------------------------------------------------- */

/* lws's own log lines go through ours, without their trailing newline. */
static void lws_log_to_hc(int level, const char *line)
{
	size_t len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	enum hc_log_level l = level & LLL_ERR ? HC_LOG_ERROR :
			      level & LLL_WARN ? HC_LOG_WARN : HC_LOG_DEBUG;
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
			hc_warn("setrlimit(RLIMIT_NOFILE, %llu): %s",
				(unsigned long long)want, strerror(errno));
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
	s->protocols[HC_PROTOCOL_MAP] = (struct lws_protocols){
		.name = HC_PROTO_MAP,
		.callback = hc_map_callback,
		.per_session_data_size = sizeof(struct hc_map_session),
		.rx_buffer_size = HC_MAP_RX_BYTES,
		.tx_packet_size = HC_MAP_TX_PACKET_BYTES,
	};
	/* protocols[HC_PROTOCOL_COUNT] stays zero: the terminator. */
}

struct hc_server *hc_server_new(const struct hc_venue_cfg *cfg,
				struct hc_ledger *ledger, struct hc_store *store,
				const struct hc_server_options *opt)
{
	struct hc_server *s = calloc(1, sizeof *s);
	if (s == NULL) {
		hc_error("server: out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->ledger = ledger;
	s->started_mono_ms = hc_mono_ms();
	snprintf(s->listen_host, sizeof s->listen_host, "%s", opt->listen_host);
	s->listen_port = opt->listen_port;
	size_t areas = cfg->area_count ? (size_t)cfg->area_count : 1;
	size_t terminals = cfg->terminal_count ? (size_t)cfg->terminal_count : 1;
	s->terminals = calloc(terminals, sizeof *s->terminals);
	s->area_touched = calloc(areas, sizeof *s->area_touched);
	s->area_changed = calloc(areas, sizeof *s->area_changed);
	s->job_rows = calloc(HC_COMMIT_BATCHES_MAX, sizeof *s->job_rows);
	if (!s->terminals || !s->area_touched || !s->area_changed || !s->job_rows) {
		hc_error("server: out of memory for %d terminals", cfg->terminal_count);
		goto fail;
	}

	lws_set_log_level(opt->verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE
				       : LLL_ERR | LLL_WARN, lws_log_to_hc);
	setup_protocols(s);
	s->idle_policy = (lws_retry_bo_t){
		.secs_since_valid_ping = HC_PING_AFTER_S,
		.secs_since_valid_hangup = HC_HANGUP_AFTER_S,
	};
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = opt->listen_port;
	info.iface = s->listen_host;
	info.protocols = s->protocols;
	info.user = s;
	info.retry_and_idle_policy = &s->idle_policy;
	info.fd_limit_per_thread = raise_fd_limit();
	info.options = LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	info.vhost_name = "headcount";
	s->context = lws_create_context(&info);
	if (s->context == NULL) {
		hc_error("server: cannot listen on %s:%u (lws_create_context failed;"
			 " is the port in use?)", s->listen_host, s->listen_port);
		goto fail;
	}
	if (!hc_venue_state_init(s))
		goto fail;
	/* From here the store belongs to the committer's thread. */
	s->committer = hc_committer_start(store, wake_loop, s);
	if (s->committer == NULL)
		goto fail;
	s->store = store;
	return s;
fail:
	s->ledger = NULL;
	hc_server_free(s);
	return NULL;
}

void hc_server_request_stop(struct hc_server *s)
{
	s->stop_requested = 1;
	if (s->context != NULL)
		lws_cancel_service(s->context);
}

/* ---- shutdown --------------------------------------------------------- */

/* Services the loop until done(s) or limit_ms passed. */
static void service_until(struct hc_server *s, bool (*done)(const struct hc_server *),
			  int64_t limit_ms)
{
	int64_t end_ms = hc_mono_ms() + limit_ms;
	while (!done(s) && hc_mono_ms() < end_ms) {
		/* Waking ourselves every 50 ms bounds each wait. */
		lws_sul_schedule(s->context, 0, &s->commit_retry_sul, commit_retry_due,
				 50 * LWS_US_PER_MS);
		if (lws_service(s->context, 0) < 0)
			break;
	}
}

static bool commits_finished(const struct hc_server *s)
{
	return !hc_ledger_job_open(s->ledger) && hc_ledger_staged_count(s->ledger) == 0;
}

static bool acks_flushed(const struct hc_server *s)
{
	return s->acks_queued == 0;
}

static bool sessions_closed(const struct hc_server *s)
{
	return s->terminal_sessions == 0 && s->map_sessions == 0;
}

int hc_server_run(struct hc_server *s)
{
	hc_info("listening on http://%s:%u", s->listen_host, s->listen_port);
	while (!s->stop_requested) {
		if (lws_service(s->context, 0) < 0) {
			hc_error("server: lws_service failed; stopping");
			break;
		}
	}

	hc_info("stopping: refusing new connections, finishing the commit in flight");
	s->stopping = true;
	s->commit_retry_at_mono_ms = 0;
	hc_server_kick_commit(s);
	service_until(s, commits_finished, HC_SHUTDOWN_COMMIT_MS);
	if (!commits_finished(s))
		hc_error("stopping: commit did not finish within %d ms; its batches stay"
			 " unacknowledged and will be resent", HC_SHUTDOWN_COMMIT_MS);
	service_until(s, acks_flushed, HC_SHUTDOWN_FLUSH_MS);

	s->closing_all = true;
	lws_callback_on_writable_all_protocol(s->context, &s->protocols[HC_PROTOCOL_TERMINAL]);
	lws_callback_on_writable_all_protocol(s->context, &s->protocols[HC_PROTOCOL_MAP]);
	service_until(s, sessions_closed, HC_SHUTDOWN_FLUSH_MS);
	hc_info("stopped: %" PRId64 " ledger rows", hc_ledger_row_count(s->ledger));
	return 0;
}

void hc_server_free(struct hc_server *s)
{
	if (s == NULL)
		return;
	if (s->context != NULL) {
		lws_sul_cancel(&s->congestion_sul);
		lws_sul_cancel(&s->commit_retry_sul);
		lws_context_destroy(s->context);
	}
	if (s->committer != NULL) {
		hc_committer_stop(s->committer);
		hc_store_close(s->store);
	}
	hc_venue_state_free(s);
	hc_ledger_free(s->ledger);
	free(s->terminals);
	free(s->area_touched);
	free(s->area_changed);
	free(s->job_rows);
	free(s);
}
