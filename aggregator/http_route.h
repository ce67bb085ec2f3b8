/*
 * http_route.h — which response an HTTP request gets, decided from the
 * request alone (pure: no sockets, no server state beyond two flags).
 *
 * aggregator/http_api.c asks this before building a body. The paths and
 * statuses are the ones docs/aggregator.md lists: GET /api/areas,
 * GET /api/groups, GET /api/venue, GET /healthz (the map page's files and
 * /metrics are matched before, by http_api.c); 405 for anything but GET, 503 while the
 * aggregator stops, 404 for any other path. The path is matched exactly,
 * byte for byte, as libwebsockets hands it over (decoded, without the
 * query string, which no resource reads); a NUL inside it matches
 * nothing.
 */
#ifndef HC_HTTP_ROUTE_H
#define HC_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum hc_http_resource {
	HC_HTTP_AREAS,	 /* GET /api/areas */
	HC_HTTP_GROUPS,	 /* GET /api/groups */
	HC_HTTP_HEALTHZ, /* GET /healthz */
	HC_HTTP_VENUE,	 /* GET /api/venue: the map's geometry */
	HC_HTTP_ERROR,	 /* the error text below, as {"error":...} */
};

struct hc_http_route {
	enum hc_http_resource resource;
	unsigned int status; /* 200, 404, 405 or 503 */
	const char *error;   /* HC_HTTP_ERROR: a static sentence; else NULL */
};

/* The request's facts: is_get when the method is GET; stopping while the
 * aggregator shuts down; storage_failing while the last commit failed
 * (/healthz then answers 503 with its body). */
struct hc_http_route hc_http_route_pick(const char *path, size_t path_len, bool is_get,
					bool stopping, bool storage_failing);

#endif
