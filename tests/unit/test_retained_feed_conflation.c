/*
 * test_retained_feed_conflation.c — the MQTT bridge's feed publishes the
 * newest state of each topic, boundedly, and everything after a reconnect.
 *
 * Properties: nothing goes out while disconnected; an identical payload
 * is no change; a topic offered 1000 times while its publication is in
 * flight goes out once more, with the newest payload; never more than
 * inflight_max publications unconfirmed; topics take turns; a
 * confirmation that arrives before its publication is recorded still
 * counts; a reconnect republishes every topic; a disconnect forgets what
 * was in flight, which then goes again; a full topic table refuses new
 * topics but keeps updating known ones; oversized input is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/retained_feed.h"

static struct hc_feed feed;

static void offer(const char *topic, const char *payload)
{
	hc_feed_offer(&feed, topic, payload, strlen(payload));
}

/* Publishes what is due (as the bridge's thread does) and returns its
 * index; mid is the index + 100 so tests can confirm it. */
static int publish_next(void)
{
	int i = hc_feed_next(&feed);
	if (i >= 0)
		hc_feed_sent(&feed, i, feed.topics[i].version, i + 100);
	return i;
}

static void nothing_goes_out_while_disconnected(void **state)
{
	(void)state;
	hc_feed_init(&feed, 4);
	offer("v/area/hall", "{\"occupancy\":1}");
	assert_int_equal(hc_feed_next(&feed), -1);
	hc_feed_connected(&feed);
	assert_int_equal(hc_feed_next(&feed), 0);
}

static void identical_payload_is_no_change(void **state)
{
	(void)state;
	hc_feed_init(&feed, 4);
	assert_true(hc_feed_offer(&feed, "t", "a", 1));
	assert_false(hc_feed_offer(&feed, "t", "a", 1));
	assert_true(hc_feed_offer(&feed, "t", "b", 1));
	assert_int_equal(feed.topics[0].version, 2);
}

static void burst_while_in_flight_goes_out_once_with_newest(void **state)
{
	(void)state;
	hc_feed_init(&feed, 4);
	hc_feed_connected(&feed);
	offer("v/area/hall", "occupancy 0");
	assert_int_equal(publish_next(), 0);
	char payload[32];
	for (int n = 1; n <= 1000; n++) {
		snprintf(payload, sizeof payload, "occupancy %d", n);
		offer("v/area/hall", payload);
		assert_int_equal(hc_feed_next(&feed), -1); /* still in flight */
	}
	hc_feed_confirmed(&feed, 100);
	assert_int_equal(publish_next(), 0);
	assert_int_equal(feed.topics[0].inflight_version, feed.topics[0].version);
	assert_memory_equal(feed.topics[0].payload, "occupancy 1000", 14);
	hc_feed_confirmed(&feed, 100);
	assert_true(hc_feed_settled(&feed));
	assert_int_equal(feed.publications, 2);
	assert_int_equal(hc_feed_next(&feed), -1);
}

static void never_more_than_inflight_max_unconfirmed(void **state)
{
	(void)state;
	hc_feed_init(&feed, 3);
	hc_feed_connected(&feed);
	char topic[32];
	for (int i = 0; i < 10; i++) {
		snprintf(topic, sizeof topic, "v/area/a%d", i);
		offer(topic, "x");
	}
	assert_int_equal(publish_next(), 0);
	assert_int_equal(publish_next(), 1);
	assert_int_equal(publish_next(), 2);
	assert_int_equal(hc_feed_next(&feed), -1);
	assert_int_equal(feed.inflight, 3);
	hc_feed_confirmed(&feed, 101);
	assert_int_equal(publish_next(), 3); /* turns move on, not back to 1 */
	assert_int_equal(hc_feed_next(&feed), -1);
}

static void early_confirmation_still_counts(void **state)
{
	(void)state;
	hc_feed_init(&feed, 2);
	hc_feed_connected(&feed);
	offer("t", "x");
	int i = hc_feed_next(&feed);
	assert_int_equal(i, 0);
	hc_feed_confirmed(&feed, 7); /* the broker answered first */
	hc_feed_sent(&feed, i, feed.topics[0].version, 7);
	assert_int_equal(feed.inflight, 0);
	assert_true(hc_feed_settled(&feed));
	assert_int_equal(hc_feed_next(&feed), -1);
}

static void reconnect_republishes_every_topic(void **state)
{
	(void)state;
	hc_feed_init(&feed, 8);
	hc_feed_connected(&feed);
	offer("a", "1");
	offer("b", "2");
	while (publish_next() >= 0)
		;
	hc_feed_confirmed(&feed, 100);
	hc_feed_confirmed(&feed, 101);
	assert_true(hc_feed_settled(&feed));
	hc_feed_disconnected(&feed);
	assert_int_equal(hc_feed_next(&feed), -1);
	hc_feed_connected(&feed); /* a broker without persistence lost them */
	assert_false(hc_feed_settled(&feed));
	int first = publish_next(), second = publish_next();
	assert_true((first == 0 && second == 1) || (first == 1 && second == 0));
}

static void disconnect_forgets_in_flight_which_goes_again(void **state)
{
	(void)state;
	hc_feed_init(&feed, 8);
	hc_feed_connected(&feed);
	offer("a", "1");
	assert_int_equal(publish_next(), 0);
	hc_feed_disconnected(&feed);
	assert_int_equal(feed.inflight, 0);
	hc_feed_confirmed(&feed, 100); /* a stale PUBACK changes nothing */
	assert_false(hc_feed_settled(&feed));
	hc_feed_connected(&feed);
	assert_int_equal(publish_next(), 0);
}

static void full_table_refuses_new_topics_only(void **state)
{
	(void)state;
	hc_feed_init(&feed, 8);
	char topic[32];
	for (int i = 0; i < HC_FEED_TOPICS_MAX; i++) {
		snprintf(topic, sizeof topic, "t%d", i);
		assert_true(hc_feed_offer(&feed, topic, "x", 1));
	}
	assert_false(hc_feed_offer(&feed, "one-too-many", "x", 1));
	assert_true(hc_feed_offer(&feed, "t0", "y", 1));
	char big[HC_FEED_PAYLOAD_BYTES_MAX + 1];
	memset(big, 'x', sizeof big);
	assert_false(hc_feed_offer(&feed, "t1", big, sizeof big));
	char long_topic[HC_FEED_TOPIC_BYTES_MAX + 2];
	memset(long_topic, 'a', sizeof long_topic - 1);
	long_topic[sizeof long_topic - 1] = '\0';
	hc_feed_init(&feed, 8);
	assert_false(hc_feed_offer(&feed, long_topic, "x", 1));
	assert_int_equal(feed.topic_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_goes_out_while_disconnected),
		cmocka_unit_test(identical_payload_is_no_change),
		cmocka_unit_test(burst_while_in_flight_goes_out_once_with_newest),
		cmocka_unit_test(never_more_than_inflight_max_unconfirmed),
		cmocka_unit_test(early_confirmation_still_counts),
		cmocka_unit_test(reconnect_republishes_every_topic),
		cmocka_unit_test(disconnect_forgets_in_flight_which_goes_again),
		cmocka_unit_test(full_table_refuses_new_topics_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
