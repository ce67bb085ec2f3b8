/*
 * tls_client.h — the client side of TLS, shared by the terminal, the
 * dashboard and the test tools: the venue CA file and its pin, and the
 * libwebsockets settings that make a client trust that CA and nothing
 * else.
 *
 * A client that dials wss:// verifies the aggregator's certificate
 * against one file, the venue CA's certificate (`ca = PATH`, `--ca
 * PATH`): the operating system's CA store is never loaded, so a
 * certificate from any other CA, public or not, is refused, and so is one
 * of the venue CA whose names do not include the host dialled. The pin
 * (`ca_sha256 = HEX`) is the SHA-256 of that certificate's DER bytes, the
 * same figure `openssl x509 -noout -fingerprint -sha256` prints; giving it
 * makes a client refuse to start when the CA file was swapped.
 *
 * The pure part (pin text in and out) has no files and no sockets;
 * hc_tls_ca_load() reads one file with mbedtls.
 */
#ifndef HC_SHARED_TLS_CLIENT_H
#define HC_SHARED_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws_context_creation_info;

#define HC_TLS_PIN_BYTES 32
/* 64 hex digits and the NUL. */
#define HC_TLS_PIN_HEX_LEN (2 * HC_TLS_PIN_BYTES + 1)

/* ---- pure: the pin as text -------------------------------------------- */

/* Writes the 32 bytes as 64 lower-case hex digits into out. */
void hc_tls_pin_format(const uint8_t pin[HC_TLS_PIN_BYTES], char out[HC_TLS_PIN_HEX_LEN]);

/* Reads a pin written as 64 hex digits, upper or lower case, optionally
 * in pairs separated by ':' (as openssl prints it), with an optional
 * "sha256:" or "SHA256 Fingerprint=" prefix. False for anything else. */
bool hc_tls_pin_parse(const char *text, uint8_t pin[HC_TLS_PIN_BYTES]);

/* ---- the CA file ------------------------------------------------------ */

/* Reads the CA certificate at path (PEM, one certificate that is a CA:
 * basicConstraints CA:TRUE), puts its pin in pin_out (may be NULL) and,
 * when want_pin is not NULL or "", checks it against that. False with
 * one sentence saying what is wrong and what to do in err. */
bool hc_tls_ca_load(const char *path, const char *want_pin, char pin_out[HC_TLS_PIN_HEX_LEN],
		    char *err, size_t err_len);

/* ---- libwebsockets ---------------------------------------------------- */

/* Makes the client context (or vhost) creation info trust the CA at
 * ca_path alone: SSL global init, no OS CA store, client_ssl_ca_filepath.
 * ca_path must live as long as the context. Does nothing when ca_path is
 * NULL or "" (a plain ws:// client). */
void hc_tls_client_info(struct lws_context_creation_info *info, const char *ca_path);

/* The ssl_connection flags of a client connection: full verification
 * (chain to the CA, host name or address in the certificate, dates) for
 * wss, 0 for ws. */
int hc_tls_client_connect_flags(bool tls);

/* Turns lws's connection-error text into the reason a log line gives:
 * for a certificate that failed verification, "TLS verification failed:
 * the aggregator's certificate is not one the venue CA <ca_path> signed
 * for this host name or address; nothing is sent to it (lws: <its
 * words>)"; anything else is copied as it is. Returns out. */
const char *hc_tls_client_explain(const char *lws_error, const char *ca_path, char *out,
				  size_t out_len);

/* True when lws's connection-error text says the TLS verification failed. */
bool hc_tls_client_is_verify_error(const char *lws_error);

#endif
