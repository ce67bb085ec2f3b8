/*
 * terminal_auth.c — the terminal role's MACs (terminal_auth.h).
 *
 * Relies on: mbedtls' HMAC-SHA256 (mbedtls_md_hmac, and the
 * mbedtls_md_hmac_* steps with mbedtls_md_clone for a connection's
 * batch key) and its
 * constant-time compare (mbedtls_ct_memcmp, mbedtls 2.28's
 * mbedtls/constant_time.h).
 *
 * Promises: the byte layouts in terminal_auth.h, exactly; every integer
 * big-endian and fixed width, every string length-prefixed, so no two
 * different field values give the same bytes.
 */
#include "shared/terminal_auth.h"
#include "shared/hex.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

static const char hello_label[] = "hc-terminal-hello"; /* + its NUL */
static const char batch_label[] = "hc-terminal-batch";

/* A cursor over the output buffer; ok turns false once it overflows. */
struct writer {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool ok;
};

static void put(struct writer *w, const void *src, size_t n)
{
	if (!w->ok || n > w->cap - w->len) {
		w->ok = false;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_u64(struct writer *w, uint64_t v)
{
	uint8_t be[8];
	for (int i = 7; i >= 0; i--) {
		be[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	put(w, be, sizeof be);
}

/* label + NUL, nonce, terminal (length-prefixed), incarnation. */
static void put_head(struct writer *w, const char *label, size_t label_size,
		     const uint8_t nonce[HC_TAUTH_NONCE_BYTES], const char *terminal,
		     uint64_t incarnation)
{
	if (!hc_proto_valid_id(terminal)) {
		w->ok = false;
		return;
	}
	uint8_t id_len = (uint8_t)strlen(terminal); /* <= HC_ID_LEN_MAX */
	put(w, label, label_size);
	put(w, nonce, HC_TAUTH_NONCE_BYTES);
	put(w, &id_len, 1);
	put(w, terminal, id_len);
	put_u64(w, incarnation);
}

size_t hc_tauth_hello_message(uint8_t *out, size_t cap, const uint8_t nonce[HC_TAUTH_NONCE_BYTES],
			      const char *terminal, uint64_t incarnation)
{
	struct writer w = { .p = out, .cap = cap, .ok = true };
	put_head(&w, hello_label, sizeof hello_label, nonce, terminal, incarnation);
	return w.ok ? w.len : 0;
}

/* The part of a batch message after the head: the batch's own fields. */
static void put_batch_fields(struct writer *w, const struct hc_msg_batch *b)
{
	put_u64(w, (uint64_t)b->seq);
	put_u64(w, (uint64_t)b->entered);
	put_u64(w, (uint64_t)b->exited);
	put_u64(w, (uint64_t)b->undo_entered);
	put_u64(w, (uint64_t)b->undo_exited);
	uint8_t has_status = b->has_status ? 1 : 0;
	put(w, &has_status, 1);
	put_u64(w, b->has_status ? (uint64_t)b->pending : 0);
	put_u64(w, b->has_status ? (uint64_t)b->storage_faults : 0);
}

size_t hc_tauth_batch_message(uint8_t *out, size_t cap, const uint8_t nonce[HC_TAUTH_NONCE_BYTES],
			      const char *terminal, uint64_t incarnation,
			      const struct hc_msg_batch *b)
{
	struct writer w = { .p = out, .cap = cap, .ok = true };
	put_head(&w, batch_label, sizeof batch_label, nonce, terminal, incarnation);
	put_batch_fields(&w, b);
	return w.ok ? w.len : 0;
}

/* Room for the longest message: the batch one with a 64-char id. */
#define TAUTH_MESSAGE_MAX 256

static bool hmac(const uint8_t secret[HC_TAUTH_SECRET_BYTES], const uint8_t *msg, size_t len,
		 uint8_t out[HC_TAUTH_MAC_BYTES])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	return len > 0 && md != NULL &&
	       mbedtls_md_hmac(md, secret, HC_TAUTH_SECRET_BYTES, msg, len, out) == 0;
}

bool hc_tauth_hello_proof(const uint8_t secret[HC_TAUTH_SECRET_BYTES],
			  const uint8_t nonce[HC_TAUTH_NONCE_BYTES], const char *terminal,
			  uint64_t incarnation, uint8_t out[HC_TAUTH_MAC_BYTES])
{
	uint8_t msg[TAUTH_MESSAGE_MAX];
	size_t len = hc_tauth_hello_message(msg, sizeof msg, nonce, terminal, incarnation);
	return hmac(secret, msg, len, out);
}

bool hc_tauth_batch_mac(const uint8_t secret[HC_TAUTH_SECRET_BYTES],
			const uint8_t nonce[HC_TAUTH_NONCE_BYTES], const char *terminal,
			uint64_t incarnation, const struct hc_msg_batch *b,
			uint8_t out[HC_TAUTH_MAC_BYTES])
{
	uint8_t msg[TAUTH_MESSAGE_MAX];
	size_t len = hc_tauth_batch_message(msg, sizeof msg, nonce, terminal, incarnation, b);
	return hmac(secret, msg, len, out);
}

bool hc_tauth_mac_equal(const uint8_t a[HC_TAUTH_MAC_BYTES], const uint8_t b[HC_TAUTH_MAC_BYTES])
{
	return mbedtls_ct_memcmp(a, b, HC_TAUTH_MAC_BYTES) == 0;
}

void hc_tauth_hex_encode(const uint8_t *in, size_t n, char *out)
{
	hc_hex_encode(in, n, out);
}

bool hc_tauth_hex_decode(const char *hex, uint8_t *out, size_t n)
{
	return hc_hex_decode(hex, out, n);
}

/* Two HMAC contexts of one key: prefixed holds the hash state after the
 * key's inner pad and the connection's head; work holds the key's pads
 * (set once by mbedtls_md_hmac_starts) and gets prefixed's hash state
 * cloned into it for each batch (mbedtls_md_clone copies the digest
 * state, not the HMAC pads, which are the same key's anyway). */
struct hc_tauth_batch_key {
	mbedtls_md_context_t prefixed;
	mbedtls_md_context_t work;
};

struct hc_tauth_batch_key *hc_tauth_batch_key_new(const uint8_t secret[HC_TAUTH_SECRET_BYTES],
						  const uint8_t nonce[HC_TAUTH_NONCE_BYTES],
						  const char *terminal, uint64_t incarnation)
{
	uint8_t head[TAUTH_MESSAGE_MAX];
	struct writer w = { .p = head, .cap = sizeof head, .ok = true };
	put_head(&w, batch_label, sizeof batch_label, nonce, terminal, incarnation);
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	struct hc_tauth_batch_key *k = w.ok && md != NULL ? malloc(sizeof *k) : NULL;
	if (k == NULL)
		return NULL;
	mbedtls_md_init(&k->prefixed);
	mbedtls_md_init(&k->work);
	if (mbedtls_md_setup(&k->prefixed, md, 1) != 0 || mbedtls_md_setup(&k->work, md, 1) != 0 ||
	    mbedtls_md_hmac_starts(&k->prefixed, secret, HC_TAUTH_SECRET_BYTES) != 0 ||
	    mbedtls_md_hmac_update(&k->prefixed, head, w.len) != 0 ||
	    mbedtls_md_hmac_starts(&k->work, secret, HC_TAUTH_SECRET_BYTES) != 0) {
		hc_tauth_batch_key_free(k);
		return NULL;
	}
	return k;
}

bool hc_tauth_batch_key_mac(struct hc_tauth_batch_key *k, const struct hc_msg_batch *b,
			    uint8_t out[HC_TAUTH_MAC_BYTES])
{
	uint8_t fields[TAUTH_MESSAGE_MAX];
	struct writer w = { .p = fields, .cap = sizeof fields, .ok = true };
	put_batch_fields(&w, b);
	return w.ok && mbedtls_md_clone(&k->work, &k->prefixed) == 0 &&
	       mbedtls_md_hmac_update(&k->work, fields, w.len) == 0 &&
	       mbedtls_md_hmac_finish(&k->work, out) == 0;
}

void hc_tauth_batch_key_free(struct hc_tauth_batch_key *k)
{
	if (k == NULL)
		return;
	mbedtls_md_free(&k->prefixed);
	mbedtls_md_free(&k->work);
	mbedtls_platform_zeroize(k, sizeof *k);
	free(k);
}
