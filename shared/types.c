/*
 * types.c — level names, ids, versions, restricted_by values and
 * incarnations (types.h).
 *
 * Relies on: the C library alone (no JSON). Promises: each check
 * accepts exactly the spelling docs/protocol.md gives and nothing else.
 */
#include "shared/types.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

bool hc_proto_valid_version(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++)
		if (n >= HC_VERSION_LEN_MAX || !(is_id_char(s[n]) || s[n] == '.' || s[n] == '+'))
			return false;
	return n >= 1;
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
