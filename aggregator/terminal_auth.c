/*
 * terminal_auth.c — terminal authentication: the secrets file, the
 * challenge nonce, the hello proof and the batch MACs, and the recheck
 * after a reload.
 *
 * Relies on: terminal_secrets.c to read the secrets file,
 * shared/terminal_auth.h for the MACs (compared in constant time), the
 * server's CTR-DRBG (hc_server_random_hex), ws_session.h to close. The
 * session itself is terminal_role.c's.
 *
 * Promises (docs/security.md): unless the venue says terminal_auth =
 * off, a connection on v3 is first sent a challenge (a nonce of 24
 * CTR-DRBG bytes and a 64-bit counter, so never reused in a run; sent
 * with terminal_auth = off too, unchecked then, so a v3 terminal always
 * waits for it); its hello must carry HMAC(secret, nonce, id,
 * incarnation) for the secret enrolled in the secrets file, and every
 * batch a MAC over its fields bound to the same nonce. Refusals, each
 * closing only this connection with one WARN line and nothing stored:
 * listed but not enrolled (4020), missing or wrong proof (4021),
 * missing or wrong batch MAC (4022); a reload that revoked or rotated
 * the secret closes the open connection (4023). A secrets file that
 * cannot be read refuses the start and, at a reload, keeps the secrets
 * read before.
 */
#include "aggregator/terminal_auth.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "aggregator/random.h"

#include "shared/log.h"
#include "shared/terminal_auth.h"

/* A challenge: 24 bytes of the server's CTR-DRBG and the run's count
 * of challenges (big-endian), so no two connections of one run ever
 * share a nonce, and two runs share one with negligible probability. */
bool hc_terminal_auth_draw_nonce(struct hc_server *s, uint8_t nonce[HC_TAUTH_NONCE_BYTES])
{
	char hex[2 * 24 + 1];
	if (!hc_server_random_hex(s, hex, 24) || !hc_tauth_hex_decode(hex, nonce, 24))
		return false;
	uint64_t n = ++s->nonce_counter;
	for (int i = HC_TAUTH_NONCE_BYTES - 1; i >= 24; i--) {
		nonce[i] = (uint8_t)(n & 0xff);
		n >>= 8;
	}
	return true;
}

/* Reads the secrets file named by the config in force into s; keeps the
 * old set when it cannot be read. */
static bool load_secrets(struct hc_server *s, bool at_start)
{
	const struct hc_venue_cfg *cfg = s->base_cfg; /* s->cfg is not built yet at start */
	char err[PATH_MAX + 256];
	bool missing = false;
	struct hc_terminal_secrets *fresh = hc_terminal_secrets_load(cfg->terminal_secrets,
								     &missing, err, sizeof err);
	if (fresh == NULL) {
		hc_error("terminal secrets: %s%s", err,
			 at_start ? "" : "; keeping the secrets read before");
		return false;
	}
	hc_terminal_secrets_free(s->terminal_secrets);
	s->terminal_secrets = fresh;
	int enrolled = 0;
	for (int i = 0; i < cfg->terminal_count; i++)
		if (hc_terminal_secrets_find(fresh, cfg->terminals[i].id) != NULL)
			enrolled++;
	if (cfg->terminal_auth_off)
		hc_warn("TERMINAL AUTHENTICATION IS OFF (terminal_auth = off in %s): any client"
			" that knows a terminal id can count; fit only for a closed demo network",
			cfg->path);
	else
		hc_info("terminal authentication on: %d of %d terminals enrolled in %s%s", enrolled,
			cfg->terminal_count, cfg->terminal_secrets,
			missing ? " (no such file yet: headcount-aggregator enroll TERMINAL)" : "");
	return true;
}

bool hc_terminal_auth_start(struct hc_server *s)
{
	return load_secrets(s, true);
}

void hc_terminal_auth_stop(struct hc_server *s)
{
	hc_terminal_secrets_free(s->terminal_secrets);
	s->terminal_secrets = NULL;
}

/* After a reload: a terminal whose secret is gone or changed, or that
 * never authenticated while the venue now asks for it, is closed. */
