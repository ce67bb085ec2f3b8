/*
 * wire_scram.c — the supervisor login's key schedule (wire_scram.h):
 * SCRAM's ClientKey, StoredKey and ClientSignature (RFC 5802) and the
 * hex helpers the login uses.
 *
 * Relies on: mbedtls for PBKDF2-HMAC-SHA256 (pkcs5.h), HMAC-SHA256 and
 * SHA-256, shared/hex.h. Promises: no JSON, sockets, clocks or files;
 * the salted password is wiped before return.
 */
#include "shared/wire_scram.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "shared/hex.h"

bool hc_wire_sup_mac_hex(const char *key, const char *text, char out[HC_WIRE_SUP_MAC_HEX_LEN + 1])
{
	unsigned char mac[32];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (md == NULL || mbedtls_md_hmac(md, (const unsigned char *)key, strlen(key),
					  (const unsigned char *)text, strlen(text), mac) != 0)
		return false;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return true;
}

void hc_wire_sup_hex(const unsigned char *bytes, size_t n, char *out)
{
	hc_hex_encode(bytes, n, out);
}

bool hc_wire_sup_unhex(const char *hex, unsigned char *out, size_t n)
{
	return hc_hex_decode(hex, out, n);
}

bool hc_wire_sup_client_key(const char *password, const unsigned char *salt, size_t salt_len,
			    uint32_t iterations, unsigned char client_key[HC_WIRE_SUP_KEY_BYTES])
{
	static const char label[] = "Client Key";
	unsigned char salted[HC_WIRE_SUP_KEY_BYTES];
	bool ok = false;
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	mbedtls_md_context_t ctx;
	mbedtls_md_init(&ctx);
	if (md == NULL || mbedtls_md_setup(&ctx, md, 1) != 0)
		goto fail;
	if (mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)password, strlen(password), salt,
				      salt_len, iterations, sizeof salted, salted) != 0)
		goto fail;
	if (mbedtls_md_hmac(md, salted, sizeof salted, (const unsigned char *)label, strlen(label),
			    client_key) != 0)
		goto fail;
	ok = true;
fail:
	mbedtls_md_free(&ctx);
	mbedtls_platform_zeroize(salted, sizeof salted);
	return ok;
}

bool hc_wire_sup_stored_key(const unsigned char client_key[HC_WIRE_SUP_KEY_BYTES],
			    unsigned char stored_key[HC_WIRE_SUP_KEY_BYTES])
{
	return mbedtls_sha256_ret(client_key, HC_WIRE_SUP_KEY_BYTES, stored_key, 0) == 0;
}

bool hc_wire_sup_client_signature(const unsigned char stored_key[HC_WIRE_SUP_KEY_BYTES],
				  const char *supervisor, const char *nonce_hex,
				  const char *salt_hex, uint32_t iterations,
				  unsigned char signature[HC_WIRE_SUP_KEY_BYTES])
{
	char auth[HC_WIRE_SUP_AUTH_MESSAGE_MAX];
	int n = snprintf(auth, sizeof auth, "headcount-supervisor,%s,%s,%s,%u", supervisor,
			 nonce_hex, salt_hex, (unsigned)iterations);
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (n < 0 || (size_t)n >= sizeof auth || md == NULL)
		return false;
	return mbedtls_md_hmac(md, stored_key, HC_WIRE_SUP_KEY_BYTES, (const unsigned char *)auth,
			       (size_t)n, signature) == 0;
}
