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

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "aggregator/conn_limits.h"
#include "aggregator/map_feed.h"
#include "shared/wire_map.h"

/* HTTP requests of the public thread waiting for the loop thread at
 * once; one more is answered 503 at once (bounded hand-off). */
#define HC_HTTP_RELAY_MAX 64
/* Longest path relayed; a longer one is answered 404 at once. */
#define HC_HTTP_RELAY_PATH_BYTES 256

/* An HTTP answer built on the loop thread (http_api.c). */
struct hc_http_answer {
	unsigned int status;
	const char *content_type; /* a string constant */
	char *body;		  /* malloc'd, len bytes */
	size_t len;
	bool public_read; /* caching headers and ETag */
};

enum hc_relay_state {
	HC_RELAY_FREE,
	HC_RELAY_ASKED,	   /* waits for the loop thread */
	HC_RELAY_BUILDING, /* the loop thread builds its answer */
	HC_RELAY_ANSWERED, /* the answer waits for the public thread */
};

struct hc_relay_job {
	enum hc_relay_state state;
	bool abandoned; /* its connection closed meanwhile */
	char path[HC_HTTP_RELAY_PATH_BYTES];
	bool is_get;
	struct hc_http_answer answer;
};

struct hc_http_relay {
	pthread_mutex_t lock;
	struct hc_relay_job jobs[HC_HTTP_RELAY_MAX];
	struct lws *waiting[HC_HTTP_RELAY_MAX]; /* public thread only */
};

struct hc_map_session;

struct hc_public {
	/* Fixed before the first connection. */
	struct lws_context *context;	  /* serves the map clients */
	struct lws_context *main_context; /* the loop thread's */
	struct hc_conn_limits *limits;
	bool threaded;		/* context has a thread of its own */
	void *ev_loop;		/* libev loop of context, or NULL */
	uint32_t wake_per_turn; /* map clients woken per loop turn */

	struct hc_map_feed feed;    /* loop thread -> map side */
	struct hc_http_relay relay; /* threaded only */

	/* The map side's thread only. */
	struct hc_map_table view;
	struct hc_map_session *maps;	  /* every map connection */
	struct hc_map_session *wake_next; /* next to wake; NULL: none */
	lws_sorted_usec_list_t idle_sul;
	lws_sorted_usec_list_t tick_sul; /* libev only */
	bool idle_started;
	/* headcount-map.v2: the frame of the last take (every entry it
	 * changed), written as the same bytes to every v2 client that had
	 * everything before it; tick_from is the view serial it starts at
	 * (0: none). scratch: a frame for a client that was further behind. */
	struct hc_wire_map_update tick;
	uint64_t tick_from;
	uint32_t tick_entries[HC_FEED_ENTRIES_MAX];
	uint32_t tick_count;
	struct hc_wire_map_update scratch;
	uint32_t v2_sessions;

	/* Either thread. */
	atomic_uint map_sessions;
	atomic_bool quit; /* the public thread stops */
	pthread_t thread;
	bool thread_started; /* loop thread only */
	bool relay_ready;    /* relay.lock initialised */
	bool feed_ready;     /* feed initialised */
};

/* A second WebSocket role table entry for roles that the listener does
 * not serve: closes them with 4012 and reason (protocol user). */
struct hc_wrong_listener {
	const char *reason;
};

#endif
