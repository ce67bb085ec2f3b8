/*
 * protocol.c — the terminal role's messages: build, parse, validate.
 *
 * What lives here: the JSON text frames exchanged on the terminal role
 * (subprotocol HC_PROTO_TERMINAL, docs/protocol.md), the area object
 * shared with the map role and GET /api/areas, level names, ids and
 * incarnations.
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
#define _GNU_SOURCE /* timegm */
#include "shared/protocol.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/terminal_auth.h"

/* Length of "2026-11-23T10:00:00.123Z". */
#define UTC_TEXT_LEN 24

/* How much of a peer-supplied string (an unknown type) a reason quotes. */
#define REASON_QUOTE_MAX 24

static const char *const level_names[] = {
	[HC_LEVEL_LOW] = "low",
	[HC_LEVEL_MODERATE] = "moderate",
	[HC_LEVEL_CROWDED] = "crowded",
	[HC_LEVEL_FULL] = "full",
};

const char *hc_level_name(enum hc_level level)
{
	if ((size_t)level < sizeof level_names / sizeof level_names[0])
		return level_names[level];
	return "unknown";
}

bool hc_level_parse(const char *name, enum hc_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum hc_level)i;
			return true;
		}
	}
	return false;
}

static bool is_id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

bool hc_proto_valid_id(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		if (n >= HC_ID_LEN_MAX || !is_id_char(s[n]))
			return false;
	}
	return n >= 1;
}

void hc_proto_format_incarnation(uint64_t incarnation, char out[17])
{
	snprintf(out, HC_INCARNATION_HEX_LEN + 1, "%016" PRIx64, incarnation);
}

/* Exactly 16 lower-case hex digits; upper case is refused so that one
 * incarnation has one spelling (it is part of a batch's identity). */
bool hc_proto_parse_incarnation(const char *hex, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; hex[i] != '\0'; i++) {
		char c = hex[i];
		unsigned digit;
		if (i >= HC_INCARNATION_HEX_LEN)
			return false;
		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else
			return false;
		v = (v << 4) | digit;
	}
	if (i != HC_INCARNATION_HEX_LEN)
		return false;
	*out = v;
	return true;
}

/* ---- errors ---------------------------------------------------------- */

/* Fills err; the reason is cut to 120 bytes and every byte outside
 * printable ASCII becomes '?', so the reason is always valid UTF-8 for a
 * close frame and one line in a log, whatever the peer sent. */
__attribute__((format(printf, 3, 4))) static bool
fail(struct hc_proto_error *err, enum hc_close_code code, const char *fmt, ...)
{
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->reason, sizeof err->reason, fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(err->reason, sizeof err->reason, "message refused");
	for (char *p = err->reason; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	}
	return false;
}

/* Copies at most REASON_QUOTE_MAX bytes of a peer string for a reason. */
static const char *quote_for_reason(const char *s, char out[REASON_QUOTE_MAX + 1])
{
	snprintf(out, REASON_QUOTE_MAX + 1, "%s", s);
	return out;
}

/* ---- field readers ----------------------------------------------------
 * Each reads one field of obj, checks its JSON type (-> 4002) and range
 * (-> 4003), and names it as "<msg>.<field>" in the reason. */

static bool read_id(const json_t *obj, const char *msg, const char *field,
		    char out[HC_ID_LEN_MAX + 1], struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	if (!json_is_string(v))
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "%s.%s must be a string of 1..%d chars [A-Za-z0-9_-]", msg, field,
			    HC_ID_LEN_MAX);
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || !hc_proto_valid_id(s))
		return fail(err, HC_CLOSE_OUT_OF_RANGE, "%s.%s must be 1..%d chars [A-Za-z0-9_-]",
			    msg, field, HC_ID_LEN_MAX);
	snprintf(out, HC_ID_LEN_MAX + 1, "%s", s);
	return true;
}

