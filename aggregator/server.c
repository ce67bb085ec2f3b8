/*
 * server.c — the aggregator's event loop: context, commit pipeline, acks,
 * records (audit, overrides, threshold changes, history samples),
 * supervisor commands waiting for storage, config reload, graceful
 * shutdown.
 *
 * Relies on: libwebsockets 4.1 (one service thread), the committer (a
 * worker thread that commits and wakes the loop with lws_cancel_service),
 * the ledger core, mbedtls' ctr_drbg for challenges and the run's
 * correction incarnation, and the role files listed in server_internal.h.
 *
 * Promises:
 *   - the loop never waits for the disk: commits run on the committer's
 *     thread, one job at a time; batches staged while a job is in flight
 *     go into the next job (group commit);
 *   - an ack leaves only after the commit holding its batch returned ok
 *     (docs/design.md invariant 2), on the terminal's current connection;
 *   - area states are recomputed and pushed in the same loop turn as the
 *     commit result (invariant 4);
 *   - a failed commit acknowledges nothing, is logged and shown by
 *     /healthz, and the next commit (of whatever terminals resend) clears
 *     it by itself (invariant 7);
 *   - records and supervisor corrections ride in the same group commits
 *     as terminal batches, so nothing a supervisor does waits for fsync
 *     on the loop thread; a command is answered ok only once all its
 *     writes are durable. After a failed commit its records stay queued
 *     and its correction row is staged again (no terminal would resend
 *     it), so the next commit retries them;
 *   - the loop is lws's libev event-lib plugin on an epoll loop of ours
 *     when libev and the plugin load (a turn costs in proportion to the
 *     sockets that are ready), otherwise lws's own poll() loop (a turn
 *     scans every socket); the start-up log says which ("event loop: ...").
 *     lws_cancel_service wakes either;
 *   - no lws ping timer per connection (lws 4.1 keeps timers in one
 *     sorted list): TCP keepalive cleans up vanished peers, and one timer
 *     pings every terminal and supervisor connection each HC_PING_AFTER_S;
 *   - with staff_listen the public listener is a second context on a
 *     thread of its own (public_side.h): map clients, the page, /api/...,
 *     /healthz and /metrics use the second core, fed area states through
 *     a bounded latest-state hand-off; the ledger stays single-writer on
 *     the loop thread. Both contexts' creation info is filled in one
 *     place (fill_context_info);
 *   - SIGHUP only sets a flag and wakes the loop (lws_cancel_service);
 *     the reload runs in the loop's own turn. A broken file changes
 *     nothing; a good one is swapped in without closing any connection
 *     except terminals and supervisors it no longer lists.
 */
#include "aggregator/server_internal.h"
#include "aggregator/mqtt_bridge.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <ev.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "aggregator/history.h"
#include "aggregator/tls_setup.h"
#include "shared/clock.h"
#include "shared/log.h"
#include "shared/wire_map.h"

/* The server's random source: seeded once from the system's entropy. */
struct hc_drbg {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context ctr;
};

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

/* ---- listeners and connection limits ------------------------------------ */

enum hc_listener hc_server_listener_of(const struct hc_server *s, struct lws *wsi)
{
	return s->staff_vhost != NULL && lws_get_vhost(wsi) == s->staff_vhost ? HC_LISTENER_STAFF
									      : HC_LISTENER_PUBLIC;
}

bool hc_server_role_allowed(const struct hc_server *s, struct lws *wsi, bool staff_role)
{
	if (s->staff_vhost == NULL)
		return true;
	return (hc_server_listener_of(s, wsi) == HC_LISTENER_STAFF) == staff_role;
}

