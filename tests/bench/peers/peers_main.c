/*
 * peers_main.c — bench_peers: one server (the aggregator's map role or
 * Mosquitto), N subscribers, the same updates; figures as JSON.
 *
 * Relies on: peers_subs.c, peers_source.c, /proc/PID/stat and
 * /proc/PID/status of the server (its CPU and RSS), jansson for the
 * result. tests/bench/run-peers.sh starts the servers, runs this once per
 * server and scenario, and makes the table with the ratios.
 *
 * The aggregator is measured on the path its run-peers.sh venue sets:
 * with --staff-port, terminals (the update source) on the staff listener
 * and subscribers on the public one, served by its own thread; --map
 * chooses the subscribers' subprotocol. "path" in the JSON says which.
 *
 * Phases, in order, each bounded by a deadline:
 *   connect  N subscribers, --window handshakes in flight; connections
 *            per second = ready / (last ready - first connect); server
 *            CPU while connecting
 *   idle     --idle-seconds with nothing sent; memory per idle
 *            subscriber = server RSS growth from before connecting / N
 *   rates    (one area) for each --rates R: R updates/s for --seconds;
 *            update k "reaches all" when every ready subscriber holds
 *            entered >= k; update-to-all = that moment - the moment the
 *            source wrote update k (p50/p99 over the updates), and the
 *            spread first-to-last subscriber; server CPU per delivery =
 *            its CPU during the phase / update frames received
 *   areas    (--areas > 1) every area 4 updates/s for --seconds; server
 *            CPU per second, area updates delivered per second
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "tests/bench/peers/peers.h"

#define EXIT_USAGE 2
#define PEERS_RATES_MAX 8

struct usage {
	bool ok;
	int64_t cpu_us;
	int64_t rss_bytes;
};

/* CPU (utime + stime) and VmRSS of pid. */
static struct usage proc_usage(pid_t pid)
{
	struct usage u = { 0 };
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return u;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return u;
	long hz = sysconf(_SC_CLK_TCK);
	u.cpu_us = (int64_t)((ut + st) * 1000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return u;
	char line[256];
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			u.rss_bytes = strtoll(line + 6, NULL, 10) * 1024;
	fclose(f);
	u.ok = true;
	return u;
}

/* This process's CPU (user + system), in microseconds. */
static int64_t self_cpu_us(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double pct_ms(const int64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t r = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return (double)v[r - 1] / 1000.0;
}

static void service(void *arg, int64_t until_us)
{
	peers_subs_run(arg, until_us);
}

struct options {
	enum peers_kind kind;
	const char *host;
	int port;
	int staff_port; /* the update source's terminals (0: port) */
	bool map_v2;
	pid_t pid;
	uint32_t subscribers;
	uint32_t window;
	uint32_t addresses;
	uint32_t areas;
	double rates[PEERS_RATES_MAX];
	int n_rates;
	int64_t seconds;
	int64_t idle_seconds;
	const char *json_path;
};

static void usage_text(FILE *out)
{
	fprintf(out, "usage: bench_peers --kind map|mqtt --port PORT --pid PID [options]\n"
		     "  --host ADDR        the server (default 127.0.0.1; loopback only)\n"
		     "  --staff-port PORT  the aggregator's staff_listen port: the update\n"
		     "                     source's terminals go there, subscribers to --port\n"
		     "                     (default: --port for both, one listener)\n"
		     "  --map v1|v2        the subscribers' map subprotocol: headcount-map.v2\n"
		     "                     (one frame per push tick, default) or .v1\n"
		     "  --subscribers N    (default 10000)\n"
		     "  --window W         handshakes in flight (default 1000)\n"
		     "  --addresses K      subscribers bind 127.0.0.2..K+1 (default 50)\n"
		     "  --areas A          1: the rates phases; > 1: every area at 4/s\n"
		     "  --rates R,R        updates/s of the one area (default 2,4)\n"
		     "  --seconds S        per rate or areas phase (default 15)\n"
		     "  --idle-seconds S   before the memory figure (default 2)\n"
		     "  --json FILE        the figures (default: stdout)\n"
		     "The aggregator's venue must have areas a1..aA and terminals p1..pA\n"
		     "(terminal pI in area aI); tests/bench/run-peers.sh writes one.\n");
}

static bool parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .host = "127.0.0.1",
			       .subscribers = 10000,
			       .window = 1000,
			       .addresses = 50,
			       .areas = 1,
			       .rates = { 2, 4 },
			       .n_rates = 2,
			       .seconds = 15,
			       .idle_seconds = 2,
			       .map_v2 = true,
			       .kind = PEERS_MAP };
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "staff-port", required_argument, NULL, 'S' },
		{ "map", required_argument, NULL, 'm' },
		{ "pid", required_argument, NULL, 'P' },
		{ "subscribers", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "addresses", required_argument, NULL, 'A' },
		{ "areas", required_argument, NULL, 'a' },
		{ "rates", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "idle-seconds", required_argument, NULL, 'i' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	bool port_set = false;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (strcmp(optarg, "map") == 0)
				o->kind = PEERS_MAP;
			else if (strcmp(optarg, "mqtt") == 0)
				o->kind = PEERS_MQTT;
			else
				return false;
			break;
		case 'h': o->host = optarg; break;
		case 'p':
			o->port = atoi(optarg);
			port_set = true;
			break;
		case 'S': o->staff_port = atoi(optarg); break;
		case 'm':
			if (strcmp(optarg, "v1") == 0)
				o->map_v2 = false;
			else if (strcmp(optarg, "v2") == 0)
				o->map_v2 = true;
			else
				return false;
			break;
		case 'P': o->pid = (pid_t)atoi(optarg); break;
		case 'n': o->subscribers = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': o->window = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'A': o->addresses = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'a': o->areas = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': {
			o->n_rates = 0;
			char *save = NULL;
			for (char *t = strtok_r(optarg, ",", &save);
			     t && o->n_rates < PEERS_RATES_MAX; t = strtok_r(NULL, ",", &save))
				o->rates[o->n_rates++] = atof(t);
			break;
		}
		case 's': o->seconds = atoll(optarg); break;
		case 'i': o->idle_seconds = atoll(optarg); break;
		case 'j': o->json_path = optarg; break;
		case 'H': usage_text(stdout); exit(0);
		default: return false;
		}
	}
	if (!port_set || o->port <= 0 || o->port > 65535 || o->staff_port < 0 ||
	    o->staff_port > 65535 || o->pid <= 0 || o->subscribers == 0 ||
	    o->subscribers > 100000 || o->window == 0 || o->areas == 0 ||
	    o->areas > PEERS_AREAS_MAX || o->seconds < 1 || o->seconds > 300 ||
	    o->idle_seconds < 0 || o->idle_seconds > 60 || o->addresses > 250 ||
	    strncmp(o->host, "127.", 4) != 0)
		return false;
	for (int i = 0; i < o->n_rates; i++)
		if (o->rates[i] <= 0 || o->rates[i] > 100 ||
		    o->rates[i] * (double)o->seconds * o->n_rates >= PEERS_UPDATES_MAX - 1)
			return false;
	return true;
}

