/*
 * wire_terminal.h — the terminal role's messages: build, parse, validate.
 *
 * What lives here: hello, challenge, welcome, batch, ack and the area
 * message a terminal is sent (subprotocol HC_PROTO_TERMINAL,
 * docs/protocol.md), and the area object that the map role, the
 * supervisor role and GET /api/areas embed.
 *
 * Messages are JSON text frames with a "type" field. Parsing uses jansson
 * and validates every field against shared/limits.h; a message that
 * parses is safe to act on. A failure names the close code the receiver
 * should use and a one-line reason for the log and the close frame.
 * Nothing here touches sockets: callers pass bytes in and out.
 */
#ifndef HC_WIRE_TERMINAL_H
#define HC_WIRE_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "shared/limits.h"
#include "shared/types.h"

/* terminal -> aggregator: first message on a connection (after the
 * challenge in protocol v3). proof is optional in the parse; the
 * aggregator decides whether it is required. */
struct hc_msg_hello {
	char terminal[HC_ID_LEN_MAX + 1];
	uint64_t incarnation;		      /* 16 hex digits on the wire */
	char version[HC_VERSION_LEN_MAX + 1]; /* optional: "" when not sent */
	/* protocol v3: HMAC of the challenge (shared/terminal_auth.h) */
	bool has_proof;
	uint8_t proof[32];
};

/* terminal -> aggregator: presses since the previous batch, and undos
 * of presses that went out in earlier batches (protocol v2; absent on
 * the wire means 0). An undo never overwrites anything: it is a
 * correcting delta of its own, entered - undo_entered is the net. The
 * four together are at least 1. */
struct hc_msg_batch {
	int64_t seq;	      /* 1..HC_SEQ_MAX */
	int64_t entered;      /* 0..HC_BATCH_DELTA_MAX */
	int64_t exited;	      /* 0..HC_BATCH_DELTA_MAX */
	int64_t undo_entered; /* 0..HC_BATCH_DELTA_MAX */
	int64_t undo_exited;  /* 0..HC_BATCH_DELTA_MAX */
	/* optional, sent together: the terminal's own health for supervisors */
	bool has_status;
	int64_t pending;	/* presses not yet acknowledged, 0..HC_SEQ_MAX */
	int64_t storage_faults; /* journal fault episodes since start, 0..HC_SEQ_MAX */
	/* protocol v3: HMAC of every field above (shared/terminal_auth.h) */
	bool has_mac;
	uint8_t mac[32];
};

/* aggregator -> terminal (protocol v3): first message on a connection,
 * the nonce the hello proof and every batch MAC are bound to. */
struct hc_msg_challenge {
	uint8_t nonce[32];
};

/* aggregator -> terminal: reply to hello, naming the terminal's area. */
struct hc_msg_welcome {
	char terminal[HC_ID_LEN_MAX + 1];
	char area[HC_ID_LEN_MAX + 1];
};

/* aggregator -> terminal: batch seq is durable. duplicate: it had been
 * applied before and was not applied again. */
struct hc_msg_ack {
	int64_t seq;
	bool duplicate;
};

enum hc_msg_type {
	HC_MSG_HELLO,
	HC_MSG_BATCH,
	HC_MSG_WELCOME,
	HC_MSG_ACK,
	HC_MSG_AREA,
	HC_MSG_CHALLENGE,
};

struct hc_msg {
	enum hc_msg_type type;
	union {
		struct hc_msg_hello hello;
		struct hc_msg_batch batch;
		struct hc_msg_welcome welcome;
		struct hc_msg_ack ack;
		struct hc_area_state area;
		struct hc_msg_challenge challenge;
	} u;
};

/* Parses a frame a terminal sent (hello or batch). Returns true and fills
 * out, or returns false, fills err and leaves out untouched. Frames
 * longer than HC_TERMINAL_FRAME_BYTES_MAX are refused with
 * HC_CLOSE_TOO_BIG. */
bool hc_proto_parse_from_terminal(const char *buf, size_t len, struct hc_msg *out,
				  struct hc_proto_error *err);

/* Parses a frame the aggregator sent to a terminal (challenge, welcome,
 * ack, area). */
bool hc_proto_parse_from_aggregator(const char *buf, size_t len, struct hc_msg *out,
				    struct hc_proto_error *err);

/* Builders write compact JSON (no NUL) into out and return its length,
 * or 0 when cap is too small. */
size_t hc_proto_build_hello(char *out, size_t cap, const struct hc_msg_hello *m);
size_t hc_proto_build_batch(char *out, size_t cap, const struct hc_msg_batch *m);
size_t hc_proto_build_welcome(char *out, size_t cap, const struct hc_msg_welcome *m);
size_t hc_proto_build_ack(char *out, size_t cap, const struct hc_msg_ack *m);
/* {"type":"challenge","nonce":"<64 hex>"} */
size_t hc_proto_build_challenge(char *out, size_t cap, const struct hc_msg_challenge *m);
/* The area object: id, name, entered, exited, occupancy, capacity, level,
 * restricted, updated_at (ISO 8601 UTC), and restricted_by (with
 * restricted_by_name for a group) only when a->restricted_by is set. New
 * reference; used by the area message and by GET /api/areas. */
json_t *hc_proto_area_json(const struct hc_area_state *a);

/* {"type":"area", ...the area object...} */
size_t hc_proto_build_area(char *out, size_t cap, const struct hc_area_state *a);

#endif
