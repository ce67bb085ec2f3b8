/*
 * terminal_auth.h — the terminal role's authentication: what is MACed,
 * how, and how two MACs are compared.
 *
 * Both sides link this file: the terminal to prove it holds its
 * enrollment secret, the aggregator to check the proof. Pure: no
 * sockets, clocks, files or randomness (the caller brings the nonce).
 *
 * Construction (docs/protocol.md, *Authentication*): every MAC is
 * HMAC-SHA256 keyed with the terminal's 32-byte secret over
 *
 *   hello proof:  "hc-terminal-hello" 0x00 | nonce (32) |
 *                 len(terminal) (1) | terminal | incarnation (8, BE)
 *   batch mac:    "hc-terminal-batch" 0x00 | nonce (32) |
 *                 len(terminal) (1) | terminal | incarnation (8, BE) |
 *                 seq | entered | exited | undo_entered | undo_exited
 *                 (8 each, BE) | has_status (1) | pending |
 *                 storage_faults (8 each, BE; 0 without status)
 *
 * The nonce is the aggregator's challenge on this connection, so a batch
 * MACed for one connection is refused on any other; the distinct labels
 * keep a proof from ever passing as a batch MAC and back.
 */
#ifndef HC_TERMINAL_AUTH_H
#define HC_TERMINAL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/protocol.h"

#define HC_TAUTH_SECRET_BYTES 32
#define HC_TAUTH_NONCE_BYTES 32
#define HC_TAUTH_MAC_BYTES 32
/* As lower-case hex on the wire and in files. */
#define HC_TAUTH_HEX_LEN 64

/* The bytes the hello proof covers, written into out (cap bytes);
 * returns their length, 0 when cap is too small or terminal is not a
 * valid id. Exposed for the known-answer tests. */
size_t hc_tauth_hello_message(uint8_t *out, size_t cap, const uint8_t nonce[HC_TAUTH_NONCE_BYTES],
			      const char *terminal, uint64_t incarnation);

/* The bytes a batch MAC covers (as above). */
size_t hc_tauth_batch_message(uint8_t *out, size_t cap, const uint8_t nonce[HC_TAUTH_NONCE_BYTES],
			      const char *terminal, uint64_t incarnation,
			      const struct hc_msg_batch *b);

/* HMAC-SHA256 proof of a hello; false only when terminal is invalid or
 * mbedtls fails. */
bool hc_tauth_hello_proof(const uint8_t secret[HC_TAUTH_SECRET_BYTES],
			  const uint8_t nonce[HC_TAUTH_NONCE_BYTES], const char *terminal,
			  uint64_t incarnation, uint8_t out[HC_TAUTH_MAC_BYTES]);

/* HMAC-SHA256 of a batch (every field above, has_mac and mac ignored). */
bool hc_tauth_batch_mac(const uint8_t secret[HC_TAUTH_SECRET_BYTES],
			const uint8_t nonce[HC_TAUTH_NONCE_BYTES], const char *terminal,
			uint64_t incarnation, const struct hc_msg_batch *b,
			uint8_t out[HC_TAUTH_MAC_BYTES]);

/* The batch MAC of one connection, for many batches: keyed once with
 * the secret and fed once the head every batch message of this
 * connection starts with (label, nonce, terminal, incarnation), so each
 * batch then costs only its own fields and the outer hash (with a
 * 10-character id 4 SHA-256 blocks instead of 6; no allocation). Same bytes as
 * hc_tauth_batch_mac for the same arguments. NULL when terminal is not
 * a valid id or out of memory. Holds a copy of the secret's pads:
 * freed (and wiped) by hc_tauth_batch_key_free. */
struct hc_tauth_batch_key;
struct hc_tauth_batch_key *hc_tauth_batch_key_new(const uint8_t secret[HC_TAUTH_SECRET_BYTES],
						  const uint8_t nonce[HC_TAUTH_NONCE_BYTES],
						  const char *terminal, uint64_t incarnation);
bool hc_tauth_batch_key_mac(struct hc_tauth_batch_key *k, const struct hc_msg_batch *b,
			    uint8_t out[HC_TAUTH_MAC_BYTES]);
void hc_tauth_batch_key_free(struct hc_tauth_batch_key *k);

/* True when the two MACs are equal; takes the same time whatever
 * bytes differ (mbedtls_ct_memcmp). */
bool hc_tauth_mac_equal(const uint8_t a[HC_TAUTH_MAC_BYTES], const uint8_t b[HC_TAUTH_MAC_BYTES]);

/* bytes -> lower-case hex (out needs 2 * n + 1 bytes). */
void hc_tauth_hex_encode(const uint8_t *in, size_t n, char *out);

/* Exactly 2 * n lower-case hex digits -> n bytes; false otherwise (out
 * may then be partly written). */
bool hc_tauth_hex_decode(const char *hex, uint8_t *out, size_t n);

#endif