void hc_terminal_auth_recheck(struct hc_server *s, struct hc_terminal_session *t,
			      const struct hc_terminal_cfg *tc)
{
	char reason[120];
	if (s->cfg->terminal_auth_off)
		return;
	const uint8_t *secret = hc_terminal_secrets_find(s->terminal_secrets, tc->id);
	if (!t->authenticated) {
		hc_ws_session_close_later(
			&t->ws, HC_CLOSE_BAD_PROOF,
			"terminal authentication is now required; reconnect with a secret");
	} else if (secret == NULL) {
		snprintf(reason, sizeof reason, "terminal \"%s\" was revoked", tc->id);
		hc_ws_session_close_later(&t->ws, HC_CLOSE_REVOKED, reason);
	} else if (!hc_tauth_mac_equal(secret, t->secret)) {
		snprintf(reason, sizeof reason, "terminal \"%s\" has a new secret (rotated)",
			 tc->id);
		hc_ws_session_close_later(&t->ws, HC_CLOSE_REVOKED, reason);
	}
}

bool hc_terminal_auth_reload(struct hc_server *s)
{
	return load_secrets(s, false);
}

int hc_terminal_auth_check_hello(struct hc_server *s, struct hc_terminal_session *t,
				 const struct hc_msg_hello *m)
{
	if (!s->cfg->terminal_auth_off) {
		char reason[120];
		const uint8_t *secret = hc_terminal_secrets_find(s->terminal_secrets, m->terminal);
		uint8_t expected[HC_TAUTH_MAC_BYTES];
		if (secret == NULL) {
			snprintf(reason, sizeof reason,
				 "terminal \"%s\" is not enrolled (headcount-aggregator enroll)",
				 m->terminal);
			return hc_ws_session_close_now(&t->ws, HC_CLOSE_NOT_ENROLLED, reason);
		}
		if (!m->has_proof) {
			snprintf(reason, sizeof reason,
				 "hello.proof missing: terminal \"%s\" has no secret configured",
				 m->terminal);
			return hc_ws_session_close_now(&t->ws, HC_CLOSE_BAD_PROOF, reason);
		}
		if (!hc_tauth_hello_proof(secret, t->nonce, m->terminal, m->incarnation,
					  expected) ||
		    !hc_tauth_mac_equal(expected, m->proof)) {
			snprintf(reason, sizeof reason,
				 "hello.proof does not match the secret enrolled for \"%s\"",
				 m->terminal);
			return hc_ws_session_close_now(&t->ws, HC_CLOSE_BAD_PROOF, reason);
		}
		memcpy(t->secret, secret, sizeof t->secret);
		t->authenticated = true;
	}
	return 0;
}

/* The MAC batch m should carry: with the connection's batch key, made
 * at its first batch (shared/terminal_auth.h), or, when there is no
 * memory for one, computed whole. */
static bool batch_mac(struct hc_terminal_session *t, const struct hc_terminal_cfg *tc,
		      const struct hc_msg_batch *m, uint8_t out[HC_TAUTH_MAC_BYTES])
{
	if (t->batch_key == NULL)
		t->batch_key = hc_tauth_batch_key_new(t->secret, t->nonce, tc->id, t->incarnation);
	if (t->batch_key != NULL)
		return hc_tauth_batch_key_mac(t->batch_key, m, out);
	return hc_tauth_batch_mac(t->secret, t->nonce, tc->id, t->incarnation, m, out);
}

void hc_terminal_auth_end(struct hc_terminal_session *t)
{
	hc_tauth_batch_key_free(t->batch_key);
	t->batch_key = NULL;
	memset(t->secret, 0, sizeof t->secret);
}

int hc_terminal_auth_check_batch(struct hc_terminal_session *t, const struct hc_terminal_cfg *tc,
				 const struct hc_msg_batch *m)
{
	if (t->authenticated) {
		uint8_t expected[HC_TAUTH_MAC_BYTES];
		char reason[120];
		if (!m->has_mac) {
			snprintf(reason, sizeof reason, "batch seq %" PRId64 ": batch.mac missing",
				 m->seq);
			return hc_ws_session_close_now(&t->ws, HC_CLOSE_BAD_MAC, reason);
		}
		if (!batch_mac(t, tc, m, expected) || !hc_tauth_mac_equal(expected, m->mac)) {
			snprintf(reason, sizeof reason,
				 "batch seq %" PRId64 ": mac does not match (altered, forged or"
				 " from another connection)",
				 m->seq);
			return hc_ws_session_close_now(&t->ws, HC_CLOSE_BAD_MAC, reason);
		}
	}
	return 0;
}
