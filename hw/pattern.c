/*
 * pattern.c — door state -> LED and buzzer schedule (see pattern.h for
 * the table it implements).
 *
 * Relies on nothing but its arguments. Promises: the outputs are a pure
 * function of (door state, its start, last confirmation, now), so a test
 * with a fake clock sees exactly what a door shows.
 */
#include "hw/pattern.h"

#include <assert.h>
#include <string.h>

/* One output: on while (t mod period) is in [on_from, on_to). period 0
 * means steady: on when on_to > 0. */
struct wave {
	int64_t period_ms;
	int64_t on_from_ms;
	int64_t on_to_ms;
};

struct schedule {
	struct wave green, red, buzzer;
};

#define STEADY_ON       \
	{               \
		0, 0, 1 \
	}
#define OFF             \
	{               \
		0, 0, 0 \
	}

static const struct schedule schedules[HC_DOOR_STATE_COUNT] = {
	[HC_DOOR_UNKNOWN] = { { 1000, 0, 500 }, { 1000, 500, 1000 }, OFF },
	[HC_DOOR_OPEN] = { STEADY_ON, OFF, OFF },
	[HC_DOOR_STOP] = { OFF, STEADY_ON, OFF },
	[HC_DOOR_OFFLINE_OPEN] = { { 1000, 0, 500 }, OFF, OFF },
	[HC_DOOR_OFFLINE_STOP] = { OFF, { 1000, 0, 500 }, OFF },
	[HC_DOOR_FAULT] = { OFF, { 200, 0, 100 }, { 5000, 0, 100 } },
};

static const char *const door_names[HC_DOOR_STATE_COUNT] = {
	[HC_DOOR_UNKNOWN] = "unknown",
	[HC_DOOR_OPEN] = "open",
	[HC_DOOR_STOP] = "stop",
	[HC_DOOR_OFFLINE_OPEN] = "offline-open",
	[HC_DOOR_OFFLINE_STOP] = "offline-stop",
	[HC_DOOR_FAULT] = "fault",
};

const char *hc_door_state_name(enum hc_door_state st)
{
	return (size_t)st < HC_DOOR_STATE_COUNT ? door_names[st] : "?";
}

enum hc_door_state hc_door_state_of(const struct hc_display_state *s)
{
	if (s->storage_fault)
		return HC_DOOR_FAULT;
	if (!s->have_figure)
		return HC_DOOR_UNKNOWN;
	if (!s->online)
		return s->restricted ? HC_DOOR_OFFLINE_STOP : HC_DOOR_OFFLINE_OPEN;
	return s->restricted ? HC_DOOR_STOP : HC_DOOR_OPEN;
}

void hc_pattern_init(struct hc_pattern *p, int64_t now_ms)
{
	memset(p, 0, sizeof *p);
	p->state = HC_DOOR_UNKNOWN;
	p->state_since_ms = now_ms;
}

void hc_pattern_confirm(struct hc_pattern *p, enum hc_confirm c, int64_t now_ms)
{
	p->confirm = c;
	p->confirm_at_ms = now_ms;
}

void hc_pattern_update(struct hc_pattern *p, const struct hc_display_state *s, int64_t now_ms)
{
	enum hc_door_state st = hc_door_state_of(s);
	if (st != p->state) {
		p->state = st;
		p->state_since_ms = now_ms;
	}
	/* Checked in this order so that the most telling one wins when
	 * several keys landed in one refresh. */
	if (s->presses_taken > p->presses_seen)
		hc_pattern_confirm(p, HC_CONFIRM_PRESS, now_ms);
	if (s->undos_taken > p->undos_seen)
		hc_pattern_confirm(p, HC_CONFIRM_UNDO, now_ms);
	if (s->undos_refused > p->refused_seen)
		hc_pattern_confirm(p, HC_CONFIRM_REFUSED, now_ms);
	p->presses_seen = s->presses_taken;
	p->undos_seen = s->undos_taken;
	p->refused_seen = s->undos_refused;
}

static bool wave_on(const struct wave *w, int64_t t_ms)
{
	if (w->period_ms == 0)
		return w->on_to_ms > 0;
	int64_t phase = t_ms % w->period_ms;
	return phase >= w->on_from_ms && phase < w->on_to_ms;
}

struct hc_outputs hc_pattern_outputs(const struct hc_pattern *p, int64_t now_ms)
{
	assert((size_t)p->state < HC_DOOR_STATE_COUNT);
	const struct schedule *sc = &schedules[p->state];
	int64_t t = now_ms - p->state_since_ms;
	if (t < 0)
		t = 0;
	struct hc_outputs o = {
		.green = wave_on(&sc->green, t),
		.red = wave_on(&sc->red, t),
		.buzzer = wave_on(&sc->buzzer, t),
	};
	int64_t c = now_ms - p->confirm_at_ms;
	bool in_pulse = false;
	switch (p->confirm) {
	case HC_CONFIRM_NONE: break;
	case HC_CONFIRM_PRESS: in_pulse = c >= 0 && c < 100; break;
	case HC_CONFIRM_UNDO: in_pulse = (c >= 0 && c < 100) || (c >= 200 && c < 300); break;
	case HC_CONFIRM_REFUSED:
		if (c >= 0 && c < 500) {
			o.buzzer = true;
			o.red = true;
		}
		break;
	}
	if (in_pulse) {
		o.green = false;
		o.red = false;
		o.buzzer = true;
	}
	return o;
}
