/*
 * supervisor_role.h — what aggregator/supervisor_role.c exports: the
 * supervisor WebSocket role's callback, its answers (the commit
 * pipeline answers commands waiting for storage through it), and what a
 * reload changes. Loop thread.
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
/* Queues an answer on a supervisor connection (NULL: dropped). */
void hc_supervisor_answer(struct hc_server *s, struct hc_supervisor_session *sv,
			  const char *request, bool ok, const char *error);
/* After a reload: closes supervisors no longer in the config (4009). */
void hc_supervisor_sessions_reconfigured(struct hc_server *s);

#endif