/* One rate of the one-area phase; adds its object to out. */
static bool run_rate(const struct options *o, struct peers_subs *s, struct peers_source *src,
		     double rate, json_t *out)
{
	uint32_t first = atomic_load(&src->sent) + 1;
	uint32_t count = (uint32_t)(rate * (double)o->seconds);
	int64_t frames0 = s->frames;
	struct usage u0 = proc_usage(o->pid);
	int64_t t0 = hc_mono_us(), self0_us = self_cpu_us();
	if (!peers_source_send(src, count, rate, service, s))
		return false;
	uint32_t last = first + count - 1;
	peers_subs_wait_reached(s, last, hc_mono_us() + 3 * 1000000LL);
	int64_t t1 = hc_mono_us();
	struct usage u1 = proc_usage(o->pid);
	int64_t deliveries = s->frames - frames0;
	int64_t all_us[PEERS_UPDATES_MAX], spread_us[PEERS_UPDATES_MAX];
	size_t n = 0;
	uint32_t missed = 0, open = s->ready - s->closed;
	for (uint32_t k = first; k <= last; k++) {
		if (s->reached[k] < open) {
			missed++;
			continue;
		}
		all_us[n] = s->last_at_us[k] - src->send_us[k];
		spread_us[n] = s->last_at_us[k] - s->first_at_us[k];
		n++;
	}
	qsort(all_us, n, sizeof all_us[0], cmp_i64);
	qsort(spread_us, n, sizeof spread_us[0], cmp_i64);
	double cpu_us = (double)(u1.cpu_us - u0.cpu_us);
	json_t *r = json_pack("{s:f, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:f}",
			      "updates_per_s", rate, "updates", (json_int_t)count, "reached_all",
			      (json_int_t)n, "missed", (json_int_t)missed, "update_to_all_p50_ms",
			      pct_ms(all_us, n, 50), "update_to_all_p99_ms", pct_ms(all_us, n, 99),
			      "update_to_all_max_ms", pct_ms(all_us, n, 100), "first_to_all_p50_ms",
			      pct_ms(spread_us, n, 50), "first_to_all_p99_ms",
			      pct_ms(spread_us, n, 99), "deliveries", (json_int_t)deliveries,
			      "server_cpu_us_per_delivery",
			      u0.ok && u1.ok && deliveries > 0 ? cpu_us / (double)deliveries : 0.0,
			      "server_cpu_percent",
			      u0.ok && u1.ok ? 100.0 * cpu_us / (double)(t1 - t0) : 0.0);
	if (r == NULL)
		return false;
	json_object_set_new(r, "client_cpu_percent",
			    json_real(100.0 * (double)(self_cpu_us() - self0_us) /
				      (double)(t1 - t0)));
	if (json_array_append_new(out, r) != 0)
		return false;
	peers_subs_run(s, hc_mono_us() + 1000000LL); /* settle before the next */
	return true;
}

