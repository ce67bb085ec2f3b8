/*
 * display_leds.c — the door's green and red LEDs and its buzzer on GPIO
 * output lines (libgpiod 1.6), driven by the pattern core (hw/pattern.c).
 *
 * What lives here: requesting the output lines (each optional: -1 in the
 * config leaves it out), and on every show() — each state change and
 * each 100 ms loop tick — asking the pattern core what the outputs are
 * now and setting the lines that changed. All the deciding is in
 * hw/pattern.c; this file only reads the monotonic clock and writes
 * lines. On close every line is switched off and released.
 *
 * Relies on: active-high outputs (LED through a resistor to ground, a
 * buzzer module or transistor on the line), see hw/README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gpiod.h>

#include "hw/display.h"
#include "hw/pattern.h"
#include "shared/clock.h"
#include "shared/log.h"

#define LEDS_CONSUMER "headcount"

enum { OUT_GREEN, OUT_RED, OUT_BUZZER, OUT_COUNT };

struct leds {
	struct gpiod_chip *chip;
	struct gpiod_line *lines[OUT_COUNT];
	int values[OUT_COUNT]; /* last value set, -1 unknown */
	struct hc_pattern pattern;
	bool failed; /* a set failed: logged once */
};

static void set_output(struct leds *l, int which, bool on)
{
	if (l->lines[which] == NULL || l->values[which] == (int)on)
		return;
	if (gpiod_line_set_value(l->lines[which], on ? 1 : 0) != 0) {
		if (!l->failed)
			hc_error("leds: setting an output line failed: %s", strerror(errno));
		l->failed = true;
		return;
	}
	l->values[which] = on;
}

static void leds_show(struct hc_display *d, const struct hc_display_state *s)
{
	struct leds *l = d->priv;
	int64_t now_ms = hc_mono_ms();
	hc_pattern_update(&l->pattern, s, now_ms);
	struct hc_outputs o = hc_pattern_outputs(&l->pattern, now_ms);
	set_output(l, OUT_GREEN, o.green);
	set_output(l, OUT_RED, o.red);
	set_output(l, OUT_BUZZER, o.buzzer);
}

static void leds_free(struct leds *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < OUT_COUNT; i++) {
		if (l->lines[i] == NULL)
			continue;
		(void)gpiod_line_set_value(l->lines[i], 0);
		gpiod_line_release(l->lines[i]);
	}
	if (l->chip != NULL)
		gpiod_chip_close(l->chip);
	free(l);
}

static void leds_close(struct hc_display *d)
{
	leds_free(d->priv);
	d->priv = NULL;
}

bool hc_display_leds_open(const struct hc_hw_output_cfg *hw, struct hc_display *d, char *err,
			  size_t err_len)
{
	static const char *const names[OUT_COUNT] = { "green", "red", "buzzer" };
	const int32_t offsets[OUT_COUNT] = { hw->line_green, hw->line_red, hw->line_buzzer };
	struct leds *l = calloc(1, sizeof *l);
	if (l == NULL) {
		snprintf(err, err_len, "leds: out of memory");
		return false;
	}
	l->chip = gpiod_chip_open_lookup(hw->chip);
	if (l->chip == NULL) {
		snprintf(err, err_len, "leds: cannot open chip \"%s\": %s", hw->chip,
			 strerror(errno));
		goto fail;
	}
	for (int i = 0; i < OUT_COUNT; i++) {
		l->values[i] = -1;
		if (offsets[i] < 0)
			continue;
		struct gpiod_line *line = gpiod_chip_get_line(l->chip, (unsigned)offsets[i]);
		if (line == NULL || gpiod_line_request_output(line, LEDS_CONSUMER, 0) != 0) {
			snprintf(err, err_len, "leds: %s line %d (%s): %s", hw->chip, offsets[i],
				 names[i], strerror(errno));
			goto fail;
		}
		l->lines[i] = line;
		l->values[i] = 0;
	}
	hc_pattern_init(&l->pattern, hc_mono_ms());
	d->name = "leds";
	d->show = leds_show;
	d->close = leds_close;
	d->priv = l;
	return true;

fail:
	leds_free(l);
	return false;
}
