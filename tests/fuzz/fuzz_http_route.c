/*
 * fuzz_http_route.c — libFuzzer target for the HTTP path decision
 * (aggregator/http_route.c), which http_api.c follows for every request.
 *
 * Input: the first byte's low bits are the request's facts (GET or not,
 * stopping, storage failing); the rest is the path as libwebsockets
 * hands it over (decoded, the query string already split off). What
 * must hold:
 *  - no crash, no read outside the path's bytes, no sanitizer report;
 *  - only a GET while not stopping of exactly /api/areas, /api/groups or
 *    /healthz gets a resource; everything else is an error route with
 *    its documented status (405, 503, 404) and a static ASCII sentence;
 *  - /healthz is 503 exactly while storage fails, the others 200;
 *  - the decision equals the one http_api.c made before the extraction
 *    (the strcmp chain, reproduced below as the oracle) for every path
 *    without a NUL, and a NUL makes a path match nothing.
 * Relies on: http_route.h only. Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/http_route.h"

#include "tests/fuzz/fuzz_check.h"

/* The decision as http_api.c wrote it before hc_http_route_pick(). */
static struct hc_http_route oracle(const char *path, bool is_get, bool stopping,
				   bool storage_failing)
{
	if (!is_get)
		return (struct hc_http_route){ HC_HTTP_ERROR, 405, "only GET is served" };
	if (stopping)
		return (struct hc_http_route){ HC_HTTP_ERROR, 503, "aggregator shutting down" };
	if (strcmp(path, "/api/areas") == 0)
		return (struct hc_http_route){ HC_HTTP_AREAS, 200, NULL };
	if (strcmp(path, "/api/groups") == 0)
		return (struct hc_http_route){ HC_HTTP_GROUPS, 200, NULL };
	if (strcmp(path, "/healthz") == 0)
		return (struct hc_http_route){ HC_HTTP_HEALTHZ, storage_failing ? 503 : 200, NULL };
	if (strcmp(path, "/api/venue") == 0)
		return (struct hc_http_route){ HC_HTTP_VENUE, 200, NULL };
	return (struct hc_http_route){
		HC_HTTP_ERROR, 404,
		"no such path; try /, /api/areas, /api/groups, /api/venue, /healthz or /metrics"
	};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	bool is_get = (data[0] & 1) != 0;
	bool stopping = (data[0] & 2) != 0;
	bool storage_failing = (data[0] & 4) != 0;
	size_t path_len = size - 1;
	/* An exact-size copy, so ASan sees any read past the path. */
	char *path = malloc(path_len == 0 ? 1 : path_len);
	CHECK(path != NULL);
	memcpy(path, data + 1, path_len);

	struct hc_http_route r = hc_http_route_pick(path, path_len, is_get, stopping,
						    storage_failing);
	struct hc_http_route again = hc_http_route_pick(path, path_len, is_get, stopping,
							storage_failing);
	CHECK(r.resource == again.resource && r.status == again.status && r.error == again.error);

	if (r.resource == HC_HTTP_ERROR) {
		CHECK(r.status == 404 || r.status == 405 || r.status == 503);
		CHECK(r.error != NULL && strlen(r.error) > 0);
		for (const char *p = r.error; *p != '\0'; p++)
			CHECK(*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\');
		CHECK(r.status != 405 || !is_get);
		CHECK(r.status != 503 || stopping);
	} else {
		CHECK(is_get && !stopping && r.error == NULL);
		const char *want = r.resource == HC_HTTP_AREAS	  ? "/api/areas"
				   : r.resource == HC_HTTP_GROUPS ? "/api/groups"
				   : r.resource == HC_HTTP_VENUE  ? "/api/venue"
								  : "/healthz";
		CHECK(r.resource == HC_HTTP_AREAS || r.resource == HC_HTTP_GROUPS ||
		      r.resource == HC_HTTP_HEALTHZ || r.resource == HC_HTTP_VENUE);
		CHECK(path_len == strlen(want) && memcmp(path, want, path_len) == 0);
		CHECK(r.status == (r.resource == HC_HTTP_HEALTHZ && storage_failing ? 503u : 200u));
	}

	if (memchr(path, '\0', path_len) == NULL) {
		char *text = malloc(path_len + 1);
		CHECK(text != NULL);
		memcpy(text, path, path_len);
		text[path_len] = '\0';
		struct hc_http_route o = oracle(text, is_get, stopping, storage_failing);
		CHECK(o.resource == r.resource && o.status == r.status);
		CHECK((o.error == NULL) == (r.error == NULL));
		CHECK(o.error == NULL || strcmp(o.error, r.error) == 0);
		free(text);
	} else if (is_get && !stopping) {
		CHECK(r.resource == HC_HTTP_ERROR && r.status == 404);
	}
	free(path);
	return 0;
}
