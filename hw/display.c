/*
 * display.c — picks a display backend by name, the "none" backend, and
 * the one-line status format (see display.h).
 *
 * The line format is a contract: tests and scripts parse it.
 *   t1 area=hall occupancy=12 capacity=300 level=low entry=OPEN
 *      link=online figure=fresh pending=0 storage=ok        (one line)
 * Before the aggregator sent a figure: area=<id or -> occupancy=-
 * capacity=- level=- entry=- figure=none. Later keys are only ever
 * appended: known=current|last|none stop_by=<restricted_by or ->
 * refused=unknown-terminal|replaced|-.
 */
#include "hw/display.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool hc_display_line_open(struct hc_display *d, char *err, size_t err_len);
bool hc_display_screen_open(struct hc_display *d, char *err, size_t err_len);
bool hc_display_leds_open(const struct hc_hw_output_cfg *hw, struct hc_display *d, char *err,
			  size_t err_len);
bool hc_display_lcd_open(const struct hc_hw_output_cfg *hw, struct hc_display *d, char *err,
			 size_t err_len);

/* Parts a display spec may combine: a base and two hardware outputs. */
#define DISPLAY_PARTS_MAX 3

struct composite {
	struct hc_display parts[DISPLAY_PARTS_MAX];
	size_t count;
};

void hc_hw_output_cfg_default(struct hc_hw_output_cfg *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->chip, sizeof c->chip, "gpiochip0");
	c->line_green = 23;
	c->line_red = 24;
	c->line_buzzer = 25;
	snprintf(c->lcd_i2c, sizeof c->lcd_i2c, "/dev/i2c-1");
	c->lcd_address = 0x27;
}

static void composite_show(struct hc_display *d, const struct hc_display_state *s)
{
	struct composite *c = d->priv;
	for (size_t i = 0; i < c->count; i++)
		c->parts[i].show(&c->parts[i], s);
}

static void composite_close(struct hc_display *d)
{
	struct composite *c = d->priv;
	if (c == NULL)
		return;
	for (size_t i = c->count; i > 0; i--)
		c->parts[i - 1].close(&c->parts[i - 1]);
	free(c);
	d->priv = NULL;
}

/* Splits spec at commas into at most DISPLAY_PARTS_MAX names; checks
 * that the first is a base backend and the rest distinct outputs. */
static bool split_spec(const char *spec, char names[DISPLAY_PARTS_MAX][16], size_t *count)
{
	*count = 0;
	const char *p = spec;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (*count == DISPLAY_PARTS_MAX || len == 0 || len >= 16)
			return false;
		memcpy(names[*count], p, len);
		names[*count][len] = '\0';
		(*count)++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	const char *base = names[0];
	if (strcmp(base, "line") != 0 && strcmp(base, "screen") != 0 && strcmp(base, "none") != 0)
		return false;
	for (size_t i = 1; i < *count; i++) {
		if (strcmp(names[i], "leds") != 0 && strcmp(names[i], "lcd") != 0)
			return false;
		for (size_t k = 1; k < i; k++)
			if (strcmp(names[i], names[k]) == 0)
				return false;
	}
	return true;
}

bool hc_display_known(const char *spec)
{
	char names[DISPLAY_PARTS_MAX][16];
	size_t n;
	return split_spec(spec, names, &n);
}

bool hc_display_open_with(const char *spec, const struct hc_hw_output_cfg *hw, struct hc_display *d,
			  char *err, size_t err_len)
{
	char names[DISPLAY_PARTS_MAX][16];
	size_t n;
	struct hc_hw_output_cfg defaults;
	if (hw == NULL) {
		hc_hw_output_cfg_default(&defaults);
		hw = &defaults;
	}
	if (!split_spec(spec, names, &n)) {
		snprintf(err, err_len,
			 "unknown display \"%s\" (expected line, "
			 "screen or none, optionally with ,leds and ,lcd)",
			 spec);
		return false;
	}
	if (n == 1)
		return hc_display_open(names[0], d, err, err_len);
	struct composite *c = calloc(1, sizeof *c);
	if (c == NULL) {
		snprintf(err, err_len, "display: out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		bool ok;
		memset(&c->parts[i], 0, sizeof c->parts[i]);
		if (i == 0)
			ok = hc_display_open(names[0], &c->parts[0], err, err_len);
		else if (strcmp(names[i], "leds") == 0)
			ok = hc_display_leds_open(hw, &c->parts[i], err, err_len);
		else
			ok = hc_display_lcd_open(hw, &c->parts[i], err, err_len);
		if (!ok)
			goto fail;
		c->count++;
	}
	memset(d, 0, sizeof *d);
	d->name = c->parts[0].name;
	d->show = composite_show;
	d->close = composite_close;
	d->priv = c;
	return true;

fail:
	for (size_t i = c->count; i > 0; i--)
		c->parts[i - 1].close(&c->parts[i - 1]);
	free(c);
	return false;
}

static void none_show(struct hc_display *d, const struct hc_display_state *s)
{
	(void)d;
	(void)s;
}

static void none_close(struct hc_display *d)
{
	(void)d;
}

bool hc_display_open(const char *backend, struct hc_display *d, char *err, size_t err_len)
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
	snprintf(err, err_len, "unknown display backend \"%s\" (expected line, screen or none)",
		 backend);
	return false;
}

/* The keys after storage=, added later than the others: whether the
 * state is current, why entry is shut, why the link is refused. */
static void format_tail(const struct hc_display_state *s, char *out, size_t cap)
{
	const char *known = !s->have_figure ? "none" : s->last_known ? "last" : "current";
	const char *refused = s->refusal == HC_REFUSAL_UNKNOWN_TERMINAL	   ? "unknown-terminal"
			      : s->refusal == HC_REFUSAL_REPLACED	   ? "replaced"
			      : s->refusal == HC_REFUSAL_NOT_AUTHENTICATED ? "not-authenticated"
									   : "-";
	snprintf(out, cap, " known=%s stop_by=%s refused=%s", known,
		 s->have_figure && s->restricted && s->restricted_by[0] != '\0' ? s->restricted_by
										: "-",
		 refused);
}

void hc_display_format_line(const struct hc_display_state *s, char *out, size_t cap)
{
	char tail[96];
	format_tail(s, tail, sizeof tail);
	const char *area = s->area_id[0] != '\0' ? s->area_id : "-";
	const char *link = s->online ? "online" : "offline";
	const char *storage = s->storage_fault ? "FAULT" : "ok";
	if (!s->have_figure) {
		snprintf(out, cap,
			 "%s area=%s occupancy=- capacity=- level=- entry=- "
			 "link=%s figure=none pending=%" PRId64 " storage=%s%s",
			 s->terminal_id, area, link, s->pending_presses, storage, tail);
		return;
	}
	snprintf(out, cap,
		 "%s area=%s occupancy=%" PRId64 " capacity=%" PRId64
		 " level=%s entry=%s link=%s figure=%s pending=%" PRId64 " storage=%s%s",
		 s->terminal_id, area, s->occupancy_shown, s->capacity,
		 s->level != NULL ? s->level : "?", s->restricted ? "STOP" : "OPEN", link,
		 s->stale ? "stale" : "fresh", s->pending_presses, storage, tail);
}