int hc_server_conn_event(struct hc_server *s, struct lws *wsi, enum lws_callback_reasons reason,
			 void *user)
{
	if (s == NULL || s->conn_limits == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/* wsi is the listen socket's; user the accepted peer. */
		return hc_conn_limits_admit(s->conn_limits, hc_server_listener_of(s, wsi), user)
			       ? 0
			       : -1;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		hc_conn_limits_opened(s->conn_limits, hc_server_listener_of(s, wsi), wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY: hc_conn_limits_closed(s->conn_limits, wsi); return 0;
	default: return 0;
	}
}

void hc_server_apply_limits(struct hc_server *s)
{
	uint32_t fds = s->fd_limit > 2 * HC_FDS_SPARE ? s->fd_limit - HC_FDS_SPARE
						      : s->fd_limit / 2;
	uint32_t reserve = 2u * (uint32_t)(s->cfg->terminal_count + s->cfg->supervisor_count) +
			   HC_STAFF_CONNECTIONS_SPARE;
	if (reserve > fds / 2)
		reserve = fds / 2;
	uint32_t budget[HC_LISTENER_COUNT];
	if (s->staff_vhost != NULL) {
		budget[HC_LISTENER_PUBLIC] = fds - reserve;
		budget[HC_LISTENER_STAFF] = reserve;
	} else {
		/* Terminals come in on the one listener too; the map budget
		 * below keeps their share. */
		budget[HC_LISTENER_PUBLIC] = fds;
		budget[HC_LISTENER_STAFF] = 0;
	}
	s->map_sessions_max = fds - reserve;
	hc_conn_limits_set(s->conn_limits, s->cfg->connections_per_address, budget);
	hc_map_publish(s); /* the map side's budget and idle timeout */
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
	if (s->committer == NULL || hc_committer_busy(s->committer) ||
	    hc_ledger_job_open(s->ledger))
		return;
	if (hc_ledger_staged_count(s->ledger) == 0 && s->record_count == 0)
		return;
	int64_t now_ms = hc_mono_ms();
	if (now_ms < s->commit_retry_at_mono_ms) {
		lws_sul_schedule(s->context, 0, &s->commit_retry_sul, commit_retry_due,
				 (s->commit_retry_at_mono_ms - now_ms) * LWS_US_PER_MS);
		return;
	}
	size_t n = 0;
	if (hc_ledger_staged_count(s->ledger) > 0)
		n = hc_ledger_take_staged(s->ledger, s->job_rows, HC_COMMIT_BATCHES_MAX);
	s->job_row_count = n;
	s->records_in_flight = s->record_count;
	bool submitted = hc_committer_submit_job(s->committer, s->job_rows, n, s->records,
						 s->record_count);
	/* The committer is idle whenever the ledger has no open job. */
	assert(submitted);
	(void)submitted;
}

/* Logs a failed commit: the first of a run at once, then one summary
 * line every 100 failures, so a full disk does not flood the log. */
static void note_commit_failure(struct hc_server *s, const struct hc_commit_result *r)
{
	s->commit_failures++;
	s->storage_faults_total++;
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
	hc_histogram_observe(&s->commit_latency, r->commit_us);
	hc_debug("commit: %zu batches in %" PRId64 " us", r->n, r->commit_us);
}

/* ---- supervisor commands waiting for storage ---------------------------- */

struct hc_pending_command *hc_server_new_pending(struct hc_server *s)
{
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		struct hc_pending_command *p = &s->pending[k];
		if (p->token == 0) {
			memset(p, 0, sizeof *p);
			p->token = ++s->next_token;
			return p;
		}
	}
	return NULL;
}

/* One durable part of the command with this token; answers ok after
 * the last. */
static void pending_part_done(struct hc_server *s, uint64_t token)
{
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		struct hc_pending_command *p = &s->pending[k];
		if (p->token != token)
			continue;
		if (--p->parts_left > 0)
			return;
		if (p->session != NULL) {
			p->session->commands_waiting--;
			hc_supervisor_answer(s, p->session, p->request, true, NULL);
		}
		p->token = 0;
		return;
	}
}

/* The pending correction whose row this is, or NULL. Only rows of
 * sources that are not configured terminals can be corrections. */
