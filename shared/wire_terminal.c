/*
 * wire_terminal.c — the terminal role's messages: build, parse, validate.
 *
 * What lives here: the JSON text frames exchanged on the terminal role
 * (subprotocol HC_PROTO_TERMINAL, docs/protocol.md) and the area object
 * shared with the map role and GET /api/areas. Level names, ids and
 * incarnations are plain checks in shared/types.c; the field readers
 * are shared/wire_json.c's.
 *
 * Relies on: jansson for every byte of JSON (parse with duplicate keys
 * rejected, build with json_pack + json_dumpb), shared/limits.h for every
 * bound, shared/clock.h for the one UTC time format.
 *
 * Promises: a parse that returns true has checked every field the
 * message needs for type AND range, so the caller may act on it without
 * further checks. A parse that returns false names the close code to use
 * (one per kind of fault, listed in protocol.h) and a one-line reason of
 * at most 120 printable ASCII bytes that names the field and its allowed
 * range, fit to be sent as a WebSocket close reason, and leaves the
 * caller's message untouched. Unknown extra fields
 * are ignored, so a newer peer can add fields without breaking this one.
 */
#include "shared/wire_terminal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/terminal_auth.h"
#include "shared/wire_json.h"

/* How much of a peer-supplied string (an unknown type) a reason quotes. */
#define REASON_QUOTE_MAX 24

/* ---- errors ---------------------------------------------------------- */

/* Copies at most REASON_QUOTE_MAX bytes of a peer string for a reason. */
static const char *quote_for_reason(const char *s, char out[REASON_QUOTE_MAX + 1])
{
	snprintf(out, REASON_QUOTE_MAX + 1, "%s", s);
	return out;
}

static bool read_incarnation(const json_t *obj, uint64_t *out, struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, "incarnation");
	if (!json_is_string(v))
		return hc_wire_fail(
			err, HC_CLOSE_BAD_FIELD,
			"hello.incarnation must be a string of %d lower-case hex digits",
			HC_INCARNATION_HEX_LEN);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !hc_proto_parse_incarnation(json_string_value(v), out))
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "hello.incarnation must be %d lower-case hex digits",
				    HC_INCARNATION_HEX_LEN);
	return true;
}

/* ---- parsing ----------------------------------------------------------- */

/* Loads one frame as a JSON object with its "type" string, or fails with
 * 1009 / 4000 / 4001. On success *root is a new reference. */
static bool load_object(const char *buf, size_t len, json_t **root, const char **type,
			struct hc_proto_error *err)
{
	*root = NULL;
	if (len > HC_TERMINAL_FRAME_BYTES_MAX)
		return hc_wire_fail(err, HC_CLOSE_TOO_BIG,
				    "frame of %zu bytes is over the limit of %d bytes", len,
				    HC_TERMINAL_FRAME_BYTES_MAX);

	json_error_t jerr;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		return hc_wire_fail(err, HC_CLOSE_BAD_JSON, "invalid JSON at column %d: %s",
				    jerr.column, jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return hc_wire_fail(err, HC_CLOSE_BAD_JSON,
				    "message must be a JSON object with a \"type\"");
	}
	const json_t *t = json_object_get(j, "type");
	if (!json_is_string(t)) {
		json_decref(j);
		return hc_wire_fail(err, HC_CLOSE_UNKNOWN_TYPE,
				    "message must have a string field \"type\"");
	}
	*root = j;
	*type = json_string_value(t);
	return true;
}

static bool parse_hello(const json_t *j, struct hc_msg_hello *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	if (!hc_wire_read_id(j, "hello", "terminal", m->terminal, err) ||
	    !read_incarnation(j, &m->incarnation, err) ||
	    !hc_wire_read_hex32_optional(j, "hello", "proof", &m->has_proof, m->proof, err))
		return false;
	const json_t *v = json_object_get(j, "version"); /* optional */
	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD, "hello.version must be a string");
	if (!hc_proto_valid_version(json_string_value(v)))
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "hello.version must be 1..%d characters of A-Z a-z 0-9 . _ + -",
				    HC_VERSION_LEN_MAX);
	snprintf(m->version, sizeof m->version, "%s", json_string_value(v));
	return true;
}

