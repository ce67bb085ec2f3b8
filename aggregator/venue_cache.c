/*
 * venue_cache.c — the store behind the serialised area, group and
 * snapshot messages: one buffer per message with LWS_PRE bytes of
 * headroom, keyed by the version it was built for.
 *
 * Relies on: struct hc_msg_cache and struct hc_server (area_msgs,
 * group_msgs, snapshot_msg) from aggregator/server_internal.h, and
 * LWS_PRE from libwebsockets (pulled in by that header). The messages
 * themselves are built in venue_state.c.
 *
 * Promises: a message is serialised once per key and the same bytes are
 * written to every receiver; key 0 means empty, so an invalidated or
 * failed entry is rebuilt by the next reader.
 */
#include "aggregator/venue_cache.h"

#include "aggregator/headroom_buf.h"
#include "aggregator/server_internal.h"

#include <stdlib.h>
#include <string.h>

/* Releases a cached message's buffer and empties it. */
void venue_cache_free(struct hc_msg_cache *c)
{
	free(c->buf);
	memset(c, 0, sizeof *c);
}

/* Forgets every cached message (their keys no longer say enough). */
void venue_invalidate_messages(struct hc_server *s)
{
	for (int i = 0; i < HC_AREAS_MAX; i++)
		s->area_msgs[i].key = 0;
	for (int g = 0; g < HC_GROUPS_MAX; g++)
		s->group_msgs[g].key = 0;
	s->snapshot_msg.key = 0;
}

/* Stores text (len bytes) in c under key, growing its buffer when
 * needed. False when out of memory (c is then empty). */
bool venue_cache_store(struct hc_msg_cache *c, uint64_t key, const char *text, size_t len)
{
	if (!hc_headroom_copy(&c->buf, &c->cap, LWS_PRE, text, len)) {
		venue_cache_free(c);
		return false;
	}
	c->len = len;
	c->key = key;
	return true;
}
