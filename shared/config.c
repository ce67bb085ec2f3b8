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
 * Note: inih's multi-line values (an indented line continuing the value
 * of the key above) are switched off process-wide: with them, an indented
 * "capacity = 300" would silently become part of the previous value.
 */
#include "shared/config.h"
#include "shared/config_auth.h"

#include <errno.h>
#include <ini.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/protocol.h"

/* A venue config larger than this is refused: it bounds the memory a
 * reload takes. 4096 terminals at ~40 bytes each fit easily. */
#define CONFIG_BYTES_MAX (1024 * 1024)

/* Largest fraction of capacity a threshold may be (10 = 1000 %). */
#define THRESHOLD_FRACTION_MAX 10.0

#define DENSITY_PER_M2_MAX 10.0
#define FLOOR_M2_MAX 10000000.0 /* 10 km² */
#define HOLD_S_MAX 86400

/* An id is copied into a name when no name is given. */
_Static_assert(HC_ID_LEN_MAX <= HC_NAME_LEN_MAX, "an id must fit as a name");

/* How much of a bad value an error message quotes. */
#define QUOTE_MAX 40

enum section_kind {
	SEC_NONE,     /* before the first header */
	SEC_INVALID,  /* a header that was refused: its keys are skipped */
	SEC_VENUE,
	SEC_AREA,
	SEC_GROUP,
	SEC_TERMINAL,
	SEC_SUPERVISOR,
	SEC_MQTT,
};

enum key {
	K_NAME, K_LISTEN, K_DATABASE, K_DENSITY, K_CAPACITY, K_FLOOR, K_GROUP,
	K_AREA, K_KEY,
	K_MODERATE, K_CROWDED, K_FULL, K_RESTRICT, K_RESUME, K_HOLD,
	K_HOST, K_PORT, K_TOPIC_PREFIX, K_CLIENT_ID, K_QOS, K_KEEPALIVE,
	K_USERNAME, K_PASSWORD,
	K_MAP_WIDTH, K_MAP_HEIGHT, K_MAP_BACKGROUND, K_MAP_SHAPE, K_MAP_LABEL,
	K_STAFF_LISTEN, K_CONNECTIONS_PER_ADDRESS, K_MAP_IDLE_TIMEOUT,
	K_COUNT,
};

#define IN_VENUE (1u << SEC_VENUE)
#define IN_AREA (1u << SEC_AREA)
#define IN_GROUP (1u << SEC_GROUP)
#define IN_TERMINAL (1u << SEC_TERMINAL)
#define IN_SUPERVISOR (1u << SEC_SUPERVISOR)
#define IN_MQTT (1u << SEC_MQTT)
#define IN_THRESHOLDS (IN_VENUE | IN_AREA | IN_GROUP)

static const struct {
	const char *name;
	unsigned sections;
} keys[K_COUNT] = {
	[K_NAME] = {"name", IN_VENUE | IN_AREA | IN_GROUP},
	[K_LISTEN] = {"listen", IN_VENUE},
	[K_DATABASE] = {"database", IN_VENUE},
	[K_DENSITY] = {"density_per_m2", IN_VENUE | IN_AREA},
	[K_CAPACITY] = {"capacity", IN_AREA | IN_GROUP},
	[K_FLOOR] = {"floor_m2", IN_AREA},
	[K_GROUP] = {"group", IN_AREA},
	[K_AREA] = {"area", IN_TERMINAL},
	[K_KEY] = {"key", IN_TERMINAL | IN_SUPERVISOR},
	[K_MODERATE] = {"moderate_at", IN_THRESHOLDS},
	[K_CROWDED] = {"crowded_at", IN_THRESHOLDS},
	[K_FULL] = {"full_at", IN_THRESHOLDS},
	[K_RESTRICT] = {"restrict_at", IN_THRESHOLDS},
	[K_RESUME] = {"resume_at", IN_THRESHOLDS},
	[K_HOLD] = {"hold_s", IN_THRESHOLDS},
	[K_HOST] = {"host", IN_MQTT},
	[K_PORT] = {"port", IN_MQTT},
	[K_TOPIC_PREFIX] = {"topic_prefix", IN_MQTT},
	[K_CLIENT_ID] = {"client_id", IN_MQTT},
	[K_QOS] = {"qos", IN_MQTT},
	[K_KEEPALIVE] = {"keepalive_s", IN_MQTT},
	[K_USERNAME] = {"username", IN_MQTT},
	[K_PASSWORD] = {"password", IN_MQTT},
	[K_MAP_WIDTH] = {"map_width", IN_VENUE},
	[K_MAP_HEIGHT] = {"map_height", IN_VENUE},
	[K_MAP_BACKGROUND] = {"map_background", IN_VENUE},
	[K_MAP_SHAPE] = {"map_shape", IN_AREA | IN_GROUP},
	[K_MAP_LABEL] = {"map_label_at", IN_AREA | IN_GROUP},
	[K_STAFF_LISTEN] = {"staff_listen", IN_VENUE},
	[K_CONNECTIONS_PER_ADDRESS] = {"connections_per_address", IN_VENUE},
	[K_MAP_IDLE_TIMEOUT] = {"map_idle_timeout_s", IN_VENUE},
};