static bool parse_batch(const json_t *j, struct hc_msg_batch *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	if (!hc_wire_read_int(j, "batch", "seq", 1, HC_SEQ_MAX, &m->seq, err) ||
	    !hc_wire_read_int(j, "batch", "entered", 0, HC_BATCH_DELTA_MAX, &m->entered, err) ||
	    !hc_wire_read_int(j, "batch", "exited", 0, HC_BATCH_DELTA_MAX, &m->exited, err) ||
	    !hc_wire_read_int_optional(j, "batch", "undo_entered", 0, HC_BATCH_DELTA_MAX,
				       &m->undo_entered, err) ||
	    !hc_wire_read_int_optional(j, "batch", "undo_exited", 0, HC_BATCH_DELTA_MAX,
				       &m->undo_exited, err))
		return false;
	if (!hc_wire_read_hex32_optional(j, "batch", "mac", &m->has_mac, m->mac, err))
		return false;
	int64_t total = m->entered + m->exited + m->undo_entered + m->undo_exited;
	if (total == 0)
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "batch.entered + batch.exited must be at least 1");
	/* Optional, together: what the terminal reports about itself. */
	if (json_object_get(j, "pending") == NULL && json_object_get(j, "storage_faults") == NULL)
		return true;
	if (!hc_wire_read_int(j, "batch", "pending", 0, HC_SEQ_MAX, &m->pending, err) ||
	    !hc_wire_read_int(j, "batch", "storage_faults", 0, HC_SEQ_MAX, &m->storage_faults, err))
		return false;
	m->has_status = true;
	return true;
}

static bool parse_challenge(const json_t *j, struct hc_msg_challenge *m, struct hc_proto_error *err)
{
	bool present;
	memset(m, 0, sizeof *m);
	if (!hc_wire_read_hex32_optional(j, "challenge", "nonce", &present, m->nonce, err))
		return false;
	if (!present)
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "challenge.nonce must be a string of 64 lower-case hex digits");
	return true;
}

static bool parse_welcome(const json_t *j, struct hc_msg_welcome *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	return hc_wire_read_id(j, "welcome", "terminal", m->terminal, err) &&
	       hc_wire_read_id(j, "welcome", "area", m->area, err);
}

static bool parse_ack(const json_t *j, struct hc_msg_ack *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	return hc_wire_read_int(j, "ack", "seq", 1, HC_SEQ_MAX, &m->seq, err) &&
	       hc_wire_read_bool(j, "ack", "duplicate", &m->duplicate, err);
}

/* The optional restricted_by and restricted_by_name of an area: the
 * first only with restricted true, the name only with a group form. */
static bool parse_restricted_by(const json_t *j, struct hc_area_state *a,
				struct hc_proto_error *err)
{
	const json_t *by = json_object_get(j, "restricted_by");
	const json_t *name = json_object_get(j, "restricted_by_name");
	if (by == NULL && name == NULL)
		return true;
	if (by == NULL)
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "area.restricted_by_name needs area.restricted_by");
	if (!json_is_string(by))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD, "area.restricted_by must be a string");
	const char *text = json_string_value(by);
	if (json_string_length(by) > HC_RESTRICTED_BY_LEN_MAX ||
	    !hc_proto_valid_restricted_by(text))
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "area.restricted_by must be area, override, "
				    "group:<id> or group_override:<id>");
	if (!a->restricted)
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "area.restricted_by is only sent with restricted true");
	snprintf(a->restricted_by, sizeof a->restricted_by, "%s", text);
	if (name == NULL)
		return true;
	if (strncmp(text, "group", 5) != 0)
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "area.restricted_by_name is only sent for a group");
	if (!json_is_string(name))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "area.restricted_by_name must be a string of 1..%d bytes",
				    HC_NAME_LEN_MAX);
	size_t len = json_string_length(name);
	if (len < 1 || len > HC_NAME_LEN_MAX || strlen(json_string_value(name)) != len)
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "area.restricted_by_name must be a string of 1..%d bytes",
				    HC_NAME_LEN_MAX);
	memcpy(a->restricted_by_name, json_string_value(name), len + 1);
	return true;
}

