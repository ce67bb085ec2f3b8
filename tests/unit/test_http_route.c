/*
 * test_http_route.c — each HTTP request gets the route docs/aggregator.md
 * lists (aggregator/http_route.c).
 *
 * Property: GET of exactly /api/areas, /api/groups, /api/venue or /healthz
 * is served
 * (200; /healthz 503 while storage fails); any other method 405; any
 * request while stopping 503; any other path, including near misses and
 * a path with a NUL inside, 404.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/http_route.h"

static void the_three_paths_are_served_to_get(void **state)
{
	(void)state;
	struct hc_http_route r = hc_http_route_pick("/api/areas", 10, true, false, false);
	assert_int_equal(r.resource, HC_HTTP_AREAS);
	assert_int_equal(r.status, 200);
	r = hc_http_route_pick("/api/groups", 11, true, false, true);
	assert_int_equal(r.resource, HC_HTTP_GROUPS);
	assert_int_equal(r.status, 200);
	r = hc_http_route_pick("/healthz", 8, true, false, false);
	assert_int_equal(r.resource, HC_HTTP_HEALTHZ);
	assert_int_equal(r.status, 200);
	r = hc_http_route_pick("/healthz", 8, true, false, true);
	assert_int_equal(r.resource, HC_HTTP_HEALTHZ);
	assert_int_equal(r.status, 503);
	r = hc_http_route_pick("/api/venue", 10, true, false, true);
	assert_int_equal(r.resource, HC_HTTP_VENUE);
	assert_int_equal(r.status, 200);
}

static void other_methods_stopping_and_other_paths_get_errors(void **state)
{
	(void)state;
	struct hc_http_route r = hc_http_route_pick("/api/areas", 10, false, false, false);
	assert_int_equal(r.resource, HC_HTTP_ERROR);
	assert_int_equal(r.status, 405);
	r = hc_http_route_pick("/api/areas", 10, true, true, false);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.error, "aggregator shutting down");
	static const char *const misses[] = {
		"/",	    "/api", "/api/areas/",    "//api/areas", "/api/areasx",
		"/HEALTHZ", "",	    "/api/areas?x=1",
	};
	for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
		r = hc_http_route_pick(misses[i], strlen(misses[i]), true, false, false);
		assert_int_equal(r.resource, HC_HTTP_ERROR);
		assert_int_equal(r.status, 404);
	}
	r = hc_http_route_pick("/api/areas\0x", 12, true, false, false);
	assert_int_equal(r.status, 404);
	r = hc_http_route_pick("/api/areas", 9, true, false, false);
	assert_int_equal(r.status, 404);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_three_paths_are_served_to_get),
		cmocka_unit_test(other_methods_stopping_and_other_paths_get_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
