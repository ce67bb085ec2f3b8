/*
 * http_route.c — the HTTP route decision (http_route.h).
 *
 * Relies on nothing but the C library. Promises: the same inputs give
 * the same route; a route other than HC_HTTP_ERROR is given only to a
 * GET of exactly one of the four paths while not stopping; the error
 * sentences are static ASCII, fit for a JSON body.
 */
#include "aggregator/http_route.h"

#include <string.h>

/* HTTP statuses, the numbers libwebsockets' HTTP_STATUS_* stand for. */
#define STATUS_OK 200u
#define STATUS_NOT_FOUND 404u
#define STATUS_METHOD_NOT_ALLOWED 405u
#define STATUS_SERVICE_UNAVAILABLE 503u

static const struct {
	const char *path;
	enum hc_http_resource resource;
} paths[] = {
	{ "/api/areas", HC_HTTP_AREAS },
	{ "/api/groups", HC_HTTP_GROUPS },
	{ "/healthz", HC_HTTP_HEALTHZ },
	{ "/api/venue", HC_HTTP_VENUE },
};

static struct hc_http_route error_route(unsigned int status, const char *error)
{
	return (struct hc_http_route){ HC_HTTP_ERROR, status, error };
}

struct hc_http_route hc_http_route_pick(const char *path, size_t path_len, bool is_get,
					bool stopping, bool storage_failing)
{
	if (!is_get)
		return error_route(STATUS_METHOD_NOT_ALLOWED, "only GET is served");
	if (stopping)
		return error_route(STATUS_SERVICE_UNAVAILABLE, "aggregator shutting down");
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		if (path_len == strlen(paths[i].path) &&
		    memcmp(path, paths[i].path, path_len) == 0) {
			unsigned int status = STATUS_OK;
			if (paths[i].resource == HC_HTTP_HEALTHZ && storage_failing)
				status = STATUS_SERVICE_UNAVAILABLE;
			return (struct hc_http_route){ paths[i].resource, status, NULL };
		}
	}
	return error_route(
		STATUS_NOT_FOUND,
		"no such path; try /, /api/areas, /api/groups, /api/venue, /healthz or /metrics");
}