static bool read_int(const json_t *obj, const char *msg, const char *field, int64_t min,
		     int64_t max, int64_t *out, struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	if (!json_is_integer(v))
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "%s.%s must be an integer %" PRId64 "..%" PRId64, msg, field, min, max);
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "%s.%s must be an integer %" PRId64 "..%" PRId64, msg, field, min, max);
	*out = (int64_t)i;
	return true;
}

/* Like read_int, but an absent field reads as 0 (fields added in a
 * later protocol version, such as batch.undo_entered). */
static bool read_int_optional(const json_t *obj, const char *msg, const char *field, int64_t min,
			      int64_t max, int64_t *out, struct hc_proto_error *err)
{
	if (json_object_get(obj, field) == NULL) {
		*out = 0;
		return true;
	}
	return read_int(obj, msg, field, min, max, out, err);
}

static bool read_bool(const json_t *obj, const char *msg, const char *field, bool *out,
		      struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	if (!json_is_boolean(v))
		return fail(err, HC_CLOSE_BAD_FIELD, "%s.%s must be true or false", msg, field);
	*out = json_is_true(v);
	return true;
}

static bool read_incarnation(const json_t *obj, uint64_t *out, struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, "incarnation");
	if (!json_is_string(v))
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "hello.incarnation must be a string of %d lower-case hex digits",
			    HC_INCARNATION_HEX_LEN);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !hc_proto_parse_incarnation(json_string_value(v), out))
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "hello.incarnation must be %d lower-case hex digits",
			    HC_INCARNATION_HEX_LEN);
	return true;
}

/* "2026-11-23T10:00:00.123Z" -> ms since 1970 UTC, the exact inverse of
 * hc_format_utc(); anything else is refused. */
static bool parse_utc_ms(const char *s, int64_t *out)
{
	int year, mon, day, hour, min, sec, ms, end = 0;
	if (strlen(s) != UTC_TEXT_LEN)
		return false;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &year, &mon, &day, &hour, &min, &sec, &ms,
		   &end) != 7 ||
	    end != UTC_TEXT_LEN)
		return false;
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
	    sec > 60 || ms < 0 || ms > 999)
		return false;
	struct tm tm = {
		.tm_year = year - 1900,
		.tm_mon = mon - 1,
		.tm_mday = day,
		.tm_hour = hour,
		.tm_min = min,
		.tm_sec = sec,
	};
	time_t secs = timegm(&tm);
	if (secs == (time_t)-1 || tm.tm_mday != day)
		return false; /* 31 April normalises to 1 May: refuse */
	/* sscanf's %d also takes " 1", "+1" and a leap second :60 that
	 * normalises to the next minute: only the one spelling that
	 * hc_format_utc() writes for this instant is accepted. */
	int64_t ms_total = (int64_t)secs * 1000 + ms;
	char canonical[UTC_TEXT_LEN + 8];
	hc_format_utc(ms_total, canonical, sizeof canonical);
	if (strcmp(canonical, s) != 0)
		return false;
	*out = ms_total;
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
		return fail(err, HC_CLOSE_TOO_BIG,
			    "frame of %zu bytes is over the limit of %d bytes", len,
			    HC_TERMINAL_FRAME_BYTES_MAX);

	json_error_t jerr;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		return fail(err, HC_CLOSE_BAD_JSON, "invalid JSON at column %d: %s", jerr.column,
			    jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return fail(err, HC_CLOSE_BAD_JSON,
			    "message must be a JSON object with a \"type\"");
	}
	const json_t *t = json_object_get(j, "type");
	if (!json_is_string(t)) {
		json_decref(j);
		return fail(err, HC_CLOSE_UNKNOWN_TYPE,
			    "message must have a string field \"type\"");
	}
	*root = j;
	*type = json_string_value(t);
	return true;
}

bool hc_proto_valid_version(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++)
		if (n >= HC_VERSION_LEN_MAX || !(is_id_char(s[n]) || s[n] == '.' || s[n] == '+'))
			return false;
	return n >= 1;
}