static struct hc_pending_command *pending_of_row(struct hc_server *s,
						 const struct hc_ledger_row *row)
{
	if (row->terminal_index < HC_SOURCE_SLOTS_MAX && s->slot_term[row->terminal_index] >= 0)
		return NULL;
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		struct hc_pending_command *p = &s->pending[k];
		if (p->token != 0 && p->has_row && p->row.terminal_index == row->terminal_index &&
		    p->row.incarnation == row->incarnation && p->row.seq == row->seq)
			return p;
	}
	return NULL;
}

bool hc_server_queue_records(struct hc_server *s, const struct hc_store_record *r, size_t n)
{
	if (n > HC_COMMIT_RECORDS_MAX - s->record_count)
		return false;
	memcpy(&s->records[s->record_count], r, n * sizeof *r);
	s->record_count += n;
	return true;
}

/* After a commit: records of the job are done (ok) or stay queued. */
static void settle_records(struct hc_server *s, bool ok)
{
	size_t done = s->records_in_flight;
	s->records_in_flight = 0;
	if (!ok)
		return;
	/* Tokens are collected first: answering may queue nothing, but keep
	 * the queue consistent before any callback runs. */
	uint64_t tokens[HC_COMMIT_RECORDS_MAX];
	size_t token_count = 0;
	for (size_t i = 0; i < done; i++)
		if (s->records[i].token != 0)
			tokens[token_count++] = s->records[i].token;
	memmove(s->records, s->records + done, (s->record_count - done) * sizeof *s->records);
	s->record_count -= done;
	for (size_t i = 0; i < token_count; i++)
		pending_part_done(s, tokens[i]);
}

void hc_server_collect_commit(struct hc_server *s)
{
	struct hc_commit_result r;
	if (!hc_committer_take_result(s->committer, &r))
		return;
	if (s->job_row_count > 0)
		hc_ledger_commit_done(s->ledger, r.ok, r.inserted);
	s->job_row_count = 0;
	if (r.ok) {
		note_commit_success(s, &r);
		s->commits_collected++; /* acks below carry this commit's number */
	} else {
		note_commit_failure(s, &r);
	}

	for (size_t i = 0; i < r.n; i++) {
		const struct hc_ledger_row *row = &r.rows[i];
		struct hc_pending_command *p = pending_of_row(s, row);
		if (p == NULL) {
			hc_terminal_route_ack(s, row, r.ok, r.ok && !r.inserted[i]);
			uint32_t slot = row->terminal_index;
			if (r.ok && slot < HC_SOURCE_SLOTS_MAX &&
			    s->terminals[slot].session != NULL)
				hc_venue_state_terminal_changed(s, slot);
		} else if (r.ok) {
			pending_part_done(s, p->token);
		} else {
			/* No terminal resends a correction: stage it again. */
			hc_ledger_receive(s->ledger, &p->row);
		}
	}
	settle_records(s, r.ok);
	if (r.ok)
		hc_venue_state_refresh(s);
	hc_server_kick_commit(s);
}

/* ---- randomness -------------------------------------------------------- */

static bool drbg_start(struct hc_server *s)
{
	struct hc_drbg *d = calloc(1, sizeof *d);
	if (d == NULL)
		return false;
	mbedtls_entropy_init(&d->entropy);
	mbedtls_ctr_drbg_init(&d->ctr);
	static const char personal[] = "headcount-aggregator";
	int rc = mbedtls_ctr_drbg_seed(&d->ctr, mbedtls_entropy_func, &d->entropy,
				       (const unsigned char *)personal, sizeof personal - 1);
	if (rc != 0) {
		hc_error("random: mbedtls_ctr_drbg_seed failed (-0x%04x)", (unsigned)-rc);
		mbedtls_ctr_drbg_free(&d->ctr);
		mbedtls_entropy_free(&d->entropy);
		free(d);
		return false;
	}
	s->drbg = d;
	return true;
}

static void drbg_free(struct hc_server *s)
{
	struct hc_drbg *d = s->drbg;
	if (d == NULL)
		return;
	mbedtls_ctr_drbg_free(&d->ctr);
	mbedtls_entropy_free(&d->entropy);
	free(d);
	s->drbg = NULL;
}

