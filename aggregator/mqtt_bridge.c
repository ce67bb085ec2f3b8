/*
 * mqtt_bridge.c — the MQTT edge of the retained feed (see mqtt_bridge.h).
 *
 * Relies on: libmosquitto (threaded interface: mosquitto_loop_start runs
 * the socket, keepalive and reconnects on its own thread, and
 * mosquitto_publish only queues), retained_feed.c for every decision,
 * POSIX threads.
 *
 * Locking: one mutex guards the feed and the counters. The publisher
 * thread takes what is due under it, releases it to call
 * mosquitto_publish, and records the result under it again; the
 * library's callbacks (connect, disconnect, publish) take it briefly.
 * No lock is held while calling into libmosquitto, so no lock order
 * between ours and the library's exists.
 */
#include "aggregator/mqtt_bridge.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>

#include "aggregator/retained_feed.h"
#include "shared/log.h"

/* Reconnect backoff of libmosquitto's thread: 1 s doubling to 30 s. */
#define HC_MQTT_RECONNECT_MIN_S 1
#define HC_MQTT_RECONNECT_MAX_S 30
/* How long stop() lets in-flight publications finish. */
#define HC_MQTT_STOP_DRAIN_MS 1000

struct hc_mqtt_bridge {
	struct hc_mqtt_cfg cfg;
	struct mosquitto *mosq;
	bool loop_started;

	pthread_t publisher;
	bool publisher_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;

	struct hc_feed feed;
	uint64_t connects;
	bool ever_connected;
};

static void on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	(void)mosq;
	struct hc_mqtt_bridge *b = arg;
	if (rc != 0) {
		hc_warn("mqtt: %s:%u refused the connection: %s", b->cfg.host, b->cfg.port,
			mosquitto_connack_string(rc));
		return;
	}
	pthread_mutex_lock(&b->lock);
	hc_feed_connected(&b->feed);
	b->connects++;
	uint64_t n = b->connects;
	pthread_cond_broadcast(&b->wake);
	pthread_mutex_unlock(&b->lock);
	hc_info("mqtt: connected to %s:%u (connection %" PRIu64 "); publishing every retained"
		" state under %s/",
		b->cfg.host, b->cfg.port, n, b->cfg.topic_prefix);
}

static void on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	(void)mosq;
	struct hc_mqtt_bridge *b = arg;
	pthread_mutex_lock(&b->lock);
	bool was = b->feed.connected;
	hc_feed_disconnected(&b->feed);
	bool stopping = b->stopping;
	pthread_mutex_unlock(&b->lock);
	if (was && !stopping)
		hc_warn("mqtt: lost %s:%u (%s); reconnecting, doors and maps are not affected",
			b->cfg.host, b->cfg.port, rc == 0 ? "closed" : mosquitto_strerror(rc));
}

static void on_publish(struct mosquitto *mosq, void *arg, int mid)
{
	(void)mosq;
	struct hc_mqtt_bridge *b = arg;
	pthread_mutex_lock(&b->lock);
	hc_feed_confirmed(&b->feed, mid);
	pthread_cond_broadcast(&b->wake);
	pthread_mutex_unlock(&b->lock);
}

/* One due publication, copied out of the feed. */
struct due {
	int index;
	uint64_t version;
	char topic[HC_FEED_TOPIC_BYTES_MAX + 1];
	char payload[HC_FEED_PAYLOAD_BYTES_MAX];
	size_t len;
};

/* Waits (lock held) until something is due or stopping; false when
 * stopping. */
static bool wait_for_due(struct hc_mqtt_bridge *b, struct due *d)
{
	for (;;) {
		if (b->stopping)
			return false;
		int i = hc_feed_next(&b->feed);
		if (i >= 0) {
			const struct hc_feed_topic *t = &b->feed.topics[i];
			d->index = i;
			d->version = t->version;
			memcpy(d->topic, t->topic, sizeof d->topic);
			memcpy(d->payload, t->payload, t->payload_len);
			d->len = t->payload_len;
			return true;
		}
		pthread_cond_wait(&b->wake, &b->lock);
	}
}

static void *publisher_main(void *arg)
{
	struct hc_mqtt_bridge *b = arg;
	struct due *d = malloc(sizeof *d);
	if (d == NULL) {
		hc_error("mqtt: publisher out of memory; the bridge publishes nothing");
		return NULL;
	}
	pthread_mutex_lock(&b->lock);
	while (wait_for_due(b, d)) {
		pthread_mutex_unlock(&b->lock);
		int mid = 0;
		int rc = mosquitto_publish(b->mosq, &mid, d->topic, (int)d->len, d->payload,
					   b->cfg.qos, true);
		pthread_mutex_lock(&b->lock);
		if (rc == MOSQ_ERR_SUCCESS) {
			hc_feed_sent(&b->feed, d->index, d->version, mid);
		} else {
			/* Not connected after all (the disconnect callback may
			 * not have run yet): wait for the next connect. */
			hc_debug("mqtt: publish %s: %s", d->topic, mosquitto_strerror(rc));
			hc_feed_disconnected(&b->feed);
		}
	}
	pthread_mutex_unlock(&b->lock);
	free(d);
	return NULL;
}

