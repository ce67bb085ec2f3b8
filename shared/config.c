/*
 * config.c — loads the venue config (docs/config.md) with inih.
 *
 * What the loader does (this file and the config_*.c files it drives):
 * reading the INI file, checking every section, key and
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
 * The files: this one is the loader driver (defaults, the order of
 * resolution, the entry points, the error text); config_reader.c reads
 * the file and its lines and holds the section dispatch (begin_section);
 * config_keys.c holds the key table and the key dispatch (apply_key);
 * the concepts are in config_values.c, config_thresholds.c,
 * config_sections.c, config_mqtt.c and config_map.c (config_internal.h).
 *
 * Note: inih's multi-line values (an indented line continuing the value
 * of the key above) are switched off process-wide: with them, an indented
 * "capacity = 300" would silently become part of the previous value.
 */
#include "shared/config.h"
#include "shared/config_internal.h"
#include "shared/config_passwords.h"
#include "shared/config_auth.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		text = config_read_file(L, path, &L->text_len);
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
	int rc = ini_parse_stream(config_read_line, L, config_on_key, L);
	if (rc > 0)
		config_syntax_error(L, rc);
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
