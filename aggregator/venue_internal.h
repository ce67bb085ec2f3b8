/*
 * venue_internal.h — what the files of the venue state share and no one
 * else calls: venue_state.c (lifecycle and the serialised messages),
 * venue_refresh.c (derived state and publication), venue_cache.c (the
 * message store), venue_settings.c (effective settings and reloads) and
 * venue_samples.c (the history sampler). Their public functions are
 * declared with the server's (hc_venue_*).
 */
#ifndef HC_AGGREGATOR_VENUE_INTERNAL_H
#define HC_AGGREGATOR_VENUE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hc_server;
struct hc_msg_cache;

/* venue_refresh.c: recomputes every area and group and publishes what
 * changed (hc_venue_state_refresh with quiet = false); quiet: no change
 * lines in the log (start-up). */
void venue_refresh(struct hc_server *s, bool quiet);
/* venue_refresh.c: asks every terminal, map and supervisor to write. */
void venue_wake_everyone(struct hc_server *s);

/* venue_cache.c: releases c's buffer and empties it. */
void venue_cache_free(struct hc_msg_cache *c);
/* venue_cache.c: forgets every cached message (their keys no longer say
 * enough, e.g. after a reload moved positions). */
void venue_invalidate_messages(struct hc_server *s);
/* venue_cache.c: stores text (len bytes) in c under key after LWS_PRE
 * bytes of headroom; false when out of memory (c is then empty). Named
 * without the venue_ prefix because the message builders in
 * venue_state.c call it by this name. */
bool cache_store(struct hc_msg_cache *c, uint64_t key, const char *text, size_t len);

#endif
