/*
 * server.c — the aggregator's server: its creation in named steps
 * (hc_server_new), its loop (hc_server_run), graceful shutdown, its
 * timers (the pings of terminals and supervisors, the libev ticks) and
 * hc_server_free, whose order is the ownership: threads stopped and
 * joined, then contexts destroyed, then state freed.
 *
 * Around it, one concept a file: pipeline.c (the commit/ack pipeline,
 * pure) with its edge server_commit.c; event_loop.c (libev or poll);
 * contexts.c (the lws contexts and protocol tables); server_conn.c (a
 * connection's server, peer, listener and limits); server_reload.c
 * (saved settings, reload, connection budgets); random.c (ctr_drbg).
 * server.c is the one file that sees every role: it sets the hooks
 * (struct hc_server_hooks, the pipeline's hooks) through which the files
 * below call up, so no two files include each other.
 *
 * Relies on: libwebsockets 4.1 (one service thread), the committer (a
 * worker thread that commits and wakes the loop with lws_cancel_service).
 *
 * Promises:
 *   - the loop never waits for the disk: commits run on the committer's
 *     thread, one job at a time; batches staged while a job is in flight
 *     go into the next job (group commit);
 *   - an ack leaves only after the commit holding its batch returned ok
 *     (docs/design.md invariant 2), on the terminal's current
 *     connection (pipeline.h);
 *   - area states are recomputed and pushed in the same loop turn as the
 *     commit result (invariant 4);
 *   - no lws ping timer per connection (lws 4.1 keeps timers in one
 *     sorted list): TCP keepalive cleans up vanished peers, and one timer
 *     pings every terminal and supervisor connection each HC_PING_AFTER_S;
 *   - with staff_listen the public listener is a second context on a
 *     thread of its own (public_side.h), fed area states through a
 *     bounded latest-state hand-off; the ledger stays single-writer on
 *     the loop thread;
 *   - SIGHUP only sets a flag and wakes the loop (lws_cancel_service);
 *     the reload (server_reload.c) runs in the loop's own turn;
 *   - a stop finishes the commit in flight, flushes the acks and closes
 *     every session within bounded times (HC_SHUTDOWN_*_MS).
 */
#include "aggregator/server.h"

#include "aggregator/mqtt_bridge.h"
#include "aggregator/server_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/contexts.h"
#include "aggregator/http_api.h"
#include "aggregator/map_role.h"
#include "aggregator/public_side.h"
#include "aggregator/event_loop.h"
#include "aggregator/history.h"
#include "aggregator/random.h"
#include "aggregator/server_commit.h"
#include "aggregator/server_reload.h"
#include "aggregator/supervisor_commands.h"
#include "aggregator/supervisor_role.h"
#include "aggregator/terminal_auth.h"
#include "aggregator/terminal_batches.h"
#include "aggregator/terminal_role.h"
#include "aggregator/venue_refresh.h"
#include "aggregator/venue_samples.h"
#include "aggregator/venue_settings.h"
#include "shared/clock.h"
#include "shared/log.h"
#include "shared/wire_map.h"

/* ---- commit pipeline: the edge (aggregator/pipeline.c decides) --------- */

/* The pipeline's hooks (pipeline.h): the committer thread, the terminal
 * and supervisor roles, the venue state. */
static bool pipe_submit(void *arg, const struct hc_ledger_row *rows, size_t n,
			const struct hc_store_record *records, size_t n_records)
{
	struct hc_server *s = arg;
	return hc_committer_submit_job(s->committer, rows, n, records, n_records);
}

static void pipe_ack(void *arg, const struct hc_ledger_row *row, bool ok, bool duplicate)
{
	hc_terminal_route_ack(arg, row, ok, duplicate);
}

static void pipe_answer(void *arg, struct hc_pending_command *p)
{
	if (p->session == NULL)
		return;
	p->session->commands_waiting--;
	hc_supervisor_answer(arg, p->session, p->request, true, NULL);
}