/* map_background: the image types a browser shows, by file extension. */
static const struct {
	const char *ext;
	const char *mime;
} map_image_types[] = {
	{".png", "image/png"},   {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
	{".svg", "image/svg+xml"}, {".webp", "image/webp"},
};

/* Line on which each key was given in one section; 0 = not given. */
struct key_lines {
	int line[K_COUNT];
};

/* Everything one load needs; heap-allocated (the key lines of 4096
 * terminals do not belong on the stack). */
struct loader {
	struct hc_venue_cfg *cfg;

	/* input and the reader's position */
	const char *text;
	size_t text_len;
	size_t pos;
	int line;

	/* the section the reader last passed */
	enum section_kind kind;
	int index;                  /* into areas/groups/terminals */
	char section_label[64];     /* "area 'hall'", for messages */
	int venue_line;             /* line of [venue], 0 if none */

	struct key_lines venue_keys;
	struct key_lines area_keys[HC_AREAS_MAX];
	struct key_lines group_keys[HC_GROUPS_MAX];
	struct key_lines terminal_keys[HC_TERMINALS_MAX];
	struct key_lines supervisor_keys[HC_SUPERVISORS_MAX];
	struct key_lines mqtt_keys;

	/* the error to report: the one with the lowest line > 0 wins */
	bool failed;
	struct hc_config_error err;
};

/* Records an error at line unless one at an earlier line is already
 * recorded. Line 0 (no particular line) loses to any numbered line. */
__attribute__((format(printf, 3, 4)))
static void error_at(struct loader *L, int line, const char *fmt, ...)
{
	if (L->failed && (line == 0 || (L->err.line != 0 && L->err.line <= line)))
		return;
	L->failed = true;
	L->err.line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->err.message, sizeof L->err.message, fmt, ap);
	va_end(ap);
}

/* Copies at most QUOTE_MAX bytes of s (with "..." when cut). */
static const char *quote(const char *s, char out[QUOTE_MAX + 4])
{
	if (strlen(s) <= QUOTE_MAX)
		snprintf(out, QUOTE_MAX + 4, "%s", s);
	else
		snprintf(out, QUOTE_MAX + 4, "%.*s...", QUOTE_MAX, s);
	return out;
}

static struct key_lines *current_key_lines(struct loader *L)
{
	switch (L->kind) {
	case SEC_VENUE: return &L->venue_keys;
	case SEC_AREA: return &L->area_keys[L->index];
	case SEC_GROUP: return &L->group_keys[L->index];
	case SEC_TERMINAL: return &L->terminal_keys[L->index];
	case SEC_SUPERVISOR: return &L->supervisor_keys[L->index];
	case SEC_MQTT: return &L->mqtt_keys;
	case SEC_NONE:
	case SEC_INVALID: break;
	}
	return NULL;
}

/* ---- sections ---------------------------------------------------------- */

/* Starts section "<kind> <id>" found by the reader at L->line. On error
 * the section becomes SEC_INVALID so its keys add no second error. */
static void begin_section(struct loader *L, const char *kind, const char *id)
{
	struct hc_venue_cfg *cfg = L->cfg;
	char q[QUOTE_MAX + 4];
	int line = L->line;
	L->kind = SEC_INVALID;
	L->index = -1;

	if (strcmp(kind, "venue") == 0) {
		if (id[0] != '\0') {
			error_at(L, line, "[venue] takes no id, got '%s'", quote(id, q));
			return;
		}
		if (L->venue_line != 0) {
			error_at(L, line, "[venue] given twice (first at line %d)",
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
			error_at(L, line, "[mqtt] takes no id, got '%s'", quote(id, q));
			return;
		}
		if (cfg->mqtt.enabled) {
			error_at(L, line, "[mqtt] given twice (first at line %d)", cfg->mqtt.line);
			return;
		}
		cfg->mqtt.enabled = true;
		cfg->mqtt.line = line;
		L->kind = SEC_MQTT;
		snprintf(L->section_label, sizeof L->section_label, "mqtt");
		return;
	}

	bool is_area = strcmp(kind, "area") == 0;
	bool is_group = strcmp(kind, "group") == 0;
	bool is_terminal = strcmp(kind, "terminal") == 0;
	bool is_supervisor = strcmp(kind, "supervisor") == 0;
	if (!is_area && !is_group && !is_terminal && !is_supervisor) {
		error_at(L, line,
			 "unknown section [%s]: expected [venue], [area <id>], [group <id>], [terminal <id>], [supervisor <name>] or [mqtt]",
			 quote(kind, q));
		return;
	}
	if (!hc_proto_valid_id(id)) {
		error_at(L, line, "%s id '%s' must be 1..%d characters of A-Z a-z 0-9 _ -",
			 kind, quote(id, q), HC_ID_LEN_MAX);
		return;
	}

	int existing, *count, count_max;
	if (is_area) {
		existing = hc_venue_find_area(cfg, id);
		count = &cfg->area_count;
		count_max = HC_AREAS_MAX;
	} else if (is_group) {
		existing = hc_venue_find_group(cfg, id);
		count = &cfg->group_count;
		count_max = HC_GROUPS_MAX;
	} else if (is_terminal) {
		existing = hc_venue_find_terminal(cfg, id);
		count = &cfg->terminal_count;
		count_max = HC_TERMINALS_MAX;
	} else {
		existing = hc_venue_find_supervisor(cfg, id);
		count = &cfg->supervisor_count;
		count_max = HC_SUPERVISORS_MAX;
	}
	if (existing >= 0) {
		int first = is_area ? cfg->areas[existing].line
			  : is_group ? cfg->groups[existing].line
			  : is_terminal ? cfg->terminals[existing].line
					: cfg->supervisors[existing].line;
		error_at(L, line, "%s '%s' already defined at line %d", kind, id, first);
		return;
	}
	if (*count >= count_max) {
		error_at(L, line, "too many %ss: at most %d", kind, count_max);
		return;
	}

	int i = (*count)++;
	if (is_area) {
		struct hc_area_cfg *a = &cfg->areas[i];
		snprintf(a->id, sizeof a->id, "%s", id);
		a->line = line;
		L->kind = SEC_AREA;
	} else if (is_group) {
		struct hc_group_cfg *g = &cfg->groups[i];
		snprintf(g->id, sizeof g->id, "%s", id);
		g->line = line;
		L->kind = SEC_GROUP;
	} else if (is_terminal) {
		struct hc_terminal_cfg *t = &cfg->terminals[i];
		snprintf(t->id, sizeof t->id, "%s", id);
		t->line = line;
		t->area_index = -1;
		L->kind = SEC_TERMINAL;
	} else {
		struct hc_supervisor_cfg *sv = &cfg->supervisors[i];
		snprintf(sv->id, sizeof sv->id, "%s", id);
		sv->line = line;
		L->kind = SEC_SUPERVISOR;
	}
	L->index = i;
	snprintf(L->section_label, sizeof L->section_label, "%.10s '%.32s'", kind, id);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
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
	while (is_blank(*p))
		p++;
	if (*p != '[')
		return;
	p++;

	const char *end = p;
	while (*end != '\0' && *end != ']' &&
	       !(*end == ';' && end > p && is_blank(end[-1])))
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
	while (is_blank(*kind))
		kind++;
	char *id = kind;
	while (*id != '\0' && !is_blank(*id))
		id++;
	if (*id != '\0')
		*id++ = '\0';
	while (is_blank(*id))
		id++;
	char *tail = id + strlen(id);
	while (tail > id && is_blank(tail[-1]))
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
		error_at(L, L->line, "line contains a NUL byte");
		len = 0;
	} else if (text_len > (size_t)num - 3 || len > (size_t)num - 1) {
		error_at(L, L->line, "line longer than %d characters", num - 3);
		len = 0;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	if (len > 0)
		note_section_header(L, str);
	return str;
}

/* ---- values ------------------------------------------------------------ */

static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (*s == '\0' || is_blank(*s))
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = (int64_t)v;
	return true;
}

