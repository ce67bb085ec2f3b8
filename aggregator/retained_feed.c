/*
 * retained_feed.c — per-topic latest state and publish decisions for the
 * MQTT bridge (see retained_feed.h).
 */
#include "aggregator/retained_feed.h"

#include <assert.h>
#include <string.h>

void hc_feed_init(struct hc_feed *f, size_t inflight_max)
{
	memset(f, 0, sizeof *f);
	if (inflight_max < 1)
		inflight_max = 1;
	if (inflight_max > HC_FEED_INFLIGHT_MAX)
		inflight_max = HC_FEED_INFLIGHT_MAX;
	f->inflight_max = inflight_max;
}

static int find_topic(const struct hc_feed *f, const char *topic)
{
	for (size_t i = 0; i < f->topic_count; i++)
		if (strcmp(f->topics[i].topic, topic) == 0)
			return (int)i;
	return -1;
}

bool hc_feed_offer(struct hc_feed *f, const char *topic, const char *payload, size_t len)
{
	if (strlen(topic) > HC_FEED_TOPIC_BYTES_MAX || len > HC_FEED_PAYLOAD_BYTES_MAX)
		return false;
	int i = find_topic(f, topic);
	if (i < 0) {
		if (f->topic_count == HC_FEED_TOPICS_MAX)
			return false;
		i = (int)f->topic_count++;
		memset(&f->topics[i], 0, sizeof f->topics[i]);
		memcpy(f->topics[i].topic, topic, strlen(topic) + 1);
	} else if (f->topics[i].payload_len == len &&
		   memcmp(f->topics[i].payload, payload, len) == 0) {
		return false;
	}
	struct hc_feed_topic *t = &f->topics[i];
	memcpy(t->payload, payload, len);
	t->payload_len = len;
	t->version++;
	f->offers++;
	return true;
}

int hc_feed_next(const struct hc_feed *f)
{
	if (!f->connected || f->inflight >= f->inflight_max)
		return -1;
	for (size_t k = 0; k < f->topic_count; k++) {
		size_t i = (f->cursor + k) % f->topic_count;
		const struct hc_feed_topic *t = &f->topics[i];
		if (t->inflight_version == 0 && t->confirmed_version != t->version)
			return (int)i;
	}
	return -1;
}

/* Takes mid out of the early confirmations; true when it was there. */
static bool take_early(struct hc_feed *f, int mid)
{
	for (size_t k = 0; k < f->early_count; k++) {
		if (f->early_mids[k] == mid) {
			f->early_mids[k] = f->early_mids[--f->early_count];
			return true;
		}
	}
	return false;
}

void hc_feed_sent(struct hc_feed *f, int i, uint64_t version, int mid)
{
	assert(i >= 0 && (size_t)i < f->topic_count);
	struct hc_feed_topic *t = &f->topics[i];
	assert(t->inflight_version == 0);
	assert(version >= 1 && version <= t->version);
	f->publications++;
	f->cursor = (size_t)i + 1;
	if (take_early(f, mid)) {
		t->confirmed_version = version;
		f->confirmations++;
		return;
	}
	t->inflight_version = version;
	t->inflight_mid = mid;
	f->inflight++;
	assert(f->inflight <= f->inflight_max);
}

void hc_feed_confirmed(struct hc_feed *f, int mid)
{
	for (size_t i = 0; i < f->topic_count; i++) {
		struct hc_feed_topic *t = &f->topics[i];
		if (t->inflight_version != 0 && t->inflight_mid == mid) {
			t->confirmed_version = t->inflight_version;
			t->inflight_version = 0;
			f->inflight--;
			f->confirmations++;
			return;
		}
	}
	/* Not sent as far as we know yet: remember it, dropping the oldest
	 * when full (a mid that old can no longer be waiting). */
	if (f->early_count == HC_FEED_INFLIGHT_MAX) {
		memmove(f->early_mids, f->early_mids + 1,
			(HC_FEED_INFLIGHT_MAX - 1) * sizeof f->early_mids[0]);
		f->early_count--;
	}
	f->early_mids[f->early_count++] = mid;
}

void hc_feed_connected(struct hc_feed *f)
{
	hc_feed_disconnected(f);
	for (size_t i = 0; i < f->topic_count; i++)
		f->topics[i].confirmed_version = 0;
	f->connected = true;
}

void hc_feed_disconnected(struct hc_feed *f)
{
	for (size_t i = 0; i < f->topic_count; i++)
		f->topics[i].inflight_version = 0;
	f->inflight = 0;
	f->early_count = 0;
	f->connected = false;
}

bool hc_feed_settled(const struct hc_feed *f)
{
	for (size_t i = 0; i < f->topic_count; i++)
		if (f->topics[i].confirmed_version != f->topics[i].version)
			return false;
	return true;
}
