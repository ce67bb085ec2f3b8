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
 * outlive the store. One connection per store: after start-up loading,
 * only the committer's worker thread uses it.
 */
#ifndef HC_STORE_H
#define HC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/ledger.h"
#include "shared/config.h"

/* Schema version kept in PRAGMA user_version. */
#define HC_STORE_SCHEMA_VERSION 1

struct hc_store;

/* What start-up loading found. */
struct hc_store_load_stats {
	int64_t rows;                /* rows read */
	int64_t rows_unknown_source; /* rows of sources not in the config */
	int64_t rows_unknown_area;   /* rows of areas not in the config */
};

/* Opens (creating if needed) the database at path and its schema. A path
 * starting with "file:" is an SQLite URI ("file:x.db?mode=ro"). Returns
 * NULL and writes a reason into err on failure. */
struct hc_store *hc_store_open(const char *path, const struct hc_venue_cfg *cfg,
			       char *err, size_t err_cap);

void hc_store_close(struct hc_store *s);

/* Streams every row into the ledger (hc_ledger_load_row). Rows of
 * terminals not in the config count for their area with
 * HC_LEDGER_NO_TERMINAL; rows of areas not in the config count for no
 * area. One warning per unknown id. Returns false with err on a read
 * error (the ledger is then incomplete and must not be used). */
bool hc_store_load(struct hc_store *s, struct hc_ledger *l,
		   struct hc_store_load_stats *stats, char *err, size_t err_cap);

/* Writes rows in one transaction: BEGIN IMMEDIATE, INSERT OR IGNORE each,
 * COMMIT. inserted[i] tells whether row i was new. On failure everything
 * is rolled back, err holds "sqlite message (code N)" and false is
 * returned. Rows must have a terminal and area index of the config. */
bool hc_store_commit(struct hc_store *s, const struct hc_ledger_row *rows,
		     size_t n, bool *inserted, char *err, size_t err_cap);

#endif
