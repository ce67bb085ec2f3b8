/*
 * wire_json.c — the JSON helpers of the wire files (wire_json.h).
 *
 * Relies on: jansson, shared/calendar.h for the UTC times, shared/clock.h for the
 * one UTC text form, shared/hex.h. Promises: see wire_json.h.
 */
#include "shared/wire_json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/calendar.h"
#include "shared/clock.h"
#include "shared/hex.h"

bool hc_wire_fail(struct hc_proto_error *err, enum hc_close_code code, const char *fmt, ...)
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

bool hc_wire_refuse(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (why != NULL && cap > 0)
		vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return false;
}

size_t hc_wire_dump(json_t *j, char *out, size_t cap)
{
	if (j == NULL)
		return 0;
	size_t need = json_dumpb(j, out, cap, JSON_COMPACT);
	json_decref(j);
	return need <= cap ? need : 0;
}

char *hc_wire_dump_alloc(json_t *j, size_t *len)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text != NULL)
		*len = strlen(text);
	return text;
}

json_t *hc_wire_utc_or_null(int64_t wall_ms)
{
	if (wall_ms <= 0)
		return json_null();
	char text[32];
	hc_format_utc(wall_ms, text, sizeof text);
	return json_string(text);
}

bool hc_wire_parse_utc_ms(const char *s, int64_t *out)
{
	int year, mon, day, hour, min, sec, ms, end = 0;
	if (strlen(s) != HC_WIRE_UTC_TEXT_LEN)
		return false;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &year, &mon, &day, &hour, &min, &sec, &ms,
		   &end) != 7 ||
	    end != HC_WIRE_UTC_TEXT_LEN)
		return false;
	int64_t secs;
	if (ms < 0 || ms > 999 || !hc_calendar_utc_seconds(year, mon, day, hour, min, sec, &secs))
		return false; /* 31 April would normalise to 1 May: refused */
	/* sscanf's %d also takes " 1" and "+1": only the one spelling that
	 * hc_format_utc() writes for this instant is accepted. */
	int64_t ms_total = secs * 1000 + ms;
	char canonical[HC_WIRE_UTC_TEXT_LEN + 8];
	hc_format_utc(ms_total, canonical, sizeof canonical);
	if (strcmp(canonical, s) != 0)
		return false;
	*out = ms_total;
	return true;
}

/* ---- strict readers ---------------------------------------------------- */

bool hc_wire_read_id(const json_t *obj, const char *msg, const char *field,
		     char out[HC_ID_LEN_MAX + 1], struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	if (!json_is_string(v))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "%s.%s must be a string of 1..%d chars [A-Za-z0-9_-]", msg,
				    field, HC_ID_LEN_MAX);
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || !hc_proto_valid_id(s))
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "%s.%s must be 1..%d chars [A-Za-z0-9_-]", msg, field,
				    HC_ID_LEN_MAX);
	snprintf(out, HC_ID_LEN_MAX + 1, "%s", s);
	return true;
}

bool hc_wire_read_int(const json_t *obj, const char *msg, const char *field, int64_t min,
		      int64_t max, int64_t *out, struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	if (!json_is_integer(v))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "%s.%s must be an integer %" PRId64 "..%" PRId64, msg, field,
				    min, max);
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "%s.%s must be an integer %" PRId64 "..%" PRId64, msg, field,
				    min, max);
	*out = (int64_t)i;
	return true;
}

bool hc_wire_read_int_optional(const json_t *obj, const char *msg, const char *field, int64_t min,
			       int64_t max, int64_t *out, struct hc_proto_error *err)
{
	if (json_object_get(obj, field) == NULL) {
		*out = 0;
		return true;
	}
	return hc_wire_read_int(obj, msg, field, min, max, out, err);
}

bool hc_wire_read_bool(const json_t *obj, const char *msg, const char *field, bool *out,
		       struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	if (!json_is_boolean(v))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD, "%s.%s must be true or false", msg,
				    field);
	*out = json_is_true(v);
	return true;
}

bool hc_wire_read_hex32_optional(const json_t *obj, const char *msg, const char *field,
				 bool *present, uint8_t out[32], struct hc_proto_error *err)
{
	const json_t *v = json_object_get(obj, field);
	*present = false;
	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return hc_wire_fail(err, HC_CLOSE_BAD_FIELD,
				    "%s.%s must be a string of 64 lower-case hex digits", msg,
				    field);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !hc_hex_decode(json_string_value(v), out, 32))
		return hc_wire_fail(err, HC_CLOSE_OUT_OF_RANGE,
				    "%s.%s must be 64 lower-case hex digits", msg, field);
	*present = true;
	return true;
}

/* ---- lenient getters ---------------------------------------------------- */

bool hc_wire_get_str(const json_t *o, const char *key, char *out, size_t cap, bool required)
{
	const json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v)) {
		out[0] = '\0';
		return !required;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) >= cap)
		return false;
	memcpy(out, json_string_value(v), strlen(json_string_value(v)) + 1);
	return true;
}

bool hc_wire_get_int(const json_t *o, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

bool hc_wire_get_level(const json_t *o, enum hc_level *out)
{
	const char *s = json_string_value(json_object_get(o, "level"));
	return s != NULL && hc_level_parse(s, out);
}

bool hc_wire_get_utc_ms(const json_t *v, int64_t *out)
{
	*out = 0;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return false;
	return hc_wire_parse_utc_ms(json_string_value(v), out);
}
