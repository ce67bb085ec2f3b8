/*
 * store_load.c — reading the ledger database: every row into the ledger
 * at start-up, the overrides and adjustments in force, the history
 * samples as CSV.
 *
 * Relies on: store.c (the open connection, store_internal.h), the venue
 * config or the slot tables for id -> index, shared/protocol.h for the
 * incarnation's text form.
 *
 * Promises: loading streams the table in rowid order (a sequential scan)
 * and maps ids through hash indexes built from the config; one
 * terminal's rows come in commit order, nearly ascending by seq, so the
 * ledger extends its intervals in constant time (target: serving again
 * within about a second with a million rows). A read error leaves the
 * ledger incomplete and says so; nothing here writes.
 */
#include "aggregator/store.h"
#include "aggregator/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "aggregator/history.h"
#include "shared/log.h"
#include "shared/protocol.h"

/* Table order (rowid), not index order: reading in the unique index's
 * order costs a table lookup per row (2 s for a million rows, measured)
 * where a plain scan takes 0.2 s. Rows of one terminal still arrive in
 * the order they were committed, so nearly ascending by seq, and the
 * ledger's interval insert stays at its constant-time tail case. */
static const char *const load_sql = "SELECT source, incarnation, seq, area, entered, exited,"
				    " undo_entered, undo_exited, received_at_ms FROM ledger;";

/* ---- loading ---------------------------------------------------------- */

/* Remembers ids already warned about, so each is logged once. */
struct warned_ids {
	char ids[64][HC_NAME_LEN_MAX + HC_ID_LEN_MAX + 2];
	int len;
	bool overflow_said;
};

static void warn_unknown_once(struct warned_ids *w, const char *kind, const char *id,
			      const char *path)
{
	for (int i = 0; i < w->len; i++)
		if (strcmp(w->ids[i], id) == 0)
			return;
	if (w->len == (int)(sizeof w->ids / sizeof w->ids[0])) {
		if (!w->overflow_said)
			hc_warn("store %s: more unknown ids than are worth listing", path);
		w->overflow_said = true;
		return;
	}
	snprintf(w->ids[w->len++], sizeof w->ids[0], "%s", id);
	hc_warn("store %s: ledger rows of %s \"%s\", not in the venue config", path, kind, id);
}


/* An open-addressing hash of config ids to their index, so a row's
 * source and area are found in constant time whatever the row order. */
struct id_index {
	const char **ids;  /* slot -> id, NULL when empty */
	uint32_t *indexes; /* slot -> index in the config */
	size_t mask;
};

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Builds the index of count ids, each at (char *)base + i * stride. */
static bool id_index_build(struct id_index *x, const char *base, size_t stride, int count)
{
	size_t slots = 16;
	while (slots < 2 * (size_t)count)
		slots *= 2;
	x->ids = calloc(slots, sizeof *x->ids);
	x->indexes = calloc(slots, sizeof *x->indexes);
	x->mask = slots - 1;
	if (x->ids == NULL || x->indexes == NULL)
		return false;
	for (int i = 0; i < count; i++) {
		const char *id = base + (size_t)i * stride;
		size_t slot = hash_id(id) & x->mask;
		while (x->ids[slot] != NULL)
			slot = (slot + 1) & x->mask;
		x->ids[slot] = id;
		x->indexes[slot] = (uint32_t)i;
	}
	return true;
}

/* Index of id, or UINT32_MAX. */
static uint32_t id_index_find(const struct id_index *x, const char *id)
{
	for (size_t slot = hash_id(id) & x->mask; x->ids[slot] != NULL; slot = (slot + 1) & x->mask)
		if (strcmp(x->ids[slot], id) == 0)
			return x->indexes[slot];
	return UINT32_MAX;
}

static void id_index_free(struct id_index *x)
{
	free(x->ids);
	free(x->indexes);
}

/* Loading state: the id indexes, the warned ids, and lookups cached from
 * the previous row (consecutive rows often share them). */
struct loader {
	struct id_index terminals;
	struct id_index areas;
	struct slots_view {
		struct hc_slots *sources; /* NULL: map to config positions */
		struct hc_slots *areas;
	} slots;
	struct warned_ids warned;
	char last_source[HC_NAME_LEN_MAX + HC_ID_LEN_MAX + 2];
	uint32_t last_terminal;
	bool last_source_known; /* a terminal of the config */
	bool last_area_known;
	char last_inc_text[HC_INCARNATION_HEX_LEN + 1];
	uint64_t last_inc;
	char last_area[HC_ID_LEN_MAX + 1];
	uint32_t last_area_index;
};