/* Every area at 4 updates/s; server CPU per second. */
static json_t *run_areas(const struct options *o, struct peers_subs *s, struct peers_source *src)
{
	double rate = 4.0 * o->areas;
	s->parse_updates = false; /* count area updates; no per-update times */
	int64_t frames0 = s->frames, areas0 = s->area_updates, bytes0 = s->bytes;
	struct usage u0 = proc_usage(o->pid);
	int64_t t0 = hc_mono_us(), self0_us = self_cpu_us();
	uint32_t count = (uint32_t)(rate * (double)o->seconds);
	bool ok = peers_source_send(src, count, rate, service, s);
	peers_subs_run(s, hc_mono_us() + 500000LL);
	int64_t t1 = hc_mono_us();
	struct usage u1 = proc_usage(o->pid);
	double secs = (double)(t1 - t0) / 1e6;
	double cpu_us = u0.ok && u1.ok ? (double)(u1.cpu_us - u0.cpu_us) : 0.0;
	int64_t area_updates = s->area_updates - areas0;
	/* Offered: every subscriber is to get every update. */
	double offered = rate * (double)s->ready;
	return json_pack("{s:b, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "complete", ok,
			 "areas", (json_int_t)o->areas, "updates_sent_per_s", rate, "seconds", secs,
			 "server_cpu_ms_per_s", cpu_us / 1000.0 / secs,
			 "server_cpu_us_per_area_update",
			 area_updates > 0 ? cpu_us / (double)area_updates : 0.0, "frames_per_s",
			 (double)(s->frames - frames0) / secs, "area_updates_per_s",
			 (double)area_updates / secs, "area_updates_offered_per_s", offered,
			 "bytes_per_s", (double)(s->bytes - bytes0) / secs, "client_cpu_percent",
			 100.0 * (double)(self_cpu_us() - self0_us) / (double)(t1 - t0));
}

