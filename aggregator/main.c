/*
 * main.c — headcount-aggregator: command line, start-up, signals.
 *
 *   headcount-aggregator --config venue.ini [--db PATH] [--listen HOST:PORT]
 *                        [--sample-interval-s N] [--verbose]
 *   headcount-aggregator export --config venue.ini [--db PATH]
 *                        --from 2026-11-23T10:00Z --to 2026-11-23T18:00Z
 *                        [--area ID] [--out FILE]
 *   headcount-aggregator passwd NAME -c venue.ini [--iterations N]
 *                        (aggregator/passwords_cmd.c)
 *
 * Start-up: load the venue config (errors print "file:line: message",
 * exit 2), check the listen address (a host name: exit 2; an address not
 * of this host or a port in use: exit 1), open the ledger database (it
 * must be writable and not in use by another aggregator; failure: exit
 * 1), give every config id a slot (aggregator/slots.h), load every row
 * into the ledger core, start listening and log "listening on
 * http://HOST:PORT". Every refusal is one ERROR line saying what to do.
 * SIGINT/SIGTERM stop gracefully (server.c): exit 0. SIGHUP reloads the
 * config: the handler only sets a flag and wakes the loop.
 *
 * export writes the per-area history as CSV (aggregator/history.h) and
 * exits 0; bad arguments exit 2, an unreadable database 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/history.h"
#include "aggregator/ledger.h"
#include "aggregator/make_ca.h"
#include "aggregator/passwords.h"
#include "aggregator/server.h"
#include "aggregator/slots.h"
#include "aggregator/store.h"
#include "aggregator/enroll.h"
#include "shared/clock.h"
#include "shared/config.h"
#include "shared/log.h"
#include "shared/version.h"

#define EXIT_CONFIG 2

static struct hc_server *running_server;

static void on_stop_signal(int sig)
{
	(void)sig;
	if (running_server != NULL)
		hc_server_request_stop(running_server);
}

static void on_reload_signal(int sig)
{
	(void)sig;
	if (running_server != NULL)
		hc_server_request_reload(running_server);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: headcount-aggregator --config venue.ini [--db PATH]"
		     " [--listen HOST:PORT] [--sample-interval-s N] [--verbose]\n"
		     "       headcount-aggregator export --config venue.ini [--db PATH]"
		     " --from TIME --to TIME [--area ID] [--out FILE]\n"
		     "       headcount-aggregator make-ca DIR [--host NAME|IP]... [--days N]\n"
		     "       headcount-aggregator passwd NAME -c venue.ini [--iterations N]\n"
		     "       headcount-aggregator enroll|rotate|revoke TERMINAL --config venue.ini"
		     " [--url URL] [--ca FILE] [--no-qr]\n"
		     "  --config FILE          venue config (areas, terminals, thresholds)\n"
		     "  --db PATH              ledger database (overrides [venue] database)\n"
		     "  --listen HOST:PORT     address to serve on (overrides [venue] listen)\n"
		     "  --sample-interval-s N  history sample interval, 1..3600 (default 60;\n"
		     "                         other values are for tests)\n"
		     "  --verbose              debug lines and libwebsockets notices\n"
		     "  --version              print the version and exit\n"
		     "  --help                 print this and exit (also after a subcommand)\n"
		     "  export: CSV of the per-area history in [--from, --to), UTC times\n"
		     "          as 2026-11-23T10:00Z or 2026-11-23T10:00:30Z\n"
		     "  passwd: set supervisor NAME's password (asked twice on a terminal,\n"
		     "          else one line of stdin) in the supervisor_passwords file\n"
		     "  enroll, rotate, revoke: a terminal's secret (docs/security.md)\n");
}

/* Parses "host:port" (port 1..65535) into the config's listen fields. */
static bool parse_listen(const char *text, struct hc_venue_cfg *cfg)
{
	const char *colon = strrchr(text, ':');
	if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof cfg->listen_host)
		return false;
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535)
		return false;
	snprintf(cfg->listen_host, sizeof cfg->listen_host, "%.*s", (int)(colon - text), text);
	cfg->listen_port = (uint16_t)port;
	return true;
}

