/*
 * bench_flood.c — the flood phase: do terminals keep their connection and
 * their ack latency while thousands of map clients are held open and
 * connections churn from many source addresses?
 *
 * Relies on: bench_terminals.c (terminal clients, pacing, ack latency
 * samples), bench_maps.c (map clients, here bound to 127.0.0.2 and up
 * through b->map_addresses), plain non-blocking sockets for the churn.
 *
 * Runs, on one set of terminal connections: S seconds at the offered rate
 * with nothing else ("unloaded"); then a second headcount-bench process
 * (--flood-load, so that receiving the flood does not slow this one's
 * loop and its figures measure the aggregator) connects K map clients,
 * holds them and, every loop turn, opens new TCP connections from
 * 127.0.1.1 .. 127.0.1.N at the churn rate and closes them one turn
 * later (every other one first sends a GET /api/areas, the others just
 * go); once its maps are connected, S more seconds at the same rate are
 * measured here, then the load is stopped. The load generator runs
 * under SCHED_IDLE (nice 19 where refused): on one machine it would
 * otherwise take CPU from the aggregator that clients on their own
 * phones would not. Reports ack p50/p99 of both,
 * whether every terminal stayed connected throughout, the maps held, the
 * churn achieved, and the presses acknowledged (the test compares them
 * with the aggregator's totals). Latency is measured, never judged: the
 * target (p99 under flood within twice the unloaded p99) is reported as
 * met or not. Bounded: each phase by its seconds, the map storm by 60 s,
 * the drain by 5 s.
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <signal.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "tests/bench/bench.h"

/* Churn connections opened in one loop turn at most, and open at once. */
#define CHURN_PER_TURN_MAX 200
#define CHURN_OPEN_MAX 1024

/* The load generator's nice value: on a test machine it shares the CPU
 * with the aggregator, which phones in a venue would not. */
#define FLOOD_LOAD_NICE 19

/* Ack latency samples kept per phase at most. */
#define FLOOD_SAMPLES_MAX (2u * 1000u * 1000u)

struct churn {
	int fds[CHURN_OPEN_MAX];
	uint32_t open;
	uint32_t addresses;
	int64_t rate_per_s;
	int64_t start_us;
	int64_t started; /* connections opened so far */
	int64_t refused; /* connect() failed at once */
	struct sockaddr_in to;
};

/* Closes the connections of the previous turn (every other one sends a
 * request first), then opens the ones due by now. */
static void churn_turn(struct churn *c, int64_t now_us)
{
	static const char request[] = "GET /api/areas HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	for (uint32_t i = 0; i < c->open; i++) {
		if (i % 2 == 0)
			(void)!send(c->fds[i], request, sizeof request - 1, MSG_NOSIGNAL);
		close(c->fds[i]);
	}
	c->open = 0;
	int64_t due = c->rate_per_s * (now_us - c->start_us) / 1000000 - c->started;
	if (due > CHURN_PER_TURN_MAX)
		due = CHURN_PER_TURN_MAX;
	for (int64_t k = 0; k < due && c->open < CHURN_OPEN_MAX; k++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			break;
		struct sockaddr_in from = { .sin_family = AF_INET };
		uint32_t n = (uint32_t)(c->started % c->addresses);
		from.sin_addr.s_addr = htonl((127u << 24) | (1u << 8) | (1u + n % 250u));
		c->started++;
		if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
		    (connect(fd, (struct sockaddr *)&c->to, sizeof c->to) != 0 &&
		     errno != EINPROGRESS)) {
			c->refused++;
			close(fd);
			continue;
		}
		c->fds[c->open++] = fd;
	}
}

static void churn_stop(struct churn *c)
{
	for (uint32_t i = 0; i < c->open; i++)
		close(c->fds[i]);
	c->open = 0;
}

