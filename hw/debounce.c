/*
 * debounce.c — the debounce and hold rule for GPIO buttons (see
 * debounce.h for the rule and why it reads no clock).
 *
 * Relies on nothing but its arguments. Promises: for one line, at most
 * one press per release edge seen, and none for an edge within the
 * window of the previous accepted edge.
 */
#include "hw/debounce.h"

#include <assert.h>
#include <string.h>

#define NS_PER_MS INT64_C(1000000)

void hc_debounce_init(struct hc_debounce *d, size_t line_count, int64_t window_ms)
{
	assert(line_count >= 1 && line_count <= HC_DEBOUNCE_LINES_MAX);
	assert(window_ms >= 0);
	memset(d, 0, sizeof *d);
	d->window_ns = window_ms * NS_PER_MS;
	d->line_count = line_count;
}

void hc_debounce_set_level(struct hc_debounce *d, size_t line, bool active)
{
	assert(line < d->line_count);
	d->lines[line].active = active;
	d->lines[line].raw_active = active;
}

bool hc_debounce_edge(struct hc_debounce *d, size_t line, bool active, int64_t ts_ns)
{
	assert(line < d->line_count);
	struct hc_debounce_line *l = &d->lines[line];
	bool was_released = !l->raw_active;
	l->raw_active = active;
	bool inside = l->accepted_any && ts_ns >= l->accepted_at_ns &&
		      ts_ns - l->accepted_at_ns < d->window_ns;
	if (inside) {
		l->bounces++;
		return false;
	}
	l->accepted_any = true;
	l->accepted_at_ns = ts_ns;
	l->active = active;
	return active && was_released;
}
