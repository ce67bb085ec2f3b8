/*
 * config_keys.c — the venue config's keys: which key each section takes
 * (the key table) and the key dispatch, inih's handler for one
 * "name = value" (config_on_key) and the one switch that applies a key
 * to the current section (apply_key).
 *
 * Relies on: the reader (config_reader.c) having noted the current line
 * and section before inih calls the handler; the value parsers of
 * config_values.c; the concept files for keys with rules of their own
 * ([tls] config_tls.c, the venue's auth keys config_auth.c, the
 * supervisors' password file config_passwords.c, thresholds, [mqtt],
 * the map).
 *
 * Promises: every key is checked against the section it appears in, a
 * key given twice in one section is refused with both lines, and a
 * refused value's error names the allowed range; errors are recorded in
 * the loader with their line, never returned to inih.
 */
#include "shared/config.h"
#include "shared/config_internal.h"
#include "shared/config_passwords.h"
#include "shared/config_auth.h"

#include <stdio.h>
#include <string.h>

#include "shared/protocol.h"

static const struct {
	const char *name;
	unsigned sections;
} keys[K_COUNT] = {
	[K_NAME] = { "name", IN_VENUE | IN_AREA | IN_GROUP },
	[K_LISTEN] = { "listen", IN_VENUE },
	[K_DATABASE] = { "database", IN_VENUE },
	[K_DENSITY] = { "density_per_m2", IN_VENUE | IN_AREA },
	[K_CAPACITY] = { "capacity", IN_AREA | IN_GROUP },
	[K_FLOOR] = { "floor_m2", IN_AREA },
	[K_GROUP] = { "group", IN_AREA },
	[K_AREA] = { "area", IN_TERMINAL },
	[K_KEY] = { "key", IN_TERMINAL | IN_SUPERVISOR },
	[K_MODERATE] = { "moderate_at", IN_THRESHOLDS },
	[K_CROWDED] = { "crowded_at", IN_THRESHOLDS },
	[K_FULL] = { "full_at", IN_THRESHOLDS },
	[K_RESTRICT] = { "restrict_at", IN_THRESHOLDS },
	[K_RESUME] = { "resume_at", IN_THRESHOLDS },
	[K_HOLD] = { "hold_s", IN_THRESHOLDS },
	[K_HOST] = { "host", IN_MQTT },
	[K_PORT] = { "port", IN_MQTT },
	[K_TOPIC_PREFIX] = { "topic_prefix", IN_MQTT },
	[K_CLIENT_ID] = { "client_id", IN_MQTT },
	[K_QOS] = { "qos", IN_MQTT },
	[K_KEEPALIVE] = { "keepalive_s", IN_MQTT },
	[K_USERNAME] = { "username", IN_MQTT },
	[K_PASSWORD] = { "password", IN_MQTT },
	[K_MAP_WIDTH] = { "map_width", IN_VENUE },
	[K_MAP_HEIGHT] = { "map_height", IN_VENUE },
	[K_MAP_BACKGROUND] = { "map_background", IN_VENUE },
	[K_MAP_SHAPE] = { "map_shape", IN_AREA | IN_GROUP },
	[K_MAP_LABEL] = { "map_label_at", IN_AREA | IN_GROUP },
	[K_STAFF_LISTEN] = { "staff_listen", IN_VENUE },
	[K_CONNECTIONS_PER_ADDRESS] = { "connections_per_address", IN_VENUE },
	[K_MAP_IDLE_TIMEOUT] = { "map_idle_timeout_s", IN_VENUE },
	[K_SUPERVISOR_PASSWORDS] = { "supervisor_passwords", IN_VENUE },
};

static struct key_lines *current_key_lines(struct loader *L)
{
	switch (L->kind) {
	case SEC_VENUE: return &L->venue_keys;
	case SEC_AREA: return &L->area_keys[L->index];
	case SEC_GROUP: return &L->group_keys[L->index];
	case SEC_TERMINAL: return &L->terminal_keys[L->index];
	case SEC_SUPERVISOR: return &L->supervisor_keys[L->index];
	case SEC_MQTT: return &L->mqtt_keys;
	case SEC_TLS:
	case SEC_NONE:
	case SEC_INVALID: break;
	}
	return NULL;
}

