/*
 * supervisor_login.c — how a supervisor connection logs in: hello,
 * salt, proof; the stand-in record for a name without a password; the
 * failed-login limit per address.
 *
 * Relies on: passwords.c for the password records and the proof check,
 * login_limiter.c for failed logins per address, the server's ctr_drbg
 * (hc_server_random_hex) for the per-run stand-in secret, ws_session.h
 * to close. The session (challenge written, salt written, hello timer)
 * is supervisor_role.c's.
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
 * login never holds up the loop.
 */
#include "aggregator/supervisor_login.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "aggregator/login_limiter.h"
#include "aggregator/passwords.h"
#include "aggregator/random.h"

#include "shared/clock.h"
#include "shared/log.h"

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

int hc_supervisor_login_hello(struct hc_server *s, struct hc_supervisor_session *sv,
			      const struct hc_sup_cmd *cmd)
{
	if (sv->ready || sv->login.hello_seen)
		return hc_ws_session_close_now(&sv->ws, HC_CLOSE_OUT_OF_ORDER, "hello sent twice");
	if (!login_limiter_ready) {
		hc_login_limiter_init(&login_limiter);
		login_limiter_ready = true;
	}
	int64_t retry_ms = 0;
	if (!hc_login_limiter_allowed(&login_limiter, sv->ws.peer, hc_mono_ms(), &retry_ms)) {
		char reason[120];
		snprintf(reason, sizeof reason,
			 "too many failed logins from %.48s; try again in"
			 " %" PRId64 " s",
			 sv->ws.peer, (retry_ms + 999) / 1000);
		hc_warn("supervisor login refused: name %s, peer %s: over %d failed logins",
			cmd->supervisor, sv->ws.peer, HC_LOGIN_FAILURES_BURST);
		return hc_ws_session_close_now(&sv->ws, HC_CLOSE_RATE_LIMITED, reason);
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
		return hc_ws_session_close_now(&sv->ws, HC_CLOSE_AUTH_FAILED,
					       "cannot check logins now");
	/* The record's own name is the one asked for (same letters). */
	snprintf(lg->record.name, sizeof lg->record.name, "%s", cmd->supervisor);
	lg->salt_pending = true;
	hc_ws_session_want_write(&sv->ws);
	return 0;
}

int hc_supervisor_login_proof(struct hc_server *s, struct hc_supervisor_session *sv,
			      const struct hc_sup_cmd *cmd)
{
	struct hc_sup_login *lg = &sv->login;
	if (sv->ready)
		return hc_ws_session_close_now(&sv->ws, HC_CLOSE_OUT_OF_ORDER, "proof after login");
	if (!lg->hello_seen)
		return hc_ws_session_close_now(&sv->ws, HC_CLOSE_OUT_OF_ORDER,
					       "send hello before the proof");
	/* Checked whether or not the name is known: same work either way. */
	bool proof_ok = hc_password_proof_valid(&lg->record, sv->nonce, cmd->proof);
	const char *name = lg->record.name;
	if (!(proof_ok && lg->known)) {
		int64_t now_ms = hc_mono_ms();
		hc_login_limiter_failed(&login_limiter, sv->ws.peer, now_ms);
		hc_warn("supervisor login failed: name %s, peer %s (%" PRIu32 " of %d failed"
			" logins allowed from this address)",
			name, sv->ws.peer,
			hc_login_limiter_failures(&login_limiter, sv->ws.peer, now_ms),
			HC_LOGIN_FAILURES_BURST);
		return hc_ws_session_close_now(&sv->ws, HC_CLOSE_AUTH_FAILED,
					       "unknown supervisor or wrong password");
	}
	if (!plain_login_warned && !lws_is_ssl(sv->ws.wsi)) {
		plain_login_warned = true;
		hc_warn("supervisor logins over plain ws: the password itself is never sent,"
			" but whoever records the exchange can try to guess it offline; use TLS"
			" for a real venue (plain ws is for a laptop-only demo)");
	}
	char source[HC_SOURCE_ID_LEN_MAX + 1];
	snprintf(source, sizeof source, "supervisor:%s", name);
	uint32_t slot = hc_slots_add(s->sources, source);
	if (slot == HC_SLOT_NONE)
		return hc_ws_session_close_now(
			&sv->ws, HC_CLOSE_AUTH_FAILED,
			"too many sources since start; restart the aggregator");
	hc_ws_session_hello_done(&sv->ws);
	sv->ready = true;
	sv->source_slot = slot;
	snprintf(sv->name, sizeof sv->name, "%s", name);
	hc_ws_session_set_name(&sv->ws, sv->name);
	mbedtls_platform_zeroize(&lg->record, sizeof lg->record);
	sv->welcome_pending = true;
	sv->snapshot_pending = true;
	sv->next = s->supervisors;
	s->supervisors = sv;
	sv->listed = true;
	hc_info("supervisor %s authenticated: peer %s", sv->name, sv->ws.peer);
	hc_ws_session_want_write(&sv->ws);
	return 0;
}