bool hc_server_random_hex(struct hc_server *s, char *out, size_t bytes)
{
	unsigned char raw[64];
	struct hc_drbg *d = s->drbg;
	if (bytes > sizeof raw || d == NULL || mbedtls_ctr_drbg_random(&d->ctr, raw, bytes) != 0)
		return false;
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return true;
}

/* ---- saved settings and reload ------------------------------------------ */

/* Start-up: one saved override or threshold change, remembered (the
 * effective config and the congestion state are built from them). */
static void on_saved_setting(void *arg, const struct hc_store_record *r)
{
	struct hc_server *s = arg;
	enum hc_sup_target target;
	if (strcmp(r->target, "area") == 0)
		target = HC_SUP_AREA;
	else if (strcmp(r->target, "group") == 0)
		target = HC_SUP_GROUP;
	else {
		hc_warn("store: saved setting of unknown target kind \"%s\" ignored", r->target);
		return;
	}
	if (r->kind == HC_RECORD_OVERRIDE) {
		struct hc_override_entry e = { .target = target, .at_ms = r->at_ms };
		if (!hc_override_parse(r->text, &e.mode) || s->override_count == HC_SETTINGS_MAX) {
			hc_warn("store: saved override of %s %s ignored", r->target, r->id);
			return;
		}
		snprintf(e.id, sizeof e.id, "%s", r->id);
		snprintf(e.who, sizeof e.who, "%s", r->who);
		snprintf(e.reason, sizeof e.reason, "%s", r->reason);
		s->overrides[s->override_count++] = e;
		char at[32];
		hc_format_utc(r->at_ms, at, sizeof at);
		hc_info("override in force: %s %s %s, set by %s at %s: %s", r->target, r->id,
			r->text, r->who, at, r->reason);
		return;
	}
	struct hc_adjustment adj;
	if (!hc_adjustment_from_json(r->text, &adj) ||
	    !hc_venue_state_merge_adjustment(s, target, r->id, &adj)) {
		hc_warn("store: saved threshold change of %s %s ignored: %s", r->target, r->id,
			r->text);
		return;
	}
	hc_info("threshold change in force: %s %s %s, set by %s", r->target, r->id, r->text,
		r->who);
}

void hc_server_reload(struct hc_server *s)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(s->config_path, &err);
	if (cfg == NULL) {
		char text[PATH_MAX + 256];
		hc_config_error_format(&err, text, sizeof text);
		hc_error("reload refused: %s", text);
		return;
	}
	const struct hc_venue_cfg *running = s->base_cfg;
	if (!s->listen_from_cli && (strcmp(cfg->listen_host, running->listen_host) != 0 ||
				    cfg->listen_port != running->listen_port))
		hc_warn("reload: listen changed to %s:%u; that needs a restart (still serving"
			" %s:%u)",
			cfg->listen_host, cfg->listen_port, running->listen_host,
			running->listen_port);
	if (!s->db_from_cli && strcmp(cfg->database, running->database) != 0)
		hc_warn("reload: database changed to %s; that needs a restart (still using %s)",
			cfg->database, running->database);
	if (strcmp(cfg->staff_listen_host, running->staff_listen_host) != 0 ||
	    cfg->staff_listen_port != running->staff_listen_port)
		hc_warn("reload: staff_listen changed; that needs a restart (still as before)");
	memcpy(cfg->listen_host, running->listen_host, sizeof cfg->listen_host);
	cfg->listen_port = running->listen_port;
	memcpy(cfg->staff_listen_host, running->staff_listen_host, sizeof cfg->staff_listen_host);
	cfg->staff_listen_port = running->staff_listen_port;
	memcpy(cfg->database, running->database, sizeof cfg->database);

	struct hc_venue_cfg *old_base = s->base_cfg;
	s->base_cfg = cfg;
	char why[200];
	if (!hc_venue_state_apply_config(s, true, why, sizeof why)) {
		s->base_cfg = old_base;
		hc_venue_free(cfg);
		hc_error("reload refused: %s", why);
		return;
	}
	if (old_base != s->initial_cfg)
		hc_venue_free(old_base);
	hc_terminal_sessions_reconfigured(s);
	hc_supervisor_sessions_reconfigured(s);
	hc_server_apply_limits(s);
	hc_info("config reloaded: %d areas, %d terminals", cfg->area_count, cfg->terminal_count);
}

