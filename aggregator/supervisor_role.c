/*
 * supervisor_role.c — the "headcount-supervisor.v1" WebSocket role: an
 * authenticated person who sees everything and steers the gates.
 *
 * Relies on: supervisor_cmd.c to parse and check every message,
 * passwords.c for the password records and the proof check,
 * login_limiter.c for failed logins per address, venue_state.c for the
 * states, overrides, threshold adjustments and JSON, server.c for
 * records and the commands waiting for storage, the server's ctr_drbg
 * for challenges.
 *
 * Login (docs/protocol.md, "Authentication"): a connection is sent
 * {"type":"challenge","nonce":<32 hex>} at once; it answers with
 * {"type":"hello","supervisor":NAME}, gets {"type":"salt","salt":HEX,
 * "iterations":N} (its password record's, or for a name without one a
 * stand-in derived from a per-run secret, so both look and cost the
 * same), and answers with {"type":"proof","proof":HEX}, all within
 * HC_HELLO_TIMEOUT_S. A wrong proof and an unknown name are refused
 * alike (4009, same text), logged with the name and the address, and
 * counted against the address; an address over its failed logins
 * (login_limiter.h) is closed with 4010 at its hello, before any check.
 * The proof check is two hashes (the PBKDF2 runs on the client), so a
 * login never holds up the loop. Then it gets a welcome and a snapshot (areas with override
 * and group, groups, terminals), then every change, conflated like the
 * map role. Commands (override, set_thresholds, correct) are answered
 * with a result: ok:false at once for a bad command, which changes
 * nothing; ok:true once every write the command made is durable. The
 * effect on the gates is immediate: an override or a threshold change is
 * applied and pushed in the loop turn that received it, its records
 * follow in the next group commit. A correction is a ledger row like a
 * terminal's batch, so its effect shows when it is durable.
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

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "aggregator/login_limiter.h"
#include "aggregator/passwords.h"

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/occupancy.h"

/* Room for one update message (an area, a group, a terminal, a result). */
#define SUPERVISOR_TX_BYTES 4096

/* Failed logins per peer address, for the whole process (one
 * aggregator per process; the table is fixed-size, no allocation). */
static struct hc_login_limiter login_limiter;
static bool login_limiter_ready;

/* The per-run secret that stand-in salts are derived from, so a name
 * without a password gets the same salt at every attempt of a run and
 * cannot be told from a real one by asking twice. */
static unsigned char standin_secret[32];
static bool standin_secret_ready;

/* Logged once per run: logins over plain ws. */
static bool plain_login_warned;

static const char *name_of(const struct hc_supervisor_session *sv)
{
	return sv->ready ? sv->name : "?";
}

static int close_now(struct hc_supervisor_session *sv, uint16_t code, const char *reason)
{
	hc_warn("supervisor %s %s: closing %u: %s", name_of(sv), sv->peer, code, reason);
	lws_close_reason(sv->wsi, (enum lws_close_status)code, (unsigned char *)reason,
			 strlen(reason));
	return -1;
}

static void close_later(struct hc_supervisor_session *sv, uint16_t code, const char *reason)
{
	if (sv->close_pending)
		return;
	hc_warn("supervisor %s %s: closing %u: %s", name_of(sv), sv->peer, code, reason);
	sv->close_pending = true;
	sv->close_code = code;
	snprintf(sv->close_reason, sizeof sv->close_reason, "%s", reason);
	lws_callback_on_writable(sv->wsi);
}

static void hello_timeout_due(lws_sorted_usec_list_t *sul)
{
	struct hc_supervisor_session *sv = lws_container_of(sul, struct hc_supervisor_session,
							    hello_sul);
	if (sv->ready)
		return;
	char reason[64];
	snprintf(reason, sizeof reason, "no hello within %d s", HC_HELLO_TIMEOUT_S);
	close_later(sv, HC_CLOSE_HELLO_TIMEOUT, reason);
}

