/*
 * bench_main.c — headcount-bench: load, latency and memory figures of the
 * aggregator and the terminal, against their targets.
 *
 * Relies on: the venue config the aggregator runs with (terminal and area
 * ids), a running aggregator at --url for the storm, fan-out, ingest and
 * end-to-end phases, and the aggregator/terminal binaries next to this one
 * (or given) for the phases that start them.
 *
 * Phases run in this order, each only when its flag is given: storm
 * (--maps), fan-out (--rounds, on the storm's maps), ingest (--terminals),
 * or instead of ingest the flood (--flood: terminals' ack latency with
 * and without held map clients and churn, bench_flood.c),
 * terminal footprint (--footprint) and end to end (--e2e-presses), restart
 * (--restart-rows; starts its own aggregator at --url, so nothing else may
 * listen there). Connections of an earlier phase stay open during later
 * ones, so the standard set (tests/bench/run-bench.sh) runs each group
 * against a fresh aggregator. Every phase is bounded in count and time.
 * Exit status: 0 when every phase ran (targets missed or not), 1 when a
 * phase could not run, 2 on a usage error.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/version.h"
#include "tests/bench/bench.h"

#define EXIT_USAGE 2

struct options {
	const char *url;
	const char *config_path;
	const char *json_path;
	const char *workdir;
	pid_t aggregator_pid;
	int64_t connect_window;
	uint32_t maps;
	uint32_t rounds;
	uint32_t terminals;
	int64_t rate_per_s;
	int64_t seconds;
	int64_t warmup_seconds;
	uint32_t e2e_presses;
	bool footprint;
	int64_t batch_interval_ms;
	const char *terminal_bin;
	const char *e2e_terminal;
	int64_t restart_rows;
	uint32_t restart_runs;
	const char *aggregator_bin;
	const char *restart_db;
	bool verbose;
	bool use_libev;
	bool flood;
	bool flood_load;
	const char *ready_file;
	const char *staff_url;
	const char *ca;
	uint32_t flood_maps;
	uint32_t map_addresses;
	int64_t churn_per_s;
	uint32_t churn_addresses;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: headcount-bench --url ws://127.0.0.1:PORT --config venue.ini [phases]\n"
		"                       [--aggregator-pid PID] [--json FILE]\n"
		"\n"
		"Connects to an aggregator on the loopback and reports figures against\n"
		"their targets, as a table on stdout and (--json) as a JSON file.\n"
		"--config is the venue config the aggregator runs with (terminal ids).\n"
		"\n"
		"common:\n"
		"  --url ws://HOST:PORT      the aggregator (loopback only)\n"
		"  --ca PATH                 with a wss:// --url: the venue CA to verify it\n"
		"  --config FILE             its venue config\n"
		"  --aggregator-pid PID      read its RSS and CPU from /proc/PID\n"
		"  --json FILE               write every figure to FILE\n"
		"  --workdir DIR             scratch files (default: a new /tmp dir, removed)\n"
		"  --connect-window N        handshakes in flight at most (default 1000)\n"
		"  --loop libev|poll         the client's event loop (default libev: epoll)\n"
		"  --verbose                 debug lines\n"
		"\n"
		"storm:    --maps K          connect K map clients; time to all snapshots,\n"
		"                            failures, aggregator RSS per subscriber\n"
		"fan-out:  --rounds N        with --maps: N rounds of one batch; ack to all\n"
		"                            K subscribers holding it (p50/p99/max)\n"
		"ingest:   --terminals T     T terminal connections (the config's first T)\n"
		"          --rate R          batches/s in total (0: as fast as acks allow)\n"
		"          --seconds S       measured seconds (default 10)\n"
		"          --warmup-seconds W  unmeasured seconds first (default 1)\n"
		"terminal: --footprint       RSS/CPU of a real headcount-terminal idle 10 s\n"
		"                            and at 10 presses/s for 10 s\n"
		"          --e2e-presses N   N presses on its stdin, each timed to the map\n"
		"          --batch-interval-ms MS  the terminal's interval (default 2000)\n"
		"          --terminal-bin PATH     (default: next to this program)\n"
		"          --e2e-terminal ID       (default: the config's last terminal)\n"
		"flood:    --flood           with --terminals T --rate R --seconds S: ack\n"
		"                            latency for S s unloaded, then for S s with\n"
		"                            map clients held and connection churn\n"
		"          --staff-url ws://HOST:PORT  terminals connect here (staff_listen)\n"
		"          --flood-maps K    map clients held (default 2000)\n"
		"          --map-addresses N maps bind 127.0.0.2 .. 127.0.0.N+1 (default 50)\n"
		"          --churn-per-s C   connects then closes per second (default 500)\n"
		"          --churn-addresses N  churn binds 127.0.1.1 .. 127.0.1.N (default 200)\n"
		"          (--flood-load --ready-file F: the load alone, started by --flood)\n"
		"restart:  --restart-rows N  ledger of N rows; exec of the aggregator to\n"
		"                            /healthz 200 (it listens at --url)\n"
		"          --restart-runs N  (default 3)\n"
		"          --restart-db PATH (default in the workdir; reused if big enough)\n"
		"          --aggregator-bin PATH   (default: next to this program)\n"
		"\n"
		"Exit status 0 when every phase ran (whether or not targets were met),\n"
		"1 when one could not run, 2 on a usage error.\n");
}

static bool parse_int(const char *text, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Parses argv into o; false (after a message) on a usage error. */
static bool parse_options(int argc, char **argv, struct options *o, bool *help)
{
	enum {
		O_URL = 256,
		O_CONFIG,
		O_PID,
		O_JSON,
		O_WORKDIR,
		O_WINDOW,
		O_MAPS,
		O_ROUNDS,
		O_TERMINALS,
		O_RATE,
		O_SECONDS,
		O_WARMUP,
		O_E2E,
		O_FOOTPRINT,
		O_INTERVAL,
		O_TERMINAL_BIN,
		O_E2E_TERMINAL,
		O_RESTART_ROWS,
		O_RESTART_RUNS,
		O_AGGREGATOR_BIN,
		O_RESTART_DB,
		O_VERBOSE,
		O_LOOP,
		O_HELP,
		O_FLOOD,
		O_STAFF_URL,
		O_CA,
		O_FLOOD_MAPS,
		O_MAP_ADDRESSES,
		O_CHURN,
		O_CHURN_ADDRESSES,
		O_FLOOD_LOAD,
		O_READY_FILE,
	};
	static const struct option options[] = {
		{ "url", required_argument, NULL, O_URL },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "aggregator-pid", required_argument, NULL, O_PID },
		{ "json", required_argument, NULL, O_JSON },
		{ "workdir", required_argument, NULL, O_WORKDIR },
		{ "connect-window", required_argument, NULL, O_WINDOW },
		{ "maps", required_argument, NULL, O_MAPS },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "terminals", required_argument, NULL, O_TERMINALS },
		{ "rate", required_argument, NULL, O_RATE },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "warmup-seconds", required_argument, NULL, O_WARMUP },
		{ "e2e-presses", required_argument, NULL, O_E2E },
		{ "footprint", no_argument, NULL, O_FOOTPRINT },
		{ "batch-interval-ms", required_argument, NULL, O_INTERVAL },
		{ "terminal-bin", required_argument, NULL, O_TERMINAL_BIN },
		{ "e2e-terminal", required_argument, NULL, O_E2E_TERMINAL },
		{ "restart-rows", required_argument, NULL, O_RESTART_ROWS },
		{ "restart-runs", required_argument, NULL, O_RESTART_RUNS },
		{ "aggregator-bin", required_argument, NULL, O_AGGREGATOR_BIN },
		{ "restart-db", required_argument, NULL, O_RESTART_DB },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "loop", required_argument, NULL, O_LOOP },
		{ "help", no_argument, NULL, O_HELP },
		{ "flood", no_argument, NULL, O_FLOOD },
		{ "flood-load", no_argument, NULL, O_FLOOD_LOAD },
		{ "ready-file", required_argument, NULL, O_READY_FILE },
		{ "staff-url", required_argument, NULL, O_STAFF_URL },
		{ "ca", required_argument, NULL, O_CA },
		{ "flood-maps", required_argument, NULL, O_FLOOD_MAPS },
		{ "map-addresses", required_argument, NULL, O_MAP_ADDRESSES },
		{ "churn-per-s", required_argument, NULL, O_CHURN },
		{ "churn-addresses", required_argument, NULL, O_CHURN_ADDRESSES },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	int64_t v;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		bool ok = true;
		switch (opt) {
		case O_URL: o->url = optarg; break;
		case O_CONFIG: o->config_path = optarg; break;
		case O_JSON: o->json_path = optarg; break;
		case O_WORKDIR: o->workdir = optarg; break;
		case O_PID:
			ok = parse_int(optarg, 1, INT32_MAX, &v);
			o->aggregator_pid = (pid_t)v;
			break;
		case O_WINDOW: ok = parse_int(optarg, 1, 100000, &o->connect_window); break;
		case O_MAPS:
			ok = parse_int(optarg, 1, 1000000, &v);
			o->maps = (uint32_t)v;
			break;
		case O_ROUNDS:
			ok = parse_int(optarg, 1, 100000, &v);
			o->rounds = (uint32_t)v;
			break;
		case O_TERMINALS:
			ok = parse_int(optarg, 1, HC_TERMINALS_MAX, &v);
			o->terminals = (uint32_t)v;
			break;
		case O_RATE: ok = parse_int(optarg, 0, 10000000, &o->rate_per_s); break;
		case O_SECONDS: ok = parse_int(optarg, 1, 3600, &o->seconds); break;
		case O_WARMUP: ok = parse_int(optarg, 0, 600, &o->warmup_seconds); break;
		case O_E2E:
			ok = parse_int(optarg, 1, 100000, &v);
			o->e2e_presses = (uint32_t)v;
			break;
		case O_FOOTPRINT: o->footprint = true; break;
		case O_INTERVAL:
			ok = parse_int(optarg, HC_BATCH_INTERVAL_MS_MIN, HC_BATCH_INTERVAL_MS_MAX,
				       &o->batch_interval_ms);
			break;
		case O_TERMINAL_BIN: o->terminal_bin = optarg; break;
		case O_E2E_TERMINAL: o->e2e_terminal = optarg; break;
		case O_RESTART_ROWS: ok = parse_int(optarg, 1, 100000000, &o->restart_rows); break;
		case O_RESTART_RUNS:
			ok = parse_int(optarg, 1, 100, &v);
			o->restart_runs = (uint32_t)v;
			break;
		case O_AGGREGATOR_BIN: o->aggregator_bin = optarg; break;
		case O_RESTART_DB: o->restart_db = optarg; break;
		case O_VERBOSE: o->verbose = true; break;
		case O_LOOP:
			ok = strcmp(optarg, "libev") == 0 || strcmp(optarg, "poll") == 0;
			o->use_libev = strcmp(optarg, "libev") == 0;
			break;
		case O_HELP: *help = true; return true;
		case O_FLOOD: o->flood = true; break;
		case O_FLOOD_LOAD: o->flood_load = true; break;
		case O_READY_FILE: o->ready_file = optarg; break;
		case O_STAFF_URL: o->staff_url = optarg; break;
		case O_CA: o->ca = optarg; break;
		case O_FLOOD_MAPS:
			ok = parse_int(optarg, 0, 100000, &v);
			o->flood_maps = (uint32_t)v;
			break;
		case O_MAP_ADDRESSES:
			ok = parse_int(optarg, 1, 250, &v);
			o->map_addresses = (uint32_t)v;
			break;
		case O_CHURN: ok = parse_int(optarg, 0, 100000, &o->churn_per_s); break;
		case O_CHURN_ADDRESSES:
			ok = parse_int(optarg, 1, 250, &v);
			o->churn_addresses = (uint32_t)v;
			break;
		default: return false;
		}
		if (!ok) {
			fprintf(stderr, "headcount-bench: bad value for --%s: %s\n",
				options[opt - O_URL].name, optarg);
			return false;
		}
	}
	if (optind != argc || o->url == NULL || o->config_path == NULL) {
		fprintf(stderr, "headcount-bench: --url and --config are required\n");
		return false;
	}
	if (o->flood_load && o->ready_file == NULL) {
		fprintf(stderr, "headcount-bench: --flood-load needs --ready-file\n");
		return false;
	}
	if (o->flood && (o->terminals == 0 || o->rate_per_s <= 0)) {
		fprintf(stderr, "headcount-bench: --flood needs --terminals and --rate\n");
		return false;
	}
	if (o->rounds > 0 && o->maps == 0) {
		fprintf(stderr, "headcount-bench: --rounds needs --maps\n");
		return false;
	}
	return true;
}

