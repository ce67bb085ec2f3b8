/*
 * server_conn.c — a connection's server, peer, listener and limits
 * (server_conn.h).
 *
 * Relies on libwebsockets 4.1 (the context's user is the server) and
 * the connection limits (conn_limits.c, which has a lock of its own).
 */
#include "aggregator/server_conn.h"

#include <stdio.h>
#include <string.h>

#include "aggregator/server_internal.h"

struct hc_server *hc_server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

void hc_server_peer_address(struct lws *wsi, char *out, size_t cap)
{
	char peer[64];
	if (lws_get_peer_simple(wsi, peer, sizeof peer) == NULL) {
		snprintf(out, cap, "?");
		return;
	}
	const char *mapped = "::ffff:";
	bool v4_in_v6 = strncmp(peer, mapped, strlen(mapped)) == 0 &&
			strchr(peer + strlen(mapped), '.') != NULL;
	snprintf(out, cap, "%s", v4_in_v6 ? peer + strlen(mapped) : peer);
}

enum hc_listener hc_server_listener_of(const struct hc_server *s, struct lws *wsi)
{
	return s->staff_vhost != NULL && lws_get_vhost(wsi) == s->staff_vhost ? HC_LISTENER_STAFF
									      : HC_LISTENER_PUBLIC;
}

bool hc_server_role_allowed(const struct hc_server *s, struct lws *wsi, bool staff_role)
{
	if (s->staff_vhost == NULL)
		return true;
	return (hc_server_listener_of(s, wsi) == HC_LISTENER_STAFF) == staff_role;
}

int hc_server_conn_event(struct hc_server *s, struct lws *wsi, enum lws_callback_reasons reason,
			 void *user)
{
	if (s == NULL || s->conn_limits == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/* wsi is the listen socket's; user the accepted peer. */
		return hc_conn_limits_admit(s->conn_limits, hc_server_listener_of(s, wsi), user)
			       ? 0
			       : -1;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		hc_conn_limits_opened(s->conn_limits, hc_server_listener_of(s, wsi), wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY: hc_conn_limits_closed(s->conn_limits, wsi); return 0;
	default: return 0;
	}
}