static void pipe_terminal_changed(void *arg, uint32_t slot)
{
	struct hc_server *s = arg;
	if (slot < HC_SOURCE_SLOTS_MAX && s->terminals[slot].session != NULL)
		hc_venue_state_terminal_changed(s, slot);
}

static void pipe_refresh(void *arg)
{
	hc_venue_state_refresh(arg);
}

static bool pipeline_start(struct hc_server *s)
{
	const struct hc_pipeline_hooks hooks = {
		.arg = s,
		.submit = pipe_submit,
		.ack = pipe_ack,
		.answer = pipe_answer,
		.terminal_changed = pipe_terminal_changed,
		.refresh = pipe_refresh,
	};
	if (!hc_pipeline_init(&s->pipe, s->ledger, &hooks))
		return false;
	s->pending = s->pipe.pending;
	return true;
}

/* ---- event loop (aggregator/event_loop.c) ------------------------------ */

/* One turn of the loop thread's context. Negative on failure. */
static int service_once(struct hc_server *s)
{
	return hc_event_loop_service(s->ev_loop, s->context);
}

/* The loop was woken (LWS_CALLBACK_EVENT_WAIT_CANCELLED, seen by the
 * HTTP role): a commit may have finished, the public thread may have
 * relayed requests. */
static void on_woken(struct hc_server *s)
{
	if (s->committer != NULL)
		hc_server_collect_commit(s);
	if (s->pub.threaded)
		hc_public_serve_relayed(s);
}

/* The public context's HC_LIBEV_TICK_MS timer (public thread). */
static void public_tick_due(lws_sorted_usec_list_t *sul)
{
	struct hc_public *p = lws_container_of(sul, struct hc_public, tick_sul);
	lws_sul_schedule(p->context, 0, &p->tick_sul, public_tick_due,
			 HC_LIBEV_TICK_MS * LWS_US_PER_MS);
}

/* Every HC_PING_AFTER_S: one WebSocket ping to each terminal and
 * supervisor connection (a few thousand at most; map clients get none).
 * One timer for all of them instead of lws's per-connection ping timer,
 * which lws 4.1 keeps in a sorted list. A peer that is winding down its
 * own connection is woken by it, and the peer's pong shows it alive. */
static void ping_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, ping_sul);
	uint32_t count = hc_slots_count(s->sources);
	for (uint32_t slot = 0; slot < count; slot++) {
		struct hc_terminal_session *t = s->terminals[slot].session;
		if (t != NULL) {
			t->ping_pending = true;
			lws_callback_on_writable(t->ws.wsi);
		}
	}
	for (struct hc_supervisor_session *sv = s->supervisors; sv != NULL; sv = sv->next) {
		sv->ping_pending = true;
		lws_callback_on_writable(sv->ws.wsi);
	}
	lws_sul_schedule(s->context, 0, &s->ping_sul, ping_due,
			 (lws_usec_t)HC_PING_AFTER_S * LWS_USEC_PER_SEC);
}

static void tick_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, tick_sul);
	lws_sul_schedule(s->context, 0, &s->tick_sul, tick_due, HC_LIBEV_TICK_MS * LWS_US_PER_MS);
}

/* ---- start-up, in named steps ------------------------------------------ */

/* Takes what main() hands over and the options: nothing here can fail. */
static void take_inputs(struct hc_server *s, struct hc_venue_cfg *cfg, struct hc_slots *sources,
			struct hc_slots *area_ids, struct hc_ledger *ledger, struct hc_store *store,
			const struct hc_server_options *opt)
{
	s->base_cfg = cfg;
	s->initial_cfg = cfg;
	s->sources = sources;
	s->area_ids = area_ids;
	s->ledger = ledger;
	s->store = store;
	snprintf(s->config_path, sizeof s->config_path, "%s",
		 opt->config_path ? opt->config_path : cfg->path);
	s->db_from_cli = opt->db_from_cli;
	s->listen_from_cli = opt->listen_from_cli;
	s->sample_interval_ms = opt->sample_interval_ms > 0 ? opt->sample_interval_ms
							    : HC_HISTORY_INTERVAL_MS_DEFAULT;
	s->started_mono_ms = hc_mono_ms();
	snprintf(s->listen_host, sizeof s->listen_host, "%s", opt->listen_host);
	s->listen_port = opt->listen_port;
}

