/*
 * http_cache.h — the pure parts of HTTP caching for the public read-only
 * endpoints (docs/map.md, "HTTP for very many readers"): a strong ETag
 * made from a response body, and the If-None-Match test.
 *
 * No sockets, clocks or files: the same body always gives the same ETag,
 * so a reverse proxy or a browser can revalidate with a 304.
 */
#ifndef HC_HTTP_CACHE_H
#define HC_HTTP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

/* A strong ETag: '"' + the first 16 bytes of SHA-256 as hex + '"'. */
#define HC_ETAG_LEN 34

/* The ETag of body (len bytes), NUL-ended in out. False only when the
 * hash is unavailable (then out is ""). */
bool hc_http_etag(const void *body, size_t len, char out[HC_ETAG_LEN + 1]);

/* True when an If-None-Match header value matches etag (RFC 9110 13.1.2:
 * "*", or a comma-separated list of entity tags compared weakly, so
 * W/"x" matches "x"). A malformed list matches nothing. */
bool hc_http_if_none_match(const char *header, const char *etag);

#endif