/* The key called name in the current section, or K_COUNT with the
 * error recorded when the section has no such key. */
static enum key find_key(struct loader *L, const char *name)
{
	char q[QUOTE_MAX + 4];
	for (int i = 0; i < K_COUNT; i++)
		if (strcmp(name, keys[i].name) == 0 && (keys[i].sections & (1u << L->kind)) != 0)
			return (enum key)i;
	config_error_at(L, L->line, "%s: unknown key '%s'", L->section_label,
			config_quote(name, q));
	return K_COUNT;
}

/* Notes that key k is given on this line of the current section; false
 * with the error recorded when it was given before, or when capacity and
 * floor_m2 are both given. */
static bool note_key_line(struct loader *L, enum key k, const char *name)
{
	struct key_lines *lines = current_key_lines(L);
	if (lines->line[k] != 0) {
		config_error_at(L, L->line, "%s: %s given twice (first at line %d)",
				L->section_label, name, lines->line[k]);
		return false;
	}
	lines->line[k] = L->line;
	if ((k == K_FLOOR && lines->line[K_CAPACITY] != 0) ||
	    (k == K_CAPACITY && L->kind == SEC_AREA && lines->line[K_FLOOR] != 0)) {
		config_error_at(L, L->line, "%s: give either capacity or floor_m2, not both",
				L->section_label);
		return false;
	}
	return true;
}

/* The key dispatch: applies key k = value to the current section; false
 * with *range set to the allowed values when the value is refused. One
 * switch over every key (about 90 lines) so that each key's rule is
 * found in one place; the keys of a concept with rules of their own
 * (thresholds, [mqtt], the map) are handed to that concept's file. */
