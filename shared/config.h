/*
 * config.h — the venue config: areas, groups, terminals, thresholds.
 *
 * Parsed from an INI file with inih (docs/config.md is the user guide).
 * Every error names the file and line. Loading is all-or-nothing: on any
 * error the caller's previous config stays untouched (SIGHUP reload keeps
 * the running config when the new one is broken).
 */
#ifndef HC_CONFIG_H
#define HC_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/config_tls.h"
#include "shared/limits.h"

/* Capacity of one area, in people, whether given or computed from
 * floor_m2 x density_per_m2; and of a group given explicitly. */
#define HC_AREA_CAPACITY_MAX 1000000
#define HC_GROUP_CAPACITY_MAX (HC_AREAS_MAX * HC_AREA_CAPACITY_MAX)

/* Fractions of capacity; resolved per area from venue defaults and the
 * area's own overrides. */
struct hc_thresholds {
	double moderate_at; /* level moderate at >= this fraction (0.5) */
	double crowded_at;  /* level crowded at >= this fraction (0.8) */
	double full_at;	    /* level full at >= this fraction (1.0) */
	double restrict_at; /* entry restricted at >= this fraction (1.0) */
	double resume_at;   /* reopen at <= this fraction (0.9) ... */
	int64_t hold_ms;    /* ... and after restricted this long (60 s) */
};

/* The visitors' map (docs/map.md): a plan of map_width x map_height
 * units; each area or group may have a shape on it. */
#define HC_MAP_SIZE_MAX 100000 /* map_width, map_height */
#define HC_MAP_POINTS_MAX 24   /* corners of one polygon */

enum hc_map_shape_kind {
	HC_MAP_SHAPE_NONE,    /* no map_shape: the page places it */
	HC_MAP_SHAPE_RECT,    /* p[0] = top left, w x h */
	HC_MAP_SHAPE_CIRCLE,  /* p[0] = centre, radius r */
	HC_MAP_SHAPE_POLYGON, /* p[0..point_count) */
};

struct hc_map_point {
	double x;
	double y;
};

struct hc_map_shape {
	enum hc_map_shape_kind kind;
	struct hc_map_point p[HC_MAP_POINTS_MAX];
	uint32_t point_count; /* polygon only */
	double w, h;	      /* rect only */
	double r;	      /* circle only */
	bool has_label;	      /* map_label_at given */
	struct hc_map_point label;
};

struct hc_area_cfg {
	char id[HC_ID_LEN_MAX + 1];
	char name[HC_NAME_LEN_MAX + 1];
	int64_t capacity;	       /* people; from capacity or floor_m2 x density */
	double floor_m2;	       /* 0 when capacity was given directly */
	double density_per_m2;	       /* used when floor_m2 is set */
	char group[HC_ID_LEN_MAX + 1]; /* "" when in no group */
	struct hc_thresholds thresholds;
	struct hc_map_shape shape;
	int line; /* line of the [area ...] header */
};

struct hc_group_cfg {
	char id[HC_ID_LEN_MAX + 1];
	char name[HC_NAME_LEN_MAX + 1];
	int64_t capacity; /* given, or the sum of its areas' */
	struct hc_thresholds thresholds;
	struct hc_map_shape shape; /* an outline drawn around its areas */
	int line;
};

struct hc_terminal_cfg {
	char id[HC_ID_LEN_MAX + 1];
	char area[HC_ID_LEN_MAX + 1];
	int area_index; /* index into hc_venue_cfg.areas */
	char key[65];	/* shared secret, "" when none is set */
	int line;
};

/* Supervisors: people who steer the venue over the supervisor role
 * (docs/protocol.md). Each logs in with a password, kept as a salted
 * PBKDF2-HMAC-SHA256 record in the supervisor passwords file
 * (supervisor_passwords in [venue]; aggregator/passwords.h). */
#define HC_SUPERVISORS_MAX 64

struct hc_supervisor_cfg {
	char id[HC_ID_LEN_MAX + 1]; /* the name the supervisor logs in with */
	char key[65];		    /* unused: a key = line is refused */
	int line;
};

/* [mqtt]: the optional bridge that keeps every area's and group's state
 * as a retained message on an MQTT broker (docs/map.md). */
#define HC_MQTT_TOPIC_PREFIX_LEN_MAX 96
struct hc_mqtt_cfg {
	bool enabled;					     /* the section is present */
	char host[256];					     /* default 127.0.0.1 */
	uint16_t port;					     /* default 1883 */
	char topic_prefix[HC_MQTT_TOPIC_PREFIX_LEN_MAX + 1]; /* default headcount/<venue slug> */
	char client_id[65];				     /* default headcount-<venue slug> */
	int qos;					     /* 0, 1 (default) or 2 */
	int keepalive_s;				     /* 5..3600, default 30 */
	char username[65];				     /* "" when none */
	char password[129];
	int line; /* of the [mqtt] header */
};

