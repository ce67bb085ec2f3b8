/*
 * bench_restart.c — restart with a big ledger: from exec of the
 * aggregator to GET /healthz answering 200.
 *
 * Relies on: aggregator/store.h to create the database with exactly the
 * aggregator's schema (hc_store_open), then SQLite to bulk-insert rows in
 * one transaction with a recursive CTE; the lws client context for the
 * HTTP probe; bench_proc.c to start and stop the aggregator.
 *
 * The rows are spread evenly over the venue config's terminals, each
 * with one incarnation and seqs 1, 2, 3, ..., alternately one ENTER and
 * one EXIT: what a long day of real batches leaves behind. A database
 * that already holds at least the rows asked for is reused. The probe
 * reconnects every BENCH_PROBE_GAP_US until the answer is 200.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "aggregator/store.h"
#include "shared/clock.h"
#include "shared/log.h"
#include "shared/protocol.h"
#include "tests/bench/bench.h"

#define BENCH_PROBE_GAP_US 2000
#define BENCH_RESTART_DEADLINE_US (60 * 1000000LL)

struct http_probe {
	bool finished; /* answered, refused or closed */
	bool open;     /* the wsi exists */
	int status;    /* HTTP status, 0: none */
};

int bench_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			size_t len)
{
	struct http_probe *p = user;
	(void)in;
	(void)len;
	if (p == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		p->finished = true;
		p->open = false;
		return 0;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		p->status = (int)lws_http_client_http_response(wsi);
		p->finished = true;
		return -1; /* the status is all we need */
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		p->finished = true;
		p->open = false;
		return 0;
	default: return 0;
	}
}

static bool probe_settled(void *arg)
{
	const struct http_probe *p = arg;
	return p->finished && !p->open;
}

/* One GET /healthz; returns its status, 0 when there was no answer. */
static int probe_health(struct bench *b, struct http_probe *p)
{
	memset(p, 0, sizeof *p);
	p->open = true;
	struct lws *wsi = bench_connect(b, BENCH_PROTO_HTTP, "/healthz", p);
	if (wsi == NULL) {
		p->open = false;
		return 0;
	}
	if (!bench_loop_run(b, probe_settled, p, hc_mono_us() + 2000000)) {
		lws_set_wsi_user(wsi, NULL);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return 0;
	}
	return p->status;
}

static int64_t count_rows(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t rows = -1;
	if (access(path, R_OK) != 0)
		return -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM ledger;", -1, &st, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rows;
}

static bool exec_or_log(sqlite3 *db, const char *sql, const char *path)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hc_error("bench restart: %s: %.80s...: %s", path, sql, msg ? msg : "?");
		sqlite3_free(msg);
		return false;
	}
	return true;
}

/* Fills temp.bench_terminals(k, id, area, inc) from the venue config. */
static bool insert_terminals(sqlite3 *db, const struct hc_venue_cfg *cfg, const char *path)
{
	sqlite3_stmt *st = NULL;
	if (!exec_or_log(db,
			 "CREATE TEMP TABLE bench_terminals (k INTEGER PRIMARY KEY,"
			 " id TEXT, area TEXT, inc TEXT);",
			 path))
		return false;
	if (sqlite3_prepare_v2(db, "INSERT INTO temp.bench_terminals VALUES (?1,?2,?3,?4);", -1,
			       &st, NULL) != SQLITE_OK) {
		hc_error("bench restart: %s: prepare: %s", path, sqlite3_errmsg(db));
		return false;
	}
	for (int i = 0; i < cfg->terminal_count; i++) {
		char inc[HC_INCARNATION_HEX_LEN + 1];
		hc_proto_format_incarnation(0x1000000000000000ULL + (uint64_t)i, inc);
		sqlite3_reset(st);
		if (sqlite3_bind_int(st, 1, i) != SQLITE_OK ||
		    sqlite3_bind_text(st, 2, cfg->terminals[i].id, -1, SQLITE_STATIC) !=
			    SQLITE_OK ||
		    sqlite3_bind_text(st, 3, cfg->terminals[i].area, -1, SQLITE_STATIC) !=
			    SQLITE_OK ||
		    sqlite3_bind_text(st, 4, inc, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE) {
			hc_error("bench restart: %s: insert terminal: %s", path,
				 sqlite3_errmsg(db));
			sqlite3_finalize(st);
			return false;
		}
	}
	sqlite3_finalize(st);
	return true;
}

/* Creates path with the aggregator's schema and rows ledger rows. */
static bool generate_ledger(const struct hc_venue_cfg *cfg, const char *path, int64_t rows)
{
	char err[512];
	const char *suffixes[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[4200];
		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		unlink(p);
	}
	struct hc_store *store = hc_store_open(path, cfg, err, sizeof err);
	if (store == NULL) {
		hc_error("bench restart: cannot create %s: %s", path, err);
		return false;
	}
	hc_store_close(store);

	sqlite3 *db = NULL;
	bool ok = false;
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		hc_error("bench restart: cannot open %s: %s", path, sqlite3_errmsg(db));
		goto done;
	}
	int64_t per_terminal = (rows + cfg->terminal_count - 1) / cfg->terminal_count;
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c"
		 "  WHERE x < %" PRId64 ")"
		 " INSERT INTO ledger (source, incarnation, seq, area, entered, exited,"
		 "  received_at_ms)"
		 " SELECT t.id, t.inc, c.x %% %" PRId64 " + 1, t.area,"
		 "  (c.x %% %" PRId64 ") %% 2 = 0, (c.x %% %" PRId64 ") %% 2 = 1,"
		 "  %" PRId64 " + c.x"
		 " FROM c JOIN temp.bench_terminals t ON t.k = c.x / %" PRId64 ";",
		 rows - 1, per_terminal, per_terminal, per_terminal, hc_wall_ms() - rows,
		 per_terminal);
	if (!exec_or_log(db, "PRAGMA synchronous=OFF;", path) || !insert_terminals(db, cfg, path) ||
	    !exec_or_log(db, "BEGIN;", path) || !exec_or_log(db, sql, path) ||
	    !exec_or_log(db, "COMMIT;", path) ||
	    !exec_or_log(db, "PRAGMA wal_checkpoint(TRUNCATE);", path))
		goto done;
	ok = true;
