/*
 * wire_map.h — the map role's "update" message (headcount-map.v2):
 * every area and group that changed since the client's last frame, in
 * one frame (docs/protocol.md, *The map role*).
 *
 *   {"type":"update","messages":[{"type":"area",...},{"type":"group",...}]}
 *
 * Each element is exactly the message a headcount-map.v1 client gets for
 * that area or group, so a client handles an update as that list of
 * messages in order. The builder joins serialised messages as they are
 * (no JSON parse, no copy per element beyond the join); the parser
 * (jansson) hands each element to the caller, and takes the v1 messages
 * too, so a client needs this file alone for either version.
 *
 * Relies on: jansson (parser only). Promises: the builder's output is
 * valid JSON whenever each added message is; the parser refuses what is
 * not an object with a known "type".
 */
#ifndef HC_WIRE_MAP_H
#define HC_WIRE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The subprotocol of map clients that take one frame per push tick. */
#define HC_PROTO_MAP_V2 "headcount-map.v2"

/* A frame being built: payload at buf + headroom, len bytes. */
struct hc_wire_map_update {
	unsigned char *buf;
	size_t headroom;
	size_t len;
	size_t cap;	/* payload bytes buf has room for */
	uint32_t count; /* messages added */
};

/* Starts an empty update (keeps buf for reuse). False when out of memory. */
bool hc_wire_map_update_begin(struct hc_wire_map_update *u, size_t headroom);
/* Adds one serialised area or group message (len bytes). */
bool hc_wire_map_update_add(struct hc_wire_map_update *u, const unsigned char *msg, size_t len);
/* Closes the frame. */
bool hc_wire_map_update_end(struct hc_wire_map_update *u);
void hc_wire_map_update_free(struct hc_wire_map_update *u);

/* Called for each area or group message of a frame (borrowed ref). */
typedef void (*hc_wire_map_fn)(void *arg, const char *type, json_t *msg);

/* Parses a map-role frame: an "update" (each element), an "area" or
 * "group" (itself) or a "snapshot" (each area, then each group, as
 * "area" and "group" objects). Returns the number of messages handed to
 * fn, or -1 when text is not a map-role frame. */
int hc_wire_map_parse(const char *text, size_t len, hc_wire_map_fn fn, void *arg);

#endif
