/*
 * bench_e2e.c — a real headcount-terminal: end-to-end latency (press to
 * map) and the terminal's own footprint (RSS, CPU).
 *
 * Relies on: the headcount-terminal binary with --input stdin ("in" is one
 * ENTER press per line, hw/input_stdin.c) and --display none; one map
 * client (bench_maps.c) watching the terminal's area; bench_proc.c for
 * the terminal's RSS and CPU.
 *
 * End to end: a press line is written to the terminal's stdin at a random
 * moment (uniform over one batch interval after the previous figure
 * arrived, so presses land at every phase of the terminal's batch timer),
 * and the sample is the time until the map client holds the new
 * "entered" figure. It therefore includes the wait for the next batch
 * (on average half the batch interval), the journal write, the commit and
 * the push. Footprint: 10 s idle, then 10 s at 10 presses/s.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

#include "aggregator/terminal_secrets.h"
#include "shared/clock.h"
#include "shared/hex.h"
#include "shared/log.h"
#include "tests/bench/bench.h"

/* The figure must reach the map within this much beyond the interval. */
#define BENCH_E2E_SLACK_US (10 * 1000000LL)
#define BENCH_FOOTPRINT_SECONDS 10
#define BENCH_FOOTPRINT_PRESSES_PER_S 10

struct e2e {
	struct bench *b;
	struct bench_maps maps;
	pid_t pid;
	int stdin_fd;
	int64_t presses;      /* written so far */
	int64_t base_entered; /* the area's entered before the first */
	int64_t batch_interval_us;
};

static bool press(struct e2e *e)
{
	ssize_t n = write(e->stdin_fd, "in\n", 3);
	if (n != 3) {
		hc_error("bench e2e: cannot write a press to the terminal: %s",
			 n < 0 ? strerror(errno) : "short write");
		return false;
	}
	e->presses++;
	return true;
}

static bool map_has_all(void *arg)
{
	const struct e2e *e = arg;
	const struct bench_map *p = &e->maps.maps[0];
	return p->state != BENCH_MAP_READY || p->watched_entered >= e->base_entered + e->presses;
}

/* Waits until the map shows every press written so far. */
static bool wait_for_map(struct e2e *e)
{
	int64_t deadline_us = hc_mono_us() + e->batch_interval_us + BENCH_E2E_SLACK_US;
	bool done = bench_loop_run(e->b, map_has_all, e, deadline_us);
	if (!done || e->maps.maps[0].state != BENCH_MAP_READY) {
		hc_error("bench e2e: the map did not show press %" PRId64 " (it shows entered"
			 " %" PRId64 ", expected %" PRId64 ")",
			 e->presses, e->maps.maps[0].watched_entered, e->base_entered + e->presses);
		return false;
	}
	return true;
}

