/*
 * protocol.h — every message on the wire: build, parse, validate.
 *
 * Messages are JSON text frames with a "type" field (docs/protocol.md).
 * Parsing uses jansson and validates every field against shared/limits.h;
 * a message that parses is safe to act on. A failure names the close code
 * the receiver should use and a one-line reason for the log and the close
 * frame. Nothing here touches sockets: callers pass bytes in and out.
 */
#ifndef HC_PROTOCOL_H
#define HC_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "shared/limits.h"
#include "shared/version.h"

/* Close codes. 1xxx are RFC 6455; 4xxx are headcount's own. */
enum hc_close_code {
	HC_CLOSE_NORMAL = 1000,
	HC_CLOSE_GOING_AWAY = 1001,	   /* aggregator shutting down */
	HC_CLOSE_TOO_BIG = 1009,	   /* frame over the role's limit */
	HC_CLOSE_BAD_JSON = 4000,	   /* not JSON, or not a JSON object */
	HC_CLOSE_UNKNOWN_TYPE = 4001,	   /* "type" missing or not known */
	HC_CLOSE_BAD_FIELD = 4002,	   /* field missing or of wrong type */
	HC_CLOSE_OUT_OF_RANGE = 4003,	   /* value outside its documented range */
	HC_CLOSE_UNKNOWN_TERMINAL = 4004,  /* terminal id not in the venue config */
	HC_CLOSE_OUT_OF_ORDER = 4005,	   /* e.g. batch before hello, hello twice */
	HC_CLOSE_REPLACED = 4006,	   /* same terminal connected again */
	HC_CLOSE_HELLO_TIMEOUT = 4007,	   /* no hello within HC_HELLO_TIMEOUT_S */
	HC_CLOSE_TOO_MANY_INFLIGHT = 4008, /* over HC_INFLIGHT_BATCHES_MAX unacked */
	HC_CLOSE_AUTH_FAILED = 4009,	   /* supervisor: unknown name or wrong mac */
	HC_CLOSE_RATE_LIMITED = 4010,	   /* over the role's messages per second */
	HC_CLOSE_IDLE = 4011,		   /* map client silent (no pong) too long */
	HC_CLOSE_WRONG_LISTENER = 4012,	   /* role not served on this listener */
	/* Terminal authentication (protocol v3, docs/security.md): */
	HC_CLOSE_NOT_ENROLLED = 4020, /* terminal listed but not enrolled */
	HC_CLOSE_BAD_PROOF = 4021,    /* hello.proof missing or wrong secret */
	HC_CLOSE_BAD_MAC = 4022,      /* batch.mac missing or does not match */
	HC_CLOSE_REVOKED = 4023,      /* enrollment revoked or secret rotated */
	HC_CLOSE_OLD_PROTOCOL = 4024, /* terminal protocol without authentication */
};

/* Why a message was refused: close code plus a reason of at most 120
 * bytes (a WebSocket close reason must fit in 123). */
struct hc_proto_error {
	enum hc_close_code code;
	char reason[121];
};

enum hc_level { HC_LEVEL_LOW, HC_LEVEL_MODERATE, HC_LEVEL_CROWDED, HC_LEVEL_FULL };

/* "low", "moderate", "crowded", "full". */
const char *hc_level_name(enum hc_level level);

/* Parses a level name; returns false for anything else. */
bool hc_level_parse(const char *name, enum hc_level *out);

/* One area's state as pushed to terminals and maps and served by
 * GET /api/areas. occupancy = max(0, entered - exited); the raw sums are
 * kept so a miscount shows instead of hiding. */
struct hc_area_state {
	char id[HC_ID_LEN_MAX + 1];
	char name[HC_NAME_LEN_MAX + 1];
	int64_t entered;
	int64_t exited;
	int64_t occupancy;
	int64_t capacity;
	enum hc_level level;
	bool restricted;
	int64_t updated_at_ms; /* wall clock, ms since epoch */
	/* Why entry is restricted; optional on the wire, "" when not said
	 * (always "" while not restricted): "area" (its own count),
	 * "override" (a supervisor closed the area), "group:<id>" (its
	 * group's count), "group_override:<id>" (a supervisor closed the
	 * group). restricted_by_name is the group's display name with the
	 * two group forms, else "". */
	char restricted_by[HC_RESTRICTED_BY_LEN_MAX + 1];
	char restricted_by_name[HC_NAME_LEN_MAX + 1];
};

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

/* True when s is a restricted_by value: "area", "override",
 * "group:<id>" or "group_override:<id>" with a valid id. */
bool hc_proto_valid_restricted_by(const char *s);

/* True when s is 1..HC_VERSION_LEN_MAX characters of [A-Za-z0-9._+-]. */
bool hc_proto_valid_version(const char *s);

/* True when s is 1..HC_ID_LEN_MAX characters of [A-Za-z0-9_-]. */
bool hc_proto_valid_id(const char *s);

/* Incarnation <-> 16 lower-case hex digits (out needs 17 bytes). */
void hc_proto_format_incarnation(uint64_t incarnation, char out[17]);
bool hc_proto_parse_incarnation(const char *hex, uint64_t *out);

#endif
