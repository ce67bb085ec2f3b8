/*
 * main.c — headcount-aggregator: command line, start-up, signals.
 *
 *   headcount-aggregator --config venue.ini [--db PATH] [--listen HOST:PORT]
 *                        [--verbose]
 *
 * Start-up: load the venue config (errors print "file:line: message",
 * exit 2), open the ledger database (failure: exit 1), load every row into
 * the ledger core, start listening and log "listening on http://HOST:PORT".
 * SIGINT/SIGTERM stop gracefully (server.c): exit 0.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/ledger.h"
#include "aggregator/server.h"
#include "aggregator/store.h"
#include "shared/clock.h"
#include "shared/config.h"
#include "shared/log.h"

#define EXIT_CONFIG 2

static struct hc_server *running_server;

static void on_stop_signal(int sig)
{
	(void)sig;
	if (running_server != NULL)
		hc_server_request_stop(running_server);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: headcount-aggregator --config venue.ini [--db PATH]"
		" [--listen HOST:PORT] [--verbose]\n"
		"  --config FILE       venue config (areas, terminals, thresholds)\n"
		"  --db PATH           ledger database (overrides [venue] database)\n"
		"  --listen HOST:PORT  address to serve on (overrides [venue] listen)\n"
		"  --verbose           debug lines and libwebsockets notices\n");
}

/* Parses "host:port" (port 1..65535) into the config's listen fields. */
static bool parse_listen(const char *text, struct hc_venue_cfg *cfg)
{
	const char *colon = strrchr(text, ':');
	if (colon == NULL || colon == text ||
	    (size_t)(colon - text) >= sizeof cfg->listen_host)
		return false;
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535)
		return false;
	snprintf(cfg->listen_host, sizeof cfg->listen_host, "%.*s",
		 (int)(colon - text), text);
	cfg->listen_port = (uint16_t)port;
	return true;
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
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGPIPE, &ignore, NULL) != 0) {
		hc_error("sigaction: %m");
		return false;
	}
	return true;
}

/* Opens the store and loads it into a new ledger. Exits 1 on failure. */
static struct hc_ledger *load_ledger(const struct hc_venue_cfg *cfg,
				     struct hc_store **store_out)
{
	char err[512] = "";
	struct hc_store *store = hc_store_open(cfg->database, cfg, err, sizeof err);
	if (store == NULL) {
		hc_error("cannot open the ledger database %s: %s", cfg->database, err);
		return NULL;
	}
	struct hc_ledger *ledger =
		hc_ledger_new((uint32_t)cfg->area_count, (uint32_t)cfg->terminal_count);
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
		stats.rows, cfg->database, hc_mono_ms() - start_ms,
		stats.rows_unknown_source, stats.rows_unknown_area);
	*store_out = store;
	return ledger;
fail:
	hc_ledger_free(ledger);
	hc_store_close(store);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *config_path = NULL, *db_path = NULL, *listen = NULL;
	bool verbose = false;
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:d:l:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'd': db_path = optarg; break;
		case 'l': listen = optarg; break;
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

	struct hc_config_error cerr;
	struct hc_venue_cfg *cfg = hc_venue_load(config_path, &cerr);
	if (cfg == NULL) {
		char text[PATH_MAX + 256];
		hc_config_error_format(&cerr, text, sizeof text);
		fprintf(stderr, "%s\n", text);
		return EXIT_CONFIG;
	}
	if (db_path != NULL)
		snprintf(cfg->database, sizeof cfg->database, "%s", db_path);
	if (listen != NULL && !parse_listen(listen, cfg)) {
		fprintf(stderr, "--listen %s: expected HOST:PORT with a port of 1..65535\n",
			listen);
		hc_venue_free(cfg);
		return EXIT_CONFIG;
	}

	int rc = EXIT_FAILURE;
	struct hc_store *store = NULL;
	if (!install_signal_handlers())
		goto done;
	struct hc_ledger *ledger = load_ledger(cfg, &store);
	if (ledger == NULL)
		goto done;
	struct hc_server_options sopt = {
		.listen_host = cfg->listen_host,
		.listen_port = cfg->listen_port,
		.verbose = verbose,
	};
	struct hc_server *server = hc_server_new(cfg, ledger, store, &sopt);
	if (server == NULL) {
		hc_ledger_free(ledger);
		hc_store_close(store);
		goto done;
	}
	running_server = server;
	rc = hc_server_run(server);
	running_server = NULL;
	hc_server_free(server);
done:
	hc_venue_free(cfg);
	return rc;
}
