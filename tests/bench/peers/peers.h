/*
 * peers.h — what the files of bench_peers share: one load generator that
 * measures the aggregator's map fan-out and Mosquitto's, with the same
 * subscriber client and the same update source (`make bench-peers`,
 * tests/bench/run-peers.sh, docs/performance.md).
 *
 *   peers_main.c    command line, the phases, the JSON result
 *   peers_wire.c    the two wires, by hand: WebSocket client frames and
 *                   handshake, MQTT 3.1.1 CONNECT/SUBSCRIBE/PUBLISH
 *   peers_subs.c    N subscribers on one epoll loop: connect storm,
 *                   reading, counting, per-update arrival times
 *   peers_source.c  the update source, run between the subscribers' loop
 *                   turns on the same thread: terminal
 *                   batches (aggregator) or libmosquitto publishes
 *
 * Why a hand-rolled client: 10,000 subscribers must cost the load
 * generator less than they cost the server it measures, on a machine
 * with two cores. A subscriber here is one socket and a few dozen bytes
 * of state read by one epoll loop; it speaks only what a subscriber
 * needs (WebSocket: the upgrade, unmasked server frames, pong; MQTT
 * 3.1.1: CONNECT, SUBSCRIBE at QoS 0, PUBLISH, CONNACK, SUBACK). It is a
 * load generator, not a client library: it trusts the server it
 * measures (no Sec-WebSocket-Accept check, no TLS).
 *
 * Both servers carry the same information: an update of area aI is the
 * area object of the map role (docs/protocol.md) with entered = the
 * update's number; the aggregator makes it from a terminal's batch of
 * one ENTER, the source publishes it to Mosquitto on topic
 * headcount/areas/aI, retained, QoS 0.
 */
#ifndef HC_BENCH_PEERS_H
#define HC_BENCH_PEERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum peers_kind { PEERS_MAP, PEERS_MQTT };

/* Most updates one run numbers (the arrays of arrival times). */
#define PEERS_UPDATES_MAX 4096u
/* Most areas a run updates. */
#define PEERS_AREAS_MAX 256u

/* ---- peers_wire.c -------------------------------------------------------- */

/* The HTTP upgrade request of a WebSocket client (key: 16 random bytes,
 * base64 by mbedtls). Returns its length, 0 when cap is too small. */
size_t peers_ws_request(char *out, size_t cap, const char *host, int port, const char *path,
			const char *protocol);
/* A masked client frame (opcode 0x1 text, 0xA pong, 0x8 close) of
 * payload; returns its length, 0 when cap is too small. */
size_t peers_ws_frame(uint8_t *out, size_t cap, uint8_t opcode, const void *payload, size_t len);
/* One server frame at buf: 0 while incomplete, -1 when malformed (masked,
 * too long), else its length with opcode, fin and payload set. */
int64_t peers_ws_parse(const uint8_t *buf, size_t len, uint8_t *opcode, bool *fin,
		       const uint8_t **payload, size_t *payload_len);
/* End of the HTTP response head at buf (after "\r\n\r\n"), 0 when it is
 * not complete yet; *status gets the status code. */
size_t peers_http_head(const uint8_t *buf, size_t len, int *status);

/* MQTT 3.1.1 CONNECT (clean session, no keep-alive) and SUBSCRIBE of one
 * topic filter at QoS 0; lengths, 0 when cap is too small. */
size_t peers_mqtt_connect(uint8_t *out, size_t cap, const char *client_id);
size_t peers_mqtt_subscribe(uint8_t *out, size_t cap, uint16_t packet_id, const char *filter);
/* One MQTT packet at buf: 0 while incomplete, -1 when malformed, else its
 * length with type (the high nibble) and body set. For a PUBLISH at QoS 0
 * the payload (after the topic) is returned in *payload. */
int64_t peers_mqtt_parse(const uint8_t *buf, size_t len, uint8_t *type, const uint8_t **payload,
			 size_t *payload_len);

/* ---- peers_subs.c -------------------------------------------------------- */

struct peers_sub;

struct peers_subs {
	enum peers_kind kind;
	char host[64];
	int port;
	uint32_t count;
	uint32_t addresses; /* subscribers bind 127.0.0.2 .. 127.0.0.N+1 */
	uint32_t window;    /* handshakes in flight at most */
	bool map_v2;	    /* map: headcount-map.v2 (one frame per tick), else v1 */
	struct peers_sub *subs;
	int epoll_fd;
	uint32_t next_to_start;
	uint32_t connecting;
	uint32_t ready; /* snapshot (map) or SUBACK (MQTT) received */
	uint32_t failed;
	uint32_t closed;
	int64_t first_connect_us;
	int64_t last_ready_us;
	/* counting */
	int64_t frames;	      /* update frames received (not snapshots) */
	int64_t area_updates; /* areas in them (peers_areas_in_frame) */
	int64_t bytes;
	bool parse_updates; /* read entered of watched_area from each */
	char watched_area[40];
	/* Update k (1..PEERS_UPDATES_MAX-1) of the watched area: how many
	 * subscribers hold entered >= base + k, and when the last one did. */
	_Atomic int64_t base_entered;
	uint32_t reached[PEERS_UPDATES_MAX];
	int64_t last_at_us[PEERS_UPDATES_MAX];
	int64_t first_at_us[PEERS_UPDATES_MAX];
};

/* Sets up the loop (no connection yet); false after logging why. */
bool peers_subs_init(struct peers_subs *s);
/* Connects every subscriber, window at a time, until all are ready or
 * failed or the deadline (monotonic us) passes. */
bool peers_subs_connect(struct peers_subs *s, int64_t deadline_us);
/* Services the loop until deadline_us (monotonic). */
void peers_subs_run(struct peers_subs *s, int64_t deadline_us);
/* Services the loop until update k reached every ready subscriber or
 * deadline_us. True when it did. */
bool peers_subs_wait_reached(struct peers_subs *s, uint32_t k, int64_t deadline_us);
/* Closes every connection and frees everything. */
void peers_subs_free(struct peers_subs *s);

/* ---- peers_source.c ------------------------------------------------------ */

struct peers_source {
	enum peers_kind kind;
	char host[64];
	int port;	/* the aggregator, or Mosquitto */
	uint32_t areas; /* updates go to a1..aN round robin */
	/* what to send: updates number first..first+count-1, at rate_per_s
	 * in total; send_us[k] is when update k left (monotonic) */
	_Atomic uint32_t sent; /* updates sent so far (the last number) */
	int64_t send_us[PEERS_UPDATES_MAX];
	int64_t base_entered; /* a1's entered before the first update */
	/* private */
	void *impl;
};

/* Connects: the aggregator's terminals p1..pN (hello, welcome, area), or
 * one libmosquitto client. False after logging why. */
bool peers_source_open(struct peers_source *src);
/* Sends count updates at rate_per_s in total, from this thread, then
 * returns (bounded: count / rate seconds plus the writes). For a single
 * area, update k carries entered = base + k. */
bool peers_source_send(struct peers_source *src, uint32_t count, double rate_per_s,
		       void (*service)(void *arg, int64_t until_us), void *service_arg);
void peers_source_close(struct peers_source *src);

#endif