/* Splits ws://HOST:PORT with lws's own parser; loopback only. */
static bool parse_url(const char *url, struct bench *b)
{
	char copy[256];
	const char *scheme, *host, *path;
	int port = 0;
	snprintf(copy, sizeof copy, "%s", url);
	if (lws_parse_uri(copy, &scheme, &host, &port, &path) != 0 ||
	    (strcmp(scheme, "ws") != 0 && strcmp(scheme, "wss") != 0) || port <= 0) {
		fprintf(stderr, "headcount-bench: --url %s: expected ws://HOST:PORT or wss://\n",
			url);
		return false;
	}
	if (strncmp(host, "127.", 4) != 0 && strcmp(host, "localhost") != 0 &&
	    strcmp(host, "::1") != 0) {
		fprintf(stderr, "headcount-bench: --url %s: loopback addresses only\n", url);
		return false;
	}
	snprintf(b->host, sizeof b->host, "%s",
		 strcmp(host, "localhost") == 0 ? "127.0.0.1" : host);
	b->port = port;
	return true;
}

static void on_interrupt(int sig)
{
	(void)sig;
	if (bench_global != NULL) {
		bench_global->interrupted = 1;
		if (bench_global->context != NULL)
			lws_cancel_service(bench_global->context);
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		hc_warn("bench: cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* Default sibling binary path when none was given. */
static const char *sibling(const char *given, const char *name, char *buf, size_t cap)
{
	if (given != NULL)
		return given;
	char dir[4096];
	bench_exe_dir(dir, sizeof dir);
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

/* Runs every phase asked for; false when one could not run. */
static bool run_phases(struct bench *b, const struct options *o)
{
	bool ok = true;
	char terminal_bin[4200], aggregator_bin[4200];
	struct bench_maps maps;
	memset(&maps, 0, sizeof maps);
	if (o->maps > 0) {
		ok = bench_storm_run(b, &maps, o->maps) && ok;
		if (o->rounds > 0 && !b->interrupted)
			ok = bench_fanout_run(b, &maps, o->rounds) && ok;
	}
	struct bench_flood_options fo = {
		.config_path = o->config_path,
		.terminals = o->terminals,
		.rate_per_s = o->rate_per_s,
		.seconds = o->seconds,
		.maps = o->flood_maps,
		.map_addresses = o->map_addresses,
		.churn_addresses = o->churn_addresses,
		.churn_per_s = o->churn_per_s,
	};
	if (o->flood_load && !b->interrupted) {
		ok = bench_flood_load_run(b, &fo, o->ready_file) && ok;
	} else if (o->flood && !b->interrupted) {
		ok = bench_flood_run(b, &fo) && ok;
	} else if (o->terminals > 0 && !b->interrupted) {
		ok = bench_ingest_run(b, o->terminals, o->rate_per_s, o->seconds,
				      o->warmup_seconds) &&
		     ok;
	}
	if ((o->footprint || o->e2e_presses > 0) && !b->interrupted) {
		struct bench_e2e_options eo = {
			.terminal_bin = sibling(o->terminal_bin, "headcount-terminal", terminal_bin,
						sizeof terminal_bin),
			.terminal_id = o->e2e_terminal,
			.batch_interval_ms = o->batch_interval_ms,
			.presses = o->e2e_presses,
			.footprint = o->footprint,
		};
		ok = bench_e2e_run(b, &eo) && ok;
	}
	if (o->restart_rows > 0 && !b->interrupted) {
		struct bench_restart_options ro = {
			.aggregator_bin = sibling(o->aggregator_bin, "headcount-aggregator",
						  aggregator_bin, sizeof aggregator_bin),
			.config_path = o->config_path,
			.db_path = o->restart_db,
			.rows = o->restart_rows,
			.runs = o->restart_runs,
		};
		ok = bench_restart_run(b, &ro) && ok;
	}
	if (maps.maps != NULL)
		bench_maps_close(b, &maps);
	bench_maps_free(&maps);
	return ok;
}

int main(int argc, char **argv)
{
	if (hc_version_requested(argc, argv)) {
		hc_version_print(stdout, "headcount-bench");
		return 0;
	}
	struct options o = {
		.connect_window = 1000,
		.seconds = 10,
		.warmup_seconds = 1,
		.batch_interval_ms = HC_BATCH_INTERVAL_MS_DEFAULT,
		.restart_runs = 3,
		.use_libev = true,
		.flood_maps = 2000,
		.map_addresses = 50,
		.churn_per_s = 500,
		.churn_addresses = 200,
	};
	bool help = false;
	if (!parse_options(argc, argv, &o, &help)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	hc_log_init("bench", o.verbose ? HC_LOG_DEBUG : HC_LOG_INFO);

	static struct bench b;
	b.aggregator_pid = o.aggregator_pid;
	b.connect_window = o.connect_window;
	if (!parse_url(o.url, &b))
		return EXIT_USAGE;
	if ((strncmp(o.url, "wss://", 6) == 0) != (o.ca != NULL)) {
		fprintf(stderr,
			"headcount-bench: wss:// --url needs --ca PATH, ws:// takes none\n");
		return EXIT_USAGE;
	}
	b.ca = o.ca;
	if (o.staff_url != NULL) {
		struct bench staff;
		memset(&staff, 0, sizeof staff);
		if (!parse_url(o.staff_url, &staff))
			return EXIT_USAGE;
		b.staff_port = staff.port;
	}
	struct hc_config_error cerr;
	struct hc_venue_cfg *cfg = hc_venue_load(o.config_path, &cerr);
	if (cfg == NULL) {
		char text[4400];
		hc_config_error_format(&cerr, text, sizeof text);
		fprintf(stderr, "%s\n", text);
		return EXIT_USAGE;
	}
	b.cfg = cfg;
	bool own_workdir = o.workdir == NULL;
	if (own_workdir) {
		snprintf(b.workdir, sizeof b.workdir, "/tmp/headcount-bench.XXXXXX");
		if (mkdtemp(b.workdir) == NULL) {
			hc_error("bench: mkdtemp: %s", strerror(errno));
			hc_venue_free(cfg);
			return EXIT_FAILURE;
		}
	} else {
		snprintf(b.workdir, sizeof b.workdir, "%s", o.workdir);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int rc = EXIT_FAILURE;
	unsigned int fd_limit = bench_raise_fd_limit();
	if (o.maps + o.terminals + (o.flood_load ? o.flood_maps + 1024 : 0) + 64 > fd_limit)
		hc_warn("bench: %u descriptors allowed, %u connections asked for;"
			" raise ulimit -n",
			fd_limit, o.maps + o.terminals);
	if (!bench_loop_init(&b, fd_limit, o.use_libev))
		goto done;
	bench_detail("bench", "loop", json_string(b.uses_libev ? "libev" : "poll"));
	bool ok = run_phases(&b, &o);
	bench_loop_destroy(&b);
	bench_report_print();
	if (o.json_path != NULL && !bench_report_write(o.json_path))
		ok = false;
	rc = ok && !b.interrupted ? 0 : EXIT_FAILURE;
done:
	bench_report_free();
	if (own_workdir)
		nftw(b.workdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	hc_venue_free(cfg);
	return rc;
}