/* Checks that host:port can be listened on before anything else starts,
 * because lws 4.1 reports a missing address only in a notice and then
 * serves with no socket. host must be a numeric IPv4 or IPv6 address
 * (names are not resolved: exit 2); a trial bind() tells an address not
 * of this host and a port in use apart (exit 1). Returns 0 when fine. */
static int check_listen(const char *host, uint16_t port)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	struct sockaddr *addr;
	socklen_t addr_len;
	memset(&v4, 0, sizeof v4);
	memset(&v6, 0, sizeof v6);
	if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		v4.sin_port = htons(port);
		addr = (struct sockaddr *)&v4;
		addr_len = sizeof v4;
	} else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		v6.sin6_port = htons(port);
		addr = (struct sockaddr *)&v6;
		addr_len = sizeof v6;
	} else {
		hc_error("listen %s:%u: \"%s\" is not a numeric address (host names are"
			 " not resolved); use 0.0.0.0, 127.0.0.1 or an address of this host",
			 host, port, host);
		return EXIT_CONFIG;
	}
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		hc_error("listen %s:%u: socket: %m", host, port);
		return EXIT_FAILURE;
	}
	int one = 1;
	int rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (rc == 0)
		rc = bind(fd, addr, addr_len);
	int e = errno;
	close(fd);
	if (rc == 0)
		return 0;
	if (e == EADDRNOTAVAIL)
		hc_error("listen %s:%u: %s is not an address of this host (bind: %s); use"
			 " 0.0.0.0 for every address, or one that \"ip -brief address\" shows",
			 host, port, host, strerror(e));
	else if (e == EADDRINUSE)
		hc_error("listen %s:%u: port %u is already in use (another aggregator? see"
			 " ss -ltnp 'sport = :%u'); stop it or choose another port",
			 host, port, port, port);
	else if (e == EACCES)
		hc_error("listen %s:%u: not allowed to bind port %u (ports below 1024 need"
			 " privileges); choose a port of 1024 or more",
			 host, port, port);
	else
		hc_error("listen %s:%u: bind: %s", host, port, strerror(e));
	return EXIT_FAILURE;
}

static bool install_signal_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	struct sigaction ignore;
	memset(&ignore, 0, sizeof ignore);
	ignore.sa_handler = SIG_IGN;
	sigemptyset(&ignore.sa_mask);
	struct sigaction hup;
	memset(&hup, 0, sizeof hup);
	hup.sa_handler = on_reload_signal;
	sigemptyset(&hup.sa_mask);
	hup.sa_flags = SA_RESTART;
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &hup, NULL) != 0 || sigaction(SIGPIPE, &ignore, NULL) != 0) {
		hc_error("sigaction: %m");
		return false;
	}
	return true;
}

/* Slot tables with the config's terminals and areas in file order. */
static bool make_slots(const struct hc_venue_cfg *cfg, struct hc_slots **sources,
		       struct hc_slots **areas)
{
	*sources = hc_slots_new(HC_SOURCE_SLOTS_MAX, HC_SOURCE_ID_LEN_MAX);
	*areas = hc_slots_new(HC_AREA_SLOTS_MAX, HC_ID_LEN_MAX);
	if (*sources == NULL || *areas == NULL) {
		hc_error("out of memory for the slot tables");
		return false;
	}
	for (int i = 0; i < cfg->terminal_count; i++)
		hc_slots_add(*sources, cfg->terminals[i].id);
	for (int i = 0; i < cfg->area_count; i++)
		hc_slots_add(*areas, cfg->areas[i].id);
	return true;
}

/* Opens the store and loads it into a new ledger indexed by the slot
 * tables. Exits 1 on failure. */
