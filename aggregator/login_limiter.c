/*
 * login_limiter.c — failed supervisor logins per peer address, as a
 * GCRA (login_limiter.h).
 *
 * Relies on: the C library only; pure.
 *
 * One timestamp per address, tat_ms: each failure moves it to
 * max(tat, now) + refill. The address may try again while
 * tat - now <= (burst - 1) x refill, that is, while fewer than burst
 * failures are "in the bucket". An entry whose tat is not after now
 * holds nothing and is free for any address.
 */
#include "aggregator/login_limiter.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* How far ahead of now tat may be with one failure still allowed. */
#define SLACK_MS ((int64_t)(HC_LOGIN_FAILURES_BURST - 1) * HC_LOGIN_FAILURE_REFILL_MS)

void hc_login_limiter_init(struct hc_login_limiter *l)
{
	memset(l, 0, sizeof *l);
}

static const struct hc_login_limiter_entry *find(const struct hc_login_limiter *l,
						 const char *address)
{
	for (uint32_t i = 0; i < HC_LOGIN_LIMITER_ADDRESSES_MAX; i++)
		if (l->entries[i].address[0] != '\0' &&
		    strncmp(l->entries[i].address, address, HC_LOGIN_ADDRESS_LEN_MAX) == 0)
			return &l->entries[i];
	return NULL;
}

bool hc_login_limiter_allowed(const struct hc_login_limiter *l, const char *address, int64_t now_ms,
			      int64_t *retry_after_ms)
{
	const struct hc_login_limiter_entry *e = find(l, address);
	if (e == NULL || e->tat_ms - now_ms <= SLACK_MS)
		return true;
	if (retry_after_ms != NULL)
		*retry_after_ms = e->tat_ms - now_ms - SLACK_MS;
	return false;
}

uint32_t hc_login_limiter_failures(const struct hc_login_limiter *l, const char *address,
				   int64_t now_ms)
{
	const struct hc_login_limiter_entry *e = find(l, address);
	if (e == NULL || e->tat_ms <= now_ms)
		return 0;
	int64_t ahead_ms = e->tat_ms - now_ms;
	int64_t n = (ahead_ms + HC_LOGIN_FAILURE_REFILL_MS - 1) / HC_LOGIN_FAILURE_REFILL_MS;
	return n > HC_LOGIN_FAILURES_BURST ? HC_LOGIN_FAILURES_BURST : (uint32_t)n;
}

void hc_login_limiter_failed(struct hc_login_limiter *l, const char *address, int64_t now_ms)
{
	struct hc_login_limiter_entry *e = (struct hc_login_limiter_entry *)find(l, address);
	if (e == NULL) {
		/* A free entry, else the one closest to holding nothing. */
		e = &l->entries[0];
		for (uint32_t i = 0; i < HC_LOGIN_LIMITER_ADDRESSES_MAX; i++) {
			struct hc_login_limiter_entry *c = &l->entries[i];
			if (c->address[0] == '\0' || c->tat_ms <= now_ms) {
				e = c;
				break;
			}
			if (c->tat_ms < e->tat_ms)
				e = c;
		}
		snprintf(e->address, sizeof e->address, "%s", address);
		e->tat_ms = now_ms;
	}
	int64_t from_ms = e->tat_ms > now_ms ? e->tat_ms : now_ms;
	/* Never more than burst failures ahead: a locked-out address that
	 * keeps failing (it cannot: it is refused before the check) would
	 * otherwise push its own lock-out further without end. */
	if (from_ms - now_ms > SLACK_MS)
		from_ms = now_ms + SLACK_MS;
	e->tat_ms = from_ms + HC_LOGIN_FAILURE_REFILL_MS;
	assert(hc_login_limiter_failures(l, address, now_ms) >= 1);
}