/* The per-slot tables and the commit pipeline. */
static bool allocate_tables(struct hc_server *s)
{
	s->terminals = calloc(HC_SOURCE_SLOTS_MAX, sizeof *s->terminals);
	s->slot_term = calloc(HC_SOURCE_SLOTS_MAX, sizeof *s->slot_term);
	s->sample_entered_at_start = calloc(HC_AREA_SLOTS_MAX, sizeof(int64_t));
	s->sample_exited_at_start = calloc(HC_AREA_SLOTS_MAX, sizeof(int64_t));
	if (!s->terminals || !s->slot_term || !pipeline_start(s) || !s->sample_entered_at_start ||
	    !s->sample_exited_at_start) {
		hc_error("server: out of memory for %d terminals", s->base_cfg->terminal_count);
		return false;
	}
	return true;
}

/* The random source, the terminals' secrets and this run's correction
 * incarnation. */
static bool start_secrets(struct hc_server *s)
{
	s->rng = hc_random_new();
	if (s->rng == NULL || !hc_terminal_auth_start(s))
		return false;
	unsigned char inc_raw[8];
	if (!hc_random_bytes(s->rng, inc_raw, sizeof inc_raw)) {
		hc_error("random: cannot draw the correction incarnation");
		return false;
	}
	for (size_t i = 0; i < sizeof inc_raw; i++)
		s->run_incarnation = (s->run_incarnation << 8) | inc_raw[i];
	return true;
}

/* The map side's hand-off, the contexts and the connection limits. */
static bool start_listening(struct hc_server *s, bool verbose)
{
	if (!hc_map_feed_init(&s->pub.feed, LWS_PRE)) {
		hc_error("server: cannot set up the map side's hand-off");
		return false;
	}
	s->pub.feed_ready = true;
	if (!hc_server_contexts_create(s, verbose))
		return false;
	uint32_t no_budget[HC_LISTENER_COUNT] = { 0, 0 };
	s->conn_limits = hc_conn_limits_new(s->base_cfg->connections_per_address, no_budget);
	if (s->conn_limits == NULL) {
		hc_error("server: out of memory for the connection limits");
		return false;
	}
	s->pub.limits = s->conn_limits;
	return true;
}

/* The loop thread's own timers: pings, and with libev the tick. */
static void start_timers(struct hc_server *s)
{
	lws_sul_schedule(s->context, 0, &s->ping_sul, ping_due,
			 (lws_usec_t)HC_PING_AFTER_S * LWS_USEC_PER_SEC);
	if (s->ev_loop != NULL)
		lws_sul_schedule(s->context, 0, &s->tick_sul, tick_due,
				 HC_LIBEV_TICK_MS * LWS_US_PER_MS);
}

static bool start_mqtt(struct hc_server *s)
{
	const struct hc_venue_cfg *cfg = s->base_cfg;
	if (!cfg->mqtt.enabled)
		return true;
	char mqtt_err[256] = "";
	s->mqtt = hc_mqtt_bridge_start(&cfg->mqtt, mqtt_err, sizeof mqtt_err);
	if (s->mqtt == NULL) {
		hc_error("mqtt: cannot start the bridge: %s", mqtt_err);
		return false;
	}
	return true;
}

/* The public thread, with a staff listener (else a no-op). */
static bool start_public_thread(struct hc_server *s)
{
	if (!s->pub.threaded)
		return true;
	/* Before the thread runs: its context is nobody's yet. */
	if (s->pub.ev_loop != NULL)
		lws_sul_schedule(s->pub.context, 0, &s->pub.tick_sul, public_tick_due,
				 HC_LIBEV_TICK_MS * LWS_US_PER_MS);
	return hc_public_start(&s->pub);
}