void hc_supervisor_answer(struct hc_server *s, struct hc_supervisor_session *sv,
			  const char *request, bool ok, const char *error)
{
	(void)s;
	if (sv == NULL || sv->close_pending)
		return;
	if (sv->result_len == HC_SUPERVISOR_RESULTS_MAX) {
		hc_warn("supervisor %s: answer queue full, answer dropped", sv->name);
		return;
	}
	json_t *o = json_pack("{s:s, s:b}", "type", "result", "ok", ok);
	if (o != NULL && request != NULL && request[0] != '\0')
		json_object_set_new(o, "request", json_loads(request, JSON_DECODE_ANY, NULL));
	if (o != NULL && !ok)
		json_object_set_new(o, "error", json_string(error ? error : "refused"));
	char *slot = sv->results[(sv->result_head + sv->result_len) % HC_SUPERVISOR_RESULTS_MAX];
	size_t n = o ? json_dumpb(o, slot, sizeof sv->results[0] - 1, JSON_COMPACT) : 0;
	json_decref(o);
	if (n == 0 || n >= sizeof sv->results[0] - 1) {
		hc_error("supervisor %s: cannot build an answer", sv->name);
		return;
	}
	slot[n] = '\0';
	sv->result_len++;
	lws_callback_on_writable(sv->wsi);
}

/* Answers a refused command at once; nothing changed. */
static int refuse(struct hc_server *s, struct hc_supervisor_session *sv,
		  const struct hc_sup_cmd *cmd, const char *why)
{
	hc_info("supervisor %s: command refused: %s", sv->name, why);
	hc_supervisor_answer(s, sv, cmd->request, false, why);
	return 0;
}

/* The audit record of a command. */
static void audit_record(const struct hc_supervisor_session *sv, const struct hc_sup_cmd *cmd,
			 const char *action, const char *detail_json, uint64_t token, int64_t at_ms,
			 struct hc_store_record *r)
{
	memset(r, 0, sizeof *r);
	r->kind = HC_RECORD_AUDIT;
	r->token = token;
	r->at_ms = at_ms;
	snprintf(r->who, sizeof r->who, "supervisor:%s", sv->name);
	snprintf(r->action, sizeof r->action, "%s", action);
	snprintf(r->target, sizeof r->target, "%s", hc_sup_target_name(cmd->target));
	snprintf(r->id, sizeof r->id, "%s", cmd->id);
	snprintf(r->text, sizeof r->text, "%s", detail_json);
	snprintf(r->reason, sizeof r->reason, "%s", cmd->reason);
}

/* Takes a pending entry for a command whose parts are queued next. */
static struct hc_pending_command *start_pending(struct hc_server *s,
						struct hc_supervisor_session *sv,
						const struct hc_sup_cmd *cmd, int parts)
{
	struct hc_pending_command *p = hc_server_new_pending(s);
	if (p == NULL)
		return NULL;
	p->session = sv;
	p->parts_left = parts;
	snprintf(p->request, sizeof p->request, "%s", cmd->request);
	return p;
}

static int do_override(struct hc_server *s, struct hc_supervisor_session *sv,
		       const struct hc_sup_cmd *cmd)
{
	char why[160];
	int index;
	if (!hc_sup_check_target(s->cfg, cmd->target, cmd->id, &index, why, sizeof why))
		return refuse(s, sv, cmd, why);
	struct hc_pending_command *p = start_pending(s, sv, cmd, 2);
	if (p == NULL)
		return refuse(s, sv, cmd, "too many commands waiting for storage; try again");
	int64_t now_ms = hc_wall_ms();
	const char *mode = hc_override_name(cmd->mode);
	struct hc_store_record recs[2];
	char detail[64];
	snprintf(detail, sizeof detail, "{\"mode\":\"%s\"}", mode);
	audit_record(sv, cmd, "override", detail, p->token, now_ms, &recs[1]);
	recs[0] = recs[1];
	recs[0].kind = HC_RECORD_OVERRIDE;
	snprintf(recs[0].text, sizeof recs[0].text, "%s", mode);
	if (!hc_server_queue_records(s, recs, 2)) {
		p->token = 0;
		return refuse(s, sv, cmd, "storage is behind; try again");
	}
	sv->commands_waiting++;

	struct hc_override_entry e = { .target = cmd->target, .mode = cmd->mode, .at_ms = now_ms };
	snprintf(e.id, sizeof e.id, "%s", cmd->id);
	snprintf(e.who, sizeof e.who, "%s", recs[1].who);
	snprintf(e.reason, sizeof e.reason, "%s", cmd->reason);
	hc_info("supervisor %s: override %s %s %s: %s", sv->name, hc_sup_target_name(cmd->target),
		cmd->id, mode, cmd->reason);
	hc_venue_state_set_override(s, &e);
	hc_venue_state_refresh(s);
	hc_server_kick_commit(s);
	return 0;
}

