/*
 * tls_setup.h — the aggregator's side of TLS: the [tls] files checked at
 * start-up, and the libwebsockets settings that serve https and wss on
 * every listener (docs/security.md, "TLS").
 *
 * Debian 12's libwebsockets 4.1.6 is built on OpenSSL
 * (LWS_OPENSSL_SUPPORT, no LWS_WITH_MBEDTLS), so the listeners' TLS is
 * OpenSSL's, driven through lws's own creation-info fields. The files are
 * read here first with mbedtls, so that a missing, unreadable, expired or
 * mismatched file stops the aggregator with one line that says what to do,
 * instead of lws's generic failure or a process that looks alive.
 */
#ifndef HC_AGGREGATOR_TLS_SETUP_H
#define HC_AGGREGATOR_TLS_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws_context_creation_info;
struct hc_venue_cfg;

/* A certificate within this many days of its end gets a warning. */
#define HC_TLS_EXPIRY_WARN_DAYS 30

enum hc_tls_dates {
	HC_TLS_DATES_OK,
	HC_TLS_DATES_NOT_YET_VALID,
	HC_TLS_DATES_EXPIRED,
	HC_TLS_DATES_EXPIRES_SOON, /* within HC_TLS_EXPIRY_WARN_DAYS */
};

/* Pure: where now_s (seconds since the epoch) stands against a
 * certificate's validity [not_before_s, not_after_s]. */
enum hc_tls_dates hc_tls_check_dates(int64_t now_s, int64_t not_before_s, int64_t not_after_s);

/* Pure: "2027-03-01" for a time in seconds since the epoch (UTC). */
void hc_tls_format_day(int64_t t_s, char out[16]);

/* With [tls] in cfg: checks cert, key and ca (each readable; the cert a
 * PEM certificate within its dates; the key a PEM private key that
 * belongs to the cert; the cert signed by ca when ca is given), logs what
 * is served and the CA pin, and keeps copies of the paths for
 * hc_tls_server_apply (one server per process, so cfg may be replaced by
 * a reload). False after logging one error line that says what to do.
 * Without [tls]: logs the warning that traffic is unencrypted; true.
 * Called once, before any context is made. */
bool hc_tls_server_check(const struct hc_venue_cfg *cfg);

/* Fills info (SSL global init, the checked certificate and key, ALPN
 * http/1.1) so that the context made from it serves TLS only; nothing
 * without [tls]. Called for every context (the staff and the public one
 * with staff_listen), after hc_tls_server_check returned true. */
void hc_tls_server_apply(const struct hc_venue_cfg *cfg, struct lws_context_creation_info *info);

#endif
