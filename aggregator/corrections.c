/*
 * corrections.c — per-area corrections and recent samples for the
 * supervisor role (see corrections.h).
 *
 * Relies on: sqlite3 for the one start-up read of the audit table (a
 * connection of its own, opened read-only and closed at once), jansson
 * for the audit detail and the JSON added to areas, shared/clock.h for
 * the UTC text. Promises: the sums equal the sums of the deltas of every
 * correction recorded (loaded or added); memory is fixed at creation.
 */
#include "aggregator/corrections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "shared/clock.h"

struct correction {
	char who[HC_SOURCE_ID_LEN_MAX + 1];
	int64_t at_ms;
	int64_t delta;
	char reason[201];
};

struct area_log {
	int64_t corrected_entered;
	int64_t corrected_exited;
	struct correction ring[HC_CORRECTIONS_SHOWN];
	uint32_t next; /* ring write position */
	uint32_t len;
	int64_t samples[HC_RECENT_SAMPLES];
	uint32_t sample_next;
	uint32_t sample_len;
	bool has_minute;
	int64_t minute_entered;
	int64_t minute_exited;
	uint64_t version;
};

struct hc_corrections {
	struct area_log areas[HC_AREA_SLOTS_MAX];
};

struct hc_corrections *hc_corrections_new(void)
{
	return calloc(1, sizeof(struct hc_corrections));
}

void hc_corrections_free(struct hc_corrections *c)
{
	free(c);
}

void hc_corrections_add(struct hc_corrections *c, uint32_t area_slot, const char *who,
			int64_t at_ms, int64_t d_entered, int64_t d_exited, const char *reason)
{
	if (c == NULL || area_slot >= HC_AREA_SLOTS_MAX)
		return;
	struct area_log *a = &c->areas[area_slot];
	a->corrected_entered += d_entered;
	a->corrected_exited += d_exited;
	struct correction *e = &a->ring[a->next];
	snprintf(e->who, sizeof e->who, "%s", who);
	e->at_ms = at_ms;
	e->delta = d_entered - d_exited;
	snprintf(e->reason, sizeof e->reason, "%s", reason);
	a->next = (a->next + 1) % HC_CORRECTIONS_SHOWN;
	if (a->len < HC_CORRECTIONS_SHOWN)
		a->len++;
	a->version++;
}

/* Opens path read-only and prepares sql on it: the start-up reads use
 * a connection of their own. False when either fails (rc says why; *db
 * may then be open for its message, and end_read closes it). */
static bool begin_read(const char *path, const char *sql, sqlite3 **db, sqlite3_stmt **st, int *rc)
{
	*db = NULL;
	*st = NULL;
	*rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
	if (*rc != SQLITE_OK)
		return false;
	sqlite3_busy_timeout(*db, 5000);
	*rc = sqlite3_prepare_v2(*db, sql, -1, st, NULL);
	return *rc == SQLITE_OK;
}

/* Closes a read begun by begin_read. ok false: err says what failed
 * ("read WHAT from PATH: why"). Returns ok. */