/* A finite number in (min, max] when min_exclusive, else [min, max]. */
static bool parse_number(const char *s, double min, bool min_exclusive,
			 double max, double *out)
{
	if (*s == '\0' || is_blank(*s))
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return false;
	if ((min_exclusive ? v <= min : v < min) || v > max)
		return false;
	*out = v;
	return true;
}

/* A display name: 1..HC_NAME_LEN_MAX bytes of valid UTF-8 (names go
 * into JSON; jansson is the UTF-8 check). */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > HC_NAME_LEN_MAX)
		return false;
	json_t *j = json_stringn(s, n);
	if (j == NULL)
		return false;
	json_decref(j);
	return true;
}

/* "host:port" or "[v6-host]:port" into host (cap bytes) and port. */
static bool parse_host_port(const char *s, char *host_out, size_t cap, uint16_t *port_out)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL)
		return false;
	const char *host = s;
	size_t host_len = (size_t)(colon - s);
	if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
		host++;
		host_len -= 2;
	}
	int64_t port;
	if (host_len < 1 || host_len >= cap || !parse_int(colon + 1, 1, 65535, &port))
		return false;
	memcpy(host_out, host, host_len);
	host_out[host_len] = '\0';
	*port_out = (uint16_t)port;
	return true;
}

/* The thresholds struct the current section's threshold keys write. */
static struct hc_thresholds *current_thresholds(struct loader *L)
{
	switch (L->kind) {
	case SEC_VENUE: return &L->cfg->thresholds;
	case SEC_AREA: return &L->cfg->areas[L->index].thresholds;
	case SEC_GROUP: return &L->cfg->groups[L->index].thresholds;
	default: return NULL;
	}
}

/* ---- threshold and capacity rules (shared, see config.h) --------------- */

_Static_assert(K_HOLD - K_MODERATE == HC_THRESHOLD_HOLD - HC_THRESHOLD_MODERATE,
	       "threshold keys in the same order as enum hc_threshold_key");

static const char *const threshold_names[HC_THRESHOLD_KEY_COUNT] = {
	[HC_THRESHOLD_MODERATE] = "moderate_at",
	[HC_THRESHOLD_CROWDED] = "crowded_at",
	[HC_THRESHOLD_FULL] = "full_at",
	[HC_THRESHOLD_RESTRICT] = "restrict_at",
	[HC_THRESHOLD_RESUME] = "resume_at",
	[HC_THRESHOLD_HOLD] = "hold_s",
};

const char *hc_threshold_key_name(enum hc_threshold_key k)
{
	return k < HC_THRESHOLD_KEY_COUNT ? threshold_names[k] : "?";
}

bool hc_threshold_key_parse(const char *name, enum hc_threshold_key *out)
{
	for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++) {
		if (strcmp(name, threshold_names[k]) == 0) {
			*out = (enum hc_threshold_key)k;
			return true;
		}
	}
	return false;
}

bool hc_threshold_set(struct hc_thresholds *t, enum hc_threshold_key k,
		      double value, const char **range)
{
	bool resume = k == HC_THRESHOLD_RESUME;
	if (k == HC_THRESHOLD_HOLD) {
		*range = "an integer 0..86400";
		if (!isfinite(value) || value != floor(value) || value < 0 ||
		    value > HOLD_S_MAX)
			return false;
		t->hold_ms = (int64_t)value * 1000;
		return true;
	}
	*range = resume ? "a number >= 0 and <= 10" : "a number > 0 and <= 10";
	if (!isfinite(value) || (resume ? value < 0 : value <= 0) ||
	    value > THRESHOLD_FRACTION_MAX)
		return false;
	switch (k) {
	case HC_THRESHOLD_MODERATE: t->moderate_at = value; break;
	case HC_THRESHOLD_CROWDED: t->crowded_at = value; break;
	case HC_THRESHOLD_FULL: t->full_at = value; break;
	case HC_THRESHOLD_RESTRICT: t->restrict_at = value; break;
	case HC_THRESHOLD_RESUME: t->resume_at = value; break;
	default: return false;
	}
	return true;
}

double hc_threshold_get(const struct hc_thresholds *t, enum hc_threshold_key k)
{
	switch (k) {
	case HC_THRESHOLD_MODERATE: return t->moderate_at;
	case HC_THRESHOLD_CROWDED: return t->crowded_at;
	case HC_THRESHOLD_FULL: return t->full_at;
	case HC_THRESHOLD_RESTRICT: return t->restrict_at;
	case HC_THRESHOLD_RESUME: return t->resume_at;
	case HC_THRESHOLD_HOLD: return (double)(t->hold_ms / 1000);
	default: return 0;
	}
}