static int64_t random_below(int64_t bound)
{
	uint32_t r = 0;
	if (bound <= 0 || getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		return 0;
	return (int64_t)(r % (uint64_t)bound);
}

/* Idle for 10 s, then 10 presses/s for 10 s; RSS and CPU of each. */
static bool measure_footprint(struct e2e *e)
{
	const char *phase = "terminal";
	int64_t window_us = BENCH_FOOTPRINT_SECONDS * 1000000LL;
	struct bench_usage a = bench_proc_usage(e->pid);
	bench_loop_idle(e->b, window_us);
	struct bench_usage z = bench_proc_usage(e->pid);
	if (!a.ok || !z.ok) {
		hc_error("bench e2e: cannot read the terminal's /proc figures");
		return false;
	}
	double idle_cpu = 100.0 * (double)(z.cpu_us - a.cpu_us) / (double)window_us;
	bench_figure(phase, "idle_rss_kib", (double)z.rss_bytes / 1024.0, "KiB", "< 8192",
		     z.rss_bytes < 8 * 1024 * 1024);
	bench_figure(phase, "idle_cpu_percent", idle_cpu, "%", "< 1", idle_cpu < 1.0);

	a = bench_proc_usage(e->pid);
	int64_t start_us = hc_mono_us();
	int64_t gap_us = 1000000 / BENCH_FOOTPRINT_PRESSES_PER_S;
	for (int64_t i = 0; i < BENCH_FOOTPRINT_SECONDS * BENCH_FOOTPRINT_PRESSES_PER_S; i++) {
		int64_t at_us = start_us + i * gap_us;
		int64_t now_us = hc_mono_us();
		if (at_us > now_us)
			bench_loop_idle(e->b, at_us - now_us);
		if (e->b->interrupted || !press(e))
			return false;
	}
	int64_t end_us = start_us + window_us;
	if (end_us > hc_mono_us())
		bench_loop_idle(e->b, end_us - hc_mono_us());
	z = bench_proc_usage(e->pid);
	int64_t elapsed_us = hc_mono_us() - start_us;
	if (!a.ok || !z.ok)
		return false;
	double busy_cpu = 100.0 * (double)(z.cpu_us - a.cpu_us) / (double)elapsed_us;
	bench_figure(phase, "pressing_rss_kib", (double)z.rss_bytes / 1024.0, "KiB", "< 8192",
		     z.rss_bytes < 8 * 1024 * 1024);
	bench_figure(phase, "pressing_cpu_percent", busy_cpu, "%", "", -1);
	bench_figure(phase, "peak_rss_kib", (double)z.rss_peak_bytes / 1024.0, "KiB", "", -1);
	return wait_for_map(e);
}

static bool measure_end_to_end(struct e2e *e, uint32_t presses)
{
	const char *phase = "e2e";
	struct bench_samples lat;
	if (!bench_samples_init(&lat, presses))
		return false;
	bool ok = true;
	for (uint32_t i = 0; i < presses && ok && !e->b->interrupted; i++) {
		bench_loop_idle(e->b, random_below(e->batch_interval_us));
		int64_t t0_us = hc_mono_us();
		ok = press(e) && wait_for_map(e);
		if (ok)
			bench_samples_add(&lat, e->maps.maps[0].watched_at_us - t0_us);
	}
	struct bench_summary s = bench_samples_summarize(&lat);
	bench_figure(phase, "presses", (double)s.count, "presses", "", -1);
	bench_figure(phase, "batch_interval_ms", (double)e->batch_interval_us / 1000.0, "ms", "",
		     -1);
	bench_figure(phase, "press_to_map_p50_ms", (double)s.p50 / 1000.0, "ms", "", -1);
	bench_figure(phase, "press_to_map_p99_ms", (double)s.p99 / 1000.0, "ms", "", -1);
	bench_figure(phase, "press_to_map_max_ms", (double)s.max / 1000.0, "ms", "", -1);
	bench_detail(phase, "press_to_map_ms", bench_summary_json(&s, 1000.0));
	bench_samples_free(&lat);
	return ok;
}

/* Writes terminal id's enrollment secret (from the venue's secrets file)
 * to path, mode 0600, for the terminal's --secret-file. False when the
 * terminal is not enrolled (it then runs without one) or on an error. */
static bool write_secret_file(const struct bench *b, const char *id, const char *path)
{
	char err[512];
	struct hc_terminal_secrets *secrets = hc_terminal_secrets_load(b->cfg->terminal_secrets,
								       NULL, err, sizeof err);
	if (secrets == NULL)
		return false;
	const uint8_t *secret = hc_terminal_secrets_find(secrets, id);
	bool ok = false;
	if (secret != NULL) {
		char hex[2 * 32 + 1];
		hc_hex_encode(secret, 32, hex);
		FILE *f = fopen(path, "w");
		ok = f != NULL && fchmod(fileno(f), 0600) == 0 && fprintf(f, "%s\n", hex) > 0;
		if (f != NULL && fclose(f) != 0)
			ok = false;
	}
	hc_terminal_secrets_free(secrets);
	return ok;
}

bool bench_e2e_run(struct bench *b, const struct bench_e2e_options *o)
{
	struct e2e e;
	memset(&e, 0, sizeof e);
	e.b = b;
	e.pid = -1;
	e.stdin_fd = -1;
	e.batch_interval_us = o->batch_interval_ms * 1000;
	bool ok = false;

	int ti = b->cfg->terminal_count - 1;
	if (o->terminal_id != NULL)
		ti = hc_venue_find_terminal(b->cfg, o->terminal_id);
	if (ti < 0) {
		hc_error("bench e2e: terminal %s is not in the venue config",
			 o->terminal_id ? o->terminal_id : "(none)");
		return false;
	}
	const struct hc_terminal_cfg *tc = &b->cfg->terminals[ti];
	char journal[4200], log_path[4200], url[128], interval[32];
	snprintf(journal, sizeof journal, "%s/e2e-%s.db", b->workdir, tc->id);
	snprintf(log_path, sizeof log_path, "%s/e2e-terminal.log", b->workdir);
	snprintf(url, sizeof url, "ws://%s:%d", b->host, b->port);
	snprintf(interval, sizeof interval, "%" PRId64, o->batch_interval_ms);
	const char *suffixes[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char path[4300];
		snprintf(path, sizeof path, "%s%s", journal, suffixes[i]);
		unlink(path);
	}

	if (!bench_maps_connect(b, &e.maps, 1, tc->area, hc_mono_us() + 10 * 1000000LL) ||
	    e.maps.ready != 1) {
		hc_error("bench e2e: the map client did not connect");
		goto done;
	}
	e.base_entered = e.maps.maps[0].watched_entered;
	char secret_path[4200];
	snprintf(secret_path, sizeof secret_path, "%s/e2e-%s.secret", b->workdir, tc->id);
	bool enrolled = write_secret_file(b, tc->id, secret_path);
	char *argv[] = { (char *)o->terminal_bin,
			 "run",
			 "--id",
			 (char *)tc->id,
			 "--url",
			 url,
			 "--journal",
			 journal,
			 "--batch-interval-ms",
			 interval,
			 "--input",
			 "stdin",
			 "--display",
			 "none",
			 enrolled ? "--secret-file" : NULL,
			 secret_path,
			 NULL };
	e.pid = bench_spawn(argv, &e.stdin_fd, log_path);
	if (e.pid < 0)
		goto done;
	bench_detail("terminal", "pid", json_integer(e.pid));

	/* The first press proves the whole path works; it is not a sample. */
	if (!press(&e) || !wait_for_map(&e)) {
		hc_error("bench e2e: see %s", log_path);
		goto done;
	}
	if (o->footprint && !measure_footprint(&e))
		goto done;
	if (o->presses > 0 && !measure_end_to_end(&e, o->presses))
		goto done;
	ok = true;
done:
	if (e.stdin_fd >= 0)
		close(e.stdin_fd);
	bench_stop_child(e.pid, 5000);
	if (e.maps.maps != NULL)
		bench_maps_close(b, &e.maps);
	bench_maps_free(&e.maps);
	return ok;
}
