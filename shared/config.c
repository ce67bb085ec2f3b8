/*
 * config.c — loads the venue config (docs/config.md) with inih.
 *
 * What lives here: reading the INI file, checking every section, key and
 * value, resolving defaults (venue thresholds and density apply to every
 * area and group without its own override; an area given floor_m2 gets
 * capacity = floor(floor_m2 x density_per_m2); a group without capacity
 * gets the sum of its areas'), and the error message a person reads.
 *
 * It also holds the value rules (threshold ranges and order, capacity
 * ranges) as functions declared in config.h, so the aggregator's
 * set_thresholds command accepts exactly what a config file may say.
 * [supervisor <name>] sections carry the supervisors' keys. The map keys
 * ([venue] map_width, map_height, map_background; map_shape and
 * map_label_at of areas and groups) describe the visitors' map
 * (docs/map.md); shapes are checked against the map's bounds.
 *
 * Relies on: inih's ini_parse_stream() for the INI syntax, jansson only to
 * check that names are valid UTF-8 (they are sent in JSON), and the limits
 * in shared/limits.h.
 *
 * How line numbers are known: Debian's inih is built without
 * INI_HANDLER_LINENO, so the handler is not told the line. inih calls our
 * reader for exactly one line, parses it, and calls the handler for that
 * same line before it reads the next one. The reader therefore counts
 * lines and also notes each "[section]" header as it passes, so the
 * handler always knows the current line and section, and a section with
 * no keys at all is still seen. Syntax errors (a line that is neither a
 * section, a key = value nor a comment) are inih's: its return value is
 * their line. Errors found while reading (syntax, unknown sections and
 * keys, duplicates, bad values) are reported first, the lowest line
 * winning; only a file without them is resolved and checked for
 * references and consistency (a terminal's area, an area's group,
 * threshold order), again the lowest line winning. Errors that belong to
 * no line (unreadable file, no areas) are line 0 and reported only when
 * nothing else is wrong.
 *
 * Promises: all-or-nothing. hc_venue_load() returns a config in which
 * every id is valid, every terminal names an existing area (area_index
 * set), every area has a capacity of 1..HC_AREA_CAPACITY_MAX and every
 * area and group has resolved thresholds that satisfy
 * 0 < moderate_at <= crowded_at <= full_at <= 10 and
 * 0 <= resume_at < restrict_at <= 10 — or it returns NULL and one error.
 *
 * The files: this one is the parser driver (the reader, the section and
 * key dispatch, the order of resolution, the entry points); the concepts
 * are in config_values.c, config_thresholds.c, config_sections.c,
 * config_mqtt.c and config_map.c (config_internal.h).
 *
 * Note: inih's multi-line values (an indented line continuing the value
 * of the key above) are switched off process-wide: with them, an indented
 * "capacity = 300" would silently become part of the previous value.
 */
#include "shared/config.h"
#include "shared/config_internal.h"
#include "shared/config_passwords.h"
#include "shared/config_auth.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- sections ---------------------------------------------------------- */

/* The section dispatch: starts section "<kind> <id>" found by the reader
 * at L->line. On error the section becomes SEC_INVALID so its keys add no
 * second error. [venue] and [mqtt] are begun here; the named sections
 * (areas, groups, terminals, supervisors) in config_sections.c. */