static struct hc_ledger *load_ledger(const struct hc_venue_cfg *cfg, struct hc_slots *sources,
				     struct hc_slots *areas, struct hc_store **store_out)
{
	char err[512] = "";
	struct hc_store *store = hc_store_open(cfg->database, cfg, err, sizeof err);
	if (store == NULL) {
		hc_error("cannot open the ledger database %s: %s", cfg->database, err);
		return NULL;
	}
	hc_store_use_slots(store, sources, areas);
	struct hc_ledger *ledger = hc_ledger_new(HC_AREA_SLOTS_MAX, HC_SOURCE_SLOTS_MAX);
	if (ledger == NULL) {
		hc_error("out of memory for the ledger");
		goto fail;
	}
	int64_t start_ms = hc_mono_ms();
	struct hc_store_load_stats stats;
	if (!hc_store_load(store, ledger, &stats, err, sizeof err)) {
		hc_error("cannot load the ledger database %s: %s", cfg->database, err);
		goto fail;
	}
	hc_info("loaded %" PRId64 " ledger rows from %s in %" PRId64 " ms"
		" (%" PRId64 " of sources and %" PRId64 " of areas not in the config)",
		stats.rows, cfg->database, hc_mono_ms() - start_ms, stats.rows_unknown_source,
		stats.rows_unknown_area);
	*store_out = store;
	return ledger;
fail:
	hc_ledger_free(ledger);
	hc_store_close(store);
	return NULL;
}

/* Loads the config for either command; NULL with the error as a person
 * reads it ("FILE:LINE: what") in err. Each caller reports it its way:
 * the server logs it, export prints it (docs/hacking.md, Errors). */
static struct hc_venue_cfg *load_config(const char *path, char *err, size_t err_len)
{
	struct hc_config_error cerr;
	struct hc_venue_cfg *cfg = hc_venue_load(path, &cerr);
	if (cfg == NULL)
		hc_config_error_format(&cerr, err, err_len);
	return cfg;
}

/* headcount-aggregator export ...: the history as CSV. One piece (about
 * 85 lines): the options and their checks, then config, output and
 * store opened and released on one path, each refusal one line. */
