/*
 * mqtt_bridge.h — keeps every area's and group's state as a retained
 * message on an external MQTT broker, for readers beyond one box.
 *
 * With [mqtt] in the venue config the aggregator publishes, per area
 * and per group, the same JSON object the map role pushes
 * ({"type":"area",...} / {"type":"group",...}) as a retained message on
 * <topic_prefix>/area/<id> and <topic_prefix>/group/<id> at the
 * configured QoS (1 by default). docs/map.md shows the exchange.
 *
 * Threads: the event loop only calls hc_mqtt_bridge_offer(), which
 * copies the payload into the feed (aggregator/retained_feed.h) under a
 * mutex and signals a condition: it never touches the network or the
 * MQTT library, so a slow or vanished broker cannot delay a door's ack.
 * libmosquitto's own thread runs the connection (and reconnects with
 * backoff); the bridge's publisher thread hands it what the feed says
 * is due.
 */
#ifndef HC_MQTT_BRIDGE_H
#define HC_MQTT_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/config.h"

struct hc_mqtt_bridge;

/* Starts the bridge for cfg (enabled). The broker need not be up: the
 * bridge connects when it can. NULL with a message in err on failure to
 * start (library, threads, memory). */
struct hc_mqtt_bridge *hc_mqtt_bridge_start(const struct hc_mqtt_cfg *cfg, char *err,
					    size_t err_cap);

/* The newest state of one area ("area") or group ("group"). Cheap and
 * non-blocking; called from the event loop. */
void hc_mqtt_bridge_offer(struct hc_mqtt_bridge *b, const char *kind, const char *id,
			  const char *payload, size_t len);

struct hc_mqtt_bridge_stats {
	bool connected;
	uint64_t connects; /* successful CONNACKs */
	uint64_t publications;
	uint64_t confirmations;
	bool settled; /* the broker holds every newest state */
};
void hc_mqtt_bridge_stats(struct hc_mqtt_bridge *b, struct hc_mqtt_bridge_stats *out);

/* Stops both threads and disconnects (bounded: at most a second waits
 * for in-flight publications). NULL is a no-op. */
void hc_mqtt_bridge_stop(struct hc_mqtt_bridge *b);

#endif
