/*
 * corrections.h — what supervisors corrected, per area, as the
 * supervisor role shows it beside the door sums; and the last hour of
 * each area's history samples for the dashboard's sparkline (pure, but
 * for the start-up read of the audit table).
 *
 * A correction is a ledger row (a delta) plus an audit row (who, when,
 * why); this keeps, per area slot, the sums of the corrections' deltas
 * (so a supervisor sees raw door sums = totals - corrections beside the
 * corrected figure) and the newest HC_CORRECTIONS_SHOWN of them, and the
 * recent samples (occupancy per interval, at most HC_RECENT_SAMPLES). At
 * start both are filled from the database (audit and samples tables),
 * so they survive restarts. Every change bumps the
 * area slot's version here, which the supervisor role adds to the area's
 * own, so the change is pushed.
 */
#ifndef HC_CORRECTIONS_H
#define HC_CORRECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/slots.h"
#include "shared/wire_supervisor.h"

#define HC_CORRECTIONS_SHOWN 8
#define HC_RECENT_SAMPLES 60

struct hc_corrections;

struct hc_corrections *hc_corrections_new(void);
void hc_corrections_free(struct hc_corrections *c);

/* Records a correction of an area slot: deltas d_entered, d_exited >= 0. */
void hc_corrections_add(struct hc_corrections *c, uint32_t area_slot, const char *who,
			int64_t at_ms, int64_t d_entered, int64_t d_exited, const char *reason);

/* Reads every "correct" row of the audit table of the database at path
 * (read-only; WAL lets it run beside the store); rows of areas not in
 * area_ids are skipped. False with err when the table cannot be read. */
bool hc_corrections_load(struct hc_corrections *c, const char *path,
			 const struct hc_slots *area_ids, char *err, size_t err_cap);

/* Reads the history samples of the last HC_RECENT_SAMPLES intervals
 * before now_ms from the samples table of the database at path
 * (read-only), so the last hour survives a restart. False with err when
 * the table cannot be read. */
bool hc_corrections_load_samples(struct hc_corrections *c, const char *path,
				 const struct hc_slots *area_ids, int64_t now_ms,
				 int64_t interval_ms, char *err, size_t err_cap);

/* A history sample of an area slot: occupancy at the end of an interval
 * and the entries and exits during it, interval_ms long. */
void hc_corrections_sample(struct hc_corrections *c, uint32_t area_slot, int64_t occupancy,
			   int64_t entered, int64_t exited, int64_t interval_ms);

/* Bumped on every change of the area slot's corrections or samples. */
uint64_t hc_corrections_version(const struct hc_corrections *c, uint32_t area_slot);

/* The corrections of an area slot into the supervisor wire's plain area
 * (shared/wire_supervisor.h; shared/wire_supervisor_server.h writes
 * them as corrected_entered, corrected_exited, corrections [{who, at,
 * delta, reason}] and history): has_corrected, the sums, the
 * corrections (oldest first), the history (occupancy per interval,
 * oldest first) and, once a sample exists, has_minute with the
 * per-minute figures. Leaves a alone for a NULL c or a slot out of
 * range. */
void hc_corrections_fill(const struct hc_corrections *c, uint32_t area_slot,
			 struct hc_wire_area *a);

#endif