static bool parse_area(const json_t *j, struct hc_area_state *a, struct hc_proto_error *err)
{
	memset(a, 0, sizeof *a);
	if (!hc_wire_read_id(j, "area", "id", a->id, err))
		return false;

	const json_t *name = json_object_get(j, "name");
	if (!json_is_string(name))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "area.name must be a string of 1..%d bytes", HC_NAME_LEN_MAX);
	size_t name_len = json_string_length(name);
	if (name_len < 1 || name_len > HC_NAME_LEN_MAX ||
	    strlen(json_string_value(name)) != name_len)
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "area.name must be a string of 1..%d bytes", HC_NAME_LEN_MAX);
	memcpy(a->name, json_string_value(name), name_len + 1);

	if (!hc_wire_read_int(j, "area", "entered", 0, INT64_MAX, &a->entered, err) ||
	    !hc_wire_read_int(j, "area", "exited", 0, INT64_MAX, &a->exited, err) ||
	    !hc_wire_read_int(j, "area", "occupancy", 0, INT64_MAX, &a->occupancy, err) ||
	    !hc_wire_read_int(j, "area", "capacity", 0, INT64_MAX, &a->capacity, err))
		return false;

	const json_t *level = json_object_get(j, "level");
	if (!json_is_string(level))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "area.level must be a string: low, moderate, crowded or full");
	if (!hc_level_parse(json_string_value(level), &a->level))
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "area.level must be low, moderate, crowded or full");

	if (!hc_wire_read_bool(j, "area", "restricted", &a->restricted, err))
		return false;

	const json_t *at = json_object_get(j, "updated_at");
	if (!json_is_string(at))
		return hc_wire_fail(
			err, HC_CLOSE_BAD_FIELD,
			"area.updated_at must be a string like 2026-11-23T10:00:00.123Z");
	if (!hc_wire_parse_utc_ms(json_string_value(at), &a->updated_at_ms))
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "area.updated_at must be UTC like 2026-11-23T10:00:00.123Z");
	return parse_restricted_by(j, a, err);
}

/* One message type a direction accepts: its name, its tag and its
 * parser, which fills the matching member of struct hc_msg. */
struct msg_kind {
	const char *name;
	enum hc_msg_type type;
	bool (*parse)(const json_t *j, struct hc_msg *out, struct hc_proto_error *err);
};

static bool parse_hello_msg(const json_t *j, struct hc_msg *m, struct hc_proto_error *err)
{
	return parse_hello(j, &m->u.hello, err);
}

static bool parse_batch_msg(const json_t *j, struct hc_msg *m, struct hc_proto_error *err)
{
	return parse_batch(j, &m->u.batch, err);
}

static bool parse_welcome_msg(const json_t *j, struct hc_msg *m, struct hc_proto_error *err)
{
	return parse_welcome(j, &m->u.welcome, err);
}

static bool parse_ack_msg(const json_t *j, struct hc_msg *m, struct hc_proto_error *err)
{
	return parse_ack(j, &m->u.ack, err);
}

static bool parse_area_msg(const json_t *j, struct hc_msg *m, struct hc_proto_error *err)
{
	return parse_area(j, &m->u.area, err);
}

static bool parse_challenge_msg(const json_t *j, struct hc_msg *m, struct hc_proto_error *err)
{
	return parse_challenge(j, &m->u.challenge, err);
}

static const struct msg_kind from_terminal[] = {
	{ "hello", HC_MSG_HELLO, parse_hello_msg },
	{ "batch", HC_MSG_BATCH, parse_batch_msg },
	{ NULL, 0, NULL },
};

static const struct msg_kind from_aggregator[] = {
	{ "challenge", HC_MSG_CHALLENGE, parse_challenge_msg },
	{ "welcome", HC_MSG_WELCOME, parse_welcome_msg },
	{ "ack", HC_MSG_ACK, parse_ack_msg },
	{ "area", HC_MSG_AREA, parse_area_msg },
	{ NULL, 0, NULL },
};

/* Parses a frame of one direction: finds its type in kinds and runs that
 * parser. sender names the direction in the reason ("terminal"), known
 * lists the accepted types ("hello, batch"). */
