/*
 * server.h — the aggregator's network edge: one lws event loop serving
 * HTTP (/api/areas, /api/groups, /healthz) and the WebSocket roles
 * (terminal, map, supervisor) on one port.
 *
 * The server owns the loop and everything the loop touches; the ledger is
 * the counting core, the committer makes its rows durable on a worker
 * thread, and aggregator/congestion.h turns counts into levels and entry
 * restriction. docs/aggregator.md describes the behaviour seen from outside.
 */
#ifndef HC_SERVER_H
#define HC_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregator/ledger.h"
#include "aggregator/slots.h"
#include "aggregator/store.h"
#include "shared/config.h"

struct hc_server;

struct hc_server_options {
	const char *listen_host; /* address to bind, e.g. "127.0.0.1" */
	uint16_t listen_port;
	bool verbose;		 /* lws notices and DEBUG lines */
	const char *config_path; /* read again on reload */
	bool db_from_cli;	 /* --db / --listen given: a reload keeps them */
	bool listen_from_cli;
	int64_t sample_interval_ms; /* history samples; 0: the default minute */
};

/* Creates the lws context and starts listening; takes ownership of cfg,
 * the slot tables, the store (handed to the committer thread) and the
 * ledger (loaded already, indexed by those slots). Reads the saved
 * overrides and threshold changes from the store first. Returns NULL
 * (and logs why) on failure; everything handed over is freed then. */
struct hc_server *hc_server_new(struct hc_venue_cfg *cfg, struct hc_slots *sources,
				struct hc_slots *area_ids, struct hc_ledger *ledger,
				struct hc_store *store, const struct hc_server_options *opt);

/* Serves until hc_server_request_stop(); then stops accepting, finishes
 * and acknowledges the commit in flight, closes every connection with
 * 1001 and returns 0. */
int hc_server_run(struct hc_server *s);

/* Asks the loop to stop. Safe to call from a signal handler. */
void hc_server_request_stop(struct hc_server *s);

/* Asks the loop to reload the config file (SIGHUP). Safe to call from a
 * signal handler: it only sets a flag and wakes the loop, which does the
 * work in its own turn. */
void hc_server_request_reload(struct hc_server *s);

/* Frees everything, including the config, store and ledger. */
void hc_server_free(struct hc_server *s);

#endif