/* ---- event loop --------------------------------------------------------- */

/* The libev calls the loop needs, looked up at run time (dlopen), as lws
 * itself opens its event-lib plugin: the program has no link dependency
 * on libev and falls back to poll() where it is missing. One aggregator
 * per process, so one loop per context: the loop thread's, and the
 * public thread's with a staff listener. */
static struct {
	void *lib;
	struct ev_loop *(*loop_new)(unsigned int flags);
	int (*run)(struct ev_loop *loop, int flags);
	void (*loop_destroy)(struct ev_loop *loop);
	struct ev_loop *loop;
	struct ev_loop *public_loop;
} libev;

static void libev_close(void)
{
	if (libev.public_loop != NULL)
		libev.loop_destroy(libev.public_loop);
	if (libev.loop != NULL)
		libev.loop_destroy(libev.loop);
	if (libev.lib != NULL)
		dlclose(libev.lib);
	memset(&libev, 0, sizeof libev);
}

/* Opens libev and makes an epoll loop; false (and nothing held) if not. */
static bool libev_open(void)
{
	libev.lib = dlopen("libev.so.4", RTLD_NOW | RTLD_GLOBAL);
	if (libev.lib == NULL) {
		hc_info("event loop: cannot load libev (%s)", dlerror());
		return false;
	}
	*(void **)&libev.loop_new = dlsym(libev.lib, "ev_loop_new");
	*(void **)&libev.run = dlsym(libev.lib, "ev_run");
	*(void **)&libev.loop_destroy = dlsym(libev.lib, "ev_loop_destroy");
	if (libev.loop_new != NULL && libev.run != NULL && libev.loop_destroy != NULL)
		libev.loop = libev.loop_new(EVBACKEND_EPOLL);
	if (libev.loop == NULL) {
		hc_info("event loop: libev has no epoll backend here");
		libev_close();
		return false;
	}
	return true;
}

/* One turn of the loop: waits for events (or a timer, or
 * lws_cancel_service) and handles them. Negative on failure. */
static int service_once(struct hc_server *s)
{
	if (libev.loop != NULL) {
		libev.run(libev.loop, EVRUN_ONCE);
		return 0;
	}
	return lws_service(s->context, 0);
}