static int do_set_thresholds(struct hc_server *s, struct hc_supervisor_session *sv,
			     const struct hc_sup_cmd *cmd)
{
	char why[160];
	int index;
	if (!hc_sup_check_target(s->cfg, cmd->target, cmd->id, &index, why, sizeof why))
		return refuse(s, sv, cmd, why);
	bool group = cmd->target == HC_SUP_GROUP;
	struct hc_thresholds t;
	int64_t capacity;
	if (!hc_venue_state_base_values(s, cmd->target, cmd->id, &t, &capacity))
		return refuse(s, sv, cmd, "target not in the config file");
	struct hc_adjustment merged = { 0 };
	const struct hc_adjust_entry *existing = hc_venue_state_find_adjustment(s, cmd->target,
										cmd->id);
	if (existing != NULL)
		merged = existing->adj;
	else if (s->adjustment_count == HC_SETTINGS_MAX)
		return refuse(s, sv, cmd, "too many areas and groups with changed thresholds");
	hc_adjustment_merge(&merged, &cmd->set);
	if (!hc_adjustment_apply(&merged, group, &t, &capacity, why, sizeof why))
		return refuse(s, sv, cmd, why);

	struct hc_pending_command *p = start_pending(s, sv, cmd, 2);
	if (p == NULL)
		return refuse(s, sv, cmd, "too many commands waiting for storage; try again");
	int64_t now_ms = hc_wall_ms();
	struct hc_store_record recs[2];
	char merged_json[256], set_json[256];
	if (!hc_adjustment_to_json(&merged, merged_json, sizeof merged_json) ||
	    !hc_adjustment_to_json(&cmd->set, set_json, sizeof set_json)) {
		p->token = 0;
		return refuse(s, sv, cmd, "cannot encode the change");
	}
	audit_record(sv, cmd, "set_thresholds", set_json, p->token, now_ms, &recs[1]);
	recs[0] = recs[1];
	recs[0].kind = HC_RECORD_ADJUSTMENT;
	snprintf(recs[0].text, sizeof recs[0].text, "%s", merged_json);
	if (!hc_server_queue_records(s, recs, 2)) {
		p->token = 0;
		return refuse(s, sv, cmd, "storage is behind; try again");
	}
	sv->commands_waiting++;
	bool merged_ok = hc_venue_state_merge_adjustment(s, cmd->target, cmd->id, &cmd->set);
	(void)merged_ok; /* room was checked above */
	hc_info("supervisor %s: set_thresholds %s %s %s: %s", sv->name,
		hc_sup_target_name(cmd->target), cmd->id, set_json, cmd->reason);
	if (!hc_venue_state_apply_config(s, false, why, sizeof why))
		hc_error("supervisor %s: threshold change saved but not applied: %s", sv->name,
			 why);
	hc_server_kick_commit(s);
	return 0;
}

