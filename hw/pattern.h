/*
 * pattern.h — what the door's LEDs and buzzer do (pure: no I/O, no clock).
 *
 * The terminal's state (hw/display.h) maps to one door state, and each
 * door state to a fixed on/off schedule for the green LED, the red LED
 * and the buzzer. Every accepted key press overlays a short confirmation.
 * Time comes in as now_ms; the LED backend (hw/display_leds.c) asks for
 * the outputs at each refresh (every loop tick, 100 ms) and sets lines.
 *
 *   door state       green              red                buzzer
 *   OPEN             on                 off                off
 *   STOP             off                on                 off
 *   OFFLINE_OPEN     blink 500/500      off                off
 *   OFFLINE_STOP     off                blink 500/500      off
 *   UNKNOWN          alternate with red alternate (500)    off
 *   FAULT            off                blink 100/100      100 ms every 5 s
 * (OFFLINE_* is the last known state, shown blinking: the figure is old;
 * UNKNOWN: no figure from the aggregator yet; FAULT: the journal fails,
 * presses are not safe.)
 *
 * Confirmations (from the moment of the key, then back to the state):
 *   PRESS    buzzer 0-100 ms; both LEDs dark 0-100 ms (a blink)
 *   UNDO     buzzer 0-100 and 200-300 ms; LEDs dark at the same times
 *   REFUSED  buzzer 0-500 ms; red on 0-500 ms (nothing to undo)
 */
#ifndef HC_HW_PATTERN_H
#define HC_HW_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/display.h"

enum hc_door_state {
	HC_DOOR_UNKNOWN,
	HC_DOOR_OPEN,
	HC_DOOR_STOP,
	HC_DOOR_OFFLINE_OPEN,
	HC_DOOR_OFFLINE_STOP,
	HC_DOOR_FAULT,
	HC_DOOR_STATE_COUNT,
};

enum hc_confirm {
	HC_CONFIRM_NONE,
	HC_CONFIRM_PRESS,
	HC_CONFIRM_UNDO,
	HC_CONFIRM_REFUSED,
};

struct hc_outputs {
	bool green;
	bool red;
	bool buzzer;
};

struct hc_pattern {
	enum hc_door_state state;
	int64_t state_since_ms; /* blinking starts in phase here */
	enum hc_confirm confirm;
	int64_t confirm_at_ms;
	/* Counts last seen in the terminal's state, to notice new keys. */
	int64_t presses_seen;
	int64_t undos_seen;
	int64_t refused_seen;
};

/* The door state for a terminal state (FAULT first, then UNKNOWN without
 * a figure, then offline or not, then STOP or OPEN). */
enum hc_door_state hc_door_state_of(const struct hc_display_state *s);

/* "open", "stop", "offline-open", "offline-stop", "unknown", "fault". */
const char *hc_door_state_name(enum hc_door_state st);

void hc_pattern_init(struct hc_pattern *p, int64_t now_ms);

/* Takes the terminal's state at now_ms: a new door state restarts its
 * schedule; a grown key count starts its confirmation (the latest wins). */
void hc_pattern_update(struct hc_pattern *p, const struct hc_display_state *s, int64_t now_ms);

/* Starts a confirmation at now_ms directly. */
void hc_pattern_confirm(struct hc_pattern *p, enum hc_confirm c, int64_t now_ms);

/* The outputs at now_ms (now_ms >= the last update). */
struct hc_outputs hc_pattern_outputs(const struct hc_pattern *p, int64_t now_ms);

#endif