int hc_thresholds_order_faults(const struct hc_thresholds *t,
			       struct hc_threshold_fault faults[3])
{
	int n = 0;
	if (t->moderate_at > t->crowded_at) {
		faults[n] = (struct hc_threshold_fault){ HC_THRESHOLD_MODERATE,
							 HC_THRESHOLD_CROWDED, "" };
		snprintf(faults[n++].message, sizeof faults[0].message,
			 "moderate_at (%g) must be <= crowded_at (%g)",
			 t->moderate_at, t->crowded_at);
	}
	if (t->crowded_at > t->full_at) {
		faults[n] = (struct hc_threshold_fault){ HC_THRESHOLD_CROWDED,
							 HC_THRESHOLD_FULL, "" };
		snprintf(faults[n++].message, sizeof faults[0].message,
			 "crowded_at (%g) must be <= full_at (%g)",
			 t->crowded_at, t->full_at);
	}
	if (t->resume_at >= t->restrict_at) {
		faults[n] = (struct hc_threshold_fault){ HC_THRESHOLD_RESUME,
							 HC_THRESHOLD_RESTRICT, "" };
		snprintf(faults[n++].message, sizeof faults[0].message,
			 "resume_at (%g) must be < restrict_at (%g)",
			 t->resume_at, t->restrict_at);
	}
	return n;
}

bool hc_capacity_valid(bool is_group, int64_t capacity, const char **range)
{
	*range = is_group ? "an integer 1..256000000" : "an integer 1..1000000";
	return capacity >= 1 &&
	       capacity <= (is_group ? (int64_t)HC_GROUP_CAPACITY_MAX : HC_AREA_CAPACITY_MAX);
}

/* Applies one threshold key given as text; false with the range set. A
 * fraction must be a finite number and hold_s an integer before the
 * shared range check. */
static bool apply_threshold(struct hc_thresholds *t, enum key k,
			    const char *value, const char **range)
{
	enum hc_threshold_key tk = (enum hc_threshold_key)(k - K_MODERATE);
	double number;
	int64_t whole;
	hc_threshold_set(t, tk, -1, range);      /* sets the range text only */
	if (tk == HC_THRESHOLD_HOLD) {
		if (!parse_int(value, INT64_MIN, INT64_MAX, &whole) ||
		    whole < 0 || whole > HOLD_S_MAX)
			return false;
		number = (double)whole;
	} else if (!parse_number(value, -HUGE_VAL, false, HUGE_VAL, &number)) {
		return false;
	}
	return hc_threshold_set(t, tk, number, range);
}

/* An MQTT topic prefix: printable ASCII without the wildcards + and #,
 * no leading or trailing '/', no empty level. */
static bool valid_topic_prefix(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > HC_MQTT_TOPIC_PREFIX_LEN_MAX || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "//") != NULL)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '+' || *p == '#')
			return false;
	return true;
}

/* 1..64 characters of A-Z a-z 0-9 _ - (what every broker accepts). */
static bool valid_client_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* Copies value into dst[cap] when it has 1..cap-1 bytes (empty allowed
 * when allow_empty). */
static bool copy_text(char *dst, size_t cap, const char *value, bool allow_empty)
{
	size_t n = strlen(value);
	if ((n == 0 && !allow_empty) || n >= cap)
		return false;
	memcpy(dst, value, n + 1);
	return true;
}

static bool apply_mqtt_key(struct hc_mqtt_cfg *m, enum key k, const char *value,
			   const char **range)
{
	int64_t n = 0;
	switch (k) {
	case K_HOST:
		*range = "a host name or address of 1..255 bytes";
		return copy_text(m->host, sizeof m->host, value, false);
	case K_PORT:
		*range = "a port 1..65535";
		if (!parse_int(value, 1, 65535, &n))
			return false;
		m->port = (uint16_t)n;
		return true;
	case K_TOPIC_PREFIX:
		*range = "1..96 printable ASCII characters without + or #, no leading, trailing or double /";
		if (!valid_topic_prefix(value))
			return false;
		snprintf(m->topic_prefix, sizeof m->topic_prefix, "%s", value);
		return true;
	case K_CLIENT_ID:
		*range = "1..64 characters of A-Z a-z 0-9 _ -";
		if (!valid_client_id(value))
			return false;
		snprintf(m->client_id, sizeof m->client_id, "%s", value);
		return true;
	case K_QOS:
		*range = "0, 1 or 2";
		if (!parse_int(value, 0, 2, &n))
			return false;
		m->qos = (int)n;
		return true;
	case K_KEEPALIVE:
		*range = "an integer 5..3600";
		if (!parse_int(value, 5, 3600, &n))
			return false;
		m->keepalive_s = (int)n;
		return true;
	case K_USERNAME:
		*range = "1..64 bytes";
		return copy_text(m->username, sizeof m->username, value, false);
	case K_PASSWORD:
		*range = "1..128 bytes";
		return copy_text(m->password, sizeof m->password, value, false);
	default:
		return false;
	}
}

/* Applies key k = value to the current section; false with *range set
 * to the allowed values when the value is refused. */
