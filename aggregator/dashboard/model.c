/*
 * model.c — the venue model (see model.h).
 *
 * Promises: an area's samples survive a snapshot (reconnect, reload)
 * when its id does; a message for an id the model does not know (sent
 * before its snapshot) is ignored; every visible change bumps version.
 */
#include "aggregator/dashboard/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hc_model_init(struct hc_model *m)
{
	memset(m, 0, sizeof *m);
}

void hc_model_free(struct hc_model *m)
{
	free(m->areas);
	free(m->groups);
	free(m->terminals);
	m->areas = NULL;
	m->groups = NULL;
	m->terminals = NULL;
	m->area_count = m->group_count = m->terminal_count = 0;
}

int hc_model_find_area(const struct hc_model *m, const char *id)
{
	for (uint32_t i = 0; i < m->area_count; i++)
		if (strcmp(m->areas[i].w.st.id, id) == 0)
			return (int)i;
	return -1;
}

static int find_group(const struct hc_model *m, const char *id)
{
	for (uint32_t i = 0; i < m->group_count; i++)
		if (strcmp(m->groups[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int find_terminal(const struct hc_model *m, const char *id)
{
	for (uint32_t i = 0; i < m->terminal_count; i++)
		if (strcmp(m->terminals[i].w.id, id) == 0)
			return (int)i;
	return -1;
}

static void add_sample(struct hc_model_area *a, int64_t now_ms)
{
	struct hc_model_sample s = { .t_ms = now_ms,
				     .entered = a->w.st.entered,
				     .exited = a->w.st.exited,
				     .occupancy = a->w.st.occupancy };
	if (a->sample_len > 0) {
		uint32_t newest = (a->sample_head + HC_MODEL_SAMPLES - 1) % HC_MODEL_SAMPLES;
		/* Within the sampling step the newest sample takes the new figure,
		 * but keeps its time unless it is the only one (the fit needs a span). */
		if (now_ms - a->samples[newest].t_ms < HC_MODEL_SAMPLE_EVERY_MS &&
		    a->sample_len > 1) {
			uint32_t prev = (newest + HC_MODEL_SAMPLES - 1) % HC_MODEL_SAMPLES;
			if (now_ms - a->samples[prev].t_ms < HC_MODEL_SAMPLE_EVERY_MS) {
				a->samples[newest] = s;
				return;
			}
		}
	}
	a->samples[a->sample_head] = s;
	a->sample_head = (a->sample_head + 1) % HC_MODEL_SAMPLES;
	if (a->sample_len < HC_MODEL_SAMPLES)
		a->sample_len++;
}

static void set_terminal(struct hc_model_terminal *t, const struct hc_wire_terminal *w,
			 int64_t now_ms)
{
	if (!w->online && t->offline_since_ms == 0)
		t->offline_since_ms = now_ms ? now_ms : 1;
	if (w->online) {
		t->offline_since_ms = 0;
		t->offline_alerted = false;
	}
	t->w = *w;
}

static bool apply_snapshot(struct hc_model *m, const struct hc_wire_sup_msg *msg, int64_t now_ms,
			   int64_t now_wall_ms)
{
	struct hc_model_area *areas = calloc(msg->area_count + 1, sizeof *areas);
	struct hc_wire_group *groups = calloc(msg->group_count + 1, sizeof *groups);
	struct hc_model_terminal *terms = calloc(msg->terminal_count + 1, sizeof *terms);
	if (areas == NULL || groups == NULL || terms == NULL)
		goto fail;
	for (uint32_t i = 0; i < msg->area_count; i++) {
		int old = hc_model_find_area(m, msg->areas[i].st.id);
		if (old >= 0) {
			areas[i] = m->areas[old];
			hc_alerts_area(&m->alerts, &m->areas[old].w, &msg->areas[i], now_wall_ms);
		}
		areas[i].w = msg->areas[i];
		add_sample(&areas[i], now_ms);
	}
	for (uint32_t g = 0; g < msg->group_count; g++) {
		int old = find_group(m, msg->groups[g].id);
		if (old >= 0)
			hc_alerts_group(&m->alerts, &m->groups[old], &msg->groups[g], now_wall_ms);
		groups[g] = msg->groups[g];
	}
	for (uint32_t t = 0; t < msg->terminal_count; t++) {
		int old = find_terminal(m, msg->terminals[t].id);
		if (old >= 0) {
			terms[t] = m->terminals[old];
			hc_alerts_terminal(&m->alerts, &m->terminals[old].w, &msg->terminals[t],
					   now_wall_ms);
		}
		set_terminal(&terms[t], &msg->terminals[t], now_ms);
	}
	hc_model_free(m);
	m->areas = areas;
	m->area_count = msg->area_count;
	m->groups = groups;
	m->group_count = msg->group_count;
	m->terminals = terms;
	m->terminal_count = msg->terminal_count;
	snprintf(m->venue, sizeof m->venue, "%s", msg->venue);
	m->have_snapshot = true;
	m->snapshot_generation++;
	m->connected = true;
	m->disconnected_since_wall_ms = 0;
	return true;
fail:
	free(areas);
	free(groups);
	free(terms);
	return false;
}

bool hc_model_apply(struct hc_model *m, const struct hc_wire_sup_msg *msg, int64_t now_ms,
		    int64_t now_wall_ms)
{
	int k;
	switch (msg->type) {
	case HC_WIRE_SUP_WELCOME:
		snprintf(m->supervisor, sizeof m->supervisor, "%s", msg->supervisor);
		break;
	case HC_WIRE_SUP_SNAPSHOT:
		if (!apply_snapshot(m, msg, now_ms, now_wall_ms))
			return false;
		break;
	case HC_WIRE_SUP_AREA:
		if ((k = hc_model_find_area(m, msg->area.st.id)) < 0)
			return true;
		hc_alerts_area(&m->alerts, &m->areas[k].w, &msg->area, now_wall_ms);
		m->areas[k].w = msg->area;
		add_sample(&m->areas[k], now_ms);
		break;
	case HC_WIRE_SUP_GROUP:
		if ((k = find_group(m, msg->group.id)) < 0)
			return true;
		hc_alerts_group(&m->alerts, &m->groups[k], &msg->group, now_wall_ms);
		m->groups[k] = msg->group;
		break;
	case HC_WIRE_SUP_TERMINAL:
		if ((k = find_terminal(m, msg->terminal.id)) < 0)
			return true;
		hc_alerts_terminal(&m->alerts, &m->terminals[k].w, &msg->terminal, now_wall_ms);
		set_terminal(&m->terminals[k], &msg->terminal, now_ms);
		break;
	default: return true;
	}
	m->version++;
	return true;
}

void hc_model_disconnected(struct hc_model *m, int64_t now_wall_ms)
{
	if (m->connected || m->disconnected_since_wall_ms == 0) {
		m->disconnected_since_wall_ms = now_wall_ms ? now_wall_ms : 1;
		m->version++;
	}
	m->connected = false;
}

void hc_model_tick(struct hc_model *m, int64_t now_ms, int64_t now_wall_ms)
{
	if (!m->connected)
		return; /* a door is not offline because we are */
	for (uint32_t i = 0; i < m->terminal_count; i++) {
		struct hc_model_terminal *t = &m->terminals[i];
		/* A door never seen has not gone offline: it has not started. */
		if (t->w.last_seen_ms == 0 ||
		    !hc_alerts_offline_due(t->offline_since_ms, t->offline_alerted, now_ms))
			continue;
		char text[HC_ALERT_TEXT_BYTES];
		snprintf(text, sizeof text, "door %s (area %s) offline for more than %d s", t->w.id,
			 t->w.area, HC_ALERT_OFFLINE_MS / 1000);
		hc_alerts_add(&m->alerts, HC_ALERT_DOOR_OFFLINE, now_wall_ms, text);
		t->offline_alerted = true;
		m->version++;
	}
}

bool hc_model_stale(const struct hc_model *m)
{
	return !m->connected;
}

/* Sample j (0: oldest) of area a. */
static const struct hc_model_sample *sample_at(const struct hc_model_area *a, uint32_t j)
{
	uint32_t oldest = (a->sample_head + HC_MODEL_SAMPLES - a->sample_len) % HC_MODEL_SAMPLES;
	return &a->samples[(oldest + j) % HC_MODEL_SAMPLES];
}

struct hc_ttf hc_model_ttf(const struct hc_model *m, uint32_t i, int64_t now_ms)
{
	const struct hc_model_area *a = &m->areas[i];
	struct hc_ttf_sample s[HC_MODEL_SAMPLES];
	for (uint32_t j = 0; j < a->sample_len; j++) {
		s[j].t_ms = sample_at(a, j)->t_ms;
		s[j].occupancy = sample_at(a, j)->occupancy;
	}
	/* The current figure holds now, too: a pause in updates is no flow. */
	size_t n = a->sample_len;
	if (n > 0 && n < HC_MODEL_SAMPLES && now_ms > s[n - 1].t_ms) {
		s[n] = (struct hc_ttf_sample){ .t_ms = now_ms, .occupancy = s[n - 1].occupancy };
		n++;
	}
	return hc_ttf_estimate(s, n, a->w.st.capacity, now_ms, HC_TTF_WINDOW_MS_DEFAULT);
}

bool hc_model_per_minute(const struct hc_model *m, uint32_t i, int64_t now_ms, int64_t *entered,
			 int64_t *exited)
{
	const struct hc_model_area *a = &m->areas[i];
	if (a->w.has_minute) {
		*entered = a->w.minute_entered;
		*exited = a->w.minute_exited;
		return true;
	}
	if (a->sample_len < 2)
		return false;
	/* The oldest sample within the last minute (or the one just before). */
	const struct hc_model_sample *newest = sample_at(a, a->sample_len - 1);
	const struct hc_model_sample *from = NULL;
	for (uint32_t j = 0; j < a->sample_len; j++) {
		const struct hc_model_sample *s = sample_at(a, j);
		if (now_ms - s->t_ms <= 60000) {
			from = s;
			break;
		}
	}
	if (from == NULL || from == newest)
		return false;
	int64_t span_ms = now_ms - from->t_ms;
	if (span_ms < 10000)
		return false;
	*entered = (newest->entered - from->entered) * 60000 / span_ms;
	*exited = (newest->exited - from->exited) * 60000 / span_ms;
	return true;
}

bool hc_model_raw(const struct hc_model *m, uint32_t i, int64_t *raw_entered, int64_t *raw_exited)
{
	const struct hc_wire_area *w = &m->areas[i].w;
	if (!w->has_corrected)
		return false;
	*raw_entered = w->st.entered - w->corrected_entered;
	*raw_exited = w->st.exited - w->corrected_exited;
	return true;
}
