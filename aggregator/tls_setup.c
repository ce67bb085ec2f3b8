/*
 * tls_setup.c — [tls] checked at start-up, and lws set to serve it
 * (tls_setup.h).
 *
 * Relies on: mbedtls 2.28 (x509 and pk parsing, pk_check_pair, chain
 * verification) to look at the files before lws does; libwebsockets 4.1
 * on OpenSSL to serve them (ssl_cert_filepath, ssl_private_key_filepath,
 * LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT). A vhost made from a copy of the
 * same creation info (staff_listen) serves the same certificate.
 *
 * Promises: every way the files can be wrong that we know of gives one
 * ERROR line naming the file and the fix, and false; the caller then
 * exits non-zero before any port is opened. Without [tls], one WARN line
 * says that traffic is unencrypted.
 */
#include "aggregator/tls_setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libwebsockets.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "shared/config.h"
#include "shared/log.h"
#include "shared/tls_client.h"

#define DAY_S 86400

/* What lws is given: copies, so a reload may free the config. */
static char served_cert[PATH_MAX];
static char served_key[PATH_MAX];

enum hc_tls_dates hc_tls_check_dates(int64_t now_s, int64_t not_before_s, int64_t not_after_s)
{
	if (now_s < not_before_s)
		return HC_TLS_DATES_NOT_YET_VALID;
	if (now_s > not_after_s)
		return HC_TLS_DATES_EXPIRED;
	if (not_after_s - now_s < (int64_t)HC_TLS_EXPIRY_WARN_DAYS * DAY_S)
		return HC_TLS_DATES_EXPIRES_SOON;
	return HC_TLS_DATES_OK;
}

void hc_tls_format_day(int64_t t_s, char out[16])
{
	time_t t = (time_t)t_s;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 16, "?");
}

static int64_t x509_time_s(const mbedtls_x509_time *t)
{
	struct tm tm = {
		.tm_year = t->year - 1900,
		.tm_mon = t->mon - 1,
		.tm_mday = t->day,
		.tm_hour = t->hour,
		.tm_min = t->min,
		.tm_sec = t->sec,
	};
	return (int64_t)timegm(&tm);
}

/* The file can be opened for reading by this process; else logs why. */
static bool readable(const char *what, const char *path, const char *fix)
{
	FILE *f = fopen(path, "rb");
	if (f != NULL) {
		fclose(f);
		return true;
	}
	int e = errno;
	if (e == EACCES)
		hc_error("tls: %s %s cannot be read by this user (%s): give it to the"
			 " service user (chown headcount %s; chmod 600 for a key)",
			 what, path, strerror(e), path);
	else
		hc_error("tls: %s %s cannot be opened (%s): %s", what, path, strerror(e), fix);
	return false;
}

/* Checks the three files; false after one error line. One piece (about
 * 95 lines): the checks run in the order an operator fixes them (readable,
 * a certificate, in its dates, a key, the key of that certificate, the
 * CA that signed it), each with its own remedy in its one line, and they
 * share the parsed certificate and key that the end releases. */