static bool parse_directed(const char *buf, size_t len, const struct msg_kind *kinds,
			   const char *sender, const char *known, struct hc_msg *out,
			   struct hc_proto_error *err)
{
	json_t *j = NULL;
	const char *type = NULL;
	if (!load_object(buf, len, &j, &type, err))
		return false;

	const struct msg_kind *k = kinds;
	while (k->name != NULL && strcmp(type, k->name) != 0)
		k++;
	bool ok;
	if (k->name != NULL) {
		/* Parsed aside, so a refused frame leaves *out as it was. */
		struct hc_msg m;
		m.type = k->type;
		ok = k->parse(j, &m, err);
		if (ok)
			*out = m;
	} else {
		char quoted[REASON_QUOTE_MAX + 1];
		ok = hc_wire_fail(err, HC_CLOSE_UNKNOWN_TYPE, "type \"%s\" is not %s message (%s)",
				  quote_for_reason(type, quoted), sender, known);
	}
	json_decref(j);
	return ok;
}

bool hc_proto_parse_from_terminal(const char *buf, size_t len, struct hc_msg *out,
				  struct hc_proto_error *err)
{
	return parse_directed(buf, len, from_terminal, "a terminal", "hello, batch", out, err);
}

bool hc_proto_parse_from_aggregator(const char *buf, size_t len, struct hc_msg *out,
				    struct hc_proto_error *err)
{
	return parse_directed(buf, len, from_aggregator, "an aggregator",
			      "challenge, welcome, ack, area", out, err);
}

/* ---- building ---------------------------------------------------------- */

/* Dumps j compactly into out and drops the reference. Returns the
 * length, or 0 when it does not fit in cap (or j is NULL). */
static size_t dump_into(json_t *j, char *out, size_t cap)
{
	if (j == NULL) {
		hc_error("protocol: building a message failed (invalid field?)");
		return 0;
	}
	return hc_wire_dump(j, out, cap);
}

/* Adds field = 64 hex digits of v to j; false when out of memory. */
static bool set_hex32(json_t *j, const char *field, const uint8_t v[32])
{
	char hex[65];
	hc_tauth_hex_encode(v, 32, hex);
	return json_object_set_new(j, field, json_string(hex)) == 0;
}

size_t hc_proto_build_hello(char *out, size_t cap, const struct hc_msg_hello *m)
{
	assert(hc_proto_valid_id(m->terminal));
	char hex[HC_INCARNATION_HEX_LEN + 1];
	hc_proto_format_incarnation(m->incarnation, hex);
	json_t *j = json_pack("{s:s, s:s, s:s}", "type", "hello", "terminal", m->terminal,
			      "incarnation", hex);
	if (j != NULL && m->version[0] != '\0') {
		assert(hc_proto_valid_version(m->version));
		if (json_object_set_new(j, "version", json_string(m->version)) != 0) {
			json_decref(j);
			return 0;
		}
	}
	if (j != NULL && m->has_proof && !set_hex32(j, "proof", m->proof)) {
		json_decref(j);
		return 0;
	}
	return dump_into(j, out, cap);
}

size_t hc_proto_build_batch(char *out, size_t cap, const struct hc_msg_batch *m)
{
	assert(m->seq >= 1 && m->seq <= HC_SEQ_MAX);
	assert(m->entered >= 0 && m->entered <= HC_BATCH_DELTA_MAX);
	assert(m->exited >= 0 && m->exited <= HC_BATCH_DELTA_MAX);
	assert(m->undo_entered >= 0 && m->undo_exited >= 0);
	int64_t total = m->entered + m->exited + m->undo_entered + m->undo_exited;
	assert(total >= 1);
	(void)total;
	json_t *j = json_pack("{s:s, s:I, s:I, s:I}", "type", "batch", "seq", (json_int_t)m->seq,
			      "entered", (json_int_t)m->entered, "exited", (json_int_t)m->exited);
	/* Undo fields only when there is an undo: a batch without one is
	 * byte for byte what protocol version 1 sent. */
	if (j != NULL && m->undo_entered > 0 &&
	    json_object_set_new(j, "undo_entered", json_integer((json_int_t)m->undo_entered)) !=
		    0) {
		json_decref(j);
		j = NULL;
	}
	if (j != NULL && m->undo_exited > 0 &&
	    json_object_set_new(j, "undo_exited", json_integer((json_int_t)m->undo_exited)) != 0) {
		json_decref(j);
		j = NULL;
	}
	if (j != NULL && m->has_status) {
		assert(m->pending >= 0 && m->pending <= HC_SEQ_MAX);
		assert(m->storage_faults >= 0 && m->storage_faults <= HC_SEQ_MAX);
		if (json_object_set_new(j, "pending", json_integer(m->pending)) != 0 ||
		    json_object_set_new(j, "storage_faults", json_integer(m->storage_faults)) !=
			    0) {
			json_decref(j);
			return 0;
		}
	}
	if (j != NULL && m->has_mac && !set_hex32(j, "mac", m->mac)) {
		json_decref(j);
		return 0;
	}
	return dump_into(j, out, cap);
}

