/*
 * login_limiter.h — failed supervisor logins, limited per peer address
 * (pure).
 *
 * What lives here: a fixed table of peer addresses, each with the
 * "theoretical arrival time" of a generic cell rate algorithm (GCRA,
 * the token bucket written as one timestamp). An address may fail
 * HC_LOGIN_FAILURES_BURST times in a row; each failure then comes back
 * after HC_LOGIN_FAILURE_REFILL_MS. While an address has no failure
 * left, every login from it is refused before it is checked, a correct
 * password included; other addresses are not affected.
 *
 * Relies on: nothing but the C library. No clock, socket, file or
 * thread: the time is always an argument (now_ms, any monotonic
 * milliseconds), so the edges are tested as tables.
 *
 * Promises: memory is fixed (HC_LOGIN_LIMITER_ADDRESSES_MAX entries,
 * no allocation). When the table is full, a new address takes the entry
 * that is closest to having all its failures back, so the addresses
 * failing hardest are the last to be forgotten. A successful login
 * gives nothing back: knowing one password does not buy more guesses at
 * another.
 */
#ifndef HC_LOGIN_LIMITER_H
#define HC_LOGIN_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

/* Failed logins an address may have in a row. */
#define HC_LOGIN_FAILURES_BURST 5
/* After which one more failure is allowed every this many ms. */
#define HC_LOGIN_FAILURE_REFILL_MS 60000
/* Addresses remembered at once. */
#define HC_LOGIN_LIMITER_ADDRESSES_MAX 1024
/* Longest address text kept (IPv6 with scope fits). */
#define HC_LOGIN_ADDRESS_LEN_MAX 63

struct hc_login_limiter_entry {
	char address[HC_LOGIN_ADDRESS_LEN_MAX + 1]; /* "" when free */
	int64_t tat_ms; /* failures left = burst - ceil((tat - now) / refill) */
};

struct hc_login_limiter {
	struct hc_login_limiter_entry entries[HC_LOGIN_LIMITER_ADDRESSES_MAX];
};

/* Empties the table. */
void hc_login_limiter_init(struct hc_login_limiter *l);

/* True when address may try a login at now_ms. When not, *retry_after_ms
 * (if given) is how long until it may (always >= 1). */
bool hc_login_limiter_allowed(const struct hc_login_limiter *l, const char *address, int64_t now_ms,
			      int64_t *retry_after_ms);

/* Records one failed login of address at now_ms. */
void hc_login_limiter_failed(struct hc_login_limiter *l, const char *address, int64_t now_ms);

/* Failures address has in the bucket at now_ms (0..HC_LOGIN_FAILURES_BURST),
 * for log lines. */
uint32_t hc_login_limiter_failures(const struct hc_login_limiter *l, const char *address,
				   int64_t now_ms);

#endif