static int do_correct(struct hc_server *s, struct hc_supervisor_session *sv,
		      const struct hc_sup_cmd *cmd)
{
	char why[160];
	int index;
	if (!hc_sup_check_target(s->cfg, HC_SUP_AREA, cmd->id, &index, why, sizeof why))
		return refuse(s, sv, cmd, why);
	uint32_t area_slot = (uint32_t)s->area_slot[index];
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		const struct hc_pending_command *q = &s->pending[k];
		if (q->token != 0 && q->has_row && q->row.area_index == area_slot) {
			snprintf(why, sizeof why,
				 "a correction of area %s is still being saved;"
				 " try again in a moment",
				 cmd->id);
			return refuse(s, sv, cmd, why);
		}
	}
	int64_t entered, exited, d_entered, d_exited;
	hc_ledger_area_totals(s->ledger, area_slot, &entered, &exited);
	int64_t target = cmd->occupancy;
	if (cmd->has_delta) {
		int64_t now = hc_occupancy(entered, exited);
		if (now + cmd->delta < 0) {
			snprintf(why, sizeof why,
				 "correct.delta %" PRId64 " would take area %s"
				 " below 0 (it holds %" PRId64 ")",
				 cmd->delta, cmd->id, now);
			return refuse(s, sv, cmd, why);
		}
		d_entered = cmd->delta > 0 ? cmd->delta : 0;
		d_exited = cmd->delta < 0 ? -cmd->delta : 0;
		target = now + cmd->delta;
	} else {
		hc_sup_correction_delta(entered, exited, cmd->occupancy, &d_entered, &d_exited);
	}
	bool has_row = d_entered != 0 || d_exited != 0;
	int64_t now_ms = hc_wall_ms();
	struct hc_ledger_row row = {
		.terminal_index = sv->source_slot,
		.area_index = area_slot,
		.incarnation = s->run_incarnation,
		.seq = hc_ledger_seq_highest_known(s->ledger, sv->source_slot, s->run_incarnation) +
		       1,
		.entered = d_entered,
		.exited = d_exited,
		.received_at_ms = now_ms,
	};
	struct hc_pending_command *p = start_pending(s, sv, cmd, has_row ? 2 : 1);
	if (p == NULL)
		return refuse(s, sv, cmd, "too many commands waiting for storage; try again");
	char inc[HC_INCARNATION_HEX_LEN + 1];
	hc_proto_format_incarnation(s->run_incarnation, inc);
	int64_t before = hc_occupancy(entered, exited);
	char detail[256];
	snprintf(detail, sizeof detail,
		 "{\"occupancy_before\":%" PRId64 ",\"occupancy\":%" PRId64 ",\"entered\":%" PRId64
		 ",\"exited\":%" PRId64 ",\"incarnation\":\"%s\",\"seq\":%" PRId64 "}",
		 before, target, d_entered, d_exited, inc, has_row ? row.seq : 0);
	struct hc_store_record audit;
	audit_record(sv, cmd, "correct", detail, p->token, now_ms, &audit);
	if (!hc_server_queue_records(s, &audit, 1)) {
		p->token = 0;
		return refuse(s, sv, cmd, "storage is behind; try again");
	}
	sv->commands_waiting++;
	if (has_row) {
		p->has_row = true;
		p->row = row;
		enum hc_ledger_verdict v = hc_ledger_receive(s->ledger, &row);
		(void)v;
		hc_corrections_add(s->corrections, area_slot, audit.who, now_ms, d_entered,
				   d_exited, cmd->reason);
	}
	hc_info("supervisor %s: correct area %s from %" PRId64 " to %" PRId64 " (entered +%" PRId64
		", exited +%" PRId64 "): %s",
		sv->name, cmd->id, before, target, d_entered, d_exited, cmd->reason);
	hc_server_kick_commit(s);
	return 0;
}

/* The record a name without a password is checked against: a salt
 * that is stable for the run and a stored key no proof matches. */
static bool standin_record(struct hc_server *s, const char *name, struct hc_password_record *r)
{
	if (!standin_secret_ready) {
		char hex[2 * sizeof standin_secret + 1];
		if (!hc_server_random_hex(s, hex, sizeof standin_secret) ||
		    !hc_wire_sup_unhex(hex, standin_secret, sizeof standin_secret))
			return false;
		standin_secret_ready = true;
	}
	unsigned char mac[32];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->iterations = HC_PASSWORD_ITERATIONS_DEFAULT;
	if (md == NULL || mbedtls_md_hmac(md, standin_secret, sizeof standin_secret,
					  (const unsigned char *)name, strlen(name), mac) != 0)
		return false;
	memcpy(r->salt, mac, sizeof r->salt);
	memcpy(r->stored_key, mac, sizeof r->stored_key); /* SHA-256(x) == this: never */
	return true;
}