int hc_server_service_public(struct hc_public *p)
{
	if (p->ev_loop != NULL) {
		libev.run(p->ev_loop, EVRUN_ONCE);
		return 0;
	}
	return lws_service(p->context, 0);
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

/* Creates the public context on a libev loop of its own when the loop
 * thread's context runs on libev, otherwise on lws's poll() loop. */
static struct lws_context *create_public_context(struct hc_server *s,
						 struct lws_context_creation_info *info)
{
	void *foreign_loops[1];
	if (libev.loop != NULL)
		libev.public_loop = libev.loop_new(EVBACKEND_EPOLL);
	if (libev.public_loop != NULL) {
		foreign_loops[0] = libev.public_loop;
		info->foreign_loops = foreign_loops;
		info->options |= LWS_SERVER_OPTION_LIBEV;
		struct lws_context *ctx = lws_create_context(info);
		if (ctx != NULL) {
			s->pub.ev_loop = libev.public_loop;
			return ctx;
		}
		libev.loop_destroy(libev.public_loop);
		libev.public_loop = NULL;
		info->foreign_loops = NULL;
		info->options &= ~(uint64_t)LWS_SERVER_OPTION_LIBEV;
	}
	return lws_create_context(info);
}

/* Creates the context on libev when it loads and lws's libev plugin
 * accepts the loop, otherwise on lws's poll() loop. */
static struct lws_context *create_context(struct hc_server *s,
					  struct lws_context_creation_info *info)
{
	void *foreign_loops[1];
	const char *wanted = getenv("HC_AGGREGATOR_LOOP");
	bool try_libev = wanted == NULL || strcmp(wanted, "poll") != 0;
	if (!try_libev)
		hc_info("event loop: HC_AGGREGATOR_LOOP=poll");
	if (try_libev && libev_open()) {
		foreign_loops[0] = libev.loop;
		info->foreign_loops = foreign_loops;
		info->options |= LWS_SERVER_OPTION_LIBEV;
		struct lws_context *ctx = lws_create_context(info);
		if (ctx != NULL) {
			s->loop_name = "libev (epoll)";
			return ctx;
		}
		hc_warn("event loop: libwebsockets could not use libev (is the"
			" libwebsockets-evlib-ev plugin installed?); using poll()");
		libev_close();
		info->foreign_loops = NULL;
		info->options &= ~(uint64_t)LWS_SERVER_OPTION_LIBEV;
	}
	s->loop_name = "poll";
	return lws_create_context(info);
}

/* ---- context ---------------------------------------------------------- */

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
	s->terminals = calloc(HC_SOURCE_SLOTS_MAX, sizeof *s->terminals);
	s->slot_term = calloc(HC_SOURCE_SLOTS_MAX, sizeof *s->slot_term);
	s->job_rows = calloc(HC_COMMIT_BATCHES_MAX, sizeof *s->job_rows);
	s->records = calloc(HC_COMMIT_RECORDS_MAX, sizeof *s->records);
	s->sample_entered_at_start = calloc(HC_AREA_SLOTS_MAX, sizeof(int64_t));
	s->sample_exited_at_start = calloc(HC_AREA_SLOTS_MAX, sizeof(int64_t));
	if (!s->terminals || !s->slot_term || !s->job_rows || !s->records ||
	    !s->sample_entered_at_start || !s->sample_exited_at_start) {
		hc_error("server: out of memory for %d terminals", cfg->terminal_count);
		goto fail;
	}
	if (!drbg_start(s) || !hc_terminal_auth_start(s))
		goto fail;
	unsigned char inc_raw[8];
	if (mbedtls_ctr_drbg_random(&((struct hc_drbg *)s->drbg)->ctr, inc_raw, sizeof inc_raw) !=
	    0) {
		hc_error("random: cannot draw the correction incarnation");
		goto fail;
	}
	for (size_t i = 0; i < sizeof inc_raw; i++)
		s->run_incarnation = (s->run_incarnation << 8) | inc_raw[i];
	char load_err[512] = "";
	if (!hc_store_load_settings(store, on_saved_setting, s, load_err, sizeof load_err)) {
		hc_error("cannot read saved overrides and threshold changes: %s", load_err);
		goto fail;
	}

	lws_set_log_level(opt->verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR | LLL_WARN,
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
	if (!hc_map_feed_init(&s->pub.feed, LWS_PRE)) {
		hc_error("server: cannot set up the map side's hand-off");
		goto fail;
	}
	s->pub.feed_ready = true;
	/* TLS (aggregator/tls_setup.c): the files are checked once, here;
	 * every context below gets the same certificate and key. */
	if (!hc_tls_server_check(cfg))
		goto fail;
	bool staff = cfg->staff_listen_port != 0;
	struct lws_context_creation_info info;
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
			goto fail;
		}
		s->staff_vhost = lws_get_vhost_by_name(s->context, "headcount-staff");
		fill_context_info(s, &info, s->listen_host, s->listen_port, "headcount",
				  s->public_protocols, &s->pub);
		s->pub.context = create_public_context(s, &info);
		if (s->pub.context == NULL) {
			hc_error("server: cannot listen on %s:%u (lws_create_context failed;"
				 " is the port in use?)",
				 s->listen_host, s->listen_port);
			goto fail;
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
			goto fail;
		}
		s->public_vhost = lws_get_vhost_by_name(s->context, "headcount");
		s->pub.context = s->context;
		s->pub.wake_per_turn = HC_MAP_WAKE_PER_TURN;
	}
	s->pub.main_context = s->context;
	hc_info("event loop: %s", s->loop_name);
	uint32_t no_budget[HC_LISTENER_COUNT] = { 0, 0 };
	s->conn_limits = hc_conn_limits_new(cfg->connections_per_address, no_budget);
	if (s->conn_limits == NULL) {
		hc_error("server: out of memory for the connection limits");
		goto fail;
	}
	s->pub.limits = s->conn_limits;
	lws_sul_schedule(s->context, 0, &s->ping_sul, ping_due,
			 (lws_usec_t)HC_PING_AFTER_S * LWS_USEC_PER_SEC);
	if (libev.loop != NULL)
		lws_sul_schedule(s->context, 0, &s->tick_sul, tick_due,
				 HC_LIBEV_TICK_MS * LWS_US_PER_MS);
	if (cfg->mqtt.enabled) {
		char mqtt_err[256] = "";
		s->mqtt = hc_mqtt_bridge_start(&cfg->mqtt, mqtt_err, sizeof mqtt_err);
		if (s->mqtt == NULL) {
			hc_error("mqtt: cannot start the bridge: %s", mqtt_err);
			goto fail;
		}
	}
	if (!hc_venue_state_init(s))
		goto fail;
	hc_venue_state_offer_all_to_bridge(s);
	hc_server_apply_limits(s);
	/* From here the store belongs to the committer's thread. */
	s->committer = hc_committer_start(store, wake_loop, s);
	if (s->committer == NULL)
		goto fail;
	hc_venue_state_start_samples(s);
	if (s->pub.threaded) {
		/* Before the thread runs: its context is nobody's yet. */
		if (s->pub.ev_loop != NULL)
			lws_sul_schedule(s->pub.context, 0, &s->pub.tick_sul, public_tick_due,
					 HC_LIBEV_TICK_MS * LWS_US_PER_MS);
		if (!hc_public_start(&s->pub))
			goto fail;
	}
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
			lws_sul_schedule(s->context, 0, &s->commit_retry_sul, commit_retry_due,
					 50 * LWS_US_PER_MS);
		if (service_once(s) < 0)
			break;
	}
}