static bool apply_key(struct loader *L, enum key k, const char *value,
		      const char **range)
{
	struct hc_venue_cfg *cfg = L->cfg;
	struct hc_area_cfg *a = L->kind == SEC_AREA ? &cfg->areas[L->index] : NULL;
	struct hc_group_cfg *g = L->kind == SEC_GROUP ? &cfg->groups[L->index] : NULL;
	struct hc_terminal_cfg *t =
		L->kind == SEC_TERMINAL ? &cfg->terminals[L->index] : NULL;
	char *name = a ? a->name : g ? g->name : cfg->name;

	switch (k) {
	case K_NAME:
		*range = "1..64 bytes of UTF-8 text";
		if (!valid_name(value))
			return false;
		snprintf(name, HC_NAME_LEN_MAX + 1, "%s", value);
		return true;
	case K_LISTEN:
		*range = "host:port with port 1..65535";
		return parse_host_port(value, cfg->listen_host, sizeof cfg->listen_host,
				       &cfg->listen_port);
	case K_STAFF_LISTEN:
		*range = "host:port with port 1..65535";
		return parse_host_port(value, cfg->staff_listen_host,
				       sizeof cfg->staff_listen_host, &cfg->staff_listen_port);
	case K_CONNECTIONS_PER_ADDRESS: {
		int64_t n = 0;
		*range = "an integer 1.." HC_STR(HC_CONNECTIONS_PER_ADDRESS_MAX);
		if (!parse_int(value, 1, HC_CONNECTIONS_PER_ADDRESS_MAX, &n))
			return false;
		cfg->connections_per_address = (uint32_t)n;
		return true;
	}
	case K_MAP_IDLE_TIMEOUT:
		*range = "an integer " HC_STR(HC_MAP_IDLE_TIMEOUT_S_MIN) ".." HC_STR(
			HC_MAP_IDLE_TIMEOUT_S_MAX);
		return parse_int(value, HC_MAP_IDLE_TIMEOUT_S_MIN, HC_MAP_IDLE_TIMEOUT_S_MAX,
				 &cfg->map_idle_timeout_s);
	case K_DATABASE:
		*range = "a file path";
		if (value[0] == '\0' || strlen(value) >= sizeof cfg->database)
			return false;
		snprintf(cfg->database, sizeof cfg->database, "%s", value);
		return true;
	case K_DENSITY:
		*range = "a number > 0 and <= 10";
		return parse_number(value, 0, true, DENSITY_PER_M2_MAX,
				    a ? &a->density_per_m2 : &cfg->density_per_m2);
	case K_CAPACITY: {
		int64_t capacity = 0;
		hc_capacity_valid(a == NULL, 0, range);
		if (!parse_int(value, INT64_MIN, INT64_MAX, &capacity) ||
		    !hc_capacity_valid(a == NULL, capacity, range))
			return false;
		*(a ? &a->capacity : &g->capacity) = capacity;
		return true;
	}
	case K_FLOOR:
		*range = "a number > 0 and <= 10000000";
		return parse_number(value, 0, true, FLOOR_M2_MAX, &a->floor_m2);
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
	case K_PASSWORD:
		return apply_mqtt_key(&cfg->mqtt, k, value, range);
	case K_MAP_WIDTH:
	case K_MAP_HEIGHT:
		*range = "an integer 1..100000";
		return parse_int(value, 1, HC_MAP_SIZE_MAX,
				 k == K_MAP_WIDTH ? &cfg->map_width : &cfg->map_height);
	case K_MAP_BACKGROUND: {
		*range = "an image file ending in .png, .jpg, .jpeg, .svg or .webp";
		const char *dot = strrchr(value, '.');
		if (value[0] == '\0' || dot == NULL ||
		    strlen(value) >= sizeof cfg->map_background)
			return false;
		for (size_t i = 0; i < sizeof map_image_types / sizeof map_image_types[0]; i++) {
			if (strcasecmp(dot, map_image_types[i].ext) == 0) {
				snprintf(cfg->map_background, sizeof cfg->map_background,
					 "%s", value);
				cfg->map_background_type = map_image_types[i].mime;
				return true;
			}
		}
		return false;
	}
	case K_MAP_SHAPE:
		return hc_map_shape_parse(value, a ? &a->shape : &g->shape, range);
	case K_MAP_LABEL: {
		*range = "two numbers >= 0: X Y";
		struct hc_map_shape *shape = a ? &a->shape : &g->shape;
		double x, y;
		char tail;
		if (sscanf(value, "%lf %lf %c", &x, &y, &tail) != 2 || !isfinite(x) ||
		    !isfinite(y) || x < 0 || y < 0)
			return false;
		shape->has_label = true;
		shape->label = (struct hc_map_point){ x, y };
		return true;
	}
	default:
		return apply_threshold(current_thresholds(L), k, value, range);
	}
}

/* ---- map shapes (docs/map.md) ------------------------------------------ */

/* Reads one number >= 0 (> 0 when positive) from *p, skipping blanks
 * before it, and moves *p past it. */
static bool take_number(const char **p, bool positive, double *out)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '\0' || **p == '-' || **p == '+')
		return false;
	char *end;
	errno = 0;
	double v = strtod(*p, &end);
	if (end == *p || errno != 0 || !isfinite(v) || v < 0 || (positive && v <= 0))
		return false;
	*p = end;
	*out = v;
	return true;
}