/* One measured phase: paced batches for seconds, with churn when c. */
static struct bench_summary measure(struct bench *b, struct bench_terms *o, int64_t rate_per_s,
				    int64_t seconds, struct churn *c)
{
	o->ack_us.len = 0;
	o->ack_us.dropped = 0;
	int64_t start_us = hc_mono_us();
	o->measuring_from_us = start_us;
	o->measuring_until_us = start_us + seconds * 1000000LL;
	if (c != NULL) {
		c->start_us = start_us;
		c->started = 0;
	}
	int64_t issued = 0;
	uint32_t cursor = 0;
	while (!b->interrupted) {
		int64_t now_us = hc_mono_us();
		if (now_us >= o->measuring_until_us)
			break;
		bench_terms_pace(o, rate_per_s, start_us, now_us, &issued, &cursor);
		if (c != NULL)
			churn_turn(c, now_us);
		if (bench_service(b) < 0)
			break;
	}
	if (c != NULL)
		churn_stop(c);
	/* Batches of this phase still in flight are acked before the next
	 * one starts (unmeasured), so phases do not overlap. */
	for (uint32_t i = 0; i < o->count; i++)
		o->terms[i].due = 0;
	int64_t drain_end_us = hc_mono_us() + 5000000;
	while (!b->interrupted && hc_mono_us() < drain_end_us) {
		bool busy = false;
		for (uint32_t i = 0; i < o->count && !busy; i++)
			busy = o->terms[i].inflight > 0 && o->terms[i].state == BENCH_TERM_READY;
		if (!busy)
			break;
		bench_service(b);
	}
	return bench_samples_summarize(&o->ack_us);
}

/* Reads the load generator's figures from its JSON file. */
static void read_load_figures(const char *path, int64_t *maps_held, int64_t *churn,
			      int64_t *churn_addresses, int64_t *map_addresses)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	json_t *load = json_object_get(root, "flood_load");
	*maps_held = (int64_t)json_number_value(json_object_get(load, "maps_held"));
	*churn = (int64_t)json_number_value(json_object_get(load, "churn_connections"));
	*churn_addresses = (int64_t)json_number_value(json_object_get(load, "churn_addresses"));
	*map_addresses = (int64_t)json_number_value(json_object_get(load, "map_addresses"));
	if (root == NULL)
		hc_error("bench flood: cannot read %s: %s", path, jerr.text);
	json_decref(root);
}

/* Starts `headcount-bench --flood-load` for this run; -1 on failure. */
static pid_t start_load(struct bench *b, const struct bench_flood_options *opt,
			const char *ready_path, const char *json_path, const char *log_path)
{
	char exe[4200], url[128], maps[16], maps_addr[16], churn[16], churn_addr[16];
	char dir[4096];
	bench_exe_dir(dir, sizeof dir);
	snprintf(exe, sizeof exe, "%s/headcount-bench", dir);
	snprintf(url, sizeof url, "ws://%s:%d", b->host, b->port);
	snprintf(maps, sizeof maps, "%u", opt->maps);
	snprintf(maps_addr, sizeof maps_addr, "%u", opt->map_addresses);
	snprintf(churn, sizeof churn, "%lld", (long long)opt->churn_per_s);
	snprintf(churn_addr, sizeof churn_addr, "%u", opt->churn_addresses);
	char *argv[] = {
		exe,
		"--url",
		url,
		"--config",
		(char *)opt->config_path,
		"--flood-load",
		"--flood-maps",
		maps,
		"--map-addresses",
		maps_addr,
		"--churn-per-s",
		churn,
		"--churn-addresses",
		churn_addr,
		"--ready-file",
		(char *)ready_path,
		"--json",
		(char *)json_path,
		NULL,
	};
	return bench_spawn(argv, NULL, log_path);
}

