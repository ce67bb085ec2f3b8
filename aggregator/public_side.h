/*
 * public_side.h — the side that serves map clients and, with a staff
 * listener, everything on the public listener, from a libwebsockets
 * context of its own on a thread of its own.
 *
 * Shapes (docs/aggregator.md, *Two threads*):
 *   - without staff_listen one context serves every role on the loop
 *     thread (as on a laptop); this struct then only holds the map
 *     clients and their view, fed on the same thread;
 *   - with staff_listen the main context (the loop thread: ledger,
 *     commits, terminals, supervisors) listens on the staff port and a
 *     public context on the public port, serviced by the public thread:
 *     map clients, the page, /api/..., /healthz, /metrics.
 *
 * The public thread never touches the server's state. It reads:
 *   - area and group messages, the snapshot and a few settings through
 *     the latest-state hand-off (map_feed.h), put by the loop thread at
 *     each publication, taken here when lws_cancel_service wakes it;
 *   - HTTP answers through the relay below: it hands the request's path
 *     to the loop thread (woken with lws_cancel_service on the main
 *     context), which builds the answer from its own state as before and
 *     hands it back; the page's files are compiled in and served here;
 *   - the connection limits, a table with a lock of its own.
 *
 * Ownership and order (hc_server_free): the loop thread creates both
 * contexts and the public thread; at shutdown the public thread is told
 * to quit and joined, then the public context is destroyed, then the
 * main one — so no thread ever calls into a context that is gone.
 */
#ifndef HC_PUBLIC_SIDE_H
#define HC_PUBLIC_SIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

struct hc_public;
struct hc_server;

/* The public context's HTTP role (relays to the loop thread). */
int hc_public_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			    size_t len);
/* Closes a role the listener does not serve (protocol user: its
 * struct hc_wrong_listener) with 4012. */
int hc_wrong_listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len);
/* Loop thread: answers the HTTP requests the public thread relayed. */
void hc_public_serve_relayed(struct hc_server *s);
/* Loop thread: starts the public thread (the context exists). */
bool hc_public_start(struct hc_public *p);
/* Loop thread: stops and joins the public thread (no-op if none). */
void hc_public_stop(struct hc_public *p);
/* Loop thread, once both contexts are destroyed: frees the hand-offs. */
void hc_public_free(struct hc_public *p);

#endif
