/*
 * conflation.h — the pure conflation core: what each reader gets next,
 * and when an occupancy-only change is published (docs/map.md,
 * *Conflation*).
 *
 * What lives here, as plain functions of their arguments (no lws, no
 * clock reads, no SQLite; the caller passes now_ms and the versions):
 *
 *   - publication, per area and per group: a token bucket of
 *     HC_OCCUPANCY_PUSH_BURST_MILLI thousandths of a token refilled at
 *     HC_OCCUPANCY_PUSH_RATE_PER_S (shared/limits.h). A change of level,
 *     restriction, override, name or capacity is published at once,
 *     always (it takes a token if one is there, never waits for one). An
 *     occupancy-only change is published at once when a token is there
 *     and otherwise waits until one is (hc_conflation_due_ms), and is
 *     then published with the latest totals: updates under the rate go
 *     out as they come, a burst of any size is cut to the rate, and
 *     nothing queues (the waiting change is the state, not a backlog);
 *   - delivery, per reader: each reader remembers the version it last
 *     sent of every entry; the next entry it gets is the next one, round
 *     robin from its cursor, whose current version differs
 *     (hc_conflation_next). Only the current state is ever sent, so a
 *     reader after any pause is at most one message per area and group
 *     behind, and never holds a backlog.
 *
 * Promises: deterministic; every function is O(1) except
 * hc_conflation_next, O(entries).
 */
#ifndef HC_CONFLATION_H
#define HC_CONFLATION_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/limits.h"

/* One area's or group's publication budget. Zeroed: full (first use). */
struct hc_push_bucket {
	bool primed;	      /* false: full, never used */
	int64_t tokens_milli; /* tokens x 1000 */
	int64_t refilled_at_ms;
};

enum hc_change {
	HC_CHANGE_OCCUPANCY, /* only entered/exited/occupancy moved */
	HC_CHANGE_GATE,	     /* level, restriction, override, name, capacity */
};

/* Decides a change at now_ms: true to publish now (a token is taken if
 * there is one), false to wait (occupancy-only and no token). */
bool hc_conflation_publish_now(struct hc_push_bucket *b, enum hc_change change, int64_t now_ms);

/* When a waiting occupancy-only change may be published: the first
 * millisecond at which the bucket holds a token (now_ms when it does). */
int64_t hc_conflation_due_ms(const struct hc_push_bucket *b, int64_t now_ms);

/* The version of entry k of a reader's entries (areas, groups, ...). */
typedef uint64_t (*hc_version_fn)(const void *ctx, uint32_t k);

/* Index of the next of count entries, round robin from cursor, whose
 * current version differs from sent[], or -1 when the reader has
 * everything. */
int hc_conflation_next(uint32_t count, uint32_t cursor, const uint64_t *sent,
		       hc_version_fn version_of, const void *ctx);

#endif
