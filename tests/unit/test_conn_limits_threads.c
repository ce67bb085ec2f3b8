/*
 * test_conn_limits_threads.c — the connection-limit table is shared by
 * the loop thread (staff listener, reloads) and the public thread (the
 * public listener), so every call takes its lock (aggregator/
 * conn_limits.c). Here one thread changes the limits the way a reload
 * does while another admits connections the way the public listener
 * does; under ThreadSanitizer (make test runs this file in the TSan
 * build) a call that skipped the lock is a report. The decisions stay
 * right throughout: a budget of 0 refuses, any other admits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <pthread.h>

#include <cmocka.h>

#include "aggregator/conn_limits.h"

#define ROUNDS 20000

static void *reloader(void *arg)
{
	struct hc_conn_limits *l = arg;
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint32_t budget[HC_LISTENER_COUNT] = { 100 + i % 7, 10 };
		hc_conn_limits_set(l, 5 + i % 3, budget);
	}
	return NULL;
}

static void admit_while_limits_change(void **state)
{
	(void)state;
	uint32_t budget[HC_LISTENER_COUNT] = { 100, 10 };
	struct hc_conn_limits *l = hc_conn_limits_new(5, budget);
	assert_non_null(l);
	struct lws_filter_network_conn_args a;
	memset(&a, 0, sizeof a);
	struct sockaddr_in *in = (struct sockaddr_in *)&a.cli_addr;
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(0x7f000002);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, reloader, l), 0);
	uint32_t admitted = 0;
	for (uint32_t i = 0; i < ROUNDS; i++)
		admitted += hc_conn_limits_admit(l, i % 2 ? HC_LISTENER_STAFF : HC_LISTENER_PUBLIC,
						 &a);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(admitted, ROUNDS); /* nothing open: all admitted */
	assert_int_equal(hc_conn_limits_open(l, HC_LISTENER_PUBLIC), 0);
	uint32_t none[HC_LISTENER_COUNT] = { 0, 0 };
	hc_conn_limits_set(l, 5, none);
	assert_false(hc_conn_limits_admit(l, HC_LISTENER_PUBLIC, &a));
	hc_conn_limits_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(admit_while_limits_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