static void begin_section(struct loader *L, const char *kind, const char *id)
{
	struct hc_venue_cfg *cfg = L->cfg;
	char q[QUOTE_MAX + 4];
	int line = L->line;
	L->kind = SEC_INVALID;
	L->index = -1;

	if (strcmp(kind, "venue") == 0) {
		if (id[0] != '\0') {
			config_error_at(L, line, "[venue] takes no id, got '%s'",
					config_quote(id, q));
			return;
		}
		if (L->venue_line != 0) {
			config_error_at(L, line, "[venue] given twice (first at line %d)",
					L->venue_line);
			return;
		}
		L->venue_line = line;
		L->kind = SEC_VENUE;
		snprintf(L->section_label, sizeof L->section_label, "venue");
		return;
	}

	if (strcmp(kind, "mqtt") == 0) {
		if (id[0] != '\0') {
			config_error_at(L, line, "[mqtt] takes no id, got '%s'",
					config_quote(id, q));
			return;
		}
		if (cfg->mqtt.enabled) {
			config_error_at(L, line, "[mqtt] given twice (first at line %d)",
					cfg->mqtt.line);
			return;
		}
		cfg->mqtt.enabled = true;
		cfg->mqtt.line = line;
		L->kind = SEC_MQTT;
		snprintf(L->section_label, sizeof L->section_label, "mqtt");
		return;
	}

	if (strcmp(kind, "tls") == 0) {
		char m[200];
		if (hc_config_tls_begin(&cfg->tls, id, line, m, sizeof m))
			L->kind = SEC_TLS;
		else
			config_error_at(L, line, "%s", m);
		return;
	}

	bool is_area = strcmp(kind, "area") == 0;
	bool is_group = strcmp(kind, "group") == 0;
	bool is_terminal = strcmp(kind, "terminal") == 0;
	bool is_supervisor = strcmp(kind, "supervisor") == 0;
	if (!is_area && !is_group && !is_terminal && !is_supervisor) {
		config_error_at(
			L, line,
			"unknown section [%s]: expected [venue], [area <id>], [group <id>], [terminal <id>], [supervisor <name>] or [mqtt]",
			config_quote(kind, q));
		return;
	}
	if (!hc_proto_valid_id(id)) {
		config_error_at(L, line, "%s id '%s' must be 1..%d characters of A-Z a-z 0-9 _ -",
				kind, config_quote(id, q), HC_ID_LEN_MAX);
		return;
	}

	config_begin_named_section(L, kind, id, is_area, is_group, is_terminal);
}

/* If line is a section header, splits it into kind and id and begins
 * the section. Mirrors inih: the header ends at the first ']'; a ';'
 * after whitespace before it starts a comment, which inih calls a syntax
 * error — then the section is invalid and inih reports the line. */
static void note_section_header(struct loader *L, const char *line)
{
	const char *p = line;
	if (L->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3; /* UTF-8 byte order mark, as inih skips it */
	while (config_is_blank(*p))
		p++;
	if (*p != '[')
		return;
	p++;

	const char *end = p;
	while (*end != '\0' && *end != ']' && !(*end == ';' && end > p && config_is_blank(end[-1])))
		end++;
	if (*end != ']') {
		L->kind = SEC_INVALID;
		return;
	}

	char inside[128];
	size_t n = (size_t)(end - p);
	if (n >= sizeof inside)
		n = sizeof inside - 1;
	memcpy(inside, p, n);
	inside[n] = '\0';

	char *kind = inside;
	while (config_is_blank(*kind))
		kind++;
	char *id = kind;
	while (*id != '\0' && !config_is_blank(*id))
		id++;
	if (*id != '\0')
		*id++ = '\0';
	while (config_is_blank(*id))
		id++;
	char *tail = id + strlen(id);
	while (tail > id && config_is_blank(tail[-1]))
		*--tail = '\0';
	begin_section(L, kind, id);
}

/* inih's fgets-style reader over the file in memory: one line per call,
 * counted, each header noted before inih hands its keys to the handler.
 * A line that does not fit inih's buffer is an error of its own (inih
 * would silently split it into two lines). */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *L = stream;
	if (L->pos >= L->text_len || num < 2)
		return NULL;

	const char *start = L->text + L->pos;
	size_t left = L->text_len - L->pos;
	const char *nl = memchr(start, '\n', left);
	size_t len = nl != NULL ? (size_t)(nl - start) + 1 : left;
	L->pos += len;
	L->line++;

	/* inih's own rule: a line's text may take num - 3 bytes, leaving
	 * room for "\r\n" and the NUL. */
	size_t text_len = len;
	while (text_len > 0 && (start[text_len - 1] == '\n' || start[text_len - 1] == '\r'))
		text_len--;
	if (memchr(start, '\0', len) != NULL) {
		config_error_at(L, L->line, "line contains a NUL byte");
		len = 0;
	} else if (text_len > (size_t)num - 3 || len > (size_t)num - 1) {
		config_error_at(L, L->line, "line longer than %d characters", num - 3);
		len = 0;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	if (len > 0)
		note_section_header(L, str);
	return str;
}

/* ---- keys -------------------------------------------------------------- */

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
static int on_key(void *user, const char *section, const char *name, const char *value)
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

	enum key k = K_COUNT;
	for (int i = 0; i < K_COUNT; i++) {
		if (strcmp(name, keys[i].name) == 0 && (keys[i].sections & (1u << L->kind)) != 0) {
			k = (enum key)i;
			break;
		}
	}
	if (k == K_COUNT) {
		config_error_at(L, L->line, "%s: unknown key '%s'", L->section_label,
				config_quote(name, q));
		return 1;
	}

	struct key_lines *lines = current_key_lines(L);
	if (lines->line[k] != 0) {
		config_error_at(L, L->line, "%s: %s given twice (first at line %d)",
				L->section_label, name, lines->line[k]);
		return 1;
	}
	lines->line[k] = L->line;

	if ((k == K_FLOOR && lines->line[K_CAPACITY] != 0) ||
	    (k == K_CAPACITY && L->kind == SEC_AREA && lines->line[K_FLOOR] != 0)) {
		config_error_at(L, L->line, "%s: give either capacity or floor_m2, not both",
				L->section_label);
		return 1;
	}

	const char *range = "";
	if (!apply_key(L, k, value, &range))
		config_error_at(L, L->line, "%s: %s must be %s, got '%s'", L->section_label, name,
				range, config_quote(value, q));
	return 1;
}

