/*
 * model.h — the dashboard's picture of the venue, fed by parsed
 * supervisor messages (pure).
 *
 * What lives here: the areas, groups and doors as the aggregator last
 * sent them; per area the occupancy samples the dashboard saw (for time
 * to full and the per-minute flow when the aggregator does not send it);
 * per door when it went offline; the connection state (a model whose
 * link is down keeps its figures and is stale); the alerts derived from
 * every change. Times are arguments (mono for durations, wall for what
 * is shown). Nothing here reads a clock or a socket.
 */
#ifndef HC_DASH_MODEL_H
#define HC_DASH_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregator/dashboard/alerts.h"
#include "aggregator/dashboard/ttf.h"
#include "shared/wire_supervisor.h"

/* Occupancy samples kept per area: one per HC_MODEL_SAMPLE_EVERY_MS at
 * most (a newer figure within that time replaces the newest sample), so
 * the ring spans HC_MODEL_SAMPLES * 5 s = 10 min. */
#define HC_MODEL_SAMPLES 120
#define HC_MODEL_SAMPLE_EVERY_MS 5000

struct hc_model_sample {
	int64_t t_ms; /* mono */
	int64_t entered;
	int64_t exited;
	int64_t occupancy;
};

struct hc_model_area {
	struct hc_wire_area w;
	struct hc_model_sample samples[HC_MODEL_SAMPLES]; /* ring */
	uint32_t sample_head;				  /* next write */
	uint32_t sample_len;
};

struct hc_model_terminal {
	struct hc_wire_terminal w;
	int64_t offline_since_ms; /* mono; 0: online */
	bool offline_alerted;
};

struct hc_model {
	char venue[HC_NAME_LEN_MAX + 1];
	char supervisor[HC_ID_LEN_MAX + 1];
	struct hc_model_area *areas;
	uint32_t area_count;
	struct hc_wire_group *groups;
	uint32_t group_count;
	struct hc_model_terminal *terminals;
	uint32_t terminal_count;
	bool have_snapshot;
	uint64_t snapshot_generation;	    /* bumped by every snapshot (the lists changed) */
	bool connected;			    /* welcomed and not closed since */
	int64_t disconnected_since_wall_ms; /* 0: never connected or connected now */
	uint64_t version;		    /* bumped on every visible change */
	struct hc_alerts alerts;
};

void hc_model_init(struct hc_model *m);
void hc_model_free(struct hc_model *m);

/* Applies one message (snapshot, area, group, terminal, welcome). A
 * snapshot replaces the lists but keeps each area's samples by id, and
 * derives alerts against the previous figures (what changed while the
 * link was down is not lost). False when out of memory (the model is
 * unchanged). */
bool hc_model_apply(struct hc_model *m, const struct hc_wire_sup_msg *msg, int64_t now_ms,
		    int64_t now_wall_ms);

/* The link went down at now_wall_ms: figures become stale. */
void hc_model_disconnected(struct hc_model *m, int64_t now_wall_ms);

/* Raises due "offline for more than 30 s" alerts (for doors seen at
 * least once; one that never connected has not gone offline). */
void hc_model_tick(struct hc_model *m, int64_t now_ms, int64_t now_wall_ms);

/* True while the figures shown may be out of date. */
bool hc_model_stale(const struct hc_model *m);

int hc_model_find_area(const struct hc_model *m, const char *id);

/* Time to full of area i from the samples the dashboard saw. */
struct hc_ttf hc_model_ttf(const struct hc_model *m, uint32_t i, int64_t now_ms);

/* Entered and exited during the last minute: the aggregator's figures
 * when it sends them, else the dashboard's own over its samples
 * (scaled to a minute; false when there is too little history). */
bool hc_model_per_minute(const struct hc_model *m, uint32_t i, int64_t now_ms, int64_t *entered,
			 int64_t *exited);

/* Door sums (raw) and the corrected figure of area i: raw = totals
 * minus the supervisors' corrections. False when the aggregator sends
 * no correction sums. */
bool hc_model_raw(const struct hc_model *m, uint32_t i, int64_t *raw_entered, int64_t *raw_exited);

#endif