static int on_hello(struct hc_server *s, struct hc_supervisor_session *sv,
		    const struct hc_sup_cmd *cmd)
{
	if (sv->ready || sv->login.hello_seen)
		return close_now(sv, HC_CLOSE_OUT_OF_ORDER, "hello sent twice");
	if (!login_limiter_ready) {
		hc_login_limiter_init(&login_limiter);
		login_limiter_ready = true;
	}
	int64_t retry_ms = 0;
	if (!hc_login_limiter_allowed(&login_limiter, sv->peer, hc_mono_ms(), &retry_ms)) {
		char reason[120];
		snprintf(reason, sizeof reason,
			 "too many failed logins from %.48s; try again in"
			 " %" PRId64 " s",
			 sv->peer, (retry_ms + 999) / 1000);
		hc_warn("supervisor login refused: name %s, peer %s: over %d failed logins",
			cmd->supervisor, sv->peer, HC_LOGIN_FAILURES_BURST);
		return close_now(sv, HC_CLOSE_RATE_LIMITED, reason);
	}
	struct hc_sup_login *lg = &sv->login;
	lg->hello_seen = true;
	lg->known = false;
	char why[PATH_MAX + 200];
	if (hc_venue_find_supervisor(s->cfg, cmd->supervisor) >= 0) {
		switch (hc_passwords_lookup(s->cfg->supervisor_passwords, cmd->supervisor,
					    &lg->record, why, sizeof why)) {
		case HC_PASSWORDS_FOUND: lg->known = true; break;
		case HC_PASSWORDS_ERROR: hc_error("supervisor passwords: %s", why); break;
		case HC_PASSWORDS_NOT_FOUND:
		case HC_PASSWORDS_NO_FILE:
			hc_warn("supervisor %s has no password in %s; set one with"
				" headcount-aggregator passwd %s",
				cmd->supervisor, s->cfg->supervisor_passwords, cmd->supervisor);
			break;
		}
	}
	if (!lg->known && !standin_record(s, cmd->supervisor, &lg->record))
		return close_now(sv, HC_CLOSE_AUTH_FAILED, "cannot check logins now");
	/* The record's own name is the one asked for (same letters). */
	snprintf(lg->record.name, sizeof lg->record.name, "%s", cmd->supervisor);
	lg->salt_pending = true;
	lws_callback_on_writable(sv->wsi);
	return 0;
}

static int on_proof(struct hc_server *s, struct hc_supervisor_session *sv,
		    const struct hc_sup_cmd *cmd)
{
	struct hc_sup_login *lg = &sv->login;
	if (sv->ready)
		return close_now(sv, HC_CLOSE_OUT_OF_ORDER, "proof after login");
	if (!lg->hello_seen)
		return close_now(sv, HC_CLOSE_OUT_OF_ORDER, "send hello before the proof");
	/* Checked whether or not the name is known: same work either way. */
	bool proof_ok = hc_password_proof_valid(&lg->record, sv->nonce, cmd->proof);
	const char *name = lg->record.name;
	if (!(proof_ok && lg->known)) {
		int64_t now_ms = hc_mono_ms();
		hc_login_limiter_failed(&login_limiter, sv->peer, now_ms);
		hc_warn("supervisor login failed: name %s, peer %s (%" PRIu32 " of %d failed"
			" logins allowed from this address)",
			name, sv->peer, hc_login_limiter_failures(&login_limiter, sv->peer, now_ms),
			HC_LOGIN_FAILURES_BURST);
		return close_now(sv, HC_CLOSE_AUTH_FAILED, "unknown supervisor or wrong password");
	}
	if (!plain_login_warned && !lws_is_ssl(sv->wsi)) {
		plain_login_warned = true;
		hc_warn("supervisor logins over plain ws: the password itself is never sent,"
			" but whoever records the exchange can try to guess it offline; use TLS"
			" for a real venue (plain ws is for a laptop-only demo)");
	}
	char source[HC_SOURCE_ID_LEN_MAX + 1];
	snprintf(source, sizeof source, "supervisor:%s", name);
	uint32_t slot = hc_slots_add(s->sources, source);
	if (slot == HC_SLOT_NONE)
		return close_now(sv, HC_CLOSE_AUTH_FAILED,
				 "too many sources since start; restart the aggregator");
	lws_sul_cancel(&sv->hello_sul);
	sv->ready = true;
	sv->source_slot = slot;
	snprintf(sv->name, sizeof sv->name, "%s", name);
	mbedtls_platform_zeroize(&lg->record, sizeof lg->record);
	sv->welcome_pending = true;
	sv->snapshot_pending = true;
	sv->next = s->supervisors;
	s->supervisors = sv;
	sv->listed = true;
	hc_info("supervisor %s authenticated: peer %s", sv->name, sv->peer);
	lws_callback_on_writable(sv->wsi);
	return 0;
}

/* One message's worth from the connection's bucket (burst
 * HC_SUPERVISOR_MESSAGES_BURST_MAX, refilled at
 * HC_SUPERVISOR_MESSAGES_PER_S_MAX); false when it is empty. */