/* ---- resolution after parsing ------------------------------------------ */

static void resolve(struct loader *L)
{
	struct hc_venue_cfg *cfg = L->cfg;
	config_check_threshold_order(L, "venue", &cfg->thresholds, &L->venue_keys);
	for (int i = 0; i < cfg->area_count; i++)
		config_resolve_area(L, i);
	for (int i = 0; i < cfg->group_count; i++)
		config_resolve_group(L, i);
	for (int i = 0; i < cfg->terminal_count; i++)
		config_resolve_terminal(L, i);
	for (int i = 0; i < cfg->supervisor_count; i++)
		config_resolve_supervisor(L, i);
	if (cfg->area_count == 0)
		config_error_at(L, 0, "no [area <id>] section: a venue needs at least one area");
	config_resolve_database(L);
	if (!hc_config_passwords_resolve(cfg, L->err_scratch, sizeof L->err_scratch))
		config_error_at(L, L->venue_keys.line[K_SUPERVISOR_PASSWORDS], "%s",
				L->err_scratch);
	char auth_msg[200];
	int auth_line = 0;
	if (!hc_config_auth_resolve(cfg, auth_msg, sizeof auth_msg, &auth_line))
		config_error_at(L, auth_line, "%s", auth_msg);
	config_resolve_mqtt(L);
	config_resolve_map(L);
	int tls_line = 0;
	char tls_msg[200];
	if (!hc_config_tls_resolve(&cfg->tls, cfg->path, &tls_line, tls_msg, sizeof tls_msg))
		config_error_at(L, tls_line, "%s", tls_msg);
}

/* ---- loading ----------------------------------------------------------- */

static void set_defaults(struct hc_venue_cfg *cfg)
{
	snprintf(cfg->name, sizeof cfg->name, "headcount venue");
	snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
	cfg->listen_port = 8080;
	cfg->connections_per_address = HC_CONNECTIONS_PER_ADDRESS_DEFAULT;
	cfg->map_idle_timeout_s = HC_MAP_IDLE_TIMEOUT_S_DEFAULT;
	snprintf(cfg->database, sizeof cfg->database, "headcount.db");
	cfg->density_per_m2 = 2.0;
	snprintf(cfg->mqtt.host, sizeof cfg->mqtt.host, "127.0.0.1");
	cfg->mqtt.port = 1883;
	cfg->mqtt.qos = 1;
	cfg->mqtt.keepalive_s = 30;
	cfg->thresholds = (struct hc_thresholds){
		.moderate_at = 0.5,
		.crowded_at = 0.8,
		.full_at = 1.0,
		.restrict_at = 1.0,
		.resume_at = 0.9,
		.hold_ms = 60000,
	};
}

/* Reads the whole file (at most CONFIG_BYTES_MAX). Returns a NUL-ended
 * heap copy and its length, or NULL with a line-0 error recorded. */