/* An optional field of 32 bytes as 64 lower-case hex digits (a MAC or
 * a nonce); *present says whether it was there. */
static bool read_mac_optional(const json_t *obj, const char *msg, const char *field, bool *present,
			      uint8_t out[32], struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	*present = false;
	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "%s.%s must be a string of 64 lower-case hex digits", msg, field);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !hc_tauth_hex_decode(json_string_value(v), out, 32))
		return fail(err, HC_CLOSE_OUT_OF_RANGE, "%s.%s must be 64 lower-case hex digits",
			    msg, field);
	*present = true;
	return true;
}

static bool parse_hello(const json_t *j, struct hc_msg_hello *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	if (!read_id(j, "hello", "terminal", m->terminal, err) ||
	    !read_incarnation(j, &m->incarnation, err) ||
	    !read_mac_optional(j, "hello", "proof", &m->has_proof, m->proof, err))
		return false;
	const json_t *v = json_object_get(j, "version"); /* optional */
	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return fail(err, HC_CLOSE_BAD_FIELD, "hello.version must be a string");
	if (!hc_proto_valid_version(json_string_value(v)))
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "hello.version must be 1..%d characters of A-Z a-z 0-9 . _ + -",
			    HC_VERSION_LEN_MAX);
	snprintf(m->version, sizeof m->version, "%s", json_string_value(v));
	return true;
}

static bool parse_batch(const json_t *j, struct hc_msg_batch *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	if (!read_int(j, "batch", "seq", 1, HC_SEQ_MAX, &m->seq, err) ||
	    !read_int(j, "batch", "entered", 0, HC_BATCH_DELTA_MAX, &m->entered, err) ||
	    !read_int(j, "batch", "exited", 0, HC_BATCH_DELTA_MAX, &m->exited, err) ||
	    !read_int_optional(j, "batch", "undo_entered", 0, HC_BATCH_DELTA_MAX, &m->undo_entered,
			       err) ||
	    !read_int_optional(j, "batch", "undo_exited", 0, HC_BATCH_DELTA_MAX, &m->undo_exited,
			       err))
		return false;
	if (!read_mac_optional(j, "batch", "mac", &m->has_mac, m->mac, err))
		return false;
	int64_t total = m->entered + m->exited + m->undo_entered + m->undo_exited;
	if (total == 0)
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "batch.entered + batch.exited must be at least 1");
	/* Optional, together: what the terminal reports about itself. */
	if (json_object_get(j, "pending") == NULL && json_object_get(j, "storage_faults") == NULL)
		return true;
	if (!read_int(j, "batch", "pending", 0, HC_SEQ_MAX, &m->pending, err) ||
	    !read_int(j, "batch", "storage_faults", 0, HC_SEQ_MAX, &m->storage_faults, err))
		return false;
	m->has_status = true;
	return true;
}

static bool parse_challenge(const json_t *j, struct hc_msg_challenge *m, struct hc_proto_error *err)
{
	bool present;
	memset(m, 0, sizeof *m);
	if (!read_mac_optional(j, "challenge", "nonce", &present, m->nonce, err))
		return false;
	if (!present)
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "challenge.nonce must be a string of 64 lower-case hex digits");
	return true;
}

static bool parse_welcome(const json_t *j, struct hc_msg_welcome *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	return read_id(j, "welcome", "terminal", m->terminal, err) &&
	       read_id(j, "welcome", "area", m->area, err);
}

static bool parse_ack(const json_t *j, struct hc_msg_ack *m, struct hc_proto_error *err)
{
	memset(m, 0, sizeof *m);
	return read_int(j, "ack", "seq", 1, HC_SEQ_MAX, &m->seq, err) &&
	       read_bool(j, "ack", "duplicate", &m->duplicate, err);
}

