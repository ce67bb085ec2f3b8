/*
 * supervisor_role.c — the "headcount-supervisor.v1" WebSocket role: an
 * authenticated person who sees everything and steers the gates. This
 * file is the session: its life, its messages' dispatch, the answer
 * queue, the snapshot and every change written to it.
 *
 * Relies on: supervisor_cmd.c to parse and check every message,
 * supervisor_login.c for the login (hello, salt, proof),
 * supervisor_commands.c for what a command does, ws_session.c for the
 * session plumbing (closing, hello timer, receive assembly, the message
 * budget), venue_state.c for the states and JSON, the conflation core
 * for what each supervisor gets next, the server's ctr_drbg for
 * challenges.
 *
 * A connection is sent a challenge at once and logs in within
 * HC_HELLO_TIMEOUT_S (supervisor_login.c). Then it gets a welcome and a
 * snapshot (areas with override and group, groups, terminals), then
 * every change, conflated like the map role, and the result of each
 * command it sends (supervisor_commands.c).
 *
 * Bounded: frames of HC_SUPERVISOR_FRAME_BYTES_MAX, at most
 * HC_SUPERVISOR_RESULTS_MAX commands unanswered per connection (more is
 * a close with 4008), HC_PENDING_COMMANDS_MAX waiting server-wide (more
 * is refused with ok:false), and HC_SUPERVISOR_MESSAGES_BURST_MAX
 * messages at once, refilled at HC_SUPERVISOR_MESSAGES_PER_S_MAX a
 * second (more is a close with 4010). With a staff listener configured,
 * a supervisor on the public one is closed with 4012.
 */
#include "aggregator/server_internal.h"
#include "aggregator/random.h"
#include "aggregator/server_commit.h"
#include "aggregator/server_conn.h"
#include "aggregator/supervisor_role.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aggregator/passwords.h"
#include "aggregator/venue_wire.h"
#include "aggregator/supervisor_commands.h"
#include "aggregator/supervisor_login.h"

#include "shared/clock.h"
#include "shared/log.h"

/* Room for one update message (an area, a group, a terminal, a result). */
#define SUPERVISOR_TX_BYTES 4096

/* Closes from inside a callback of this connection: the caller returns -1. */
static int close_now(struct hc_supervisor_session *sv, uint16_t code, const char *reason)
{
	return hc_ws_session_close_now(&sv->ws, code, reason);
}

/* Closes from outside this connection's callbacks: at its next
 * writeable callback. */
static void close_later(struct hc_supervisor_session *sv, uint16_t code, const char *reason)
{
	hc_ws_session_close_later(&sv->ws, code, reason);
}

/* A whole message has arrived. */
static int on_message(struct hc_server *s, struct hc_supervisor_session *sv, const char *text,
		      size_t len)
{
	struct hc_sup_cmd cmd;
	struct hc_proto_error err;
	char why[200];
	/* The bucket (burst HC_SUPERVISOR_MESSAGES_BURST_MAX, refilled at
	 * HC_SUPERVISOR_MESSAGES_PER_S_MAX) was filled at on_established. */
	if (!hc_ws_rate_take(&sv->rate, hc_mono_ms()))
		return close_now(
			sv, HC_CLOSE_RATE_LIMITED,
			"more than " HC_STR(HC_SUPERVISOR_MESSAGES_BURST_MAX) " messages at once or " HC_STR(
				HC_SUPERVISOR_MESSAGES_PER_S_MAX) " per second");
	if (hc_ws_session_refuse_binary(&sv->ws) < 0)
		return -1;
	enum hc_sup_verdict v = hc_sup_parse(text, len, &cmd, why, sizeof why, &err);
	if (v == HC_SUP_CLOSE)
		return close_now(sv, (uint16_t)err.code, err.reason);
	if (cmd.type == HC_SUP_HELLO)
		return hc_supervisor_login_hello(s, sv, &cmd);
	if (cmd.type == HC_SUP_PROOF) {
		/* The proof is the login's second half: it does not count
		 * against the message budget (hello + 15 commands at once). */
		hc_ws_rate_give_back(&sv->rate);
		return hc_supervisor_login_proof(s, sv, &cmd);
	}
	if (!sv->ready)
		return close_now(sv, HC_CLOSE_OUT_OF_ORDER, "authenticate with hello first");
	if (sv->result_len + sv->commands_waiting >= HC_SUPERVISOR_RESULTS_MAX) {
		char reason[80];
		snprintf(reason, sizeof reason, "more than %d commands unanswered",
			 HC_SUPERVISOR_RESULTS_MAX);
		return close_now(sv, HC_CLOSE_TOO_MANY_INFLIGHT, reason);
	}
	return hc_supervisor_run_command(s, sv, &cmd, v, why);
}

/* Appends a piece of a message (ws_session.h); handles it when complete. */
static int on_receive(struct hc_server *s, struct hc_supervisor_session *sv, const void *in,
		      size_t len)
{
	const char *text;
	size_t text_len;
	int rc = hc_ws_session_receive(&sv->ws, in, len, &text, &text_len);
	return rc == 1 ? on_message(s, sv, text, text_len) : rc;
}