size_t hc_proto_build_welcome(char *out, size_t cap, const struct hc_msg_welcome *m)
{
	assert(hc_proto_valid_id(m->terminal));
	assert(hc_proto_valid_id(m->area));
	return dump_into(json_pack("{s:s, s:s, s:s}", "type", "welcome", "terminal", m->terminal,
				   "area", m->area),
			 out, cap);
}

size_t hc_proto_build_ack(char *out, size_t cap, const struct hc_msg_ack *m)
{
	assert(m->seq >= 1 && m->seq <= HC_SEQ_MAX);
	return dump_into(json_pack("{s:s, s:I, s:b}", "type", "ack", "seq", (json_int_t)m->seq,
				   "duplicate", (int)m->duplicate),
			 out, cap);
}

size_t hc_proto_build_challenge(char *out, size_t cap, const struct hc_msg_challenge *m)
{
	json_t *j = json_pack("{s:s}", "type", "challenge");
	if (j != NULL && !set_hex32(j, "nonce", m->nonce)) {
		json_decref(j);
		return 0;
	}
	return dump_into(j, out, cap);
}

json_t *hc_proto_area_json(const struct hc_area_state *a)
{
	assert(hc_proto_valid_id(a->id));
	assert(a->entered >= 0 && a->exited >= 0);
	assert(a->occupancy >= 0 && a->capacity >= 0);
	assert(a->updated_at_ms >= 0);
	char updated_at[32];
	hc_format_utc(a->updated_at_ms, updated_at, sizeof updated_at);
	json_error_t jerr;
	json_t *j = json_pack_ex(&jerr, 0, "{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:b, s:s}", "id",
				 a->id, "name", a->name, "entered", (json_int_t)a->entered,
				 "exited", (json_int_t)a->exited, "occupancy",
				 (json_int_t)a->occupancy, "capacity", (json_int_t)a->capacity,
				 "level", hc_level_name(a->level), "restricted", (int)a->restricted,
				 "updated_at", updated_at);
	if (j == NULL) {
		hc_error("protocol: area '%s' not encodable: %s", a->id, jerr.text);
		return NULL;
	}
	if (a->restricted_by[0] == '\0')
		return j;
	assert(a->restricted && hc_proto_valid_restricted_by(a->restricted_by));
	if (json_object_set_new(j, "restricted_by", json_string(a->restricted_by)) != 0 ||
	    (a->restricted_by_name[0] != '\0' &&
	     json_object_set_new(j, "restricted_by_name", json_string(a->restricted_by_name)) !=
		     0)) {
		hc_error("protocol: area '%s': restricted_by not encodable", a->id);
		json_decref(j);
		return NULL;
	}
	return j;
}

size_t hc_proto_build_area(char *out, size_t cap, const struct hc_area_state *a)
{
	json_t *obj = hc_proto_area_json(a);
	if (obj == NULL)
		return 0;
	json_t *msg = json_pack("{s:s}", "type", "area");
	if (msg == NULL || json_object_update(msg, obj) != 0) {
		json_decref(obj);
		json_decref(msg);
		return dump_into(NULL, out, cap);
	}
	json_decref(obj);
	return dump_into(msg, out, cap);
}