static bool start_client(struct hc_mqtt_bridge *b, char *err, size_t err_cap)
{
	b->mosq = mosquitto_new(b->cfg.client_id, true, b);
	if (b->mosq == NULL) {
		snprintf(err, err_cap, "mosquitto_new failed (out of memory?)");
		return false;
	}
	mosquitto_int_option(b->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_max_inflight_messages_set(b->mosq, HC_FEED_INFLIGHT_MAX);
	mosquitto_reconnect_delay_set(b->mosq, HC_MQTT_RECONNECT_MIN_S, HC_MQTT_RECONNECT_MAX_S,
				      true);
	mosquitto_connect_callback_set(b->mosq, on_connect);
	mosquitto_disconnect_callback_set(b->mosq, on_disconnect);
	mosquitto_publish_callback_set(b->mosq, on_publish);
	if (b->cfg.username[0] != '\0') {
		int rc = mosquitto_username_pw_set(b->mosq, b->cfg.username,
						   b->cfg.password[0] ? b->cfg.password : NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(err, err_cap, "username: %s", mosquitto_strerror(rc));
			return false;
		}
	}
	/* Asynchronous: a broker that is down now is retried by the loop
	 * thread; only a name that cannot be resolved fails here. */
	int rc = mosquitto_connect_async(b->mosq, b->cfg.host, b->cfg.port, b->cfg.keepalive_s);
	if (rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_CONN_REFUSED)
		hc_warn("mqtt: %s:%u not reachable yet; retrying in the background", b->cfg.host,
			b->cfg.port);
	else if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_cap, "connect to %s:%u: %s", b->cfg.host, b->cfg.port,
			 mosquitto_strerror(rc));
		return false;
	}
	rc = mosquitto_loop_start(b->mosq);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_cap, "mosquitto_loop_start: %s", mosquitto_strerror(rc));
		return false;
	}
	b->loop_started = true;
	return true;
}

struct hc_mqtt_bridge *hc_mqtt_bridge_start(const struct hc_mqtt_cfg *cfg, char *err,
					    size_t err_cap)
{
	struct hc_mqtt_bridge *b = calloc(1, sizeof *b);
	if (b == NULL) {
		snprintf(err, err_cap, "out of memory");
		return NULL;
	}
	b->cfg = *cfg;
	hc_feed_init(&b->feed, HC_FEED_INFLIGHT_MAX);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	mosquitto_lib_init();
	if (!start_client(b, err, err_cap))
		goto fail;
	int rc = pthread_create(&b->publisher, NULL, publisher_main, b);
	if (rc != 0) {
		snprintf(err, err_cap, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	b->publisher_started = true;
	hc_info("mqtt: bridge to %s:%u, topics %s/area/<id> and %s/group/<id>, QoS %d, retained",
		cfg->host, cfg->port, cfg->topic_prefix, cfg->topic_prefix, cfg->qos);
	return b;
fail:
	hc_mqtt_bridge_stop(b);
	return NULL;
}

void hc_mqtt_bridge_offer(struct hc_mqtt_bridge *b, const char *kind, const char *id,
			  const char *payload, size_t len)
{
	if (b == NULL)
		return;
	char topic[HC_FEED_TOPIC_BYTES_MAX + 1];
	int n = snprintf(topic, sizeof topic, "%s/%s/%s", b->cfg.topic_prefix, kind, id);
	if (n < 0 || (size_t)n >= sizeof topic)
		return;
	pthread_mutex_lock(&b->lock);
	if (hc_feed_offer(&b->feed, topic, payload, len))
		pthread_cond_broadcast(&b->wake);
	pthread_mutex_unlock(&b->lock);
}

void hc_mqtt_bridge_stats(struct hc_mqtt_bridge *b, struct hc_mqtt_bridge_stats *out)
{
	memset(out, 0, sizeof *out);
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->lock);
	out->connected = b->feed.connected;
	out->connects = b->connects;
	out->publications = b->feed.publications;
	out->confirmations = b->feed.confirmations;
	out->settled = hc_feed_settled(&b->feed);
	pthread_mutex_unlock(&b->lock);
}

/* Gives in-flight publications a moment to be confirmed before stop. */
static void drain(struct hc_mqtt_bridge *b)
{
	for (int waited_ms = 0; waited_ms < HC_MQTT_STOP_DRAIN_MS; waited_ms += 10) {
		pthread_mutex_lock(&b->lock);
		bool idle = !b->feed.connected || b->feed.inflight == 0;
		pthread_mutex_unlock(&b->lock);
		if (idle)
			return;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

void hc_mqtt_bridge_stop(struct hc_mqtt_bridge *b)
{
	if (b == NULL)
		return;
	if (b->publisher_started) {
		drain(b);
		pthread_mutex_lock(&b->lock);
		b->stopping = true;
		pthread_cond_broadcast(&b->wake);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->publisher, NULL);
	}
	if (b->mosq != NULL) {
		pthread_mutex_lock(&b->lock);
		b->stopping = true;
		pthread_mutex_unlock(&b->lock);
		mosquitto_disconnect(b->mosq);
		if (b->loop_started)
			mosquitto_loop_stop(b->mosq, false);
		mosquitto_destroy(b->mosq);
	}
	mosquitto_lib_cleanup();
	pthread_cond_destroy(&b->wake);
	pthread_mutex_destroy(&b->lock);
	free(b);
}
