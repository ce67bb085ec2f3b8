/*
 * supervisor_role.h — what aggregator/supervisor_role.c exports: the
 * supervisor WebSocket role's callback and what a reload changes. Loop thread.
 */
#ifndef HC_SUPERVISOR_ROLE_H
#define HC_SUPERVISOR_ROLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

struct hc_server;
struct hc_supervisor_session;

int hc_supervisor_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			   size_t len);
/* After a reload: closes supervisors no longer in the config (4009). */
void hc_supervisor_sessions_reconfigured(struct hc_server *s);

#endif