struct hc_server *hc_server_new(struct hc_venue_cfg *cfg, struct hc_slots *sources,
				struct hc_slots *area_ids, struct hc_ledger *ledger,
				struct hc_store *store, const struct hc_server_options *opt)
{
	struct hc_server *s = calloc(1, sizeof *s);
	if (s == NULL) {
		hc_error("server: out of memory");
		hc_venue_free(cfg);
		hc_slots_free(sources);
		hc_slots_free(area_ids);
		hc_ledger_free(ledger);
		hc_store_close(store);
		return NULL;
	}
	take_inputs(s, cfg, sources, area_ids, ledger, store, opt);
	s->hooks.woken = on_woken;
	s->hooks.map_publish = hc_map_publish;
	if (!allocate_tables(s) || !start_secrets(s) || !hc_server_load_saved_settings(s) ||
	    !start_listening(s, opt->verbose))
		goto fail;
	start_timers(s);
	if (!start_mqtt(s) || !hc_venue_state_init(s))
		goto fail;
	hc_venue_state_offer_all_to_bridge(s);
	hc_server_apply_limits(s);
	/* From here the store belongs to the committer's thread. */
	s->committer = hc_committer_start(store, hc_server_wake_loop, s);
	if (s->committer == NULL)
		goto fail;
	hc_venue_state_start_samples(s);
	if (!start_public_thread(s))
		goto fail;
	return s;
fail:
	hc_server_free(s);
	return NULL;
}

void hc_server_request_reload(struct hc_server *s)
{
	s->reload_requested = 1;
	if (s->context != NULL)
		lws_cancel_service(s->context);
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
		/* Waking ourselves every 50 ms bounds each wait. Only when the
		 * timer is not already set: re-arming it on every turn pushed it
		 * forever into the future whenever turns came faster than 50 ms
		 * (libev ticks every HC_LIBEV_TICK_MS), so a commit that failed
		 * during shutdown was never retried (its records were dropped
		 * at exit) and the time the job in flight met the bound was
		 * left to chance. */
		if (lws_dll2_is_detached(&s->commit_retry_sul.list))
			hc_server_schedule_kick(s, 50);
		if (service_once(s) < 0)
			break;
	}
}

static bool commits_finished(const struct hc_server *s)
{
	return !hc_pipeline_busy(&s->pipe) && !hc_committer_busy(s->committer);
}

static bool acks_flushed(const struct hc_server *s)
{
	return s->acks_queued == 0;
}

static bool sessions_closed(const struct hc_server *s)
{
	return s->terminal_sessions == 0 && hc_map_sessions(&s->pub) == 0 &&
	       s->supervisor_sessions == 0;
}

int hc_server_run(struct hc_server *s)
{
	if (s->staff_vhost != NULL)
		hc_info("terminals and supervisors: ws://%s:%u (staff_listen); map clients"
			" and HTTP only on the public port",
			s->staff_listen_host, s->staff_listen_port);
	hc_info("listening on http://%s:%u", s->listen_host, s->listen_port);
	while (!s->stop_requested) {
		if (service_once(s) < 0) {
			hc_error("server: lws_service failed; stopping");
			break;
		}
		/* Map clients of a publication on this thread are woken a
		 * slice per turn; a turn with acks queued yields to them once. */
		if (s->pub.threaded) {
			/* their own thread wakes them */
		} else if (s->acks_queued == 0 || s->map_wake_yielded) {
			s->map_wake_yielded = false;
			hc_map_wake_step(&s->pub);
		} else {
			s->map_wake_yielded = true;
		}
		if (s->reload_requested && !s->stop_requested) {
			s->reload_requested = 0;
			hc_server_reload(s);
		}
	}

	hc_info("stopping: refusing new connections, finishing the commit in flight");
	s->stopping = true;
	hc_map_publish(s); /* the map side refuses new clients too */
	s->pipe.retry_at_mono_ms = 0;
	hc_server_kick_commit(s);
	service_until(s, commits_finished, HC_SHUTDOWN_COMMIT_MS);
	if (!commits_finished(s))
		hc_error("stopping: commit did not finish within %d ms; its batches stay"
			 " unacknowledged and will be resent",
			 HC_SHUTDOWN_COMMIT_MS);
	service_until(s, acks_flushed, HC_SHUTDOWN_FLUSH_MS);

	s->closing_all = true;
	lws_callback_on_writable_all_protocol(s->context, &s->protocols[HC_PROTOCOL_TERMINAL]);
	lws_callback_on_writable_all_protocol(s->context, &s->protocols[HC_PROTOCOL_TERMINAL_V1]);
	hc_map_publish(s); /* and closes its map clients */
	hc_venue_state_wake_supervisors(s);
	service_until(s, sessions_closed, HC_SHUTDOWN_FLUSH_MS);
	hc_info("stopped: %" PRId64 " ledger rows", hc_ledger_row_count(s->ledger));
	return 0;
}

