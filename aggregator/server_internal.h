/*
 * server_internal.h — what the server's files share: the server struct,
 * per-session data of each role, and the calls between them.
 *
 *   server.c         context, loop, shutdown, the commit pipeline and acks
 *   venue_state.c    area states, versions, congestion, the hold timer
 *   terminal_role.c  the terminal WebSocket role
 *   map_role.c       the read-only map WebSocket role
 *   http_api.c       GET /api/areas and /healthz
 *
 * Everything here runs on the loop thread, except the committer's wake().
 */
#ifndef HC_SERVER_INTERNAL_H
#define HC_SERVER_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "aggregator/committer.h"
#include "aggregator/congestion.h"
#include "aggregator/ledger.h"
#include "aggregator/server.h"
#include "aggregator/store.h"
#include "shared/config.h"
#include "shared/limits.h"
#include "shared/protocol.h"

/* Indexes into hc_server.protocols. */
enum { HC_PROTOCOL_HTTP, HC_PROTOCOL_TERMINAL, HC_PROTOCOL_MAP, HC_PROTOCOL_COUNT };

/* Acks one terminal connection may have queued: its own in-flight limit
 * plus room for acks of batches its predecessor sent (same incarnation). */
#define HC_ACK_QUEUE_MAX (2 * HC_INFLIGHT_BATCHES_MAX)

/* Map clients send nothing; this is enough for a close frame. */
#define HC_MAP_RX_BYTES 256

/* Largest single send() for the map role (a snapshot can be larger and
 * is then sent in pieces by lws). */
#define HC_MAP_TX_PACKET_BYTES 16384

/* Pause before retrying a failed commit, so a full disk is not hammered. */
#define HC_COMMIT_RETRY_MS 250

/* Bounds of the graceful shutdown steps. */
#define HC_SHUTDOWN_COMMIT_MS 10000
#define HC_SHUTDOWN_FLUSH_MS 2000

enum hc_terminal_session_state { HC_SESSION_AWAITING_HELLO, HC_SESSION_READY };

/* Per-connection data of the terminal role (lws allocates and zeroes it). */
struct hc_terminal_session {
	struct lws *wsi;
	enum hc_terminal_session_state state;
	uint32_t terminal_index;
	uint64_t incarnation;
	char peer[64];

	char rx[HC_TERMINAL_FRAME_BYTES_MAX + 1]; /* message being reassembled */
	size_t rx_len;

	struct hc_msg_ack acks[HC_ACK_QUEUE_MAX];  /* FIFO ring */
	uint32_t ack_head;
	uint32_t ack_len;
	uint32_t awaiting_commit;    /* batches of ours staged or committing */

	bool welcome_pending;
	uint64_t area_version_sent;

	bool close_pending;          /* close at the next writeable callback */
	uint16_t close_code;
	char close_reason[121];

	lws_sorted_usec_list_t hello_sul;
};

/* Per-connection data of the map role. */
struct hc_map_session {
	struct lws *wsi;
	char peer[64];
	uint64_t *versions_sent;     /* per area; allocated at connect */
	uint32_t cursor;             /* next area to look at */
	bool snapshot_pending;
};

/* Per-request data of plain HTTP. */
struct hc_http_session {
	char *body;
	size_t body_len;
	size_t body_sent;
};

/* What the aggregator knows about each configured terminal. */
struct hc_terminal_status {
	struct hc_terminal_session *session;  /* current connection or NULL */
	int64_t last_seen_wall_ms;            /* 0: never seen */
	bool has_incarnation;
	uint64_t incarnation;                 /* of the latest hello */
};

/* One area's pushed state and its version (bumped on every change). */
struct hc_area_slot {
	struct hc_area_state state;
	uint64_t version;
};

struct hc_server {
	const struct hc_venue_cfg *cfg;
	struct hc_ledger *ledger;
	struct hc_store *store;
	struct hc_committer *committer;
	struct hc_congestion *congestion;
	struct lws_context *context;
	struct lws_protocols protocols[HC_PROTOCOL_COUNT + 1];
	lws_retry_bo_t idle_policy;
	char listen_host[64];
	uint16_t listen_port;

	struct hc_area_slot *areas;               /* cfg->area_count */
	bool *area_touched;                       /* scratch, cfg->area_count */
	bool *area_changed;                       /* scratch, cfg->area_count */
	struct hc_terminal_status *terminals;     /* cfg->terminal_count */
	struct hc_ledger_row *job_rows;           /* HC_COMMIT_BATCHES_MAX */
	lws_sorted_usec_list_t congestion_sul;
	lws_sorted_usec_list_t commit_retry_sul;

	/* health */
	int64_t started_mono_ms;
	bool storage_failing;
	char storage_error[256];
	int64_t storage_error_at_wall_ms;         /* 0: never */
	int64_t commit_failures;                  /* since the last success */
	int64_t commit_retry_at_mono_ms;          /* no commit before this */
	uint32_t terminals_online;
	uint32_t terminal_sessions;
	uint32_t map_sessions;
	uint64_t acks_queued;

	/* shutdown */
	volatile sig_atomic_t stop_requested;
	bool stopping;                /* refuse new connections and batches */
	bool closing_all;             /* close every session with 1001 */
};

/* The server a connection belongs to. */
struct hc_server *hc_server_of(struct lws *wsi);

/* server.c: the peer's IP address as people write it ("127.0.0.1",
 * not "::ffff:127.0.0.1"), or "?". */
void hc_server_peer_address(struct lws *wsi, char *out, size_t cap);

/* server.c: submits staged rows when the committer is idle. */
void hc_server_kick_commit(struct hc_server *s);
/* server.c: collects a finished commit: ledger, acks, area states. */
void hc_server_collect_commit(struct hc_server *s);

/* venue_state.c */
bool hc_venue_state_init(struct hc_server *s);
void hc_venue_state_free(struct hc_server *s);
/* Recomputes the areas flagged in s->area_touched (and any whose level
 * or restriction changed by time), bumps versions, asks every terminal
 * and map connection to write. Clears s->area_touched. */
void hc_venue_state_refresh(struct hc_server *s);

/* terminal_role.c */
int hc_terminal_callback(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len);
/* Queues an ack on the terminal's current connection when it is of the
 * row's incarnation; drops it otherwise (the terminal resends). */
void hc_terminal_route_ack(struct hc_server *s, const struct hc_ledger_row *row,
			   bool ok, bool duplicate);

/* map_role.c */
int hc_map_callback(struct lws *wsi, enum lws_callback_reasons reason,
		    void *user, void *in, size_t len);

/* http_api.c */
int hc_http_callback(struct lws *wsi, enum lws_callback_reasons reason,
		     void *user, void *in, size_t len);

#endif
