/*
 * alerts.c — alert derivation (see alerts.h).
 *
 * Promises: an alert is raised on the transition only (a level that
 * stays full raises one alert, not one per update); the ring keeps the
 * newest HC_ALERTS_MAX.
 */
#include "aggregator/dashboard/alerts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const labels[] = {
	[HC_ALERT_CROWDED] = "CROWDED",	      [HC_ALERT_FULL] = "FULL",
	[HC_ALERT_GATE_CLOSED] = "CLOSED",    [HC_ALERT_GATE_OPENED] = "OPENED",
	[HC_ALERT_DOOR_OFFLINE] = "OFFLINE",  [HC_ALERT_SEQ_GAP] = "GAP",
	[HC_ALERT_STORAGE_FAULT] = "STORAGE",
};

const char *hc_alert_label(enum hc_alert_kind k)
{
	return (size_t)k < sizeof labels / sizeof labels[0] ? labels[k] : "?";
}

const struct hc_alert *hc_alerts_get(const struct hc_alerts *a, uint32_t i)
{
	if (i >= a->len)
		return NULL;
	return &a->ring[(a->head + HC_ALERTS_MAX - i) % HC_ALERTS_MAX];
}

void hc_alerts_add(struct hc_alerts *a, enum hc_alert_kind k, int64_t at_wall_ms, const char *text)
{
	a->head = a->len == 0 ? 0 : (a->head + 1) % HC_ALERTS_MAX;
	if (a->len < HC_ALERTS_MAX)
		a->len++;
	struct hc_alert *e = &a->ring[a->head];
	e->at_wall_ms = at_wall_ms;
	e->kind = k;
	snprintf(e->text, sizeof e->text, "%s", text);
	a->total++;
	if (!a->muted)
		a->bell_pending = true;
}

static void level_and_gate(struct hc_alerts *a, const char *what, const char *name,
			   enum hc_level lb, enum hc_level la, bool rb, bool ra, const char *by,
			   int64_t now)
{
	char text[HC_ALERT_TEXT_BYTES];
	if (la > lb && (la == HC_LEVEL_CROWDED || la == HC_LEVEL_FULL)) {
		snprintf(text, sizeof text, "%s %s reached %s", what, name, hc_level_name(la));
		hc_alerts_add(a, la == HC_LEVEL_FULL ? HC_ALERT_FULL : HC_ALERT_CROWDED, now, text);
	}
	if (ra != rb) {
		snprintf(text, sizeof text, "%s %s: entry %s%s%s", what, name,
			 ra ? "closed (STOP)" : "opened", by && by[0] ? " by " : "", by ? by : "");
		hc_alerts_add(a, ra ? HC_ALERT_GATE_CLOSED : HC_ALERT_GATE_OPENED, now, text);
	}
}

void hc_alerts_area(struct hc_alerts *a, const struct hc_wire_area *before,
		    const struct hc_wire_area *after, int64_t now_wall_ms)
{
	if (before == NULL)
		return;
	level_and_gate(a, "area", after->st.name, before->st.level, after->st.level,
		       before->st.restricted, after->st.restricted, after->override_by,
		       now_wall_ms);
}

void hc_alerts_group(struct hc_alerts *a, const struct hc_wire_group *before,
		     const struct hc_wire_group *after, int64_t now_wall_ms)
{
	if (before == NULL)
		return;
	level_and_gate(a, "group", after->name, before->level, after->level, before->restricted,
		       after->restricted, after->override_by, now_wall_ms);
}

void hc_alerts_terminal(struct hc_alerts *a, const struct hc_wire_terminal *before,
			const struct hc_wire_terminal *after, int64_t now_wall_ms)
{
	if (before == NULL)
		return;
	char text[HC_ALERT_TEXT_BYTES];
	if (after->missing_seqs > before->missing_seqs) {
		snprintf(text, sizeof text, "door %s: %" PRId64 " batch(es) missing (sequence gap)",
			 after->id, after->missing_seqs);
		hc_alerts_add(a, HC_ALERT_SEQ_GAP, now_wall_ms, text);
	}
	if (after->storage_faults > before->storage_faults) {
		snprintf(text, sizeof text, "door %s: storage fault (%" PRId64 " so far)",
			 after->id, after->storage_faults);
		hc_alerts_add(a, HC_ALERT_STORAGE_FAULT, now_wall_ms, text);
	}
}

bool hc_alerts_offline_due(int64_t offline_since_ms, bool alerted, int64_t now_ms)
{
	return offline_since_ms != 0 && !alerted &&
	       now_ms - offline_since_ms >= HC_ALERT_OFFLINE_MS;
}
