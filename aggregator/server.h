/*
 * server.h — the aggregator's network edge: one lws event loop serving
 * HTTP (/api/areas, /healthz) and the WebSocket roles (terminal, map) on
 * one port.
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
#include "aggregator/store.h"
#include "shared/config.h"

struct hc_server;

struct hc_server_options {
	const char *listen_host;     /* address to bind, e.g. "127.0.0.1" */
	uint16_t listen_port;
	bool verbose;                /* lws notices and DEBUG lines */
};

/* Creates the lws context and starts listening; takes ownership of the
 * store (handed to the committer thread) and the ledger (loaded already).
 * cfg must outlive the server. Returns NULL (and logs why) on failure;
 * the caller then still owns store and ledger. */
struct hc_server *hc_server_new(const struct hc_venue_cfg *cfg,
				struct hc_ledger *ledger, struct hc_store *store,
				const struct hc_server_options *opt);

/* Serves until hc_server_request_stop(); then stops accepting, finishes
 * and acknowledges the commit in flight, closes every connection with
 * 1001 and returns 0. */
int hc_server_run(struct hc_server *s);

/* Asks the loop to stop. Safe to call from a signal handler. */
void hc_server_request_stop(struct hc_server *s);

/* Frees everything, including the store and the ledger. */
void hc_server_free(struct hc_server *s);

#endif