static bool apply_key(struct loader *L, enum key k, const char *value, const char **range)
{
	struct hc_venue_cfg *cfg = L->cfg;
	struct hc_area_cfg *a = L->kind == SEC_AREA ? &cfg->areas[L->index] : NULL;
	struct hc_group_cfg *g = L->kind == SEC_GROUP ? &cfg->groups[L->index] : NULL;
	struct hc_terminal_cfg *t = L->kind == SEC_TERMINAL ? &cfg->terminals[L->index] : NULL;
	char *name = a ? a->name : g ? g->name : cfg->name;

	switch (k) {
	case K_NAME:
		*range = "1..64 bytes of UTF-8 text";
		if (!config_valid_name(value))
			return false;
		snprintf(name, HC_NAME_LEN_MAX + 1, "%s", value);
		return true;
	case K_LISTEN:
		*range = "host:port with port 1..65535";
		return config_parse_host_port(value, cfg->listen_host, sizeof cfg->listen_host,
					      &cfg->listen_port);
	case K_STAFF_LISTEN:
		*range = "host:port with port 1..65535";
		return config_parse_host_port(value, cfg->staff_listen_host,
					      sizeof cfg->staff_listen_host,
					      &cfg->staff_listen_port);
	case K_CONNECTIONS_PER_ADDRESS: {
		int64_t n = 0;
		*range = "an integer 1.." HC_STR(HC_CONNECTIONS_PER_ADDRESS_MAX);
		if (!config_parse_int(value, 1, HC_CONNECTIONS_PER_ADDRESS_MAX, &n))
			return false;
		cfg->connections_per_address = (uint32_t)n;
		return true;
	}
	case K_MAP_IDLE_TIMEOUT:
		*range = "an integer " HC_STR(HC_MAP_IDLE_TIMEOUT_S_MIN) ".." HC_STR(
			HC_MAP_IDLE_TIMEOUT_S_MAX);
		return config_parse_int(value, HC_MAP_IDLE_TIMEOUT_S_MIN, HC_MAP_IDLE_TIMEOUT_S_MAX,
					&cfg->map_idle_timeout_s);
	case K_SUPERVISOR_PASSWORDS: return hc_config_passwords_key(cfg, value, range);
	case K_DATABASE:
		*range = "a file path";
		if (value[0] == '\0' || strlen(value) >= sizeof cfg->database)
			return false;
		snprintf(cfg->database, sizeof cfg->database, "%s", value);
		return true;
	case K_DENSITY:
		*range = "a number > 0 and <= 10";
		return config_parse_number(value, 0, true, DENSITY_PER_M2_MAX,
					   a ? &a->density_per_m2 : &cfg->density_per_m2);
	case K_CAPACITY: {
		int64_t capacity = 0;
		hc_capacity_valid(a == NULL, 0, range);
		if (!config_parse_int(value, INT64_MIN, INT64_MAX, &capacity) ||
		    !hc_capacity_valid(a == NULL, capacity, range))
			return false;
		*(a ? &a->capacity : &g->capacity) = capacity;
		return true;
	}
	case K_FLOOR:
		*range = "a number > 0 and <= 10000000";
		return config_parse_number(value, 0, true, FLOOR_M2_MAX, &a->floor_m2);
	case K_GROUP:
	case K_AREA:
		*range = "an id of 1..32 characters A-Z a-z 0-9 _ -";
		if (!hc_proto_valid_id(value))
			return false;
		snprintf(k == K_GROUP ? a->group : t->area, HC_ID_LEN_MAX + 1, "%s", value);
		return true;
	case K_KEY: {
		*range = "1..64 characters";
		if (value[0] == '\0' || strlen(value) > 64)
			return false;
		char *key = t ? t->key : cfg->supervisors[L->index].key;
		snprintf(key, 65, "%s", value);
		return true;
	}
	case K_HOST:
	case K_PORT:
	case K_TOPIC_PREFIX:
	case K_CLIENT_ID:
	case K_QOS:
	case K_KEEPALIVE:
	case K_USERNAME:
	case K_PASSWORD: return config_apply_mqtt_key(&cfg->mqtt, k, value, range);
	case K_MAP_WIDTH:
	case K_MAP_HEIGHT:
	case K_MAP_BACKGROUND:
	case K_MAP_SHAPE:
	case K_MAP_LABEL: return config_apply_map_key(L, k, value, range);
	default: return config_apply_threshold(config_current_thresholds(L), k, value, range);
	}
}

/* inih's handler: one "name = value" of the current section. Always
 * returns 1: errors are recorded in L with their line, and inih's own
 * return value is left to mean syntax errors only. */
int config_on_key(void *user, const char *section, const char *name, const char *value)
{
	struct loader *L = user;
	char q[QUOTE_MAX + 4];
	(void)section; /* the reader tracked it, with its line */

	if (L->kind == SEC_INVALID)
		return 1;
	if (L->kind == SEC_NONE) {
		config_error_at(L, L->line,
				"key '%s' outside any section: start with [venue] or [area <id>]",
				config_quote(name, q));
		return 1;
	}

	if (L->kind == SEC_TLS) {
		char m[200];
		if (!hc_config_tls_key(&L->cfg->tls, name, value, L->line, m, sizeof m))
			config_error_at(L, L->line, "%s", m);
		return 1;
	}

	if (L->kind == SEC_VENUE) {
		char auth_msg[200];
		enum hc_config_auth_result r = hc_config_auth_key(L->cfg, name, value, L->line,
								  auth_msg, sizeof auth_msg);
		if (r == HC_CONFIG_AUTH_BAD)
			config_error_at(L, L->line, "%s", auth_msg);
		if (r != HC_CONFIG_AUTH_NOT_MINE)
			return 1;
	}

	enum key k = find_key(L, name);
	if (k == K_COUNT || !note_key_line(L, k, name))
		return 1;

	const char *range = "";
	if (!apply_key(L, k, value, &range))
		config_error_at(L, L->line, "%s: %s must be %s, got '%s'", L->section_label, name,
				range, config_quote(value, q));
	return 1;
}