static int run_export(int argc, char **argv)
{
	const char *config_path = NULL, *db_path = NULL, *from = NULL, *to = NULL;
	const char *area = NULL, *out_path = NULL;
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' }, { "db", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },   { "to", required_argument, NULL, 't' },
		{ "area", required_argument, NULL, 'a' },   { "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'd': db_path = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'a': area = optarg; break;
		case 'o': out_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (config_path == NULL || from == NULL || to == NULL || optind != argc) {
		fprintf(stderr, "export: --config, --from and --to are required\n");
		usage(stderr);
		return EXIT_CONFIG;
	}
	int64_t from_ms, to_ms;
	const char *why = "";
	if (!hc_history_parse_utc(from, &from_ms)) {
		fprintf(stderr, "export: --from %s: expected a UTC time like 2026-11-23T10:00Z\n",
			from);
		return EXIT_CONFIG;
	}
	if (!hc_history_parse_utc(to, &to_ms)) {
		fprintf(stderr, "export: --to %s: expected a UTC time like 2026-11-23T18:00Z\n",
			to);
		return EXIT_CONFIG;
	}
	if (!hc_history_range_valid(from_ms, to_ms, &why)) {
		fprintf(stderr, "export: %s (--from %s, --to %s)\n", why, from, to);
		return EXIT_CONFIG;
	}
	char cfg_err[PATH_MAX + 256];
	struct hc_venue_cfg *cfg = load_config(config_path, cfg_err, sizeof cfg_err);
	if (cfg == NULL) {
		fprintf(stderr, "export: %s\n", cfg_err);
		return EXIT_CONFIG;
	}
	int rc = EXIT_CONFIG;
	FILE *out = stdout;
	if (area != NULL && hc_venue_find_area(cfg, area) < 0) {
		fprintf(stderr, "export: --area %s: no such area in %s\n", area, config_path);
		goto done;
	}
	if (out_path != NULL && (out = fopen(out_path, "w")) == NULL) {
		fprintf(stderr, "export: --out %s: %s\n", out_path, strerror(errno));
		out = stdout;
		goto done;
	}
	char err[512] = "";
	int64_t rows = 0;
	const char *db = db_path != NULL ? db_path : cfg->database;
	if (!hc_store_export_samples(db, from_ms, to_ms, area, out, &rows, err, sizeof err)) {
		fprintf(stderr, "export: %s: %s\n", db, err);
		rc = EXIT_FAILURE;
		goto done;
	}
	if (fflush(out) != 0) {
		fprintf(stderr, "export: write: %s\n", strerror(errno));
		rc = EXIT_FAILURE;
		goto done;
	}
	fprintf(stderr, "export: %" PRId64 " rows\n", rows);
	rc = 0;
done:
	if (out != stdout && fclose(out) != 0 && rc == 0) {
		fprintf(stderr, "export: --out %s: %s\n", out_path, strerror(errno));
		rc = EXIT_FAILURE;
	}
	hc_venue_free(cfg);
	return rc;
}

/* headcount-aggregator. One piece (about 105 lines): the options, the
 * start-up checks in the order an operator fixes them, then the server;
 * the checks are functions of their own (load_config, check_listen,
 * make_slots, load_ledger) and main holds what they return, released on
 * its one path. */
int main(int argc, char **argv)
{
	if (hc_version_requested(argc, argv)) {
		hc_version_print(stdout, "headcount-aggregator");
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return run_export(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "make-ca") == 0)
		return hc_make_ca_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "passwd") == 0)
		return hc_passwd_main(argc - 1, argv + 1);
	if (hc_enroll_is_command(argc, argv))
		return hc_enroll_main(argc - 1, argv + 1);
	const char *config_path = NULL, *db_path = NULL, *listen = NULL;
	long sample_interval_s = 0;
	bool verbose = false;
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "sample-interval-s", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	char *end = NULL;
	while ((opt = getopt_long(argc, argv, "c:d:l:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'd': db_path = optarg; break;
		case 'l': listen = optarg; break;
		case 's':
			sample_interval_s = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' ||
			    sample_interval_s < HC_HISTORY_INTERVAL_S_MIN ||
			    sample_interval_s > HC_HISTORY_INTERVAL_S_MAX) {
				fprintf(stderr, "--sample-interval-s %s: expected %d..%d\n", optarg,
					HC_HISTORY_INTERVAL_S_MIN, HC_HISTORY_INTERVAL_S_MAX);
				return EXIT_CONFIG;
			}
			break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (config_path == NULL || optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	hc_log_init("aggregator", verbose ? HC_LOG_DEBUG : HC_LOG_INFO);

	char cfg_err[PATH_MAX + 256];
	struct hc_venue_cfg *cfg = load_config(config_path, cfg_err, sizeof cfg_err);
	if (cfg == NULL) {
		hc_error("%s", cfg_err);
		return EXIT_CONFIG;
	}
	if (db_path != NULL)
		snprintf(cfg->database, sizeof cfg->database, "%s", db_path);
	if (listen != NULL && !parse_listen(listen, cfg)) {
		hc_error("--listen %s: expected HOST:PORT with a port of 1..65535", listen);
		hc_venue_free(cfg);
		return EXIT_CONFIG;
	}

	if (!hc_passwords_check_at_start(cfg, config_path)) {
		hc_venue_free(cfg);
		return EXIT_FAILURE;
	}
	int listen_rc = check_listen(cfg->listen_host, cfg->listen_port);
	if (listen_rc != 0) {
		hc_venue_free(cfg);
		return listen_rc;
	}

	struct hc_store *store = NULL;
	struct hc_slots *sources = NULL, *areas = NULL;
	struct hc_ledger *ledger = NULL;
	if (!install_signal_handlers() || !make_slots(cfg, &sources, &areas) ||
	    (ledger = load_ledger(cfg, sources, areas, &store)) == NULL) {
		hc_slots_free(sources);
		hc_slots_free(areas);
		hc_venue_free(cfg);
		return EXIT_FAILURE;
	}
	struct hc_server_options sopt = {
		.listen_host = cfg->listen_host,
		.listen_port = cfg->listen_port,
		.verbose = verbose,
		.config_path = config_path,
		.db_from_cli = db_path != NULL,
		.listen_from_cli = listen != NULL,
		.sample_interval_ms = (int64_t)sample_interval_s * 1000,
	};
	/* The server owns everything from here, also when it fails. */
	struct hc_server *server = hc_server_new(cfg, sources, areas, ledger, store, &sopt);
	if (server == NULL)
		return EXIT_FAILURE;
	running_server = server;
	int rc = hc_server_run(server);
	running_server = NULL;
	hc_server_free(server);
	return rc;
}