static char *read_file(struct loader *L, const char *path, size_t *len_out)
{
	char *text = NULL;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		config_error_at(L, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	text = malloc(CONFIG_BYTES_MAX + 1);
	if (text == NULL) {
		config_error_at(L, 0, "out of memory");
		goto fail;
	}
	size_t len = fread(text, 1, CONFIG_BYTES_MAX + 1, f);
	if (ferror(f)) {
		config_error_at(L, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (len > CONFIG_BYTES_MAX) {
		config_error_at(L, 0, "larger than %d bytes", CONFIG_BYTES_MAX);
		goto fail;
	}
	text[len] = '\0';
	fclose(f);
	*len_out = len;
	return text;
fail:
	free(text);
	if (f != NULL)
		fclose(f);
	return NULL;
}

/* Records inih's syntax error at line, quoting that line of the text. */
static void syntax_error(struct loader *L, int line)
{
	const char *p = L->text;
	for (int n = 1; n < line && p != NULL; n++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	char shown[QUOTE_MAX + 1] = "";
	if (p != NULL) {
		size_t n = strcspn(p, "\r\n");
		while (n > 0 && config_is_blank(*p)) {
			p++;
			n--;
		}
		snprintf(shown, sizeof shown, "%.*s", (int)(n < QUOTE_MAX ? n : QUOTE_MAX), p);
	}
	config_error_at(L, line,
			"syntax error: expected [section], key = value or ; comment, got '%s'",
			shown);
}

/* The loader behind both entry points: path names the file (for the
 * messages and the database's directory); text is the file's content
 * when the caller already has it, or NULL to read it from path. One
 * piece (about 60 lines): it owns the loader, the text and the config
 * and frees them on its one fail path. */
static struct hc_venue_cfg *load(const char *path, const char *text_in, size_t text_in_len,
				 struct hc_config_error *err)
{
	char *text = NULL;
	struct loader *L = calloc(1, sizeof *L);
	struct hc_venue_cfg *cfg = calloc(1, sizeof *cfg);
	memset(err, 0, sizeof *err);
	snprintf(err->file, sizeof err->file, "%s", path);
	if (L == NULL || cfg == NULL) {
		snprintf(err->message, sizeof err->message, "out of memory");
		goto fail;
	}
	L->cfg = cfg;
	if (strlen(path) >= sizeof cfg->path) {
		config_error_at(L, 0, "path too long");
		goto fail;
	}
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	set_defaults(cfg);

	if (text_in == NULL) {
		text = read_file(L, path, &L->text_len);
	} else if (text_in_len > CONFIG_BYTES_MAX) {
		config_error_at(L, 0, "larger than %d bytes", CONFIG_BYTES_MAX);
	} else {
		/* A NUL-ended copy, as read_file() gives. */
		text = malloc(text_in_len + 1);
		if (text == NULL) {
			config_error_at(L, 0, "out of memory");
		} else {
			memcpy(text, text_in, text_in_len);
			text[text_in_len] = '\0';
			L->text_len = text_in_len;
		}
	}
	if (text == NULL)
		goto fail;
	L->text = text;

	ini_allow_multiline = false; /* see the note at the top of this file */
	int rc = ini_parse_stream(read_line, L, on_key, L);
	if (rc > 0)
		syntax_error(L, rc);
	else if (rc < 0)
		config_error_at(L, 0, "inih failed (%d)", rc);
	if (!L->failed)
		resolve(L);
	if (L->failed)
		goto fail;

	free(text);
	free(L);
	return cfg;
fail:
	if (L != NULL && L->failed) {
		err->line = L->err.line;
		memcpy(err->message, L->err.message, sizeof err->message);
	}
	free(text);
	free(L);
	free(cfg);
	return NULL;
}

struct hc_venue_cfg *hc_venue_load(const char *path, struct hc_config_error *err)
{
	return load(path, NULL, 0, err);
}

struct hc_venue_cfg *hc_venue_load_text(const char *path, const char *text, size_t len,
					struct hc_config_error *err)
{
	return load(path, text, len, err);
}

void hc_venue_free(struct hc_venue_cfg *cfg)
{
	free(cfg);
}

void hc_config_error_format(const struct hc_config_error *err, char *out, size_t cap)
{
	if (err->line > 0)
		snprintf(out, cap, "%s:%d: %s", err->file, err->line, err->message);
	else
		snprintf(out, cap, "%s: %s", err->file, err->message);
}
