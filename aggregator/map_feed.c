/*
 * map_feed.c — the latest-state hand-off to the map side (map_feed.h).
 */
#include "aggregator/map_feed.h"

#include "aggregator/headroom_buf.h"

#include <stdlib.h>
#include <string.h>

bool hc_map_feed_init(struct hc_map_feed *f, size_t headroom)
{
	memset(f, 0, sizeof *f);
	f->headroom = headroom;
	return pthread_mutex_init(&f->lock, NULL) == 0;
}

static void msg_free(struct hc_feed_msg *m)
{
	free(m->buf);
	memset(m, 0, sizeof *m);
}

void hc_map_table_free(struct hc_map_table *t)
{
	for (uint32_t k = 0; k < HC_FEED_ENTRIES_MAX; k++)
		msg_free(&t->entries[k]);
	msg_free(&t->snapshot);
}

void hc_map_feed_destroy(struct hc_map_feed *f)
{
	hc_map_table_free(&f->latest);
	pthread_mutex_destroy(&f->lock);
}

/* Copies len payload bytes into m (growing it); false when out of
 * memory (m is then empty). */
static bool msg_store(struct hc_feed_msg *m, size_t headroom, uint64_t version,
		      const unsigned char *payload, size_t len)
{
	if (!hc_headroom_copy(&m->buf, &m->cap, headroom, payload, len)) {
		msg_free(m);
		return false;
	}
	m->len = len;
	m->version = version;
	return true;
}

void hc_map_feed_begin(struct hc_map_feed *f, uint64_t generation, uint32_t area_count,
		       uint32_t group_count, const struct hc_map_settings *settings)
{
	pthread_mutex_lock(&f->lock);
	struct hc_map_table *t = &f->latest;
	if (t->generation != generation) {
		/* Indexes moved: every entry is refilled. */
		for (uint32_t k = 0; k < HC_FEED_ENTRIES_MAX; k++)
			t->entries[k].version = 0;
		t->snapshot.version = 0;
	}
	t->generation = generation;
	t->area_count = area_count;
	t->group_count = group_count;
	t->settings = *settings;
	t->serial++;
}

uint64_t hc_map_feed_version(const struct hc_map_feed *f, uint32_t k)
{
	return k < HC_FEED_ENTRIES_MAX ? f->latest.entries[k].version : f->latest.snapshot.version;
}

bool hc_map_feed_put(struct hc_map_feed *f, uint32_t k, uint64_t version,
		     const unsigned char *payload, size_t len)
{
	struct hc_feed_msg *m = k < HC_FEED_ENTRIES_MAX ? &f->latest.entries[k]
							: &f->latest.snapshot;
	return msg_store(m, f->headroom, version, payload, len);
}

void hc_map_feed_end(struct hc_map_feed *f)
{
	pthread_mutex_unlock(&f->lock);
}

/* Copies src into dst unless dst already holds that version. */
static bool msg_follow(struct hc_feed_msg *dst, const struct hc_feed_msg *src, size_t headroom)
{
	if (dst->version == src->version && (dst->buf != NULL || src->buf == NULL))
		return true;
	if (src->buf == NULL) {
		dst->version = 0;
		dst->len = 0;
		return true;
	}
	return msg_store(dst, headroom, src->version, src->buf + headroom, src->len);
}

bool hc_map_feed_take(struct hc_map_feed *f, struct hc_map_table *view)
{
	pthread_mutex_lock(&f->lock);
	const struct hc_map_table *t = &f->latest;
	if (view->serial == t->serial) {
		pthread_mutex_unlock(&f->lock);
		return false;
	}
	bool ok = true;
	uint32_t n = t->area_count + t->group_count;
	for (uint32_t k = 0; ok && k < n; k++)
		ok = msg_follow(&view->entries[k], &t->entries[k], f->headroom);
	ok = ok && msg_follow(&view->snapshot, &t->snapshot, f->headroom);
	if (ok) {
		view->serial = t->serial;
		view->generation = t->generation;
		view->area_count = t->area_count;
		view->group_count = t->group_count;
		view->settings = t->settings;
	}
	pthread_mutex_unlock(&f->lock);
	return ok;
}
