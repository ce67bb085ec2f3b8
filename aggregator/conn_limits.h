/*
 * conn_limits.h — who may hold a connection to the aggregator: a count
 * per peer address and per listener, checked the moment a connection is
 * accepted, before libwebsockets allocates anything for it.
 *
 * Relies on: libwebsockets 4.1 delivering, on the vhost's first protocol,
 * LWS_CALLBACK_FILTER_NETWORK_CONNECTION (peer address of an accepted
 * socket; non-zero refuses it), then LWS_CALLBACK_SERVER_NEW_CLIENT_
 * INSTANTIATED once the connection is adopted, and LWS_CALLBACK_WSI_
 * DESTROY exactly once when it is freed. A connection that is refused at
 * the filter is never adopted and never counted.
 *
 * Promises: the public listener holds at most connections_per_address
 * connections of one address and at most its budget in all; the staff
 * listener (terminals and supervisors) has a budget of its own that no
 * public connection can take (docs/aggregator.md, *Limits*). Refusals
 * are logged at most once a second, with how many there were.
 * Everything runs on the loop thread.
 */
#ifndef HC_CONN_LIMITS_H
#define HC_CONN_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

enum hc_listener { HC_LISTENER_PUBLIC, HC_LISTENER_STAFF, HC_LISTENER_COUNT };

struct hc_conn_limits;

/* A table with nothing counted. per_address_max applies to the public
 * listener; budgets are the most connections each listener may hold.
 * NULL when out of memory. */
struct hc_conn_limits *hc_conn_limits_new(uint32_t per_address_max,
					  const uint32_t budget[HC_LISTENER_COUNT]);
void hc_conn_limits_free(struct hc_conn_limits *l);

/* Changes the limits (a reload); connections already open stay. */
void hc_conn_limits_set(struct hc_conn_limits *l, uint32_t per_address_max,
			const uint32_t budget[HC_LISTENER_COUNT]);

/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION on listener which: true when
 * the connection may stay, false (after counting the refusal) when it
 * must be closed. */
bool hc_conn_limits_admit(struct hc_conn_limits *l, enum hc_listener which,
			  const struct lws_filter_network_conn_args *a);

/* LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: counts the connection and
 * remembers its entry in the wsi (lws_set_opaque_user_data). */
void hc_conn_limits_opened(struct hc_conn_limits *l, enum hc_listener which, struct lws *wsi);

/* LWS_CALLBACK_WSI_DESTROY: uncounts a connection counted by opened();
 * anything else (the listen socket, lws's own pipes) is ignored. */
void hc_conn_limits_closed(struct hc_conn_limits *l, struct lws *wsi);

/* Connections open on a listener now. */
uint32_t hc_conn_limits_open(struct hc_conn_limits *l, enum hc_listener which);

#endif
