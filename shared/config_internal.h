/*
 * config_internal.h — what the venue config loader's files share
 * (shared/config*.c only; everyone else uses shared/config.h).
 *
 * One load is one struct loader: the text, the reader's position, the
 * section it last passed, the line on which every key was given, and the
 * one error to report (the lowest line wins, config_error_at). The files:
 * config.c is the loader driver (defaults, resolution order, entry
 * points, the error text); config_reader.c the file, the line reader and
 * the section dispatch; config_keys.c the key table and the key
 * dispatch; config_values.c the value parsers
 * and the error text; config_thresholds.c the threshold and capacity
 * rules; config_sections.c areas, groups, terminals, supervisors and the
 * venue's database path; config_mqtt.c the [mqtt] section; config_map.c
 * the visitors' map keys and shapes.
 */
#ifndef HC_SHARED_CONFIG_INTERNAL_H
#define HC_SHARED_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/config.h"

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
	SEC_NONE,    /* before the first header */
	SEC_INVALID, /* a header that was refused: its keys are skipped */
	SEC_VENUE,
	SEC_AREA,
	SEC_GROUP,
	SEC_TERMINAL,
	SEC_SUPERVISOR,
	SEC_MQTT,
	SEC_TLS, /* keys handed to shared/config_tls.c */
};

enum key {
	K_NAME,
	K_LISTEN,
	K_DATABASE,
	K_DENSITY,
	K_CAPACITY,
	K_FLOOR,
	K_GROUP,
	K_AREA,
	K_KEY,
	K_MODERATE,
	K_CROWDED,
	K_FULL,
	K_RESTRICT,
	K_RESUME,
	K_HOLD,
	K_HOST,
	K_PORT,
	K_TOPIC_PREFIX,
	K_CLIENT_ID,
	K_QOS,
	K_KEEPALIVE,
	K_USERNAME,
	K_PASSWORD,
	K_MAP_WIDTH,
	K_MAP_HEIGHT,
	K_MAP_BACKGROUND,
	K_MAP_SHAPE,
	K_MAP_LABEL,
	K_STAFF_LISTEN,
	K_CONNECTIONS_PER_ADDRESS,
	K_MAP_IDLE_TIMEOUT,
	K_SUPERVISOR_PASSWORDS,
	K_COUNT,
};

#define IN_VENUE (1u << SEC_VENUE)
#define IN_AREA (1u << SEC_AREA)
#define IN_GROUP (1u << SEC_GROUP)
#define IN_TERMINAL (1u << SEC_TERMINAL)
#define IN_SUPERVISOR (1u << SEC_SUPERVISOR)
#define IN_MQTT (1u << SEC_MQTT)
#define IN_THRESHOLDS (IN_VENUE | IN_AREA | IN_GROUP)

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
	int index;		/* into areas/groups/terminals */
	char section_label[64]; /* "area 'hall'", for messages */
	int venue_line;		/* line of [venue], 0 if none */

	struct key_lines venue_keys;
	struct key_lines area_keys[HC_AREAS_MAX];
	struct key_lines group_keys[HC_GROUPS_MAX];
	struct key_lines terminal_keys[HC_TERMINALS_MAX];
	struct key_lines supervisor_keys[HC_SUPERVISORS_MAX];
	struct key_lines mqtt_keys;

	char err_scratch[200]; /* a message from a hook in another file */

	/* the error to report: the one with the lowest line > 0 wins */
	bool failed;
	struct hc_config_error err;
};

/* ---- config_values.c: errors and value parsers ---- */

/* Records an error at line unless one at an earlier line is already
 * recorded. Line 0 (no particular line) loses to any numbered line. */
void config_error_at(struct loader *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copies at most QUOTE_MAX bytes of s (with "..." when cut). */
const char *config_quote(const char *s, char out[QUOTE_MAX + 4]);
bool config_is_blank(char c);
/* A decimal integer in [min, max], nothing else on the line. */
bool config_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* A finite number in (min, max] when min_exclusive, else [min, max]. */
bool config_parse_number(const char *s, double min, bool min_exclusive, double max, double *out);
/* A display name: 1..HC_NAME_LEN_MAX bytes of valid UTF-8. */
bool config_valid_name(const char *s);
/* "host:port" or "[v6-host]:port" into host (cap bytes) and port. */
bool config_parse_host_port(const char *s, char *host_out, size_t cap, uint16_t *port_out);
/* Copies value into dst[cap] when it has 1..cap-1 bytes (empty allowed
 * when allow_empty). */
bool config_copy_text(char *dst, size_t cap, const char *value, bool allow_empty);

/* ---- config_reader.c: the file, its lines, the section dispatch ---- */

/* inih's fgets-style reader over L's text: one line per call, counted,
 * each "[section]" header begun before inih hands its keys over. */
char *config_read_line(char *str, int num, void *stream);
/* Reads the whole file (at most CONFIG_BYTES_MAX). Returns a NUL-ended
 * heap copy and its length, or NULL with a line-0 error recorded. */
char *config_read_file(struct loader *L, const char *path, size_t *len_out);
/* Records inih's syntax error at line, quoting that line of the text. */
void config_syntax_error(struct loader *L, int line);

/* ---- config_keys.c: the key table and the key dispatch ---- */

/* inih's handler: one "name = value" of the current section. Always
 * returns 1: errors are recorded in L with their line, and inih's own
 * return value is left to mean syntax errors only. */
int config_on_key(void *user, const char *section, const char *name, const char *value);

/* ---- config_thresholds.c ---- */

/* The thresholds struct the current section's threshold keys write. */
struct hc_thresholds *config_current_thresholds(struct loader *L);
/* Applies one threshold key given as text; false with the range set. */
bool config_apply_threshold(struct hc_thresholds *t, enum key k, const char *value,
			    const char **range);
/* Fills every threshold of t not given in own (line 0) from the venue. */
void config_inherit_thresholds(struct hc_thresholds *t, const struct key_lines *own,
			       const struct hc_thresholds *venue);
/* Checks the order of one resolved threshold set. */
void config_check_threshold_order(struct loader *L, const char *label,
				  const struct hc_thresholds *t, const struct key_lines *own);

/* ---- config_sections.c ---- */

void config_begin_named_section(struct loader *L, const char *kind, const char *id, bool is_area,
				bool is_group, bool is_terminal);
void config_resolve_area(struct loader *L, int i);
void config_resolve_group(struct loader *L, int gi);
void config_resolve_terminal(struct loader *L, int i);
void config_resolve_supervisor(struct loader *L, int i);
/* Makes a relative database path relative to the config file's dir. */
void config_resolve_database(struct loader *L);

/* ---- config_mqtt.c ---- */

bool config_apply_mqtt_key(struct hc_mqtt_cfg *m, enum key k, const char *value,
			   const char **range);
/* Fills the [mqtt] defaults that depend on the venue's name. */
void config_resolve_mqtt(struct loader *L);

/* ---- config_map.c ---- */

bool config_apply_map_key(struct loader *L, enum key k, const char *value, const char **range);
/* The map's size comes as a pair; shapes lie inside it; a background
 * image needs it and must be readable. */
void config_resolve_map(struct loader *L);

#endif
