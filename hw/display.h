/*
 * display.h — what the door sees: the terminal's screen backends.
 *
 * The terminal calls show() whenever anything on screen changes. Backends:
 * "line" (one status line per change on stdout: scripts and tests read
 * it), "screen" (full-screen ncurses panel with large figures), "none".
 */
#ifndef HC_HW_DISPLAY_H
#define HC_HW_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/limits.h"

struct hc_display_state {
	char terminal_id[HC_ID_LEN_MAX + 1];
	char area_id[HC_ID_LEN_MAX + 1];     /* "" until welcomed */
	char area_name[HC_NAME_LEN_MAX + 1];
	bool have_figure;                    /* aggregator figure received */
	int64_t occupancy_shown;             /* figure + own unacked delta */
	int64_t capacity;
	const char *level;                   /* "low".."full", or "?" */
	bool restricted;                     /* STOP at the door */
	bool online;
	bool stale;                          /* figure older than allowed */
	int64_t pending_presses;             /* not yet acknowledged */
	bool storage_fault;                  /* journal failing */
};

struct hc_display {
	const char *name;
	void (*show)(struct hc_display *d, const struct hc_display_state *s);
	void (*close)(struct hc_display *d);
	void *priv;
};

/* Opens backend by name; false with a message in err when unknown. */
bool hc_display_open(const char *backend, struct hc_display *d, char *err,
		     size_t err_len);

/* Formats the one-line form used by the "line" backend, e.g.
 * "t1 area=hall occupancy=12 capacity=300 level=low entry=OPEN link=online
 *  figure=fresh pending=0 storage=ok" (entry=STOP when restricted,
 * link=offline, figure=stale or none, storage=FAULT). Without a figure:
 * occupancy=- capacity=- level=- entry=- figure=none. */
void hc_display_format_line(const struct hc_display_state *s, char *out,
			    size_t cap);

#endif