struct hc_venue_cfg {
	char path[PATH_MAX];
	char name[HC_NAME_LEN_MAX + 1];
	char listen_host[64];		     /* default 127.0.0.1 */
	uint16_t listen_port;		     /* default 8080 */
	char staff_listen_host[64];	     /* terminals and supervisors only; "" none */
	uint16_t staff_listen_port;	     /* 0: no staff listener */
	uint32_t connections_per_address;    /* public listener, per peer address */
	int64_t map_idle_timeout_s;	     /* map client silent (no pong) this long: closed */
	char database[PATH_MAX];	     /* default headcount.db; a relative path is
					 * made relative to the config file's dir */
	char supervisor_passwords[PATH_MAX]; /* default supervisors.passwd, resolved
					 * like database (shared/config_passwords.c) */
	double density_per_m2;		     /* venue default, 2.0 */
	struct hc_thresholds thresholds;     /* venue defaults */
	int64_t map_width;		     /* 0: no drawn plan, the page makes a grid */
	int64_t map_height;
	char map_background[PATH_MAX];	 /* image file, "" for none; relative
					 * paths resolved like database */
	const char *map_background_type; /* its MIME type, from the extension */
	int area_count;
	struct hc_area_cfg areas[HC_AREAS_MAX];
	int group_count;
	struct hc_group_cfg groups[HC_GROUPS_MAX];
	int terminal_count;
	struct hc_terminal_cfg terminals[HC_TERMINALS_MAX];
	int supervisor_count;
	struct hc_supervisor_cfg supervisors[HC_SUPERVISORS_MAX];
	struct hc_mqtt_cfg mqtt;
	struct hc_tls_cfg tls; /* [tls]: enabled false for plain ws */
	/* terminal authentication (shared/config_auth.h) */
	bool terminal_auth_off;		 /* terminal_auth = off: no secrets asked */
	char terminal_secrets[PATH_MAX]; /* the enrollment secrets file */
	int terminal_auth_line;		 /* lines of the keys, 0 if not given */
	int terminal_secrets_line;
};

/* Where a config is wrong: "venue.ini:12: capacity must be ...". */
struct hc_config_error {
	char file[PATH_MAX];
	int line; /* 0 when the error is not on one line */
	char message[200];
};

/* Loads path into a freshly allocated config. Returns NULL and fills err
 * on any error (unreadable file, syntax, unknown section or key, bad
 * value, duplicate id, terminal of an unknown area, ...). */
struct hc_venue_cfg *hc_venue_load(const char *path, struct hc_config_error *err);

/* The same for a config already in memory (len bytes of text, which may
 * hold NULs and need not be NUL-ended): path is used only as the file
 * name in messages and as the directory a relative database is joined
 * to. Every error and its message is what hc_venue_load() gives for a
 * file with this content. */
struct hc_venue_cfg *hc_venue_load_text(const char *path, const char *text, size_t len,
					struct hc_config_error *err);

void hc_venue_free(struct hc_venue_cfg *cfg);

/* Index of the area/group/terminal with this id, or -1. */
int hc_venue_find_area(const struct hc_venue_cfg *cfg, const char *id);
int hc_venue_find_group(const struct hc_venue_cfg *cfg, const char *id);
int hc_venue_find_terminal(const struct hc_venue_cfg *cfg, const char *id);
int hc_venue_find_supervisor(const struct hc_venue_cfg *cfg, const char *id);

/* ---- value rules shared by the config file and supervisor commands ----
 * The loader and the aggregator's set_thresholds command accept exactly
 * the same values, through these functions. */

enum hc_threshold_key {
	HC_THRESHOLD_MODERATE, /* "moderate_at" */
	HC_THRESHOLD_CROWDED,  /* "crowded_at" */
	HC_THRESHOLD_FULL,     /* "full_at" */
	HC_THRESHOLD_RESTRICT, /* "restrict_at" */
	HC_THRESHOLD_RESUME,   /* "resume_at" */
	HC_THRESHOLD_HOLD,     /* "hold_s" */
	HC_THRESHOLD_KEY_COUNT,
};

/* The key's name as written in the config and on the wire. */
const char *hc_threshold_key_name(enum hc_threshold_key k);
bool hc_threshold_key_parse(const char *name, enum hc_threshold_key *out);

/* Sets key k of t to value (a fraction; whole seconds for hold_s) when
 * it is in the key's range; otherwise leaves t alone, points *range at
 * the allowed values ("a number > 0 and <= 10") and returns false. */
bool hc_threshold_set(struct hc_thresholds *t, enum hc_threshold_key k, double value,
		      const char **range);

/* The value of key k (hold_s in seconds). */
double hc_threshold_get(const struct hc_thresholds *t, enum hc_threshold_key k);

/* One broken order rule: keys a and b, and "moderate_at (0.9) must be <=
 * crowded_at (0.8)". */
struct hc_threshold_fault {
	enum hc_threshold_key a;
	enum hc_threshold_key b;
	char message[120];
};

/* Checks moderate_at <= crowded_at <= full_at and resume_at <
 * restrict_at. Returns how many rules are broken (0..3), described in
 * faults in that order. */
int hc_thresholds_order_faults(const struct hc_thresholds *t, struct hc_threshold_fault faults[3]);

/* True when capacity is allowed for an area (1..HC_AREA_CAPACITY_MAX) or
 * a group (1..HC_GROUP_CAPACITY_MAX); else false with *range set. */
bool hc_capacity_valid(bool is_group, int64_t capacity, const char **range);

/* Parses a map_shape value ("rect X Y W H", "circle CX CY R", "polygon
 * X1,Y1 X2,Y2 X3,Y3 ...") into out; coordinates are numbers >= 0, sizes
 * > 0, a polygon has 3..HC_MAP_POINTS_MAX corners. False with *why set
 * to what is wrong. Does not check the map's bounds. */
bool hc_map_shape_parse(const char *text, struct hc_map_shape *out, const char **why);

/* True when every point of shape (and its label) lies within a map of
 * width x height. */
bool hc_map_shape_inside(const struct hc_map_shape *shape, double width, double height);

/* Formats err as "file:line: message" (or "file: message"). */
void hc_config_error_format(const struct hc_config_error *err, char *out, size_t cap);

#endif
