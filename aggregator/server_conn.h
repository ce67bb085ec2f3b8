/*
 * server_conn.h — what a connection's callback asks about the
 * connection: its server, its peer's address, the listener it came in
 * on, whether its role may use that listener, and the connection events
 * the connection limits count (aggregator/conn_limits.h).
 *
 * Loop thread, except hc_server_peer_address and hc_server_conn_event,
 * which either context's callbacks call on their own thread.
 */
#ifndef HC_SERVER_CONN_H
#define HC_SERVER_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#include "aggregator/conn_limits.h"

struct hc_server;

/* The server a connection belongs to. */
struct hc_server *hc_server_of(struct lws *wsi);

/* The peer's IP address as people write it ("127.0.0.1", not
 * "::ffff:127.0.0.1"), or "?". */
void hc_server_peer_address(struct lws *wsi, char *out, size_t cap);

/* The listener a connection came in on. */
enum hc_listener hc_server_listener_of(const struct hc_server *s, struct lws *wsi);
/* True when this role may use the listener wsi came in on (with a
 * staff listener: terminals and supervisors there only, map clients on
 * the public one only). */
bool hc_server_role_allowed(const struct hc_server *s, struct lws *wsi, bool staff_role);
/* The connection events of the vhost's first protocol
 * (FILTER_NETWORK_CONNECTION, SERVER_NEW_CLIENT_INSTANTIATED,
 * WSI_DESTROY); returns what the callback returns. */
int hc_server_conn_event(struct hc_server *s, struct lws *wsi, enum lws_callback_reasons reason,
			 void *user);

#endif
