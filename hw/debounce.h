/*
 * debounce.h — from button edges to presses (pure: no I/O, no clock).
 *
 * A mechanical button bounces: one press makes a burst of edges over a
 * few milliseconds. The GPIO backends (hw/input_gpiod.c, the real lines;
 * hw/input_gpiosim.c, scripted edges) feed every edge here with the
 * kernel's timestamp; this core says which edges are presses. It reads
 * no clock: time is the edge's own timestamp, so tests drive it with a
 * fake clock and a replay is exact.
 *
 * The rule, per line ("active" = button pressed, after active-low):
 *   - an edge within window_ms of the line's last accepted edge is a
 *     bounce and ignored (but the level it reports is remembered);
 *   - an accepted active edge is a press when the edge before it, of any
 *     kind, was a release (or the line was released at start);
 *   - so a held button is one press, never a repeat, whatever it does
 *     while held (an active level reported again is no press); a short
 *     tap whose release fell inside the window still lets the next press
 *     count; and two presses just outside the window both count.
 * A timestamp going backwards (a realtime clock stepped back) counts as
 * outside the window, so a clock step can never silence a button.
 */
#ifndef HC_HW_DEBOUNCE_H
#define HC_HW_DEBOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lines one debouncer handles: ENTER, EXIT, UNDO. */
#define HC_DEBOUNCE_LINES_MAX 3

struct hc_debounce_line {
	bool accepted_any;	/* some edge was accepted */
	bool active;		/* debounced level */
	bool raw_active;	/* level of the last edge, even a bounce */
	int64_t accepted_at_ns; /* timestamp of the last accepted edge */
	int64_t bounces;	/* edges ignored, for the log */
};

struct hc_debounce {
	int64_t window_ns;
	size_t line_count;
	struct hc_debounce_line lines[HC_DEBOUNCE_LINES_MAX];
};

/* line_count lines (1..HC_DEBOUNCE_LINES_MAX), all released; window_ms
 * 0 turns debouncing off (every active edge after a release counts). */
void hc_debounce_init(struct hc_debounce *d, size_t line_count, int64_t window_ms);

/* The level a line had when it was opened: a button held down at start
 * counts only after it was released and pressed again. */
void hc_debounce_set_level(struct hc_debounce *d, size_t line, bool active);

/* One edge: line went active (pressed) or not at ts_ns. Returns true
 * when this edge is a press. */
bool hc_debounce_edge(struct hc_debounce *d, size_t line, bool active, int64_t ts_ns);

#endif