/* Index (config position or slot) of a row's source. Supervisors'
 * corrections are expected sources and are not warned about. */
static uint32_t loader_terminal(struct loader *ld, const char *source, const char *path)
{
	if (strcmp(source, ld->last_source) != 0) {
		snprintf(ld->last_source, sizeof ld->last_source, "%s", source);
		ld->last_terminal = id_index_find(&ld->terminals, source);
		ld->last_source_known = ld->last_terminal != UINT32_MAX;
		if (!ld->last_source_known) {
			ld->last_terminal = HC_LEDGER_NO_TERMINAL;
			if (strncmp(source, "supervisor:", 11) != 0)
				warn_unknown_once(&ld->warned, "source", source, path);
		}
		if (ld->slots.sources != NULL) {
			uint32_t slot = hc_slots_add(ld->slots.sources, source);
			ld->last_terminal = slot == HC_SLOT_NONE ? HC_LEDGER_NO_TERMINAL : slot;
		}
	}
	return ld->last_terminal;
}

static uint64_t loader_incarnation(struct loader *ld, const char *text)
{
	if (strcmp(text, ld->last_inc_text) != 0) {
		snprintf(ld->last_inc_text, sizeof ld->last_inc_text, "%s", text);
		/* Not a terminal's (a correction's): seqs are not tracked. */
		if (!hc_proto_parse_incarnation(text, &ld->last_inc))
			ld->last_inc = 0;
	}
	return ld->last_inc;
}

static uint32_t loader_area(struct loader *ld, const char *area, const char *path)
{
	if (ld->last_area_index == UINT32_MAX - 1 || strcmp(area, ld->last_area) != 0) {
		snprintf(ld->last_area, sizeof ld->last_area, "%s", area);
		ld->last_area_index = id_index_find(&ld->areas, area);
		ld->last_area_known = ld->last_area_index != UINT32_MAX;
		if (!ld->last_area_known) {
			ld->last_area_index = HC_LEDGER_NO_AREA;
			warn_unknown_once(&ld->warned, "area", area, path);
		}
		if (ld->slots.areas != NULL) {
			uint32_t slot = hc_slots_add(ld->slots.areas, area);
			ld->last_area_index = slot == HC_SLOT_NONE ? HC_LEDGER_NO_AREA : slot;
		}
	}
	return ld->last_area_index;
}

/* Rebuilds the ledger from every stored row at start-up. One piece
 * (about 65 lines): one statement stepped over every row, with the
 * row's source and area resolved by the loader helpers above and the
 * figures it reports counted on that same pass, on one fail path. */
bool hc_store_load(struct hc_store *s, struct hc_ledger *l, struct hc_store_load_stats *stats,
		   char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	struct loader *ld = calloc(1, sizeof *ld);
	memset(stats, 0, sizeof *stats);
	if (ld == NULL ||
	    !id_index_build(&ld->terminals, s->cfg->terminals[0].id, sizeof s->cfg->terminals[0],
			    s->cfg->terminal_count) ||
	    !id_index_build(&ld->areas, s->cfg->areas[0].id, sizeof s->cfg->areas[0],
			    s->cfg->area_count)) {
		snprintf(err, err_cap, "out of memory");
		goto fail;
	}
	ld->last_terminal = HC_LEDGER_NO_TERMINAL;
	ld->last_area_index = UINT32_MAX - 1; /* nothing cached yet */
	ld->slots.sources = s->sources;
	ld->slots.areas = s->areas;
	int rc = sqlite3_prepare_v2(s->db, load_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		hc_store_db_error(s->db, rc, "prepare load", err, err_cap);
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *source = hc_store_column_text(st, 0);
		struct hc_ledger_row row = {
			.terminal_index = loader_terminal(ld, source, s->path),
			.incarnation = loader_incarnation(ld, hc_store_column_text(st, 1)),
			.seq = sqlite3_column_int64(st, 2),
			.area_index = loader_area(ld, hc_store_column_text(st, 3), s->path),
			.entered = sqlite3_column_int64(st, 4),
			.exited = sqlite3_column_int64(st, 5),
			.undo_entered = sqlite3_column_int64(st, 6),
			.undo_exited = sqlite3_column_int64(st, 7),
			.received_at_ms = sqlite3_column_int64(st, 8),
		};
		stats->rows++;
		if (row.entered < 0 || row.exited < 0 || row.seq < 1 || row.undo_entered < 0 ||
		    row.undo_exited < 0) {
			snprintf(err, err_cap,
				 "row of %s seq %" PRId64 " has a negative count or seq", source,
				 row.seq);
			goto fail;
		}
		if (!ld->last_source_known)
			stats->rows_unknown_source++;
		if (!ld->last_area_known)
			stats->rows_unknown_area++;
		hc_ledger_load_row(l, &row);
	}
	if (rc != SQLITE_DONE) {
		hc_store_db_error(s->db, rc, "load", err, err_cap);
		goto fail;
	}
	sqlite3_finalize(st);
	id_index_free(&ld->terminals);
	id_index_free(&ld->areas);
	free(ld);
	return true;
fail:
	sqlite3_finalize(st);
	if (ld != NULL) {
		id_index_free(&ld->terminals);
		id_index_free(&ld->areas);
	}
	free(ld);
	return false;
}

