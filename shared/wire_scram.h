/*
 * wire_scram.h — the supervisor login's key schedule, shared by every
 * client (shared/wire_supervisor.c builds the proof with it) and the
 * aggregator's password file and proof check.
 *
 * SCRAM's key schedule (RFC 5802) over our own JSON messages:
 * SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, iterations),
 * ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey =
 * SHA-256(ClientKey); proof = ClientKey XOR HMAC(StoredKey,
 * AuthMessage). Relies on mbedtls; no JSON, sockets, clocks or files.
 */
#ifndef HC_WIRE_SCRAM_H
#define HC_WIRE_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HC_WIRE_SUP_MAC_HEX_LEN 64
/* Password login: salt (16 bytes) and keys (32 bytes) as hex. */
#define HC_WIRE_SUP_SALT_BYTES 16
#define HC_WIRE_SUP_SALT_HEX_LEN 32
#define HC_WIRE_SUP_KEY_BYTES 32
#define HC_WIRE_SUP_PROOF_HEX_LEN 64
/* Longest AuthMessage: name, nonce, salt, iterations and separators. */
#define HC_WIRE_SUP_AUTH_MESSAGE_MAX 160

/* ClientKey = HMAC-SHA256(PBKDF2-HMAC-SHA256(password, salt,
 * iterations, 32), "Client Key"). False when mbedtls fails. */
bool hc_wire_sup_client_key(const char *password, const unsigned char *salt, size_t salt_len,
			    uint32_t iterations, unsigned char client_key[HC_WIRE_SUP_KEY_BYTES]);

/* StoredKey = SHA-256(ClientKey). */
bool hc_wire_sup_stored_key(const unsigned char client_key[HC_WIRE_SUP_KEY_BYTES],
			    unsigned char stored_key[HC_WIRE_SUP_KEY_BYTES]);

/* HMAC-SHA256(StoredKey, AuthMessage) with AuthMessage =
 * "headcount-supervisor,NAME,NONCE,SALT,ITERATIONS" (hex in lower case,
 * iterations in decimal). */
bool hc_wire_sup_client_signature(const unsigned char stored_key[HC_WIRE_SUP_KEY_BYTES],
				  const char *supervisor, const char *nonce_hex,
				  const char *salt_hex, uint32_t iterations,
				  unsigned char signature[HC_WIRE_SUP_KEY_BYTES]);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void hc_wire_sup_hex(const unsigned char *bytes, size_t n, char *out);

/* Reads exactly n bytes of lower-case hex (2n digits, nothing after). */
bool hc_wire_sup_unhex(const char *hex, unsigned char *out, size_t n);

/* HMAC-SHA256(key, text) as 64 lower-case hex digits + NUL. */
bool hc_wire_sup_mac_hex(const char *key, const char *text, char out[HC_WIRE_SUP_MAC_HEX_LEN + 1]);

#endif