static bool commits_finished(const struct hc_server *s)
{
	return !hc_ledger_job_open(s->ledger) && hc_ledger_staged_count(s->ledger) == 0 &&
	       s->record_count == 0 && !hc_committer_busy(s->committer);
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
	s->commit_retry_at_mono_ms = 0;
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

void hc_server_free(struct hc_server *s)
{
	if (s == NULL)
		return;
	/* The committer thread wakes the loop through the context, so it is
	 * joined first: nothing may call lws_cancel_service() on a context
	 * that is gone. Its job in flight finishes (or fails) before this
	 * returns; unacknowledged batches are resent by their terminals. */
	if (s->committer != NULL) {
		hc_committer_stop(s->committer);
		s->committer = NULL;
	}
	hc_mqtt_bridge_stop(s->mqtt);
	s->mqtt = NULL;
	/* The public thread wakes the loop thread's context and services its
	 * own: joined before either context goes. Its context is then
	 * destroyed here, before the main one it relays to. */
	hc_public_stop(&s->pub);
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
	if (libev.loop != NULL) {
		/* Let lws release its watchers on our loops, then drop them. */
		if (libev.public_loop != NULL)
			libev.run(libev.public_loop, EVRUN_NOWAIT);
		libev.run(libev.loop, EVRUN_NOWAIT);
		libev_close();
	}
	hc_public_free(&s->pub);
	hc_store_close(s->store);
	hc_venue_state_free(s);
	hc_ledger_free(s->ledger);
	if (s->base_cfg != s->initial_cfg)
		hc_venue_free(s->base_cfg);
	hc_venue_free(s->initial_cfg);
	hc_slots_free(s->sources);
	hc_slots_free(s->area_ids);
	drbg_free(s);
	hc_terminal_auth_stop(s);
	hc_conn_limits_free(s->conn_limits);
	free(s->terminals);
	free(s->slot_term);
	free(s->job_rows);
	free(s->records);
	free(s->sample_entered_at_start);
	free(s->sample_exited_at_start);
	free(s);
}
