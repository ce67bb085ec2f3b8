/*
 * contexts.h — the aggregator's libwebsockets contexts: the protocol
 * tables of the roles, the creation info both contexts share, the
 * descriptor limit, lws's log, and the one or two contexts themselves
 * (with staff_listen: the staff context on the loop thread and the
 * public one for its own thread).
 */
#ifndef HC_CONTEXTS_H
#define HC_CONTEXTS_H

#include <stdbool.h>

struct hc_server;

/* Creates the contexts for s's config (listen, staff_listen, TLS) on
 * libev when it loads, else poll(); sets s->context, s->pub.context,
 * the vhosts and the protocol tables. verbose: lws notices too. False
 * (logged) when a port cannot be bound or TLS files are unusable; what
 * was created is freed by hc_server_free. */
bool hc_server_contexts_create(struct hc_server *s, bool verbose);

#endif