/* ---- writing ---------------------------------------------------------- */

/* Entries a supervisor follows: areas, groups, terminals (positions). */
static uint32_t entry_count(const struct hc_server *s)
{
	return (uint32_t)(s->cfg->area_count + s->cfg->group_count + s->cfg->terminal_count);
}

static uint64_t version_of(const struct hc_server *s, uint32_t k)
{
	uint32_t areas = (uint32_t)s->cfg->area_count;
	uint32_t groups = (uint32_t)s->cfg->group_count;
	if (k < areas) /* plus what only supervisors see: corrections, last hour */
		return s->areas[k].version +
		       hc_corrections_version(s->corrections, (uint32_t)s->area_slot[k]);
	if (k < areas + groups)
		return s->groups[k - areas].version;
	return s->terminals[s->term_slot[k - areas - groups]].version;
}

/* The message for entry k (new reference). */
static json_t *entry_json(const struct hc_server *s, uint32_t k)
{
	uint32_t areas = (uint32_t)s->cfg->area_count;
	uint32_t groups = (uint32_t)s->cfg->group_count;
	if (k < areas) {
		struct hc_wire_area a;
		hc_venue_wire_area(s, (int)k, &a);
		return hc_wire_sup_area_json(&a, true);
	}
	if (k < areas + groups) {
		struct hc_wire_group g;
		const char *ids[HC_AREAS_MAX];
		uint32_t n;
		hc_venue_wire_group(s, (int)(k - areas), &g, ids, &n);
		return hc_wire_sup_group_json(&g, ids, n, true);
	}
	struct hc_wire_terminal t;
	hc_venue_wire_terminal(s, (int)(k - areas - groups), &t);
	return hc_wire_sup_terminal_json(&t, true);
}

static bool follow_generation(struct hc_server *s, struct hc_supervisor_session *sv)
{
	if (sv->generation == s->generation && sv->versions_sent != NULL &&
	    sv->versions_len == entry_count(s))
		return true;
	uint32_t n = entry_count(s);
	uint64_t *v = realloc(sv->versions_sent, (n ? n : 1) * sizeof *v);
	if (v == NULL)
		return false;
	sv->versions_sent = v;
	sv->versions_len = n;
	sv->generation = s->generation;
	sv->cursor = 0;
	sv->snapshot_pending = true;
	return true;
}

static uint64_t server_version(const void *ctx, uint32_t k)
{
	return version_of(ctx, k);
}

/* The next entry this supervisor has not seen (aggregator/conflation.h). */
static int next_changed(const struct hc_server *s, const struct hc_supervisor_session *sv)
{
	return hc_conflation_next(sv->versions_len, sv->cursor, sv->versions_sent, server_version,
				  s);
}

/* Writes a JSON value as one text message. */
static int write_json(struct hc_supervisor_session *sv, json_t *o)
{
	if (o == NULL)
		return -1;
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return -1;
	int rc = hc_ws_session_write_copy(&sv->ws, text, strlen(text));
	free(text);
	return rc;
}

static json_t *snapshot_json(struct hc_server *s, struct hc_supervisor_session *sv)
{
	uint32_t area_count = (uint32_t)s->cfg->area_count;
	uint32_t terminal_count = (uint32_t)s->cfg->terminal_count;
	struct hc_wire_area *areas = calloc(area_count + 1, sizeof *areas);
	struct hc_wire_terminal *terminals = calloc(terminal_count + 1, sizeof *terminals);
	struct hc_venue_wire_groups *groups = hc_venue_wire_groups_new(s);
	json_t *o = NULL;
	if (areas != NULL && terminals != NULL && groups != NULL) {
		for (uint32_t i = 0; i < area_count; i++)
			hc_venue_wire_area(s, (int)i, &areas[i]);
		for (uint32_t i = 0; i < terminal_count; i++)
			hc_venue_wire_terminal(s, (int)i, &terminals[i]);
		o = hc_wire_sup_snapshot_json(s->cfg->name, areas, area_count, groups->entries,
					      groups->count, terminals, terminal_count);
	}
	free(areas);
	free(terminals);
	hc_venue_wire_groups_free(groups);
	for (uint32_t k = 0; k < sv->versions_len; k++)
		sv->versions_sent[k] = version_of(s, k);
	return o;
}