/* Shutdown step 1: every thread that calls into a context is stopped
 * and joined. The committer wakes the loop through the main context
 * (lws_cancel_service), so it goes first; its job in flight finishes (or
 * fails) before this returns, and unacknowledged batches are resent by
 * their terminals. The public thread wakes the main context and services
 * its own. */
static void stop_threads(struct hc_server *s)
{
	if (s->committer != NULL) {
		hc_committer_stop(s->committer);
		s->committer = NULL;
	}
	hc_mqtt_bridge_stop(s->mqtt);
	s->mqtt = NULL;
	hc_public_stop(&s->pub);
}

/* Shutdown step 2, once no other thread runs: the public context (it
 * relays to the main one), then the main context, then the event loops
 * they ran on. */
static void destroy_contexts(struct hc_server *s)
{
	if (s->pub.threaded && s->pub.context != NULL) {
		lws_sul_cancel(&s->pub.idle_sul);
		lws_sul_cancel(&s->pub.tick_sul);
		lws_context_destroy(s->pub.context);
	}
	if (s->pub.context == s->context && s->context != NULL)
		lws_sul_cancel(&s->pub.idle_sul);
	s->pub.context = NULL;
	if (s->context != NULL) {
		lws_sul_cancel(&s->congestion_sul);
		lws_sul_cancel(&s->publish_sul);
		lws_sul_cancel(&s->tick_sul);
		lws_sul_cancel(&s->ping_sul);
		lws_sul_cancel(&s->commit_retry_sul);
		lws_sul_cancel(&s->sample_sul);
		lws_context_destroy(s->context);
		s->context = NULL;
	}
	/* lws releases its watchers on our loops, then they go. */
	hc_event_loop_free(s->pub.ev_loop);
	s->pub.ev_loop = NULL;
	hc_event_loop_free(s->ev_loop);
	s->ev_loop = NULL;
}

/* Shutdown step 3: the state, which only the loop thread touched. The
 * store is the server's again since the committer stopped. */
static void free_state(struct hc_server *s)
{
	hc_public_free(&s->pub);
	hc_store_close(s->store);
	hc_venue_state_free(s);
	hc_ledger_free(s->ledger);
	if (s->base_cfg != s->initial_cfg)
		hc_venue_free(s->base_cfg);
	hc_venue_free(s->initial_cfg);
	hc_slots_free(s->sources);
	hc_slots_free(s->area_ids);
	hc_random_free(s->rng);
	s->rng = NULL;
	hc_terminal_auth_stop(s);
	hc_conn_limits_free(s->conn_limits);
	free(s->terminals);
	free(s->slot_term);
	hc_pipeline_free(&s->pipe);
	free(s->sample_entered_at_start);
	free(s->sample_exited_at_start);
}

void hc_server_free(struct hc_server *s)
{
	if (s == NULL)
		return;
	stop_threads(s);     /* nothing may wake or service a context... */
	destroy_contexts(s); /* ...that is gone */
	free_state(s);
	free(s);
}
