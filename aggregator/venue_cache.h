/*
 * venue_cache.h — what aggregator/venue_cache.c exports: the store of
 * serialised messages, one per area, group and the map snapshot, each
 * kept with the version it was built for. Loop thread.
 */
#ifndef HC_VENUE_CACHE_H
#define HC_VENUE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hc_server;
struct hc_msg_cache;

/* Releases c's buffer and empties it. */
void venue_cache_free(struct hc_msg_cache *c);
/* Forgets every cached message (their keys no longer say enough, e.g.
 * after a reload moved positions). */
void venue_invalidate_messages(struct hc_server *s);
/* Stores text (len bytes) in c under key after LWS_PRE bytes of
 * headroom; false when out of memory (c is then empty). */
bool venue_cache_store(struct hc_msg_cache *c, uint64_t key, const char *text, size_t len);

#endif