done:
	sqlite3_close(db);
	return ok;
}

/* The aggregator's "loaded N ledger rows ... in X ms" line, if logged. */
static json_t *loaded_line(const char *log_path)
{
	FILE *f = fopen(log_path, "r");
	if (f == NULL)
		return json_null();
	char line[1024];
	json_t *out = json_null();
	while (fgets(line, sizeof line, f) != NULL) {
		char *at = strstr(line, "loaded ");
		if (at == NULL)
			continue;
		at[strcspn(at, "\n")] = '\0';
		json_decref(out);
		out = json_string(at);
	}
	fclose(f);
	return out;
}

bool bench_restart_run(struct bench *b, const struct bench_restart_options *o)
{
	const char *phase = "restart";
	char db_path[4200], log_path[4200], listen[128];
	if (o->db_path != NULL)
		snprintf(db_path, sizeof db_path, "%s", o->db_path);
	else
		snprintf(db_path, sizeof db_path, "%s/restart-ledger.db", b->workdir);
	snprintf(listen, sizeof listen, "%s:%d", b->host, b->port);
	if (b->cfg->terminal_count == 0) {
		hc_error("bench restart: the venue config has no terminals");
		return false;
	}

	int64_t rows = count_rows(db_path);
	if (rows < o->rows) {
		int64_t gen_start_us = hc_mono_us();
		if (!generate_ledger(b->cfg, db_path, o->rows))
			return false;
		bench_detail(phase, "generate_ms",
			     json_real((double)(hc_mono_us() - gen_start_us) / 1000.0));
		rows = count_rows(db_path);
	}
	struct bench_samples ready_us;
	if (!bench_samples_init(&ready_us, o->runs))
		return false;
	json_t *loaded = json_array();
	int64_t rss_bytes = 0;
	bool ok = true;
	for (uint32_t run = 0; run < o->runs && ok && !b->interrupted; run++) {
		snprintf(log_path, sizeof log_path, "%s/restart-%u.log", b->workdir, run);
		unlink(log_path);
		char *argv[] = { (char *)o->aggregator_bin,
				 "--config",
				 (char *)o->config_path,
				 "--db",
				 db_path,
				 "--listen",
				 listen,
				 NULL };
		int64_t start_us = hc_mono_us();
		pid_t pid = bench_spawn(argv, NULL, log_path);
		if (pid < 0)
			break;
		struct http_probe probe;
		int status = 0;
		while (!b->interrupted && hc_mono_us() - start_us < BENCH_RESTART_DEADLINE_US) {
			status = probe_health(b, &probe);
			if (status == 200)
				break;
			usleep(BENCH_PROBE_GAP_US);
		}
		int64_t serving_us = hc_mono_us() - start_us;
		if (status == 200) {
			bench_samples_add(&ready_us, serving_us);
			struct bench_usage u = bench_proc_usage(pid);
			if (u.ok)
				rss_bytes = u.rss_bytes;
		} else {
			hc_error("bench restart: /healthz never answered 200 (see %s)", log_path);
			ok = false;
		}
		bench_stop_child(pid, 10000);
		json_array_append_new(loaded, loaded_line(log_path));
	}
	struct bench_summary s = bench_samples_summarize(&ready_us);
	bench_figure(phase, "ledger_rows", (double)rows, "rows", ">= 1000000", rows >= 1000000);
	bench_figure(phase, "serving_p50_ms", (double)s.p50 / 1000.0, "ms", "<= 1000",
		     ok && s.count > 0 && s.p50 <= 1000000);
	bench_figure(phase, "serving_max_ms", (double)s.max / 1000.0, "ms", "", -1);
	bench_figure(phase, "aggregator_rss_kib", (double)rss_bytes / 1024.0, "KiB", "", -1);
	bench_detail(phase, "serving_ms", bench_summary_json(&s, 1000.0));
	bench_detail(phase, "aggregator_log", loaded);
	bench_samples_free(&ready_us);
	return ok;
}