static bool end_read(bool ok, const char *what, const char *path, sqlite3 *db, sqlite3_stmt *st,
		     int rc, char *err, size_t err_cap)
{
	if (!ok)
		snprintf(err, err_cap, "read %s from %s: %s", what, path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

bool hc_corrections_load(struct hc_corrections *c, const char *path,
			 const struct hc_slots *area_ids, char *err, size_t err_cap)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc;
	if (!begin_read(path,
			"SELECT at_ms, who, target, detail_json, reason FROM audit"
			" WHERE action = 'correct' ORDER BY id;",
			&db, &st, &rc))
		return end_read(false, "corrections", path, db, st, rc, err, err_cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *who = (const char *)sqlite3_column_text(st, 1);
		const char *target = (const char *)sqlite3_column_text(st, 2);
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		const char *reason = (const char *)sqlite3_column_text(st, 4);
		if (who == NULL || target == NULL || detail == NULL || reason == NULL ||
		    strncmp(target, "area:", 5) != 0)
			continue;
		uint32_t slot = hc_slots_find(area_ids, target + 5);
		if (slot == HC_SLOT_NONE)
			continue;
		json_t *d = json_loads(detail, 0, NULL);
		json_t *e = json_object_get(d, "entered"), *x = json_object_get(d, "exited");
		if (json_is_integer(e) && json_is_integer(x))
			hc_corrections_add(c, slot, who, sqlite3_column_int64(st, 0),
					   json_integer_value(e), json_integer_value(x), reason);
		json_decref(d);
	}
	return end_read(rc == SQLITE_DONE, "corrections", path, db, st, rc, err, err_cap);
}

/* Feeds area slot's samples since since_ms from the prepared samples
 * query st into c. Returns SQLITE_DONE when all were read, else the
 * SQLite code that stopped it. */
static int read_area_samples(struct hc_corrections *c, sqlite3_stmt *st, uint32_t slot,
			     const char *area_id, int64_t since_ms, int64_t interval_ms)
{
	int rc;
	sqlite3_reset(st);
	if ((rc = sqlite3_bind_text(st, 1, area_id, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, since_ms)) != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		hc_corrections_sample(c, slot, sqlite3_column_int64(st, 0),
				      sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
				      interval_ms);
	return rc;
}

bool hc_corrections_load_samples(struct hc_corrections *c, const char *path,
				 const struct hc_slots *area_ids, int64_t now_ms,
				 int64_t interval_ms, char *err, size_t err_cap)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc;
	/* One range of the (area, minute_ms) primary key per area: the read
	 * costs the last hour, whatever the length of the history kept. */
	bool ok = begin_read(path,
			     "SELECT occupancy, entered, exited FROM samples"
			     " WHERE area = ?1 AND minute_ms >= ?2 ORDER BY minute_ms;",
			     &db, &st, &rc);
	int64_t since_ms = now_ms - (int64_t)HC_RECENT_SAMPLES * interval_ms;
	for (uint32_t slot = 0; ok && slot < hc_slots_count(area_ids); slot++) {
		rc = read_area_samples(c, st, slot, hc_slots_id(area_ids, slot), since_ms,
				       interval_ms);
		ok = rc == SQLITE_DONE;
	}
	return end_read(ok, "history samples", path, db, st, rc, err, err_cap);
}

void hc_corrections_sample(struct hc_corrections *c, uint32_t area_slot, int64_t occupancy,
			   int64_t entered, int64_t exited, int64_t interval_ms)
{
	if (c == NULL || area_slot >= HC_AREA_SLOTS_MAX || interval_ms <= 0)
		return;
	struct area_log *a = &c->areas[area_slot];
	a->samples[a->sample_next] = occupancy;
	a->sample_next = (a->sample_next + 1) % HC_RECENT_SAMPLES;
	if (a->sample_len < HC_RECENT_SAMPLES)
		a->sample_len++;
	a->has_minute = true;
	a->minute_entered = entered * 60000 / interval_ms;
	a->minute_exited = exited * 60000 / interval_ms;
	a->version++;
}

uint64_t hc_corrections_version(const struct hc_corrections *c, uint32_t area_slot)
{
	if (c == NULL || area_slot >= HC_AREA_SLOTS_MAX)
		return 0;
	return c->areas[area_slot].version;
}

_Static_assert(HC_CORRECTIONS_SHOWN <= HC_WIRE_SUP_CORRECTIONS_MAX, "every shown correction fits");
_Static_assert(HC_RECENT_SAMPLES <= HC_WIRE_SUP_HISTORY_MAX, "every sample fits");

void hc_corrections_fill(const struct hc_corrections *c, uint32_t area_slot,
			 struct hc_wire_area *out)
{
	if (c == NULL || area_slot >= HC_AREA_SLOTS_MAX)
		return;
	const struct area_log *a = &c->areas[area_slot];
	out->has_corrected = true;
	out->corrected_entered = a->corrected_entered;
	out->corrected_exited = a->corrected_exited;
	out->correction_count = a->len;
	for (uint32_t k = 0; k < a->len; k++) {
		const struct correction *e =
			&a->ring[(a->next + HC_CORRECTIONS_SHOWN - a->len + k) %
				 HC_CORRECTIONS_SHOWN];
		struct hc_wire_correction *w = &out->corrections[k];
		snprintf(w->who, sizeof w->who, "%s", e->who);
		w->at_ms = e->at_ms;
		w->delta = e->delta;
		snprintf(w->reason, sizeof w->reason, "%s", e->reason);
	}
	out->history_count = a->sample_len;
	for (uint32_t k = 0; k < a->sample_len; k++)
		out->history[k] =
			a->samples[(a->sample_next + HC_RECENT_SAMPLES - a->sample_len + k) %
				   HC_RECENT_SAMPLES];
	out->has_minute = a->has_minute;
	out->minute_entered = a->minute_entered;
	out->minute_exited = a->minute_exited;
}
