/*
 * types.h — the plain values every part shares, with no JSON library:
 * close codes, the refusal reason, congestion levels, one area's state,
 * ids, versions and incarnations.
 *
 * What lives here: the types and the small checks that the cores
 * (aggregator/levels, restriction, congestion, conflation, the
 * dashboard's model) and the wire files (shared/wire_*.h) both use.
 *
 * Relies on: shared/limits.h for every bound. Promises: no JSON, no
 * I/O, no clock; including this header pulls in nothing but the C
 * library's integer and bool types.
 */
#ifndef HC_TYPES_H
#define HC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
