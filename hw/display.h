/*
 * display.h — what the door sees: the terminal's screen backends.
 *
 * The terminal calls show() whenever anything on screen changes, and on
 * every loop tick (100 ms), so backends with a time pattern (blinking
 * LEDs) advance. Backends: "line" (one status line per change on stdout:
 * scripts and tests read it), "screen" (full-screen ncurses panel with
 * large figures), "none", and the hardware outputs that can be added to
 * any of them with a comma: "leds" (green/red LEDs and a buzzer on GPIO,
 * hw/display_leds.c) and "lcd" (16x2 HD44780 behind a PCF8574 on I2C,
 * hw/display_lcd.c), e.g. "screen,leds,lcd".
 */
#ifndef HC_HW_DISPLAY_H
#define HC_HW_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/limits.h"

/* A refusal by the aggregator that the door must name (close codes,
 * docs/protocol.md), not show as network trouble. */
enum hc_display_refusal {
	HC_REFUSAL_NONE,
	HC_REFUSAL_UNKNOWN_TERMINAL,  /* closed with 4004 */
	HC_REFUSAL_REPLACED,	      /* closed with 4006 */
	HC_REFUSAL_NOT_AUTHENTICATED, /* closed with 4020..4024 */
};

struct hc_display_state {
	char terminal_id[HC_ID_LEN_MAX + 1];
	char area_id[HC_ID_LEN_MAX + 1]; /* "" until welcomed */
	char area_name[HC_NAME_LEN_MAX + 1];
	bool have_figure;	 /* aggregator figure received */
	int64_t occupancy_shown; /* figure + own unacked delta */
	int64_t capacity;
	const char *level; /* "low".."full", or "?" */
	bool restricted;   /* STOP at the door */
	bool online;
	bool stale;		 /* figure older than allowed */
	int64_t pending_presses; /* not yet acknowledged */
	bool storage_fault;	 /* journal failing */
	/* Running counts of keys the station took since start; a backend
	 * that sees one grow confirms it (beep, blink). */
	int64_t presses_taken; /* ENTER and EXIT */
	int64_t undos_taken;   /* UNDO that took a press back */
	int64_t undos_refused; /* UNDO with nothing to undo */
	/* With a figure but not the link that brought it: the figure and
	 * the gate are the last ones known, current known_age_s seconds ago
	 * (shown as such, never as the present state). */
	bool last_known;
	int64_t known_age_s;
	/* Why entry is restricted, as the aggregator said (docs/protocol.md,
	 * restricted_by): "" when not said or not restricted. */
	char restricted_by[HC_RESTRICTED_BY_LEN_MAX + 1];
	char restricted_by_name[HC_NAME_LEN_MAX + 1]; /* the group's name */
	/* Why the aggregator turned the link away, kept until it welcomes
	 * the terminal again (4006: for a while after, too). */
	enum hc_display_refusal refusal;
	bool quit_asking; /* 'q' waits for y or n */
};

/* Hardware output settings (terminal config keys; docs/terminal.md).
 * Lines are offsets on the chip; -1 leaves an output unused. */
struct hc_hw_output_cfg {
	char chip[64];
	int32_t line_green;
	int32_t line_red;
	int32_t line_buzzer;
	char lcd_i2c[64];    /* I2C bus device, "/dev/i2c-1" */
	int32_t lcd_address; /* PCF8574 7-bit address */
};

/* Defaults: gpiochip0, green 23, red 24, buzzer 25, /dev/i2c-1, 0x27. */
void hc_hw_output_cfg_default(struct hc_hw_output_cfg *c);

struct hc_display {
	const char *name;
	void (*show)(struct hc_display *d, const struct hc_display_state *s);
	void (*close)(struct hc_display *d);
	void *priv;
};

/* Opens backend by name; false with a message in err when unknown. */
bool hc_display_open(const char *backend, struct hc_display *d, char *err, size_t err_len);

/* Opens a display spec: a base backend optionally followed by ",leds"
 * and/or ",lcd", shown together. hw may be NULL (defaults). */
bool hc_display_open_with(const char *spec, const struct hc_hw_output_cfg *hw, struct hc_display *d,
			  char *err, size_t err_len);

/* True when spec is one hc_display_open_with accepts. */
bool hc_display_known(const char *spec);

/* Formats the one-line form used by the "line" backend, e.g.
 * "t1 area=hall occupancy=12 capacity=300 level=low entry=OPEN link=online
 *  figure=fresh pending=0 storage=ok known=current stop_by=- refused=-"
 * (entry=STOP when restricted, link=offline, figure=stale or none,
 * storage=FAULT). Without a figure: occupancy=- capacity=- level=-
 * entry=- figure=none. known=last while offline (entry and occupancy are
 * the last known, not the present), none without a figure; stop_by is
 * restricted_by or -; refused=unknown-terminal or replaced. */
void hc_display_format_line(const struct hc_display_state *s, char *out, size_t cap);

#endif
