/*
 * terminal_role.h — what aggregator/terminal_role.c exports: the
 * terminal WebSocket role's callback, the acks the commit pipeline
 * routes to it, the enrollment secrets, and what a reload changes.
 * Loop thread.
 */
#ifndef HC_TERMINAL_ROLE_H
#define HC_TERMINAL_ROLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "aggregator/ledger.h"

struct hc_server;

int hc_terminal_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len);
/* After a reload, closes terminals no longer in the
 * config (4004), re-reads the secrets file and closes terminals revoked
 * or rotated (4023), and re-welcomes those that moved to another area. */
void hc_terminal_sessions_reconfigured(struct hc_server *s);

#endif
