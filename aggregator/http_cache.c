/*
 * http_cache.c — ETag and If-None-Match for the public endpoints
 * (http_cache.h has the contract).
 *
 * Relies on: mbedtls's generic message digest for SHA-256.
 *
 * Promises: hc_http_etag() is a pure function of the body; the matcher
 * reads the header once, left to right, never past its NUL, and accepts
 * only well-formed entity tags, so a garbled header never yields a 304
 * (the reader then just gets the full body).
 */
#include "aggregator/http_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/md.h>

/* Bytes of the SHA-256 kept in the tag: 128 bits is plenty to tell two
 * bodies of one endpoint apart. */
#define ETAG_HASH_BYTES 16

bool hc_http_etag(const void *body, size_t len, char out[HC_ETAG_LEN + 1])
{
	unsigned char hash[32];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	out[0] = '\0';
	if (md == NULL || mbedtls_md(md, body, len, hash) != 0)
		return false;
	char *p = out;
	*p++ = '"';
	for (int i = 0; i < ETAG_HASH_BYTES; i++)
		p += sprintf(p, "%02x", hash[i]);
	*p++ = '"';
	*p = '\0';
	return true;
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

bool hc_http_if_none_match(const char *header, const char *etag)
{
	const char *p = skip_ows(header);
	if (*p == '*')
		return *skip_ows(p + 1) == '\0';
	/* the opaque part of our own tag, without W/ and quotes */
	size_t etag_len = strlen(etag);
	if (etag_len < 2 || etag[0] != '"' || etag[etag_len - 1] != '"')
		return false;
	const char *want = etag + 1;
	size_t want_len = etag_len - 2;

	bool matched = false;
	for (;;) {
		p = skip_ows(p);
		if (*p == ',') { /* empty list elements are allowed */
			p++;
			continue;
		}
		if (*p == '\0')
			return matched;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return false;
		const char *open = ++p;
		while (*p != '\0' && *p != '"')
			p++;
		if (*p != '"')
			return false;
		if ((size_t)(p - open) == want_len && memcmp(open, want, want_len) == 0)
			matched = true;
		p = skip_ows(p + 1);
		if (*p != ',' && *p != '\0')
			return false;
	}
}