static bool at_end(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

bool hc_map_shape_parse(const char *text, struct hc_map_shape *out, const char **why)
{
	struct hc_map_shape sh = { .kind = HC_MAP_SHAPE_NONE };
	const char *p = text;
	if (strncmp(p, "rect ", 5) == 0) {
		*why = "rect X Y W H (numbers >= 0, W and H > 0)";
		p += 5;
		sh.kind = HC_MAP_SHAPE_RECT;
		if (!take_number(&p, false, &sh.p[0].x) || !take_number(&p, false, &sh.p[0].y) ||
		    !take_number(&p, true, &sh.w) || !take_number(&p, true, &sh.h) || !at_end(p))
			return false;
	} else if (strncmp(p, "circle ", 7) == 0) {
		*why = "circle CX CY R (numbers >= 0, R > 0)";
		p += 7;
		sh.kind = HC_MAP_SHAPE_CIRCLE;
		if (!take_number(&p, false, &sh.p[0].x) || !take_number(&p, false, &sh.p[0].y) ||
		    !take_number(&p, true, &sh.r) || !at_end(p))
			return false;
	} else if (strncmp(p, "polygon ", 8) == 0) {
		*why = "polygon X1,Y1 X2,Y2 X3,Y3 ... (3..24 corners, numbers >= 0)";
		p += 8;
		sh.kind = HC_MAP_SHAPE_POLYGON;
		while (!at_end(p)) {
			if (sh.point_count == HC_MAP_POINTS_MAX)
				return false;
			struct hc_map_point *pt = &sh.p[sh.point_count++];
			if (!take_number(&p, false, &pt->x) || *p++ != ',')
				return false;
			if (*p == ' ' || *p == '\t' || !take_number(&p, false, &pt->y))
				return false;
			if (*p != '\0' && *p != ' ' && *p != '\t')
				return false;
		}
		if (sh.point_count < 3)
			return false;
	} else {
		*why = "rect X Y W H, circle CX CY R or polygon X1,Y1 X2,Y2 X3,Y3 ...";
		return false;
	}
	/* a map_label_at given before map_shape is kept */
	sh.has_label = out->has_label;
	sh.label = out->label;
	*out = sh;
	return true;
}

bool hc_map_shape_inside(const struct hc_map_shape *sh, double width, double height)
{
	const struct hc_map_point *c = &sh->p[0];
	if (sh->has_label && (sh->label.x > width || sh->label.y > height))
		return false;
	switch (sh->kind) {
	case HC_MAP_SHAPE_NONE:
		return true;
	case HC_MAP_SHAPE_RECT:
		return c->x + sh->w <= width && c->y + sh->h <= height;
	case HC_MAP_SHAPE_CIRCLE:
		return c->x - sh->r >= 0 && c->y - sh->r >= 0 && c->x + sh->r <= width &&
		       c->y + sh->r <= height;
	case HC_MAP_SHAPE_POLYGON:
		for (uint32_t i = 0; i < sh->point_count; i++)
			if (sh->p[i].x > width || sh->p[i].y > height)
				return false;
		return true;
	}
	return false;
}

/* inih's handler: one "name = value" of the current section. Always
 * returns 1: errors are recorded in L with their line, and inih's own
 * return value is left to mean syntax errors only. */
static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct loader *L = user;
	char q[QUOTE_MAX + 4];
	(void)section; /* the reader tracked it, with its line */

	if (L->kind == SEC_INVALID)
		return 1;
	if (L->kind == SEC_NONE) {
		error_at(L, L->line, "key '%s' outside any section: start with [venue] or [area <id>]",
			 quote(name, q));
		return 1;
	}

	if (L->kind == SEC_VENUE) {
		char auth_msg[200];
		enum hc_config_auth_result r =
			hc_config_auth_key(L->cfg, name, value, L->line, auth_msg, sizeof auth_msg);
		if (r == HC_CONFIG_AUTH_BAD)
			error_at(L, L->line, "%s", auth_msg);
		if (r != HC_CONFIG_AUTH_NOT_MINE)
			return 1;
	}

	enum key k = K_COUNT;
	for (int i = 0; i < K_COUNT; i++) {
		if (strcmp(name, keys[i].name) == 0 &&
		    (keys[i].sections & (1u << L->kind)) != 0) {
			k = (enum key)i;
			break;
		}
	}
	if (k == K_COUNT) {
		error_at(L, L->line, "%s: unknown key '%s'", L->section_label, quote(name, q));
		return 1;
	}

	struct key_lines *lines = current_key_lines(L);
	if (lines->line[k] != 0) {
		error_at(L, L->line, "%s: %s given twice (first at line %d)",
			 L->section_label, name, lines->line[k]);
		return 1;
	}
	lines->line[k] = L->line;

	if ((k == K_FLOOR && lines->line[K_CAPACITY] != 0) ||
	    (k == K_CAPACITY && L->kind == SEC_AREA && lines->line[K_FLOOR] != 0)) {
		error_at(L, L->line, "%s: give either capacity or floor_m2, not both",
			 L->section_label);
		return 1;
	}

	const char *range = "";
	if (!apply_key(L, k, value, &range))
		error_at(L, L->line, "%s: %s must be %s, got '%s'", L->section_label,
			 name, range, quote(value, q));
	return 1;
}

/* ---- resolution after parsing ------------------------------------------ */

/* Fills every threshold of t not given in own (line 0) from the venue. */
static void inherit_thresholds(struct hc_thresholds *t,
			       const struct key_lines *own,
			       const struct hc_thresholds *venue)
{
	if (!own->line[K_MODERATE]) t->moderate_at = venue->moderate_at;
	if (!own->line[K_CROWDED]) t->crowded_at = venue->crowded_at;
	if (!own->line[K_FULL]) t->full_at = venue->full_at;
	if (!own->line[K_RESTRICT]) t->restrict_at = venue->restrict_at;
	if (!own->line[K_RESUME]) t->resume_at = venue->resume_at;
	if (!own->line[K_HOLD]) t->hold_ms = venue->hold_ms;
}

/* Line to blame for an ordering fault between keys a and b: the later of
 * the two as given in this section, else as given in [venue]. */
static int blame_line(const struct loader *L, const struct key_lines *own,
		      enum key a, enum key b)
{
	int own_line = own->line[a] > own->line[b] ? own->line[a] : own->line[b];
	if (own_line != 0)
		return own_line;
	const struct key_lines *v = &L->venue_keys;
	return v->line[a] > v->line[b] ? v->line[a] : v->line[b];
}

/* Checks the order of one resolved threshold set. */
static void check_threshold_order(struct loader *L, const char *label,
				  const struct hc_thresholds *t,
				  const struct key_lines *own)
{
	struct hc_threshold_fault faults[3];
	int n = hc_thresholds_order_faults(t, faults);
	for (int i = 0; i < n; i++)
		error_at(L, blame_line(L, own, (enum key)(K_MODERATE + faults[i].a),
				       (enum key)(K_MODERATE + faults[i].b)),
			 "%s: %s", label, faults[i].message);
}

