/*
 * store.h — the ledger's durable edge: an append-only SQLite table.
 *
 * One row per applied batch (or supervisor correction), unique by
 * (source, incarnation, seq). A commit is all-or-nothing and durable
 * when it returns (WAL, synchronous=FULL): the aggregator acknowledges a
 * batch only after the commit that holds it returned ok. INSERT OR IGNORE
 * makes the store the final arbiter of "applied once".
 *
 * A store is opened with the venue config it maps indexes through
 * (terminal index -> terminal id, area index -> area id); the config must
 * outlive the store. The aggregator then hands it slot tables
 * (hc_store_use_slots, aggregator/slots.h) so that row indexes are
 * stable slots that survive config reloads. One connection per store:
 * after start-up loading, only the committer's worker thread uses it.
 *
 * Besides the ledger the database keeps what supervisors decided and
 * what the venue looked like minute by minute (schema version 2):
 *   audit       every supervisor command that changed something: who,
 *               when, what, why (append-only);
 *   overrides   gate overrides in force (a row per area/group; released
 *               ones are deleted — the audit keeps the history);
 *   adjustments threshold and capacity changes made at run time, applied
 *               on top of the config file (a row per area/group);
 *   samples     per area and minute: occupancy, level, restriction and
 *               the entries and exits during that minute.
 * These are written as "records" in the same transaction as the ledger
 * rows of a group commit (hc_store_commit_job).
 */
#ifndef HC_STORE_H
#define HC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "aggregator/ledger.h"
#include "aggregator/slots.h"
#include "aggregator/store_checkpoint.h"
#include "shared/config.h"

/* Schema version kept in PRAGMA user_version. Version 1 (the ledger
 * alone) is upgraded in place by adding the new tables. */
#define HC_STORE_SCHEMA_VERSION 3

/* Longest reason a supervisor may give, in bytes. */
#define HC_REASON_BYTES_MAX 200

enum hc_store_record_kind {
	HC_RECORD_AUDIT,      /* a row of audit */
	HC_RECORD_OVERRIDE,   /* set (mode "closed"/"open") or delete ("auto") */
	HC_RECORD_ADJUSTMENT, /* replace the settings of one target */
	HC_RECORD_SAMPLE,     /* one area-minute of history */
};

/* One non-ledger write. Fields not used by a kind are ignored. */
struct hc_store_record {
	enum hc_store_record_kind kind;
	uint64_t token;			    /* the loop's tag for the result; not stored */
	int64_t at_ms;			    /* wall clock */
	char who[HC_SOURCE_ID_LEN_MAX + 1]; /* "supervisor:alice" */
	char action[24];		    /* audit: "override", "set_thresholds", "correct" */
	char target[8];			    /* "area" or "group" */
	char id[HC_ID_LEN_MAX + 1];	    /* area or group id */
	char text[512];			    /* audit: detail JSON; override: mode;
				      * adjustment: settings JSON */
	char reason[HC_REASON_BYTES_MAX + 1];
	/* sample */
	int64_t minute_ms; /* wall clock start of the interval */
	int64_t occupancy;
	int64_t entered; /* during the interval */
	int64_t exited;
	char level[12];
	bool restricted;
};

struct hc_store;

/* What start-up loading found. */
struct hc_store_load_stats {
	int64_t rows;		     /* rows read */
	int64_t rows_unknown_source; /* rows of sources not in the config */
	int64_t rows_unknown_area;   /* rows of areas not in the config */
};

/* Opens (creating if needed) the database at path and its schema, in
 * WAL mode with synchronous=FULL, and proves it takes a write. A path
 * starting with "file:" is an SQLite URI. Refuses a database that could
 * not store anything (missing or unwritable directory, unwritable or
 * immutable file, read-only open) and one whose PATH.lock another store
 * holds (another aggregator: err names its pid). Returns NULL and writes
 * one sentence an operator can act on into err on failure. */
struct hc_store *hc_store_open(const char *path, const struct hc_venue_cfg *cfg, char *err,
			       size_t err_cap);

/* The journal mode ("wal") and synchronous level (2 is FULL) in force on
 * the store's connection, read back from SQLite (PRAGMA journal_mode,
 * PRAGMA synchronous). False when SQLite cannot answer. */
bool hc_store_durability(struct hc_store *s, char *journal_mode, size_t cap, int *synchronous);

void hc_store_close(struct hc_store *s);

/* What the WAL checkpoints did so far (store_checkpoint.h); false when
 * SQLite checkpoints by itself (a file: URI or :memory:). */
bool hc_store_checkpoint_stats(struct hc_store *s, struct hc_checkpoint_stats *out);

/* From now on row indexes are slots of these tables (which must outlive
 * the store), and loading gives ids found only in the database slots of
 * their own. The ledger must then be sized by the tables' capacities. */
void hc_store_use_slots(struct hc_store *s, struct hc_slots *sources, struct hc_slots *areas);

/* Streams every row into the ledger (hc_ledger_load_row). Rows of
 * terminals not in the config count for their area with
 * HC_LEDGER_NO_TERMINAL; rows of areas not in the config count for no
 * area. One warning per unknown id. Returns false with err on a read
 * error (the ledger is then incomplete and must not be used). */
bool hc_store_load(struct hc_store *s, struct hc_ledger *l, struct hc_store_load_stats *stats,
		   char *err, size_t err_cap);

/* Writes rows in one transaction: BEGIN IMMEDIATE, INSERT OR IGNORE each,
 * COMMIT. inserted[i] tells whether row i was new. On failure everything
 * is rolled back, err holds "sqlite message (code N)" and false is
 * returned. Rows must have a terminal and area index of the config. */
bool hc_store_commit(struct hc_store *s, const struct hc_ledger_row *rows, size_t n, bool *inserted,
		     char *err, size_t err_cap);

/* The same, with records written in the same transaction. */
bool hc_store_commit_job(struct hc_store *s, const struct hc_ledger_row *rows, size_t n,
			 bool *inserted, const struct hc_store_record *records, size_t n_records,
			 char *err, size_t err_cap);

/* Start-up: calls fn for every override and adjustment row (kind
 * HC_RECORD_OVERRIDE / HC_RECORD_ADJUSTMENT, with target, id, text, who,
 * at_ms, reason). False with err on a read error. */
bool hc_store_load_settings(struct hc_store *s,
			    void (*fn)(void *arg, const struct hc_store_record *r), void *arg,
			    char *err, size_t err_cap);

/* Writes the samples of [from_ms, to_ms) (of one area when area is not
 * NULL), ordered by area and minute, to out as CSV with a header line
 * (history.h). Opens path read-only. *rows_out counts the data lines.
 * False with err when the database cannot be read. */
bool hc_store_export_samples(const char *path, int64_t from_ms, int64_t to_ms, const char *area,
			     FILE *out, int64_t *rows_out, char *err, size_t err_cap);

#endif
