/*
 * retained_feed.h — what an external broker must hold, and what to send it
 * next (pure: no sockets, clocks, threads or MQTT library).
 *
 * The MQTT bridge (mqtt_bridge.c) keeps one retained topic per area and
 * per group on a broker. This core holds, per topic, the latest payload
 * the loop offered and which version of it the broker has confirmed, and
 * decides what to publish next: only the latest state of each topic
 * (conflation: a topic that changed ten times while the broker was slow
 * or gone is published once, with its newest payload), at most
 * inflight_max publications unconfirmed at once, and everything again
 * after a (re)connect, because a broker restarted without persistence
 * has lost its retained messages. Memory is bounded by the topic table,
 * whatever the broker does.
 */
#ifndef HC_RETAINED_FEED_H
#define HC_RETAINED_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Topics the feed holds: every area and every group. */
#define HC_FEED_TOPICS_MAX (256 + 64)
#define HC_FEED_TOPIC_BYTES_MAX 160
/* An area message is ~250 bytes; names are at most 64 bytes of UTF-8. */
#define HC_FEED_PAYLOAD_BYTES_MAX 1024
/* Publications awaiting the broker's PUBACK at once. */
#define HC_FEED_INFLIGHT_MAX 32

struct hc_feed_topic {
	char topic[HC_FEED_TOPIC_BYTES_MAX + 1];
	char payload[HC_FEED_PAYLOAD_BYTES_MAX];
	size_t payload_len;
	uint64_t version;	    /* bumped by every offer */
	uint64_t confirmed_version; /* the broker holds this one (0: none) */
	uint64_t inflight_version;  /* sent, unconfirmed (0: none) */
	int inflight_mid;	    /* the publication's message id */
};

struct hc_feed {
	struct hc_feed_topic topics[HC_FEED_TOPICS_MAX];
	size_t topic_count;
	size_t inflight;     /* topics with inflight_version != 0 */
	size_t inflight_max; /* 1..HC_FEED_INFLIGHT_MAX */
	bool connected;
	size_t cursor; /* round robin start of the next search */
	/* Confirmations that arrived before hc_feed_sent() recorded their
	 * mid (the broker can answer before the publishing call returns). */
	int early_mids[HC_FEED_INFLIGHT_MAX];
	size_t early_count;
	uint64_t offers; /* counters, for logs and tests */
	uint64_t publications;
	uint64_t confirmations;
};

void hc_feed_init(struct hc_feed *f, size_t inflight_max);

/* The loop offers the newest payload of topic; returns false (nothing
 * changed) when the topic table is full or topic/payload is too long. An
 * identical payload is not a change. */
bool hc_feed_offer(struct hc_feed *f, const char *topic, const char *payload, size_t len);

/* What to publish now: the index of a topic whose newest version the
 * broker does not hold and that is not in flight, or -1 (disconnected,
 * the in-flight limit reached, or nothing new). */
int hc_feed_next(const struct hc_feed *f);

/* Version `version` of topic i (its newest when hc_feed_next() chose it;
 * the publisher copies the payload and version, publishes without
 * holding any lock, then records it here) went to the broker as mid. */
void hc_feed_sent(struct hc_feed *f, int i, uint64_t version, int mid);

/* The broker confirmed message mid (QoS 1 PUBACK). A mid not yet
 * recorded by hc_feed_sent() is kept (boundedly) until it is. */
void hc_feed_confirmed(struct hc_feed *f, int mid);

/* The link came up: every topic is published again (the broker may have
 * restarted and lost its retained messages). */
void hc_feed_connected(struct hc_feed *f);

/* The link went down: nothing is in flight any more; unconfirmed
 * publications go again after the next connect. */
void hc_feed_disconnected(struct hc_feed *f);

/* True when the broker holds the newest version of every topic. */
bool hc_feed_settled(const struct hc_feed *f);

#endif
