/*
 * hc_store_commit_cost.c — the store's group commit alone, repeatable:
 * C commits of N ledger rows each through hc_store_commit_job(), on a
 * fresh ledger, the way the committer's thread makes them (rows of T
 * terminals round robin, seqs rising, 8 areas).
 *
 * For instruction counts per row and per commit that do not depend on
 * the machine's load or the aggregator's timing (docs/performance.md,
 * *Ingest profile*):
 *
 *   valgrind --tool=callgrind --toggle-collect=hc_store_commit_job \
 *       build/tools/hc_store_commit_cost --rows 100 --commits 200
 *
 * and the same with --rows 1: cost(N) = per commit + N x per row.
 * Without valgrind it prints the wall time per commit (fsync included).
 *
 * Relies on: aggregator/store.h (the real store: WAL, synchronous=FULL,
 * the checkpointer), a temporary directory it removes. Promises: every
 * commit is checked; exits 1 on the first failure. Bounded by --commits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregator/ledger.h"
#include "aggregator/store.h"
#include "shared/clock.h"
#include "shared/config.h"

#define AREAS 8u

/* Removes the ledger's files and the directory. */
static void remove_dir(const char *dir, const char *db)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", ".lock" };
	char p[256];
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(p, sizeof p, "%s%s", db, suffixes[i]);
		unlink(p);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	uint32_t terminals = 1000, rows_per_commit = 100, commits = 200;
	for (int i = 1; i + 1 < argc; i += 2) {
		uint32_t v = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		if (strcmp(argv[i], "--terminals") == 0)
			terminals = v;
		else if (strcmp(argv[i], "--rows") == 0)
			rows_per_commit = v;
		else if (strcmp(argv[i], "--commits") == 0)
			commits = v;
	}
	if (terminals == 0 || terminals > HC_TERMINALS_MAX || rows_per_commit == 0 ||
	    rows_per_commit > 4096 || commits == 0 || commits > 100000) {
		fprintf(stderr,
			"usage: hc_store_commit_cost [--terminals T (1..%d)]"
			" [--rows N (1..4096)] [--commits C]\n",
			HC_TERMINALS_MAX);
		return 2;
	}
	int status = 1;
	char dir[64] = "/tmp/hc-commit-cost.XXXXXX", db[128], err[256] = "";
	struct hc_store *s = NULL;
	struct hc_ledger_row *rows = calloc(rows_per_commit, sizeof *rows);
	bool *inserted = calloc(rows_per_commit, sizeof *inserted);
	int64_t *seq = calloc(terminals, sizeof *seq);
	struct hc_venue_cfg *cfg = calloc(1, sizeof *cfg);
	if (rows == NULL || inserted == NULL || seq == NULL || cfg == NULL ||
	    mkdtemp(dir) == NULL) {
		fprintf(stderr, "hc_store_commit_cost: out of memory or no temporary directory\n");
		goto done_mem;
	}
	snprintf(db, sizeof db, "%s/ledger.db", dir);
	cfg->area_count = AREAS;
	for (uint32_t a = 0; a < AREAS; a++)
		snprintf(cfg->areas[a].id, sizeof cfg->areas[a].id, "a%u", a + 1);
	cfg->terminal_count = (int)terminals;
	for (uint32_t t = 0; t < terminals; t++) {
		snprintf(cfg->terminals[t].id, sizeof cfg->terminals[t].id, "b%u", t + 1);
		snprintf(cfg->terminals[t].area, sizeof cfg->terminals[t].area, "a%u",
			 t % AREAS + 1);
		cfg->terminals[t].area_index = (int)(t % AREAS);
	}
	s = hc_store_open(db, cfg, err, sizeof err);
	if (s == NULL) {
		fprintf(stderr, "hc_store_commit_cost: open %s: %s\n", db, err);
		goto done;
	}
	uint32_t next = 0;
	int64_t start_us = hc_mono_us();
	for (uint32_t c = 0; c < commits; c++) {
		for (uint32_t i = 0; i < rows_per_commit; i++) {
			uint32_t t = next++ % terminals;
			rows[i] = (struct hc_ledger_row){
				.terminal_index = t,
				.area_index = t % AREAS,
				.incarnation = 0x9e3779b97f4a7c15ULL * (t + 1),
				.seq = ++seq[t],
				.entered = 1,
				.received_at_ms = 1700000000000LL + c,
			};
		}
		if (!hc_store_commit_job(s, rows, rows_per_commit, inserted, NULL, 0, err,
					 sizeof err)) {
			fprintf(stderr, "hc_store_commit_cost: commit %u: %s\n", c, err);
			goto done;
		}
		for (uint32_t i = 0; i < rows_per_commit; i++)
			if (!inserted[i]) {
				fprintf(stderr,
					"hc_store_commit_cost: row %u of commit %u not new\n", i,
					c);
				goto done;
			}
	}
	int64_t took_us = hc_mono_us() - start_us;
	printf("%u commits of %u rows (%u terminals): %.3f ms per commit, %.2f us per row\n",
	       commits, rows_per_commit, terminals, (double)took_us / 1000.0 / commits,
	       (double)took_us / ((double)commits * rows_per_commit));
	status = 0;
done:
	hc_store_close(s);
	remove_dir(dir, db);
done_mem:
	free(rows);
	free(inserted);
	free(seq);
	free(cfg);
	return status;
}
