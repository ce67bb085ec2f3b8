/*
 * event_loop.h — the event-loop backend an lws context runs on: lws's
 * libev event-lib plugin on an epoll loop of ours when libev loads, or
 * lws's own poll() loop.
 *
 * What lives here: opening libev at run time (dlopen, as lws itself
 * opens its plugin, so no program has a link dependency on libev and it
 * falls back to poll() where libev is missing), making one epoll loop
 * per context, creating a context on it, one turn of service, and the
 * teardown lws needs (a last non-blocking run so it releases its
 * watchers, then the loop goes).
 *
 * Used by aggregator/server.c (the loop thread's context and, with a
 * staff listener, the public thread's) and tests/bench/bench_loop.c.
 *
 * Promises: a turn with libev costs in proportion to the sockets that
 * are ready (epoll); with poll() every socket is scanned. Either way
 * lws_cancel_service() wakes a turn. One loop serves one context, on
 * one thread.
 */
#ifndef HC_EVENT_LOOP_H
#define HC_EVENT_LOOP_H

#include <stdbool.h>

#include <libwebsockets.h>

/* One libev loop with the epoll backend, and the library it came from. */
struct hc_event_loop;

/* Opens libev and makes an epoll loop; NULL (logged at info, nothing
 * held) when libev does not load or has no epoll backend. */
struct hc_event_loop *hc_event_loop_new(void);

/* Creates a context on loop (info gets foreign_loops and the libev
 * option for the call, and is left as it was). NULL when lws refuses
 * (e.g. the libwebsockets-evlib-ev plugin is missing): the caller may
 * then create the context on poll() with the same info. */
struct lws_context *hc_event_loop_create_context(struct hc_event_loop *loop,
						 struct lws_context_creation_info *info);

/* One turn: waits for events (or a timer, or lws_cancel_service) and
 * handles them; on poll() (loop NULL) through lws_service(context).
 * Negative on failure. */
int hc_event_loop_service(struct hc_event_loop *loop, struct lws_context *context);

/* After the context on it is destroyed: lets lws release its watchers,
 * then frees the loop and closes the library. NULL is a no-op. */
void hc_event_loop_free(struct hc_event_loop *loop);

#endif