bool hc_proto_valid_restricted_by(const char *s)
{
	if (strcmp(s, "area") == 0 || strcmp(s, "override") == 0)
		return true;
	if (strncmp(s, "group:", 6) == 0)
		return hc_proto_valid_id(s + 6);
	if (strncmp(s, "group_override:", 15) == 0)
		return hc_proto_valid_id(s + 15);
	return false;
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
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "area.restricted_by_name needs area.restricted_by");
	if (!json_is_string(by))
		return fail(err, HC_CLOSE_BAD_FIELD, "area.restricted_by must be a string");
	const char *text = json_string_value(by);
	if (json_string_length(by) > HC_RESTRICTED_BY_LEN_MAX ||
	    !hc_proto_valid_restricted_by(text))
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "area.restricted_by must be area, override, "
			    "group:<id> or group_override:<id>");
	if (!a->restricted)
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "area.restricted_by is only sent with restricted true");
	snprintf(a->restricted_by, sizeof a->restricted_by, "%s", text);
	if (name == NULL)
		return true;
	if (strncmp(text, "group", 5) != 0)
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "area.restricted_by_name is only sent for a group");
	if (!json_is_string(name))
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "area.restricted_by_name must be a string of 1..%d bytes",
			    HC_NAME_LEN_MAX);
	size_t len = json_string_length(name);
	if (len < 1 || len > HC_NAME_LEN_MAX || strlen(json_string_value(name)) != len)
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "area.restricted_by_name must be a string of 1..%d bytes",
			    HC_NAME_LEN_MAX);
	memcpy(a->restricted_by_name, json_string_value(name), len + 1);
	return true;
}

static bool parse_area(const json_t *j, struct hc_area_state *a, struct hc_proto_error *err)
{
	memset(a, 0, sizeof *a);
	if (!read_id(j, "area", "id", a->id, err))
		return false;

	const json_t *name = json_object_get(j, "name");
	if (!json_is_string(name))
		return fail(err, HC_CLOSE_BAD_FIELD, "area.name must be a string of 1..%d bytes",
			    HC_NAME_LEN_MAX);
	size_t name_len = json_string_length(name);
	if (name_len < 1 || name_len > HC_NAME_LEN_MAX ||
	    strlen(json_string_value(name)) != name_len)
		return fail(err, HC_CLOSE_OUT_OF_RANGE, "area.name must be a string of 1..%d bytes",
			    HC_NAME_LEN_MAX);
	memcpy(a->name, json_string_value(name), name_len + 1);

	if (!read_int(j, "area", "entered", 0, INT64_MAX, &a->entered, err) ||
	    !read_int(j, "area", "exited", 0, INT64_MAX, &a->exited, err) ||
	    !read_int(j, "area", "occupancy", 0, INT64_MAX, &a->occupancy, err) ||
	    !read_int(j, "area", "capacity", 0, INT64_MAX, &a->capacity, err))
		return false;

	const json_t *level = json_object_get(j, "level");
	if (!json_is_string(level))
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "area.level must be a string: low, moderate, crowded or full");
	if (!hc_level_parse(json_string_value(level), &a->level))
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
			    "area.level must be low, moderate, crowded or full");

	if (!read_bool(j, "area", "restricted", &a->restricted, err))
		return false;

	const json_t *at = json_object_get(j, "updated_at");
	if (!json_is_string(at))
		return fail(err, HC_CLOSE_BAD_FIELD,
			    "area.updated_at must be a string like 2026-11-23T10:00:00.123Z");
	if (!parse_utc_ms(json_string_value(at), &a->updated_at_ms))
		return fail(err, HC_CLOSE_OUT_OF_RANGE,
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
		ok = fail(err, HC_CLOSE_UNKNOWN_TYPE, "type \"%s\" is not %s message (%s)",
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
	size_t need = json_dumpb(j, out, cap, JSON_COMPACT);
	json_decref(j);
	return need <= cap ? need : 0;
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