static bool check_files(const struct hc_tls_cfg *t, char pin[HC_TLS_PIN_HEX_LEN])
{
	static const char fix[] =
		"make one with headcount-aggregator make-ca DIR --host NAME and set [tls]"
		" cert, key and ca to the files it writes";
	bool ok = false;
	char why[200];
	mbedtls_x509_crt crt, ca;
	mbedtls_pk_context key;
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&ca);
	mbedtls_pk_init(&key);

	if (!readable("certificate", t->cert, fix) || !readable("key", t->key, fix))
		goto fail;
	int rc = mbedtls_x509_crt_parse_file(&crt, t->cert);
	if (rc != 0) {
		mbedtls_strerror(rc, why, sizeof why);
		hc_error("tls: certificate %s is not a PEM certificate (%s): %s", t->cert, why,
			 fix);
		goto fail;
	}
	int64_t now_s = (int64_t)time(NULL);
	int64_t from_s = x509_time_s(&crt.valid_from), to_s = x509_time_s(&crt.valid_to);
	char day[16];
	switch (hc_tls_check_dates(now_s, from_s, to_s)) {
	case HC_TLS_DATES_NOT_YET_VALID:
		hc_tls_format_day(from_s, day);
		hc_error("tls: certificate %s is valid only from %s (is this machine's clock"
			 " right?): set the clock, or %s",
			 t->cert, day, fix);
		goto fail;
	case HC_TLS_DATES_EXPIRED:
		hc_tls_format_day(to_s, day);
		hc_error("tls: certificate %s expired on %s: %s", t->cert, day, fix);
		goto fail;
	case HC_TLS_DATES_EXPIRES_SOON:
		hc_tls_format_day(to_s, day);
		hc_warn("tls: certificate %s expires on %s: make a new one before then"
			" (headcount-aggregator make-ca)",
			t->cert, day);
		break;
	case HC_TLS_DATES_OK: break;
	}
	rc = mbedtls_pk_parse_keyfile(&key, t->key, NULL);
	if (rc != 0) {
		mbedtls_strerror(rc, why, sizeof why);
		hc_error("tls: key %s is not an unencrypted PEM private key (%s): %s", t->key, why,
			 fix);
		goto fail;
	}
	if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
		hc_error("tls: key %s does not belong to certificate %s: give the key that"
			 " was made with that certificate (make-ca writes server.key beside"
			 " server.crt)",
			 t->key, t->cert);
		goto fail;
	}
	struct stat st;
	if (stat(t->key, &st) == 0 && (st.st_mode & 0077) != 0)
		hc_warn("tls: key %s can be read by other users (mode %03o): chmod 600 %s", t->key,
			(unsigned)(st.st_mode & 0777), t->key);
	pin[0] = '\0';
	if (t->ca[0] != '\0') {
		char err[PATH_MAX + 200];
		if (!hc_tls_ca_load(t->ca, NULL, pin, err, sizeof err)) {
			hc_error("tls: %s", err);
			goto fail;
		}
		if (mbedtls_x509_crt_parse_file(&ca, t->ca) != 0) {
			hc_error("tls: cannot read the CA %s", t->ca);
			goto fail;
		}
		uint32_t flags = 0;
		if (mbedtls_x509_crt_verify(&crt, &ca, NULL, NULL, &flags, NULL, NULL) != 0) {
			char info[256];
			if (mbedtls_x509_crt_verify_info(info, sizeof info, "", flags) < 0)
				info[0] = '\0';
			for (char *p = info; *p != '\0'; p++)
				if (*p == '\n')
					*p = ' ';
			hc_error("tls: certificate %s is not signed by the CA %s (%s): clients"
				 " that trust this CA would refuse it; make the certificate with"
				 " make-ca from this CA, or set ca to the CA that signed it",
				 t->cert, t->ca, info);
			goto fail;
		}
	}
	ok = true;
fail:
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&crt);
	return ok;
}

bool hc_tls_server_check(const struct hc_venue_cfg *cfg)
{
	const struct hc_tls_cfg *t = &cfg->tls;
	if (!t->enabled) {
		hc_warn("tls: no [tls] in %s: all traffic (counts, supervisor commands and"
			" keys) is unencrypted ws:// and http://, fit only for a demo on one"
			" laptop; see docs/security.md to set up TLS",
			cfg->path);
		return true;
	}
	char pin[HC_TLS_PIN_HEX_LEN];
	if (!check_files(t, pin))
		return false;
	snprintf(served_cert, sizeof served_cert, "%s", t->cert);
	snprintf(served_key, sizeof served_key, "%s", t->key);
	if (pin[0] != '\0')
		hc_info("tls: https and wss only, certificate %s; venue CA %s, pin"
			" (ca_sha256) %s",
			t->cert, t->ca, pin);
	else
		hc_info("tls: https and wss only, certificate %s (no ca given: no pin to"
			" show)",
			t->cert);
	return true;
}

void hc_tls_server_apply(const struct hc_venue_cfg *cfg, struct lws_context_creation_info *info)
{
	if (!cfg->tls.enabled)
		return;
	info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info->ssl_cert_filepath = served_cert;
	info->ssl_private_key_filepath = served_key;
	/* WebSocket and our HTTP handler speak HTTP/1.1; never offer h2. */
	info->alpn = "http/1.1";
}