static int on_writeable(struct hc_server *s, struct hc_supervisor_session *sv)
{
	if (hc_ws_session_writeable_closes(&sv->ws, s->closing_all))
		return -1;
	if (sv->challenge_pending) {
		sv->challenge_pending = false;
		return write_json(sv,
				  json_pack("{s:s, s:s}", "type", "challenge", "nonce", sv->nonce));
	}
	if (sv->login.salt_pending) {
		char salt[HC_WIRE_SUP_SALT_HEX_LEN + 1];
		sv->login.salt_pending = false;
		hc_password_salt_hex(&sv->login.record, salt);
		return write_json(sv,
				  json_pack("{s:s, s:s, s:I}", "type", "salt", "salt", salt,
					    "iterations", (json_int_t)sv->login.record.iterations));
	}
	if (!sv->ready)
		return 0;
	if (sv->ping_pending) {
		sv->ping_pending = false;
		return hc_ws_session_write_ping(&sv->ws, NULL, 0);
	}
	if (!follow_generation(s, sv))
		return -1;
	int rc = 0;
	if (sv->welcome_pending) {
		sv->welcome_pending = false;
		rc = write_json(sv,
				json_pack("{s:s, s:s}", "type", "welcome", "supervisor", sv->name));
	} else if (sv->snapshot_pending) {
		sv->snapshot_pending = false;
		rc = write_json(sv, snapshot_json(s, sv));
	} else if (sv->result_len > 0) {
		const char *text = sv->results[sv->result_head];
		unsigned char buf[LWS_PRE + sizeof sv->results[0]];
		size_t len = strlen(text);
		memcpy(buf + LWS_PRE, text, len);
		sv->result_head = (sv->result_head + 1) % HC_SUPERVISOR_RESULTS_MAX;
		sv->result_len--;
		rc = hc_ws_session_write_text(&sv->ws, buf, len);
	} else {
		int k = next_changed(s, sv);
		if (k < 0)
			return 0;
		sv->versions_sent[k] = version_of(s, (uint32_t)k);
		sv->cursor = (uint32_t)k + 1;
		rc = write_json(sv, entry_json(s, (uint32_t)k));
	}
	if (rc < 0)
		return -1;
	if (sv->snapshot_pending || sv->result_len > 0 || next_changed(s, sv) >= 0)
		hc_ws_session_want_write(&sv->ws);
	return 0;
}

/* ---- connection life -------------------------------------------------- */

static int on_established(struct hc_server *s, struct hc_supervisor_session *sv, struct lws *wsi)
{
	hc_ws_session_start(&sv->ws, wsi, HC_WS_SUPERVISOR, &sv->inbox, sv->rx,
			    HC_SUPERVISOR_FRAME_BYTES_MAX);
	hc_server_peer_address(wsi, sv->ws.peer, sizeof sv->ws.peer);
	s->supervisor_sessions++;
	if (!hc_server_random_hex(s, sv->nonce, HC_NONCE_HEX_LEN / 2)) {
		hc_error("supervisor %s: cannot draw a challenge", sv->ws.peer);
		return -1;
	}
	sv->challenge_pending = true;
	hc_ws_session_start_hello_timer(&sv->ws, HC_HELLO_TIMEOUT_S);
	hc_ws_rate_init(&sv->rate, HC_SUPERVISOR_MESSAGES_BURST_MAX,
			HC_SUPERVISOR_MESSAGES_PER_S_MAX, hc_mono_ms());
	if (!hc_server_role_allowed(s, wsi, true))
		close_later(sv, HC_CLOSE_WRONG_LISTENER,
			    "supervisors connect to the staff listener (staff_listen)");
	lws_callback_on_writable(wsi);
	return 0;
}

static void on_closed(struct hc_server *s, struct hc_supervisor_session *sv)
{
	/* A failed upgrade is CLOSED without ESTABLISHED (lws 4.1 switches
	 * to the WebSocket role before the handshake; see terminal_role.c):
	 * only a session on_established set up (sv->ws.wsi) has anything to
	 * undo. Without this the session count wraps and shutdown waits for
	 * connections that do not exist. */
	if (sv == NULL || sv->ws.wsi == NULL)
		return;
	hc_ws_session_end(&sv->ws);
	assert(s->supervisor_sessions > 0);
	s->supervisor_sessions--;
	if (sv->listed) {
		for (struct hc_supervisor_session **pp = &s->supervisors; *pp; pp = &(*pp)->next) {
			if (*pp == sv) {
				*pp = sv->next;
				break;
			}
		}
		sv->listed = false;
		hc_info("supervisor %s disconnected: peer %s", sv->name, sv->ws.peer);
	}
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++)
		if (s->pending[k].session == sv)
			s->pending[k].session = NULL;
	free(sv->versions_sent);
	sv->versions_sent = NULL;
}

void hc_supervisor_sessions_reconfigured(struct hc_server *s)
{
	for (struct hc_supervisor_session *sv = s->supervisors; sv != NULL; sv = sv->next)
		if (hc_venue_find_supervisor(s->cfg, sv->name) < 0)
			close_later(sv, HC_CLOSE_AUTH_FAILED,
				    "supervisor removed from the venue config");
}

int hc_supervisor_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			   size_t len)
{
	struct hc_server *s = hc_server_of(wsi);
	struct hc_supervisor_session *sv = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return s->stopping ? -1 : 0;
	case LWS_CALLBACK_ESTABLISHED: return on_established(s, sv, wsi);
	case LWS_CALLBACK_RECEIVE:
		/* Only an established connection has a session to read into. */
		return sv != NULL && sv->ws.wsi != NULL ? on_receive(s, sv, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return sv != NULL && sv->ws.wsi != NULL ? on_writeable(s, sv) : 0;
	case LWS_CALLBACK_CLOSED: on_closed(s, sv); return 0;
	default: return 0;
	}
}
