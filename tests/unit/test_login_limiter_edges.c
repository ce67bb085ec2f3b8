/*
 * test_login_limiter_edges.c — failed logins limited per address, at
 * the edge.
 *
 * Property: an address may fail HC_LOGIN_FAILURES_BURST (5) times in a
 * row and then try once more only after HC_LOGIN_FAILURE_REFILL_MS; one
 * failure fewer still leaves it a try; each refill gives back exactly
 * one try, never more than the burst; other addresses are untouched; a
 * full table forgets the address closest to holding nothing first. Each
 * row of the table is a script of failures and checks with its name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aggregator/login_limiter.h"

#define R HC_LOGIN_FAILURE_REFILL_MS
#define B HC_LOGIN_FAILURES_BURST

enum step_kind { FAIL, ALLOWED, REFUSED, END };

struct step {
	enum step_kind kind;
	const char *address;
	int64_t at_ms;
	int64_t retry_after_ms; /* REFUSED: what it must say */
};

struct script {
	const char *name;
	struct step steps[24];
};

#define A "127.0.0.1"
#define O "127.0.0.2"

static const struct script scripts[] = {
	{ "fresh address may try", { { ALLOWED, A, 0, 0 }, { END, NULL, 0, 0 } } },
	{ "one under the burst still may try (4 failures, 5th attempt)",
	  { { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { ALLOWED, A, 0, 0 },
	    { END, NULL, 0, 0 } } },
	{ "at the burst it is refused for one refill",
	  { { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { REFUSED, A, 0, R },
	    { REFUSED, A, R - 1, 1 },
	    { ALLOWED, A, R, 0 },
	    { END, NULL, 0, 0 } } },
	{ "other addresses are not affected",
	  { { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { REFUSED, A, 10, R - 10 },
	    { ALLOWED, O, 10, 0 },
	    { END, NULL, 0, 0 } } },
	{ "a refill gives back exactly one try",
	  { { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { ALLOWED, A, R, 0 },
	    { FAIL, A, R, 0 },
	    { REFUSED, A, R, R },
	    { END, NULL, 0, 0 } } },
	{ "failures spread one per refill never lock out",
	  { { FAIL, A, 0, 0 },
	    { FAIL, A, R, 0 },
	    { FAIL, A, 2 * R, 0 },
	    { FAIL, A, 3 * R, 0 },
	    { FAIL, A, 4 * R, 0 },
	    { FAIL, A, 5 * R, 0 },
	    { FAIL, A, 6 * R, 0 },
	    { ALLOWED, A, 6 * R, 0 },
	    { END, NULL, 0, 0 } } },
	{ "a long quiet time gives back the burst, not more",
	  { { FAIL, A, 0, 0 },
	    { FAIL, A, 1, 0 },
	    { FAIL, A, 2, 0 },
	    { FAIL, A, 3, 0 },
	    { FAIL, A, 4, 0 },
	    { FAIL, A, 100 * R, 0 },
	    { FAIL, A, 100 * R, 0 },
	    { FAIL, A, 100 * R, 0 },
	    { FAIL, A, 100 * R, 0 },
	    { ALLOWED, A, 100 * R, 0 },
	    { FAIL, A, 100 * R, 0 },
	    { REFUSED, A, 100 * R, R },
	    { END, NULL, 0, 0 } } },
	{ "failing while refused does not push the lock-out further",
	  { { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { FAIL, A, 0, 0 },
	    { REFUSED, A, 0, R },
	    { ALLOWED, A, R, 0 },
	    { END, NULL, 0, 0 } } },
};

static void run_script(const struct script *sc)
{
	struct hc_login_limiter *l = malloc(sizeof *l);
	assert_non_null(l);
	hc_login_limiter_init(l);
	for (int i = 0; sc->steps[i].kind != END; i++) {
		const struct step *st = &sc->steps[i];
		int64_t retry = -1;
		bool allowed;
		switch (st->kind) {
		case FAIL: hc_login_limiter_failed(l, st->address, st->at_ms); break;
		case ALLOWED:
		case REFUSED:
			allowed = hc_login_limiter_allowed(l, st->address, st->at_ms, &retry);
			if (allowed != (st->kind == ALLOWED) ||
			    (!allowed && retry != st->retry_after_ms)) {
				fprintf(stderr,
					"%s: step %d (%s at %lld ms): allowed=%d retry=%lld,"
					" want %s retry=%lld\n",
					sc->name, i, st->address, (long long)st->at_ms, allowed,
					(long long)retry,
					st->kind == ALLOWED ? "allowed" : "refused",
					(long long)st->retry_after_ms);
				fail();
			}
			break;
		case END: break;
		}
	}
	free(l);
}

static void test_scripts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
		run_script(&scripts[i]);
}

static void test_failures_counted_for_the_log(void **state)
{
	(void)state;
	struct hc_login_limiter *l = malloc(sizeof *l);
	assert_non_null(l);
	hc_login_limiter_init(l);
	assert_int_equal(hc_login_limiter_failures(l, A, 0), 0);
	for (uint32_t n = 1; n <= B; n++) {
		hc_login_limiter_failed(l, A, 0);
		assert_int_equal(hc_login_limiter_failures(l, A, 0), n);
	}
	assert_int_equal(hc_login_limiter_failures(l, A, R), B - 1);
	assert_int_equal(hc_login_limiter_failures(l, A, B * R), 0);
	free(l);
}

/* A full table: a new address takes the entry closest to holding
 * nothing; the hardest-failing addresses stay locked out. */
static void test_full_table_forgets_the_mildest(void **state)
{
	(void)state;
	struct hc_login_limiter *l = malloc(sizeof *l);
	assert_non_null(l);
	hc_login_limiter_init(l);
	char addr[32];
	for (uint32_t i = 0; i < HC_LOGIN_LIMITER_ADDRESSES_MAX; i++) {
		snprintf(addr, sizeof addr, "10.0.%u.%u", i / 256, i % 256);
		int fails = i == 7 ? 1 : B; /* 10.0.0.7 failed once only */
		for (int k = 0; k < fails; k++)
			hc_login_limiter_failed(l, addr, 0);
	}
	assert_false(hc_login_limiter_allowed(l, "10.0.0.8", 0, NULL));
	hc_login_limiter_failed(l, "10.0.9.9", 0); /* table is full */
	assert_int_equal(hc_login_limiter_failures(l, "10.0.9.9", 0), 1);
	assert_int_equal(hc_login_limiter_failures(l, "10.0.0.7", 0), 0); /* forgotten */
	assert_false(hc_login_limiter_allowed(l, "10.0.0.8", 0, NULL));	  /* still locked */
	assert_false(hc_login_limiter_allowed(l, "10.0.3.255", 0, NULL));
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_failures_counted_for_the_log),
		cmocka_unit_test(test_full_table_forgets_the_mildest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