int main(int argc, char **argv)
{
	hc_log_init("bench_peers", HC_LOG_INFO);
	struct options o;
	if (!parse_options(argc, argv, &o)) {
		usage_text(stderr);
		return EXIT_USAGE;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < o.subscribers + 300) {
			hc_error("bench_peers: %u subscribers need more descriptors (limit %llu)",
				 o.subscribers, (unsigned long long)rl.rlim_cur);
			return 1;
		}
	}
	int status = 1;
	json_t *result = NULL;
	static struct peers_subs s;
	static struct peers_source src;
	s = (struct peers_subs){ .kind = o.kind,
				 .port = o.port,
				 .count = o.subscribers,
				 .addresses = o.addresses,
				 .window = o.window,
				 .map_v2 = o.map_v2,
				 .epoll_fd = -1,
				 .parse_updates = true };
	snprintf(s.host, sizeof s.host, "%s", o.host);
	snprintf(s.watched_area, sizeof s.watched_area, "a1");
	src = (struct peers_source){ .kind = o.kind,
				     .port = o.staff_port > 0 ? o.staff_port : o.port,
				     .areas = o.areas };
	snprintf(src.host, sizeof src.host, "%s", o.host);
	if (!peers_subs_init(&s) || !peers_source_open(&src))
		goto done;
	/* Subscribers start at entered 0, at or below any base. */
	atomic_store(&s.base_entered, src.base_entered);

	struct usage before = proc_usage(o.pid);
	if (!before.ok) {
		hc_error("bench_peers: cannot read /proc/%d", (int)o.pid);
		goto done;
	}
	peers_subs_connect(&s, hc_mono_us() + 60 * 1000000LL);
	struct usage connected = proc_usage(o.pid);
	double connect_s = (double)(s.last_ready_us - s.first_connect_us) / 1e6;
	peers_subs_run(&s, hc_mono_us() + o.idle_seconds * 1000000LL);
	struct usage idle = proc_usage(o.pid);
	/* Which path this run measured: one listener or two (staff_listen,
	 * map clients on the public thread), and the map subprotocol. */
	const char *path = o.kind == PEERS_MQTT ? "mqtt"
			   : o.staff_port > 0	? (o.map_v2 ? "two-context v2" : "two-context v1")
						: (o.map_v2 ? "one-context v2" : "one-context v1");
	result = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f}", "kind",
			   o.kind == PEERS_MAP ? "aggregator" : "mosquitto", "path", path,
			   "subscribers", (json_int_t)o.subscribers, "ready", (json_int_t)s.ready,
			   "failed", (json_int_t)s.failed, "areas", (json_int_t)o.areas,
			   "connect_s", connect_s, "connections_per_s",
			   connect_s > 0 ? (double)s.ready / connect_s : 0.0,
			   "connect_server_cpu_ms",
			   (double)(connected.cpu_us - before.cpu_us) / 1000.0,
			   "idle_bytes_per_subscriber",
			   s.ready > 0 ? (double)(idle.rss_bytes - before.rss_bytes) / s.ready
				       : 0.0);
	if (result == NULL || s.ready == 0)
		goto done;
	if (o.areas == 1) {
		json_t *rates = json_array();
		if (rates == NULL || json_object_set_new(result, "rates", rates) != 0)
			goto done;
		for (int i = 0; i < o.n_rates; i++)
			if (!run_rate(&o, &s, &src, o.rates[i], rates))
				goto done;
	} else {
		json_t *a = run_areas(&o, &s, &src);
		if (a == NULL || json_object_set_new(result, "areas_run", a) != 0)
			goto done;
	}
	json_object_set_new(result, "closed_during_run", json_integer(s.closed));
	status = 0;
done:
	if (result != NULL) {
		char *text = json_dumps(result, JSON_COMPACT);
		FILE *out = o.json_path ? fopen(o.json_path, "w") : stdout;
		if (text != NULL && out != NULL) {
			fprintf(out, "%s\n", text);
			if (out != stdout && fclose(out) != 0)
				status = 1;
		} else {
			status = 1;
		}
		free(text);
		json_decref(result);
	}
	peers_source_close(&src);
	peers_subs_free(&s);
	return status;
}