static bool rate_take(struct hc_supervisor_session *sv)
{
	int64_t now_ms = hc_mono_ms();
	int64_t elapsed_ms = now_ms - sv->rate_refilled_at_mono_ms;
	sv->rate_refilled_at_mono_ms = now_ms;
	sv->rate_tokens_milli += elapsed_ms * HC_SUPERVISOR_MESSAGES_PER_S_MAX;
	if (sv->rate_tokens_milli > HC_SUPERVISOR_MESSAGES_BURST_MAX * 1000)
		sv->rate_tokens_milli = HC_SUPERVISOR_MESSAGES_BURST_MAX * 1000;
	if (sv->rate_tokens_milli < 1000)
		return false;
	sv->rate_tokens_milli -= 1000;
	return true;
}

/* A whole message has arrived in sv->rx. */
static int on_message(struct hc_server *s, struct hc_supervisor_session *sv)
{
	struct hc_sup_cmd cmd;
	struct hc_proto_error err;
	char why[200];
	if (!rate_take(sv))
		return close_now(
			sv, HC_CLOSE_RATE_LIMITED,
			"more than " HC_STR(HC_SUPERVISOR_MESSAGES_BURST_MAX) " messages at once or " HC_STR(
				HC_SUPERVISOR_MESSAGES_PER_S_MAX) " per second");
	if (lws_frame_is_binary(sv->wsi))
		return close_now(sv, HC_CLOSE_BAD_JSON, "binary frames are not accepted");
	enum hc_sup_verdict v = hc_sup_parse(sv->rx, sv->rx_len, &cmd, why, sizeof why, &err);
	if (v == HC_SUP_CLOSE)
		return close_now(sv, (uint16_t)err.code, err.reason);
	if (cmd.type == HC_SUP_HELLO)
		return on_hello(s, sv, &cmd);
	if (cmd.type == HC_SUP_PROOF) {
		/* The proof is the login's second half: it does not count
		 * against the message budget (hello + 15 commands at once). */
		sv->rate_tokens_milli += 1000;
		return on_proof(s, sv, &cmd);
	}
	if (!sv->ready)
		return close_now(sv, HC_CLOSE_OUT_OF_ORDER, "authenticate with hello first");
	if (sv->result_len + sv->commands_waiting >= HC_SUPERVISOR_RESULTS_MAX) {
		char reason[80];
		snprintf(reason, sizeof reason, "more than %d commands unanswered",
			 HC_SUPERVISOR_RESULTS_MAX);
		return close_now(sv, HC_CLOSE_TOO_MANY_INFLIGHT, reason);
	}
	if (v == HC_SUP_REFUSE)
		return refuse(s, sv, &cmd, why);
	if (s->stopping)
		return refuse(s, sv, &cmd, "aggregator shutting down");
	switch (cmd.type) {
	case HC_SUP_OVERRIDE: return do_override(s, sv, &cmd);
	case HC_SUP_SET_THRESHOLDS: return do_set_thresholds(s, sv, &cmd);
	case HC_SUP_CORRECT: return do_correct(s, sv, &cmd);
	default: return close_now(sv, HC_CLOSE_UNKNOWN_TYPE, "type not sent by supervisors");
	}
}