static void resolve_area(struct loader *L, int i)
{
	struct hc_venue_cfg *cfg = L->cfg;
	struct hc_area_cfg *a = &cfg->areas[i];
	const struct key_lines *own = &L->area_keys[i];
	char label[64];
	snprintf(label, sizeof label, "area '%s'", a->id);

	if (a->name[0] == '\0')
		memcpy(a->name, a->id, strlen(a->id) + 1);
	if (!own->line[K_DENSITY])
		a->density_per_m2 = cfg->density_per_m2;
	inherit_thresholds(&a->thresholds, own, &cfg->thresholds);
	check_threshold_order(L, label, &a->thresholds, own);

	if (own->line[K_FLOOR]) {
		/* The epsilon keeps 2.3 x 100 at 230, not 229.99999999999997. */
		double people = floor(a->floor_m2 * a->density_per_m2 + 1e-9);
		if (people < 1 || people > (double)HC_AREA_CAPACITY_MAX) {
			error_at(L, own->line[K_FLOOR],
				 "%s: floor_m2 %g x density_per_m2 %g gives capacity %.0f, allowed 1..%d",
				 label, a->floor_m2, a->density_per_m2, people,
				 HC_AREA_CAPACITY_MAX);
			return;
		}
		a->capacity = (int64_t)people;
	} else if (!own->line[K_CAPACITY]) {
		error_at(L, a->line, "%s: needs capacity = <people> or floor_m2 = <m²>", label);
	}

	if (own->line[K_GROUP] && hc_venue_find_group(cfg, a->group) < 0)
		error_at(L, own->line[K_GROUP],
			 "%s: group '%s' is not defined (add a [group %s] section)",
			 label, a->group, a->group);
}

static void resolve_group(struct loader *L, int gi)
{
	struct hc_venue_cfg *cfg = L->cfg;
	struct hc_group_cfg *g = &cfg->groups[gi];
	const struct key_lines *own = &L->group_keys[gi];
	char label[64];
	snprintf(label, sizeof label, "group '%s'", g->id);

	if (g->name[0] == '\0')
		memcpy(g->name, g->id, strlen(g->id) + 1);
	inherit_thresholds(&g->thresholds, own, &cfg->thresholds);
	check_threshold_order(L, label, &g->thresholds, own);

	int members = 0;
	int64_t sum = 0;
	for (int i = 0; i < cfg->area_count; i++) {
		if (strcmp(cfg->areas[i].group, g->id) == 0) {
			members++;
			sum += cfg->areas[i].capacity;
		}
	}
	if (members == 0)
		error_at(L, g->line, "%s: no area names it (group = %s)", label, g->id);
	if (!own->line[K_CAPACITY])
		g->capacity = sum;
}

static void resolve_supervisor(struct loader *L, int i)
{
	const struct hc_supervisor_cfg *sv = &L->cfg->supervisors[i];
	if (!L->supervisor_keys[i].line[K_KEY])
		error_at(L, sv->line, "supervisor '%s': key = <secret> is required", sv->id);
}

static void resolve_terminal(struct loader *L, int i)
{
	struct hc_terminal_cfg *t = &L->cfg->terminals[i];
	const struct key_lines *own = &L->terminal_keys[i];
	if (!own->line[K_AREA]) {
		error_at(L, t->line, "terminal '%s': area = <area id> is required", t->id);
		return;
	}
	t->area_index = hc_venue_find_area(L->cfg, t->area);
	if (t->area_index < 0)
		error_at(L, own->line[K_AREA],
			 "terminal '%s': area '%s' is not defined (add an [area %s] section)",
			 t->id, t->area, t->area);
}

/* Makes a relative database path relative to the config file's dir. */
static void resolve_database(struct loader *L)
{
	struct hc_venue_cfg *cfg = L->cfg;
	const char *slash = strrchr(cfg->path, '/');
	if (cfg->database[0] == '/' || slash == NULL)
		return;
	char joined[PATH_MAX];
	int dir_len = (int)(slash - cfg->path);
	int n = snprintf(joined, sizeof joined, "%.*s/%s", dir_len, cfg->path,
			 cfg->database);
	if (n < 0 || (size_t)n >= sizeof joined) {
		error_at(L, L->venue_keys.line[K_DATABASE],
			 "venue: database path too long once joined to the config's directory");
		return;
	}
	memcpy(cfg->database, joined, (size_t)n + 1);
}

/* "Summer Fest 2026!" -> "summer-fest-2026": the venue's name as one MQTT
 * topic level and client id (lower-case letters, digits and '-'). */
static void venue_slug(const char *name, char *out, size_t cap)
{
	size_t n = 0;
	bool dash = false;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0' && n + 1 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			out[n++] = (char)*p;
			dash = false;
		} else if (*p >= 'A' && *p <= 'Z') {
			out[n++] = (char)(*p - 'A' + 'a');
			dash = false;
		} else if (n > 0 && !dash) {
			out[n++] = '-';
			dash = true;
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (n == 0)
		n = (size_t)snprintf(out, cap, "venue");
	out[n] = '\0';
}

/* Fills the [mqtt] defaults that depend on the venue's name. */
static void resolve_mqtt(struct loader *L)
{
	struct hc_mqtt_cfg *m = &L->cfg->mqtt;
	if (!m->enabled)
		return;
	char slug[48];
	venue_slug(L->cfg->name, slug, sizeof slug);
	if (m->topic_prefix[0] == '\0')
		snprintf(m->topic_prefix, sizeof m->topic_prefix, "headcount/%s", slug);
	if (m->client_id[0] == '\0')
		snprintf(m->client_id, sizeof m->client_id, "headcount-%s", slug);
	if (m->password[0] != '\0' && m->username[0] == '\0')
		error_at(L, m->line, "mqtt: password given without username");
}

/* Checks one area's or group's map keys against the venue's map. */
static void check_map_shape(struct loader *L, const char *label,
			    const struct hc_map_shape *sh, const struct key_lines *own)
{
	const struct hc_venue_cfg *cfg = L->cfg;
	int line = own->line[K_MAP_SHAPE] ? own->line[K_MAP_SHAPE] : own->line[K_MAP_LABEL];
	if (line == 0)
		return;
	if (cfg->map_width == 0) {
		error_at(L, line, "%s: a map shape needs [venue] map_width and map_height", label);
		return;
	}
	if (!own->line[K_MAP_SHAPE]) {
		error_at(L, line, "%s: map_label_at needs a map_shape", label);
		return;
	}
	if (!hc_map_shape_inside(sh, (double)cfg->map_width, (double)cfg->map_height))
		error_at(L, line, "%s: map shape or label lies outside the map (map_width %lld, map_height %lld)",
			 label, (long long)cfg->map_width, (long long)cfg->map_height);
}

/* The map's size comes as a pair; a background image needs it and must
 * be readable (resolved like database). */
