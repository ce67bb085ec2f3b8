/*
 * alerts.h — what a supervisor must notice, derived from state changes
 * (pure).
 *
 * Given an area's, group's or door's state before and after a message,
 * the derivation appends alerts: an area or group reached crowded or
 * full, a gate closed or opened, a door offline for more than
 * HC_ALERT_OFFLINE_MS, a sequence gap, a storage fault. Alerts are kept
 * newest first in a bounded ring; a new alert rings the bell unless the
 * supervisor muted it. Times are arguments; nothing here reads a clock.
 */
#ifndef HC_DASH_ALERTS_H
#define HC_DASH_ALERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/wire_supervisor.h"

#define HC_ALERTS_MAX 128
#define HC_ALERT_OFFLINE_MS 30000
#define HC_ALERT_TEXT_BYTES 160

enum hc_alert_kind {
	HC_ALERT_CROWDED,
	HC_ALERT_FULL,
	HC_ALERT_GATE_CLOSED,
	HC_ALERT_GATE_OPENED,
	HC_ALERT_DOOR_OFFLINE,
	HC_ALERT_SEQ_GAP,
	HC_ALERT_STORAGE_FAULT,
};

struct hc_alert {
	int64_t at_wall_ms;
	enum hc_alert_kind kind;
	char text[HC_ALERT_TEXT_BYTES];
};

struct hc_alerts {
	struct hc_alert ring[HC_ALERTS_MAX];
	uint32_t head; /* index of the newest */
	uint32_t len;
	uint64_t total; /* alerts ever raised */
	bool muted;
	bool bell_pending; /* the edge beeps once and clears it */
};

/* Short label: "CROWDED", "FULL", "CLOSED", "OPENED", "OFFLINE", "GAP",
 * "STORAGE". */
const char *hc_alert_label(enum hc_alert_kind k);

/* The i-th newest alert (0: newest), or NULL. */
const struct hc_alert *hc_alerts_get(const struct hc_alerts *a, uint32_t i);

void hc_alerts_add(struct hc_alerts *a, enum hc_alert_kind k, int64_t at_wall_ms, const char *text);

/* before NULL: first sight, nothing to compare (no alert). */
void hc_alerts_area(struct hc_alerts *a, const struct hc_wire_area *before,
		    const struct hc_wire_area *after, int64_t now_wall_ms);
void hc_alerts_group(struct hc_alerts *a, const struct hc_wire_group *before,
		     const struct hc_wire_group *after, int64_t now_wall_ms);
void hc_alerts_terminal(struct hc_alerts *a, const struct hc_wire_terminal *before,
			const struct hc_wire_terminal *after, int64_t now_wall_ms);

/* True when a door offline since offline_since_ms (0: online) is due its
 * offline alert at now_ms and has not had it (alerted). */
bool hc_alerts_offline_due(int64_t offline_since_ms, bool alerted, int64_t now_ms);

#endif