/* ---- settings and history --------------------------------------------- */

/* Reads one settings table (overrides or adjustments) into fn. */
static bool load_setting_table(struct hc_store *s, const char *sql, enum hc_store_record_kind kind,
			       void (*fn)(void *arg, const struct hc_store_record *r), void *arg,
			       char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	struct hc_store_record *r = calloc(1, sizeof *r);
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK || r == NULL) {
		hc_store_db_error(s->db, rc, sql, err, err_cap);
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(r, 0, sizeof *r);
		r->kind = kind;
		snprintf(r->target, sizeof r->target, "%s", hc_store_column_text(st, 0));
		snprintf(r->id, sizeof r->id, "%s", hc_store_column_text(st, 1));
		snprintf(r->text, sizeof r->text, "%s", hc_store_column_text(st, 2));
		snprintf(r->who, sizeof r->who, "%s", hc_store_column_text(st, 3));
		r->at_ms = sqlite3_column_int64(st, 4);
		snprintf(r->reason, sizeof r->reason, "%s", hc_store_column_text(st, 5));
		fn(arg, r);
	}
	if (rc != SQLITE_DONE) {
		hc_store_db_error(s->db, rc, sql, err, err_cap);
		goto fail;
	}
	sqlite3_finalize(st);
	free(r);
	return true;
fail:
	sqlite3_finalize(st);
	free(r);
	return false;
}

bool hc_store_load_settings(struct hc_store *s,
			    void (*fn)(void *arg, const struct hc_store_record *r), void *arg,
			    char *err, size_t err_cap)
{
	return load_setting_table(s,
				  "SELECT target, id, mode, who, at_ms, reason"
				  " FROM overrides ORDER BY at_ms;",
				  HC_RECORD_OVERRIDE, fn, arg, err, err_cap) &&
	       load_setting_table(s,
				  "SELECT target, id, settings_json, who, at_ms, reason"
				  " FROM adjustments ORDER BY at_ms;",
				  HC_RECORD_ADJUSTMENT, fn, arg, err, err_cap);
}

bool hc_store_export_samples(const char *path, int64_t from_ms, int64_t to_ms, const char *area,
			     FILE *out, int64_t *rows_out, char *err, size_t err_cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	*rows_out = 0;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		hc_store_db_error(db, rc, "open", err, err_cap);
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	const char *sql = "SELECT area, minute_ms, occupancy, level, restricted, entered, exited"
			  " FROM samples WHERE minute_ms >= ?1 AND minute_ms < ?2"
			  " AND (?3 IS NULL OR area = ?3) ORDER BY area, minute_ms;";
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		hc_store_db_error(db, rc, "read samples (is this a headcount database?)", err,
				  err_cap);
		goto fail;
	}
	if ((rc = sqlite3_bind_int64(st, 1, from_ms)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, to_ms)) != SQLITE_OK ||
	    (rc = area ? sqlite3_bind_text(st, 3, area, -1, SQLITE_STATIC)
		       : sqlite3_bind_null(st, 3)) != SQLITE_OK) {
		hc_store_db_error(db, rc, "bind", err, err_cap);
		goto fail;
	}
	if (fprintf(out, "%s\n", HC_HISTORY_CSV_HEADER) < 0) {
		snprintf(err, err_cap, "write: %s", strerror(errno));
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char line[256];
		size_t len = hc_history_csv_row(line, sizeof line, hc_store_column_text(st, 0),
						sqlite3_column_int64(st, 1),
						sqlite3_column_int64(st, 2),
						hc_store_column_text(st, 3),
						sqlite3_column_int(st, 4) != 0,
						sqlite3_column_int64(st, 5),
						sqlite3_column_int64(st, 6));
		if (len == 0 || fwrite(line, 1, len, out) != len) {
			snprintf(err, err_cap, "write: %s",
				 len ? strerror(errno) : "line too long");
			goto fail;
		}
		(*rows_out)++;
	}
	if (rc != SQLITE_DONE) {
		hc_store_db_error(db, rc, "read samples", err, err_cap);
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return true;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return false;
}