static void resolve_map(struct loader *L)
{
	struct hc_venue_cfg *cfg = L->cfg;
	const struct key_lines *v = &L->venue_keys;
	if ((v->line[K_MAP_WIDTH] != 0) != (v->line[K_MAP_HEIGHT] != 0)) {
		int line = v->line[K_MAP_WIDTH] ? v->line[K_MAP_WIDTH] : v->line[K_MAP_HEIGHT];
		error_at(L, line, "venue: give map_width and map_height together");
		cfg->map_width = cfg->map_height = 0;
	}
	for (int i = 0; i < cfg->area_count; i++) {
		char label[64];
		snprintf(label, sizeof label, "area '%s'", cfg->areas[i].id);
		check_map_shape(L, label, &cfg->areas[i].shape, &L->area_keys[i]);
	}
	for (int i = 0; i < cfg->group_count; i++) {
		char label[64];
		snprintf(label, sizeof label, "group '%s'", cfg->groups[i].id);
		check_map_shape(L, label, &cfg->groups[i].shape, &L->group_keys[i]);
	}
	int bg_line = v->line[K_MAP_BACKGROUND];
	if (bg_line == 0)
		return;
	if (cfg->map_width == 0) {
		error_at(L, bg_line, "venue: map_background needs map_width and map_height");
		return;
	}
	const char *slash = strrchr(cfg->path, '/');
	if (cfg->map_background[0] != '/' && slash != NULL) {
		char joined[PATH_MAX];
		int n = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cfg->path),
				 cfg->path, cfg->map_background);
		if (n < 0 || (size_t)n >= sizeof joined) {
			error_at(L, bg_line, "venue: map_background path too long");
			return;
		}
		memcpy(cfg->map_background, joined, (size_t)n + 1);
	}
	FILE *f = fopen(cfg->map_background, "rb");
	if (f == NULL) {
		error_at(L, bg_line, "venue: map_background %s cannot be opened: %s",
			 cfg->map_background, strerror(errno));
		return;
	}
	fclose(f);
}

static void resolve(struct loader *L)
{
	struct hc_venue_cfg *cfg = L->cfg;
	check_threshold_order(L, "venue", &cfg->thresholds, &L->venue_keys);
	for (int i = 0; i < cfg->area_count; i++)
		resolve_area(L, i);
	for (int i = 0; i < cfg->group_count; i++)
		resolve_group(L, i);
	for (int i = 0; i < cfg->terminal_count; i++)
		resolve_terminal(L, i);
	for (int i = 0; i < cfg->supervisor_count; i++)
		resolve_supervisor(L, i);
	if (cfg->area_count == 0)
		error_at(L, 0, "no [area <id>] section: a venue needs at least one area");
	resolve_database(L);
	char auth_msg[200];
	int auth_line = 0;
	if (!hc_config_auth_resolve(cfg, auth_msg, sizeof auth_msg, &auth_line))
		error_at(L, auth_line, "%s", auth_msg);
	resolve_mqtt(L);
	resolve_map(L);
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
		.moderate_at = 0.5, .crowded_at = 0.8, .full_at = 1.0,
		.restrict_at = 1.0, .resume_at = 0.9, .hold_ms = 60000,
	};
}

/* Reads the whole file (at most CONFIG_BYTES_MAX). Returns a NUL-ended
 * heap copy and its length, or NULL with a line-0 error recorded. */
static char *read_file(struct loader *L, const char *path, size_t *len_out)
{
	char *text = NULL;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		error_at(L, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	text = malloc(CONFIG_BYTES_MAX + 1);
	if (text == NULL) {
		error_at(L, 0, "out of memory");
		goto fail;
	}
	size_t len = fread(text, 1, CONFIG_BYTES_MAX + 1, f);
	if (ferror(f)) {
		error_at(L, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (len > CONFIG_BYTES_MAX) {
		error_at(L, 0, "larger than %d bytes", CONFIG_BYTES_MAX);
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
		while (n > 0 && is_blank(*p)) {
			p++;
			n--;
		}
		snprintf(shown, sizeof shown, "%.*s", (int)(n < QUOTE_MAX ? n : QUOTE_MAX), p);
	}
	error_at(L, line, "syntax error: expected [section], key = value or ; comment, got '%s'",
		 shown);
}

/* The loader behind both entry points: path names the file (for the
 * messages and the database's directory); text is the file's content
 * when the caller already has it, or NULL to read it from path. */
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
		error_at(L, 0, "path too long");
		goto fail;
	}
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	set_defaults(cfg);

	if (text_in == NULL) {
		text = read_file(L, path, &L->text_len);
	} else if (text_in_len > CONFIG_BYTES_MAX) {
		error_at(L, 0, "larger than %d bytes", CONFIG_BYTES_MAX);
	} else {
		/* A NUL-ended copy, as read_file() gives. */
		text = malloc(text_in_len + 1);
		if (text == NULL) {
			error_at(L, 0, "out of memory");
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
		error_at(L, 0, "inih failed (%d)", rc);
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

int hc_venue_find_area(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->area_count; i++)
		if (strcmp(cfg->areas[i].id, id) == 0)
			return i;
	return -1;
}

int hc_venue_find_group(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->group_count; i++)
		if (strcmp(cfg->groups[i].id, id) == 0)
			return i;
	return -1;
}

int hc_venue_find_terminal(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->terminal_count; i++)
		if (strcmp(cfg->terminals[i].id, id) == 0)
			return i;
	return -1;
}

int hc_venue_find_supervisor(const struct hc_venue_cfg *cfg, const char *id)
{
	for (int i = 0; i < cfg->supervisor_count; i++)
		if (strcmp(cfg->supervisors[i].id, id) == 0)
			return i;
	return -1;
}

void hc_config_error_format(const struct hc_config_error *err, char *out, size_t cap)
{
	if (err->line > 0)
		snprintf(out, cap, "%s:%d: %s", err->file, err->line, err->message);
	else
		snprintf(out, cap, "%s: %s", err->file, err->message);
}
