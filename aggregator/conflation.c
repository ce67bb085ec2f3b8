/*
 * conflation.c — the pure conflation core (conflation.h has the rules).
 */
#include "aggregator/conflation.h"

#define TOKEN_MILLI 1000
#define BURST_MILLI ((int64_t)HC_OCCUPANCY_PUSH_BURST_MILLI)

_Static_assert(HC_OCCUPANCY_PUSH_RATE_PER_S > 0, "a rate of at least one push a second");
_Static_assert(HC_OCCUPANCY_PUSH_BURST_MILLI >= TOKEN_MILLI, "a burst of at least one push");

/* Tokens at now_ms (x1000), capped at the burst. */
static int64_t tokens_at(const struct hc_push_bucket *b, int64_t now_ms)
{
	if (!b->primed)
		return BURST_MILLI;
	int64_t elapsed_ms = now_ms > b->refilled_at_ms ? now_ms - b->refilled_at_ms : 0;
	/* rate per second = rate milli-tokens per millisecond */
	if (elapsed_ms >= BURST_MILLI) /* long idle: full (and no overflow) */
		return BURST_MILLI;
	int64_t t = b->tokens_milli + elapsed_ms * HC_OCCUPANCY_PUSH_RATE_PER_S;
	return t < BURST_MILLI ? t : BURST_MILLI;
}

bool hc_conflation_publish_now(struct hc_push_bucket *b, enum hc_change change, int64_t now_ms)
{
	int64_t t = tokens_at(b, now_ms);
	bool has_token = t >= TOKEN_MILLI;
	if (change == HC_CHANGE_OCCUPANCY && !has_token)
		return false;
	b->primed = true;
	b->tokens_milli = has_token ? t - TOKEN_MILLI : t;
	b->refilled_at_ms = now_ms;
	return true;
}

int64_t hc_conflation_due_ms(const struct hc_push_bucket *b, int64_t now_ms)
{
	int64_t t = tokens_at(b, now_ms);
	if (t >= TOKEN_MILLI)
		return now_ms;
	int64_t missing = TOKEN_MILLI - t;
	return now_ms + (missing + HC_OCCUPANCY_PUSH_RATE_PER_S - 1) / HC_OCCUPANCY_PUSH_RATE_PER_S;
}

int hc_conflation_next(uint32_t count, uint32_t cursor, const uint64_t *sent,
		       hc_version_fn version_of, const void *ctx)
{
	for (uint32_t k = 0; k < count; k++) {
		uint32_t i = (cursor + k) % count;
		if (version_of(ctx, i) != sent[i])
			return (int)i;
	}
	return -1;
}