bool bench_flood_load_run(struct bench *b, const struct bench_flood_options *opt,
			  const char *ready_path)
{
	const char *phase = "flood_load";
	struct bench_maps maps;
	struct churn *churn = calloc(1, sizeof *churn);
	if (churn == NULL)
		return false;
	churn->addresses = opt->churn_addresses > 0 ? opt->churn_addresses : 1;
	churn->rate_per_s = opt->churn_per_s;
	churn->to.sin_family = AF_INET;
	churn->to.sin_port = htons((uint16_t)b->port);
	if (inet_pton(AF_INET, b->host, &churn->to.sin_addr) != 1) {
		hc_error("bench flood: %s is not an IPv4 address", b->host);
		free(churn);
		return false;
	}
	/* SCHED_IDLE: the load runs only when no other process wants the
	 * core, as if it came from other machines; nice 19 as a fallback. */
	struct sched_param idle = { .sched_priority = 0 };
	if (sched_setscheduler(0, SCHED_IDLE, &idle) != 0 &&
	    setpriority(PRIO_PROCESS, 0, FLOOD_LOAD_NICE) != 0)
		hc_warn("bench flood: cannot lower the load generator's priority: %s",
			strerror(errno));
	b->map_addresses = opt->map_addresses;
	const char *watched = b->cfg->terminals[0].area;
	int64_t start_us = hc_mono_us();
	if (!bench_maps_connect(b, &maps, opt->maps, watched, start_us + 60 * 1000000LL)) {
		free(churn);
		return false;
	}
	maps.ignore_updates = true;
	int64_t storm_ms = (hc_mono_us() - start_us) / 1000;
	FILE *ready = fopen(ready_path, "w");
	if (ready == NULL || fprintf(ready, "%u\n", maps.ready) < 0 || fclose(ready) != 0)
		hc_error("bench flood: cannot write %s", ready_path);
	/* Churn until stopped (SIGTERM), at most 10 minutes. */
	churn->start_us = hc_mono_us();
	int64_t end_us = churn->start_us + 600 * 1000000LL;
	while (!b->interrupted && hc_mono_us() < end_us) {
		if (churn->rate_per_s > 0)
			churn_turn(churn, hc_mono_us());
		if (bench_service(b) < 0)
			break;
	}
	churn_stop(churn);
	double churn_s = (double)(hc_mono_us() - churn->start_us) / 1e6;
	bench_figure(phase, "maps_held", maps.ready, "clients", "", -1);
	bench_figure(phase, "churn_per_s", churn_s > 0 ? (double)churn->started / churn_s : 0,
		     "1/s", "", -1);
	bench_detail(phase, "maps_failed", json_integer(maps.failed));
	bench_detail(phase, "map_storm_ms", json_integer(storm_ms));
	bench_detail(phase, "map_addresses", json_integer(opt->map_addresses));
	bench_detail(phase, "churn_connections", json_integer(churn->started));
	bench_detail(phase, "churn_refused_at_connect", json_integer(churn->refused));
	bench_detail(phase, "churn_addresses", json_integer(churn->addresses));
	bench_detail(phase, "nice", json_integer(FLOOD_LOAD_NICE));
	b->interrupted = 0; /* closing below is part of the run */
	bench_maps_close(b, &maps);
	bench_maps_free(&maps);
	free(churn);
	return true;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool bench_flood_run(struct bench *b, const struct bench_flood_options *opt)
{
	const char *phase = "flood";
	bool ok = false;
	pid_t load = -1;
	struct bench_terms o;
	char ready_path[4200], json_path[4200], log_path[4200];
	snprintf(ready_path, sizeof ready_path, "%s/flood-load.ready", b->workdir);
	snprintf(json_path, sizeof json_path, "%s/flood-load.json", b->workdir);
	snprintf(log_path, sizeof log_path, "%s/flood-load.log", b->workdir);
	unlink(ready_path);
	unlink(json_path);

	if (!bench_terms_connect(b, &o, opt->terminals, hc_mono_us() + 30 * 1000000LL))
		goto done;
	bench_samples_free(&o.ack_us);
	if (!bench_samples_init(&o.ack_us, FLOOD_SAMPLES_MAX))
		goto done;
	if (o.ready != o.count) {
		hc_error("bench flood: %u of %u terminals connected", o.ready, o.count);
		goto done;
	}
	struct bench_summary quiet = measure(b, &o, opt->rate_per_s, opt->seconds, NULL);
	int64_t quiet_acked = (int64_t)quiet.count;

	int64_t storm_start_us = hc_mono_us();
	load = start_load(b, opt, ready_path, json_path, log_path);
	if (load < 0)
		goto done;
	/* The terminals stay connected (and are serviced) meanwhile. */
	while (!b->interrupted && !file_exists(ready_path) &&
	       hc_mono_us() < storm_start_us + 90 * 1000000LL)
		bench_service(b);
	if (!file_exists(ready_path)) {
		hc_error("bench flood: the load generator did not get ready (log: %s)", log_path);
		goto done;
	}
	int64_t storm_ms = (hc_mono_us() - storm_start_us) / 1000;
	struct bench_summary flood = measure(b, &o, opt->rate_per_s, opt->seconds, NULL);
	bench_stop_child(load, 10000);
	load = -1;
	int64_t maps_held = 0, churned = 0, churn_addresses = 0, map_addresses = 0;
	read_load_figures(json_path, &maps_held, &churned, &churn_addresses, &map_addresses);

	/* Every terminal numbered its batches 1, 2, ...: odd ones were one
	 * ENTER, even ones one EXIT, and each was acked (unacked: 0). */
	int64_t entered = 0, exited = 0, unacked = 0;
	for (uint32_t i = 0; i < o.count; i++) {
		const struct bench_term *t = &o.terms[i];
		entered += (t->acked + 1) / 2;
		exited += t->acked / 2;
		unacked += t->inflight;
	}
	bool throughout = o.closed == 0 && o.failed == 0 && o.ready == o.count;
	double ratio = quiet.p99 > 0 ? (double)flood.p99 / (double)quiet.p99 : 0;

	bench_figure(phase, "terminals", o.count, "conns", "", -1);
	bench_figure(phase, "terminals_connected_throughout", throughout ? 1 : 0, "bool", "== 1",
		     throughout);
	bench_figure(phase, "ack_p50_ms_unloaded", (double)quiet.p50 / 1000.0, "ms", "", -1);
	bench_figure(phase, "ack_p99_ms_unloaded", (double)quiet.p99 / 1000.0, "ms", "", -1);
	bench_figure(phase, "ack_p50_ms_flood", (double)flood.p50 / 1000.0, "ms", "", -1);
	bench_figure(phase, "ack_p99_ms_flood", (double)flood.p99 / 1000.0, "ms", "", -1);
	bench_figure(phase, "ack_p99_flood_over_unloaded", ratio, "x", "<= 2", ratio <= 2.0);
	bench_figure(phase, "maps_held", (double)maps_held, "clients", "", -1);
	bench_figure(phase, "churn_connections", (double)churned, "conns", "", -1);
	bench_detail(phase, "ack_ms_unloaded", bench_summary_json(&quiet, 1000.0));
	bench_detail(phase, "ack_ms_flood", bench_summary_json(&flood, 1000.0));
	bench_detail(phase, "acked_unloaded", json_integer(quiet_acked));
	bench_detail(phase, "acked_flood", json_integer((json_int_t)flood.count));
	bench_detail(phase, "offered_per_s", json_integer(opt->rate_per_s));
	bench_detail(phase, "seconds_per_phase", json_integer(opt->seconds));
	bench_detail(phase, "maps_asked", json_integer(opt->maps));
	bench_detail(phase, "map_storm_ms", json_integer(storm_ms));
	bench_detail(phase, "map_source_addresses", json_integer(map_addresses));
	bench_detail(phase, "churn_source_addresses", json_integer(churn_addresses));
	bench_detail(phase, "terminals_closed", json_integer(o.closed));
	bench_detail(phase, "terminals_failed", json_integer(o.failed));
	bench_detail(phase, "entered_acked", json_integer(entered));
	bench_detail(phase, "exited_acked", json_integer(exited));
	bench_detail(phase, "unacked_after_drain", json_integer(unacked));
	ok = true;
done:
	if (load > 0)
		bench_stop_child(load, 10000);
	bench_terms_close(b, &o);
	bench_terms_free(&o);
	return ok;
}
