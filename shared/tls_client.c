/*
 * tls_client.c — the venue CA, its pin, and a client that trusts it
 * alone (tls_client.h).
 *
 * Relies on: mbedtls 2.28 (x509 parsing, SHA-256) for reading the CA file
 * and computing its pin; libwebsockets 4.1 on OpenSSL for the connection
 * itself, configured through its own creation-info fields only.
 *
 * Promises: a client given a CA never loads the OS CA store
 * (LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS; Debian's lws is built with
 * LWS_SSL_CLIENT_USE_OS_CA_CERTS, which would otherwise add every public
 * CA); connections are made without LCCSCF_ALLOW_SELFSIGNED,
 * LCCSCF_ALLOW_EXPIRED, LCCSCF_ALLOW_INSECURE or
 * LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK, so lws checks the chain, the
 * dates and the name (an IP address against the certificate's IP
 * addresses, a name against its DNS names).
 */
#include "shared/tls_client.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libwebsockets.h>
#include <mbedtls/error.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

void hc_tls_pin_format(const uint8_t pin[HC_TLS_PIN_BYTES], char out[HC_TLS_PIN_HEX_LEN])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < HC_TLS_PIN_BYTES; i++) {
		out[2 * i] = hex[pin[i] >> 4];
		out[2 * i + 1] = hex[pin[i] & 0x0f];
	}
	out[2 * HC_TLS_PIN_BYTES] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool hc_tls_pin_parse(const char *text, uint8_t pin[HC_TLS_PIN_BYTES])
{
	static const char *const prefixes[] = { "sha256 fingerprint=", "sha256:" };
	const char *p = text;
	while (*p == ' ' || *p == '\t')
		p++;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncasecmp(p, prefixes[i], n) == 0) {
			p += n;
			break;
		}
	}
	uint8_t out[HC_TLS_PIN_BYTES];
	bool colons = strchr(p, ':') != NULL;
	for (size_t i = 0; i < HC_TLS_PIN_BYTES; i++) {
		if (colons && i > 0) {
			if (*p != ':')
				return false;
			p++;
		}
		int hi = hex_value(p[0]);
		int lo = hi < 0 ? -1 : hex_value(p[1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '\0')
		return false;
	memcpy(pin, out, sizeof out);
	return true;
}

/* Loads and checks the venue CA's certificate, and its pin when one is
 * given. One piece (about 70 lines): a sequence of checks, each with the
 * sentence that tells an operator what to copy instead, on one fail
 * path that frees the certificate. */
bool hc_tls_ca_load(const char *path, const char *want_pin, char pin_out[HC_TLS_PIN_HEX_LEN],
		    char *err, size_t err_len)
{
	bool ok = false;
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	char why[160];
	/* mbedtls reads a directory's "size" as a huge length and asks
	 * calloc for it: only a regular file gets that far. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(
			err, err_len,
			"CA certificate %s is not a file (a directory?); give the path of the venue"
			" CA's ca.crt",
			path);
		goto fail;
	}
	int rc = mbedtls_x509_crt_parse_file(&crt, path);
	if (rc != 0) {
		FILE *f = fopen(path, "rb");
		if (f == NULL) {
			snprintf(err, err_len,
				 "CA certificate %s cannot be opened: %m (copy the venue CA's"
				 " ca.crt from the aggregator's make-ca directory)",
				 path);
			goto fail;
		}
		fclose(f);
		mbedtls_strerror(rc, why, sizeof why);
		snprintf(err, err_len,
			 "CA certificate %s is not a PEM certificate (%s); use the ca.crt"
			 " that headcount-aggregator make-ca wrote",
			 path, why);
		goto fail;
	}
	if (crt.next != NULL) {
		snprintf(err, err_len,
			 "CA file %s holds more than one certificate; give the venue CA's"
			 " certificate alone",
			 path);
		goto fail;
	}
	if (!crt.ca_istrue) {
		snprintf(err, err_len,
			 "%s is not a CA certificate (no basicConstraints CA:TRUE): give the"
			 " venue CA's ca.crt, not the server's certificate",
			 path);
		goto fail;
	}
	uint8_t digest[HC_TLS_PIN_BYTES];
	if (mbedtls_sha256_ret(crt.raw.p, crt.raw.len, digest, 0) != 0) {
		snprintf(err, err_len, "cannot hash %s", path);
		goto fail;
	}
	char have[HC_TLS_PIN_HEX_LEN];
	hc_tls_pin_format(digest, have);
	if (want_pin != NULL && want_pin[0] != '\0') {
		uint8_t want[HC_TLS_PIN_BYTES];
		if (!hc_tls_pin_parse(want_pin, want)) {
			snprintf(err, err_len,
				 "ca_sha256 must be 64 hex digits (the pin make-ca printed), got"
				 " '%.80s'",
				 want_pin);
			goto fail;
		}
		if (memcmp(want, digest, sizeof digest) != 0) {
			snprintf(err, err_len,
				 "the CA file %s has pin %s, not the ca_sha256 given: this is not"
				 " the venue CA that was pinned; copy the right ca.crt or the pin"
				 " make-ca printed for it",
				 path, have);
			goto fail;
		}
	}
	if (pin_out != NULL)
		memcpy(pin_out, have, sizeof have);
	ok = true;
fail:
	mbedtls_x509_crt_free(&crt);
	return ok;
}

void hc_tls_client_info(struct lws_context_creation_info *info, const char *ca_path)
{
	if (ca_path == NULL || ca_path[0] == '\0')
		return;
	info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
			 LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	info->client_ssl_ca_filepath = ca_path;
}

int hc_tls_client_connect_flags(bool tls)
{
	return tls ? LCCSCF_USE_SSL : 0;
}

bool hc_tls_client_is_verify_error(const char *lws_error)
{
	static const char *const words[] = {
		"cert", "x509", "verify", "ssl", "tls", "hostname",
	};
	if (lws_error == NULL)
		return false;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i]);
		for (const char *p = lws_error; *p != '\0'; p++)
			if (strncasecmp(p, words[i], n) == 0)
				return true;
	}
	return false;
}

const char *hc_tls_client_explain(const char *lws_error, const char *ca_path, char *out,
				  size_t out_len)
{
	const char *e = lws_error != NULL ? lws_error : "connection error";
	size_t n = strlen(e);
	while (n > 0 && (e[n - 1] == '\n' || e[n - 1] == '\r' || e[n - 1] == ' '))
		n--;
	if (ca_path != NULL && ca_path[0] != '\0' && hc_tls_client_is_verify_error(e))
		snprintf(out, out_len,
			 "TLS verification failed: the aggregator's certificate is not one"
			 " the venue CA %s signed for this host name or address; nothing is"
			 " sent to it (lws: %.*s)",
			 ca_path, (int)(n > 200 ? 200 : n), e);
	else
		snprintf(out, out_len, "%.*s", (int)(n > 300 ? 300 : n), e);
	return out;
}
