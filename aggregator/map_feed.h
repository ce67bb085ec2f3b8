/*
 * map_feed.h — the bounded hand-off of published area and group states
 * from the loop thread (the only writer of the ledger and of every
 * state) to the thread that serves map clients.
 *
 * What lives here: a latest-state table under a mutex. The loop thread
 * puts, after each publication, the serialised message of every area and
 * group whose version moved, the snapshot, and the few settings the map
 * side needs; the map side takes what changed into a copy of its own
 * (its view) and reads only that copy. Relies on nothing but pthreads.
 *
 * Promises: the table holds one message per area and group (the latest)
 * and one snapshot, so it never grows with the number of publications
 * (bounded); a take copies only the entries whose version differs from
 * the view's; a view is, after any take, exactly the latest put — so a
 * map client reading the view is never more than one message per area
 * and group behind, and a level or restriction change (part of every
 * area's state) is never lost, only an intermediate occupancy skipped.
 * Neither side holds the lock while doing anything but copying bytes.
 */
#ifndef HC_MAP_FEED_H
#define HC_MAP_FEED_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/limits.h"

#define HC_FEED_ENTRIES_MAX (HC_AREAS_MAX + HC_GROUPS_MAX)

/* One serialised message: payload at buf + headroom (room for lws's
 * LWS_PRE), len bytes, of this version (0: none). */
struct hc_feed_msg {
	uint64_t version;
	unsigned char *buf;
	size_t len;
	size_t cap;
};

/* What the map side needs of the config and the server's state. */
struct hc_map_settings {
	int64_t idle_timeout_s;	   /* map_idle_timeout_s */
	uint32_t sessions_max;	   /* the map budget */
	bool stopping;		   /* refuse new map clients and pages */
	bool closing_all;	   /* close every map client (1001) */
	char background[PATH_MAX]; /* map_background file, "" if none */
	char background_type[64];
};

/* Areas first (entries 0 .. area_count-1), then groups. */
struct hc_map_table {
	uint64_t serial;     /* moves with every put */
	uint64_t generation; /* moves when indexes renumber */
	uint32_t area_count;
	uint32_t group_count;
	struct hc_feed_msg entries[HC_FEED_ENTRIES_MAX];
	struct hc_feed_msg snapshot;
	struct hc_map_settings settings;
};

struct hc_map_feed {
	pthread_mutex_t lock;
	size_t headroom; /* bytes before each payload */
	struct hc_map_table latest;
};

/* An empty table whose messages get headroom bytes before the payload. */
bool hc_map_feed_init(struct hc_map_feed *f, size_t headroom);
void hc_map_feed_destroy(struct hc_map_feed *f);
/* Frees the messages of a view. */
void hc_map_table_free(struct hc_map_table *t);

/* Writer: begin (takes the lock), any number of puts, end. */
void hc_map_feed_begin(struct hc_map_feed *f, uint64_t generation, uint32_t area_count,
		       uint32_t group_count, const struct hc_map_settings *settings);
/* The version the table holds for entry k (to skip unchanged ones). */
uint64_t hc_map_feed_version(const struct hc_map_feed *f, uint32_t k);
/* Stores a message for entry k (k == HC_FEED_ENTRIES_MAX: the snapshot).
 * False when out of memory (the entry is then empty, version 0, and the
 * next put of any version fills it). */
bool hc_map_feed_put(struct hc_map_feed *f, uint32_t k, uint64_t version,
		     const unsigned char *payload, size_t len);
void hc_map_feed_end(struct hc_map_feed *f);

/* Reader: copies into view what differs from the latest table. False
 * when nothing was put since the last take (view untouched) or out of
 * memory (view keeps what it had; the next take tries again). */
bool hc_map_feed_take(struct hc_map_feed *f, struct hc_map_table *view);

#endif
