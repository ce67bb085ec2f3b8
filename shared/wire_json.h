/*
 * wire_json.h — the JSON reading and writing helpers every wire file in
 * shared/ uses (internal to shared/: clients include the role headers).
 *
 * What lives here: the two ways a refusal is reported (a close code and
 * a reason for a peer's frame, hc_wire_fail; a sentence in a caller's
 * buffer, hc_wire_refuse), the strict field readers of the terminal role
 * (type -> 4002, range -> 4003, named "<msg>.<field>"), the lenient
 * getters of the client-side views (a field of the wrong type fails, an
 * unknown one is ignored), the one UTC text form in both directions, and
 * dumping a value into a caller's buffer.
 *
 * Relies on: jansson, shared/clock.h for the UTC format, shared/hex.h.
 * Promises: a reason written by hc_wire_fail is at most 120 bytes of
 * printable ASCII, whatever the peer sent; nothing here allocates
 * beyond what jansson does, and no helper keeps a reference it was not
 * given.
 */
#ifndef HC_WIRE_JSON_H
#define HC_WIRE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "shared/types.h"

/* Length of "2026-11-23T10:00:00.123Z". */
#define HC_WIRE_UTC_TEXT_LEN 24

/* Fills err; the reason is cut to 120 bytes and every byte outside
 * printable ASCII becomes '?'. Returns false. */
__attribute__((format(printf, 3, 4))) bool
hc_wire_fail(struct hc_proto_error *err, enum hc_close_code code, const char *fmt, ...);

/* Writes a sentence into why (when why is not NULL). Returns false. */
__attribute__((format(printf, 3, 4))) bool hc_wire_refuse(char *why, size_t cap, const char *fmt,
							  ...);

/* Dumps j compactly into out and drops the reference. Returns the
 * length, or 0 when it does not fit in cap (or j is NULL). */
size_t hc_wire_dump(json_t *j, char *out, size_t cap);

/* The text of j compactly into a new malloc'd string with its length
 * (the reference is dropped); NULL when j is NULL or out of memory. */
char *hc_wire_dump_alloc(json_t *j, size_t *len);

/* "2026-11-23T10:00:00.123Z" for wall_ms > 0, else JSON null (new ref). */
json_t *hc_wire_utc_or_null(int64_t wall_ms);

/* The exact inverse of hc_format_utc(); anything else is refused. */
bool hc_wire_parse_utc_ms(const char *s, int64_t *out);

/* ---- strict readers: the peer's frame must be exactly right ---- */

bool hc_wire_read_id(const json_t *obj, const char *msg, const char *field,
		     char out[HC_ID_LEN_MAX + 1], struct hc_proto_error *err);
bool hc_wire_read_int(const json_t *obj, const char *msg, const char *field, int64_t min,
		      int64_t max, int64_t *out, struct hc_proto_error *err);
/* Like hc_wire_read_int, but an absent field reads as 0. */
bool hc_wire_read_int_optional(const json_t *obj, const char *msg, const char *field, int64_t min,
			       int64_t max, int64_t *out, struct hc_proto_error *err);
bool hc_wire_read_bool(const json_t *obj, const char *msg, const char *field, bool *out,
		       struct hc_proto_error *err);
/* An optional 32-byte value as 64 lower-case hex digits (a MAC, a
 * nonce); *present says whether it was there. */
bool hc_wire_read_hex32_optional(const json_t *obj, const char *msg, const char *field,
				 bool *present, uint8_t out[32], struct hc_proto_error *err);

/* ---- lenient getters: the client-side views ---- */

/* A string field shorter than cap; absent or null gives "" and succeeds
 * unless required. */
bool hc_wire_get_str(const json_t *o, const char *key, char *out, size_t cap, bool required);
/* An integer field (required). */
bool hc_wire_get_int(const json_t *o, const char *key, int64_t *out);
/* The "level" field as a level name. */
bool hc_wire_get_level(const json_t *o, enum hc_level *out);
/* A UTC time like the one above, or null / absent (0). */
bool hc_wire_get_utc_ms(const json_t *v, int64_t *out);

#endif
