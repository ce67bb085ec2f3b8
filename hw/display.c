/*
 * display.c — picks a display backend by name, the "none" backend, and
 * the one-line status format (see display.h).
 *
 * The line format is a contract: tests and scripts parse it.
 *   t1 area=hall occupancy=12 capacity=300 level=low entry=OPEN
 *      link=online figure=fresh pending=0 storage=ok        (one line)
 * Before the aggregator sent a figure: area=<id or -> occupancy=-
 * capacity=- level=- entry=- figure=none.
 */
#include "hw/display.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool hc_display_line_open(struct hc_display *d, char *err, size_t err_len);
bool hc_display_screen_open(struct hc_display *d, char *err, size_t err_len);

static void none_show(struct hc_display *d, const struct hc_display_state *s)
{
	(void)d;
	(void)s;
}

static void none_close(struct hc_display *d)
{
	(void)d;
}

bool hc_display_open(const char *backend, struct hc_display *d, char *err,
		     size_t err_len)
{
	memset(d, 0, sizeof *d);
	if (strcmp(backend, "line") == 0)
		return hc_display_line_open(d, err, err_len);
	if (strcmp(backend, "screen") == 0)
		return hc_display_screen_open(d, err, err_len);
	if (strcmp(backend, "none") == 0) {
		d->name = "none";
		d->show = none_show;
		d->close = none_close;
		return true;
	}
	snprintf(err, err_len,
		 "unknown display backend \"%s\" (expected line, screen or none)",
		 backend);
	return false;
}

void hc_display_format_line(const struct hc_display_state *s, char *out,
			    size_t cap)
{
	const char *area = s->area_id[0] != '\0' ? s->area_id : "-";
	const char *link = s->online ? "online" : "offline";
	const char *storage = s->storage_fault ? "FAULT" : "ok";
	if (!s->have_figure) {
		snprintf(out, cap,
			 "%s area=%s occupancy=- capacity=- level=- entry=- "
			 "link=%s figure=none pending=%" PRId64 " storage=%s",
			 s->terminal_id, area, link, s->pending_presses,
			 storage);
		return;
	}
	snprintf(out, cap,
		 "%s area=%s occupancy=%" PRId64 " capacity=%" PRId64
		 " level=%s entry=%s link=%s figure=%s pending=%" PRId64
		 " storage=%s",
		 s->terminal_id, area, s->occupancy_shown, s->capacity,
		 s->level != NULL ? s->level : "?",
		 s->restricted ? "STOP" : "OPEN", link,
		 s->stale ? "stale" : "fresh", s->pending_presses, storage);
}