static int on_receive(struct hc_server *s, struct hc_supervisor_session *sv, const void *in,
		      size_t len)
{
	if (sv->close_pending)
		return 0;
	if (len > HC_SUPERVISOR_FRAME_BYTES_MAX - sv->rx_len) {
		char reason[64];
		snprintf(reason, sizeof reason, "message over %d bytes",
			 HC_SUPERVISOR_FRAME_BYTES_MAX);
		return close_now(sv, HC_CLOSE_TOO_BIG, reason);
	}
	memcpy(sv->rx + sv->rx_len, in, len);
	sv->rx_len += len;
	if (!lws_is_final_fragment(sv->wsi) || lws_remaining_packet_payload(sv->wsi) > 0)
		return 0;
	sv->rx[sv->rx_len] = '\0';
	int rc = on_message(s, sv);
	sv->rx_len = 0;
	return rc;
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
	json_t *o;
	if (k < areas) {
		o = hc_venue_area_json_full(s, (int)k);
		if (o != NULL)
			json_object_set_new(o, "type", json_string("area"));
		return o;
	}
	if (k < areas + groups) {
		const char *id = s->groups[k - areas].state.id;
		o = hc_venue_group_json(s, (int)(k - areas));
		if (o != NULL && !hc_venue_override_who_json(s, HC_SUP_GROUP, id, o)) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	o = hc_venue_terminal_json(s, (int)(k - areas - groups));
	if (o != NULL)
		json_object_set_new(o, "type", json_string("terminal"));
	return o;
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
	size_t len = strlen(text);
	unsigned char *buf = malloc(LWS_PRE + len);
	if (buf == NULL) {
		free(text);
		return -1;
	}
	memcpy(buf + LWS_PRE, text, len);
	free(text);
	int n = lws_write(sv->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
	free(buf);
	return n < (int)len ? -1 : 0;
}

static json_t *snapshot_json(struct hc_server *s, struct hc_supervisor_session *sv)
{
	json_t *areas = json_array(), *groups = json_array(), *terminals = json_array();
	for (int i = 0; areas && i < s->cfg->area_count; i++)
		json_array_append_new(areas, hc_venue_area_json_full(s, i));
	for (int g = 0; groups && g < s->cfg->group_count; g++) {
		json_t *o = hc_venue_group_json(s, g);
		if (o != NULL) {
			json_object_del(o, "type");
			if (!hc_venue_override_who_json(s, HC_SUP_GROUP, s->groups[g].state.id,
							o)) {
				json_decref(o);
				o = NULL;
			}
		}
		json_array_append_new(groups, o);
	}
	for (int i = 0; terminals && i < s->cfg->terminal_count; i++)
		json_array_append_new(terminals, hc_venue_terminal_json(s, i));
	for (uint32_t k = 0; k < sv->versions_len; k++)
		sv->versions_sent[k] = version_of(s, k);
	if (areas == NULL || groups == NULL || terminals == NULL) {
		json_decref(areas);
		json_decref(groups);
		json_decref(terminals);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "type", "snapshot", "venue", s->cfg->name,
			 "areas", areas, "groups", groups, "terminals", terminals);
}

static int on_writeable(struct hc_server *s, struct hc_supervisor_session *sv)
{
	if (sv->close_pending) {
		lws_close_reason(sv->wsi, (enum lws_close_status)sv->close_code,
				 (unsigned char *)sv->close_reason, strlen(sv->close_reason));
		return -1;
	}
	if (s->closing_all) {
		const char *reason = "aggregator shutting down";
		lws_close_reason(sv->wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)reason,
				 strlen(reason));
		return -1;
	}
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
		unsigned char ping[LWS_PRE];
		sv->ping_pending = false;
		if (lws_write(sv->wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0)
			return -1;
		lws_callback_on_writable(sv->wsi); /* whatever else waits */
		return 0;
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
		size_t len = strlen(text);
		unsigned char buf[LWS_PRE + sizeof sv->results[0]];
		memcpy(buf + LWS_PRE, text, len);
		sv->result_head = (sv->result_head + 1) % HC_SUPERVISOR_RESULTS_MAX;
		sv->result_len--;
		rc = lws_write(sv->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len ? -1 : 0;
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
		lws_callback_on_writable(sv->wsi);
	return 0;
}

/* ---- connection life -------------------------------------------------- */

static int on_established(struct hc_server *s, struct hc_supervisor_session *sv, struct lws *wsi)
{
	sv->wsi = wsi;
	hc_server_peer_address(wsi, sv->peer, sizeof sv->peer);
	s->supervisor_sessions++;
	if (!hc_server_random_hex(s, sv->nonce, HC_NONCE_HEX_LEN / 2)) {
		hc_error("supervisor %s: cannot draw a challenge", sv->peer);
		return -1;
	}
	sv->challenge_pending = true;
	lws_sul_schedule(lws_get_context(wsi), 0, &sv->hello_sul, hello_timeout_due,
			 (lws_usec_t)HC_HELLO_TIMEOUT_S * LWS_USEC_PER_SEC);
	sv->rate_tokens_milli = HC_SUPERVISOR_MESSAGES_BURST_MAX * 1000;
	sv->rate_refilled_at_mono_ms = hc_mono_ms();
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
	 * only a session on_established set up (sv->wsi) has anything to
	 * undo. Without this the session count wraps and shutdown waits for
	 * connections that do not exist. */
	if (sv == NULL || sv->wsi == NULL)
		return;
	lws_sul_cancel(&sv->hello_sul);
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
		hc_info("supervisor %s disconnected: peer %s", sv->name, sv->peer);
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
		return sv != NULL && sv->wsi != NULL ? on_receive(s, sv, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return sv != NULL && sv->wsi != NULL ? on_writeable(s, sv) : 0;
	case LWS_CALLBACK_CLOSED: on_closed(s, sv); return 0;
	default: return 0;
	}
}
