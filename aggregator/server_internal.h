/*
 * server_internal.h — the types the server's files share: the server
 * struct, the per-session data of each role, the public side's hand-off
 * types. Types only: each file's functions are declared in its own
 * header (venue_state.h, terminal_role.h, supervisor_role.h,
 * map_role.h, http_api.h, public_side.h, server_conn.h,
 * server_commit.h, server_reload.h, contexts.h, random.h, pipeline.h),
 * and this header includes none of those that include it back, so no
 * include circle runs through it (tests/lint/deps.rules, nocycle).
 * Calls that would go up (a file calling one that includes it) go
 * through struct hc_server_hooks, set by server.c.
 *
 * Index spaces, kept apart on purpose: the ledger and the per-terminal
 * status count by slot (aggregator/slots.h), stable for the life of the
 * process; area and group states and config lookups go by position in
 * the current config (s->cfg), which a reload may renumber. s->term_slot
 * / s->slot_term and s->area_slot / s->slot_area translate.
 *
 * Everything here runs on the loop thread, except the committer's wake(),
 * the signal handlers' request flags and, with a staff listener, the
 * public side (s->pub, public_side.h), whose thread reads only what
 * public_side.h lists.
 */
#ifndef HC_SERVER_INTERNAL_H
#define HC_SERVER_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "aggregator/committer.h"
#include "aggregator/conflation.h"
#include "aggregator/conn_limits.h"
#include "aggregator/congestion.h"
#include "aggregator/histogram.h"
#include "aggregator/map_feed.h"
#include "aggregator/corrections.h"
#include "aggregator/ledger.h"
#include "aggregator/passwords.h"
#include "aggregator/pipeline.h"
#include "aggregator/slots.h"
#include "aggregator/store.h"
#include "aggregator/supervisor_cmd.h"
#include "aggregator/terminal_secrets.h"
#include "aggregator/ws_session.h"
#include "shared/config.h"
#include "shared/limits.h"
#include "shared/protocol.h"

#include "shared/wire_map.h"

/* ---- the public side's types (public_side.h explains the side) ---- */

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
	bool wake_pings_only;	/* this walk: only clients owing a ping */
	uint8_t ping_slice;	/* the slice the idle timer looks at next */
	uint8_t ping_slot_next; /* dealt to the next map client */
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

/* ---- the server's ---- */

/* Indexes into hc_server.protocols. */
enum {
	HC_PROTOCOL_HTTP,
	HC_PROTOCOL_TERMINAL,
	HC_PROTOCOL_TERMINAL_V1, /* same role, before batch undo fields */
	HC_PROTOCOL_TERMINAL_V2, /* same role, before authentication */
	HC_PROTOCOL_MAP,
	HC_PROTOCOL_SUPERVISOR,
	HC_PROTOCOL_MAP_V2, /* map role, one frame per push tick */
	HC_PROTOCOL_COUNT,
};

/* Acks one terminal connection may have queued: its own in-flight limit
 * plus room for acks of batches its predecessor sent (same incarnation). */
#define HC_ACK_QUEUE_MAX (2 * HC_INFLIGHT_BATCHES_MAX)

/* Map clients woken to write per loop turn when a state is published
 * (hc_map_wake_all) while they share the loop thread with terminals:
 * between two slices the loop serves whatever else is ready, so
 * terminals' acks wait behind at most this many map writes. On the
 * public thread of their own they are all woken at once. */
#define HC_MAP_WAKE_PER_TURN 25

/* Map clients send nothing but pongs and a close: 128 holds any control
 * frame (payload <= 125). lws allocates it per connection (+ LWS_PRE). */
#define HC_MAP_RX_BYTES 128

/* Largest single send() for the map role (a snapshot can be larger and
 * is then sent in pieces by lws). */
#define HC_MAP_TX_PACKET_BYTES 16384

/* Answers one supervisor connection may have outstanding (waiting or
 * queued); the commands waiting server-wide are HC_PENDING_COMMANDS_MAX
 * (aggregator/pipeline.h). */
#define HC_SUPERVISOR_RESULTS_MAX 16

/* Overrides and threshold adjustments remembered (by target id; ids no
 * longer in the config are kept in case a reload brings them back). */
#define HC_SETTINGS_MAX (2 * (HC_AREAS_MAX + HC_GROUPS_MAX))

/* With lws's libev plugin (4.1) a timer scheduled earlier than the one
 * lws has armed on the loop fires only when that one does (lws re-sets
 * its ev_timer while it is active, which libev ignores). A timer of ours
 * that re-arms itself this often keeps lws's armed timer never further
 * than this away, so every timer fires at most this late. Only with
 * libev; poll() computes its wait from all timers each turn. */
#define HC_LIBEV_TICK_MS 10

/* TCP keepalive probes before a silent peer is dropped; spread over
 * HC_SERVER_HANGUP_AFTER_S - HC_SERVER_PING_AFTER_S. */
#define HC_SERVER_KEEPALIVE_PROBES 3

/* Descriptors kept out of every connection budget: the database and its
 * WAL, the log, the listen sockets, lws's wake-up pipe, the committer. */
#define HC_FDS_SPARE 64

/* Connections reserved for terminals and supervisors: two per configured
 * one (a reconnect overlaps the connection it replaces) plus this many.
 * Map clients never take these (docs/aggregator.md, *Terminals never
 * starve*). */
#define HC_STAFF_CONNECTIONS_SPARE 16

/* Bounds of the graceful shutdown steps. */
#define HC_SHUTDOWN_COMMIT_MS 10000
#define HC_SHUTDOWN_FLUSH_MS 2000

enum hc_terminal_session_state { HC_SESSION_AWAITING_HELLO, HC_SESSION_READY };

struct hc_tauth_batch_key; /* shared/terminal_auth.h */

/* Per-connection data of the terminal role (lws allocates and zeroes it). */
struct hc_terminal_session {
	struct hc_ws_session ws;  /* wsi, peer, closing */
	struct hc_ws_inbox inbox; /* its name, hello timer, receive */
	enum hc_terminal_session_state state;
	uint32_t slot;		      /* source slot, once READY */
	char area[HC_ID_LEN_MAX + 1]; /* area it was welcomed to */
	uint64_t incarnation;

	char rx[HC_TERMINAL_FRAME_BYTES_MAX + 1]; /* ws.rx's buffer */

	struct hc_msg_ack acks[HC_ACK_QUEUE_MAX]; /* FIFO ring */
	uint64_t ack_commits[HC_ACK_QUEUE_MAX];	  /* commit of each ack (0: none) */
	uint64_t ack_commit_sent;		  /* latest commit whose ack was written */
	uint32_t ack_head;
	uint32_t ack_len;
	uint32_t awaiting_commit; /* batches of ours staged or committing */

	bool welcome_pending;
	bool ping_pending; /* the server's ping timer asked for one */
	uint64_t area_version_sent;

	/* authentication (terminal_role.c, protocol v3) */
	uint8_t proto_version; /* 1, 2 or 3: the subprotocol chosen */
	bool challenge_pending;
	bool authenticated;		      /* hello proof checked */
	uint8_t nonce[32];		      /* this connection's challenge */
	uint8_t secret[32];		      /* the secret it proved, once authenticated */
	struct hc_tauth_batch_key *batch_key; /* from its first batch (terminal_auth.c) */
};

/* Per-connection data of the map role. */
/* The timer that looks again at a map client that is behind. */
struct hc_map_recheck {
	lws_sorted_usec_list_t sul;
	struct hc_map_session *m;
};

struct hc_map_session {
	struct hc_ws_session ws;     /* wsi, peer, closing (no hello, no message) */
	struct hc_map_session *next; /* s->maps list */
	struct hc_map_session *prev;
	int64_t heard_at_mono_ms;	/* connected, or its last pong */
	uint64_t generation;		/* config generation of the arrays below */
	uint64_t *versions_sent;	/* per area, then per group */
	uint64_t at_serial;		/* v2: view serial it has all of (0: none) */
	int64_t behind_since_ms;	/* not reading fast enough since (0: no) */
	int64_t unsent_at_look;		/* SIOCOUTQ at the last look */
	int64_t written_since_look;	/* bytes written since (upper bound) */
	struct hc_map_recheck *recheck; /* allocated once it fell behind */
	uint32_t versions_len;
	uint32_t cursor; /* next entry to look at */
	/* Flags last, together: no padding between them (thousands of these). */
	bool listed;
	bool ping_pending; /* the idle timer asked for one */
	bool snapshot_pending;
	bool recheck_scheduled;
	bool looked;	   /* unsent_at_look is valid */
	bool v2;	   /* headcount-map.v2: update frames */
	uint8_t ping_slot; /* its slice of the ping round (HC_MAP_PING_SLICES) */
};

/* Per-connection data of the supervisor role. */
struct hc_supervisor_session {
	struct hc_ws_session ws;	    /* wsi, peer, closing */
	struct hc_ws_inbox inbox;	    /* its name, hello timer, receive */
	struct hc_supervisor_session *next; /* s->supervisors list */
	bool ready;			    /* authenticated */
	char name[HC_ID_LEN_MAX + 1];
	uint32_t source_slot; /* "supervisor:<name>" in the ledger */
	char nonce[HC_NONCE_HEX_LEN + 1];
	struct hc_sup_login login; /* hello to proof (aggregator/passwords.h) */

	char rx[HC_SUPERVISOR_FRAME_BYTES_MAX + 1]; /* ws.rx's buffer */

	bool challenge_pending;
	bool welcome_pending;
	bool snapshot_pending;
	bool ping_pending; /* the server's ping timer asked for one */
	uint64_t generation;
	uint64_t *versions_sent; /* per area, per group, per source slot */
	uint32_t versions_len;
	uint32_t cursor;

	struct hc_ws_rate rate; /* messages allowed now (monotonic ms) */

	char results[HC_SUPERVISOR_RESULTS_MAX][384]; /* FIFO ring of answers */
	uint32_t result_head;
	uint32_t result_len;
	uint32_t commands_waiting; /* accepted, answer awaits storage */

	bool listed; /* in s->supervisors */
};

/* Longest If-None-Match value looked at; a longer one matches nothing. */
#define HC_IF_NONE_MATCH_BYTES_MAX 1024

/* Per-request data of plain HTTP. */
struct hc_http_session {
	char *body;
	size_t body_len;
	size_t body_sent;
	/* Public thread only: a request relayed to the loop thread. */
	int relay_slot;	   /* index in the relay + 1; 0: none */
	bool answer_ready; /* answer holds it, headers not sent */
	struct hc_http_answer answer;
	char if_none_match[HC_IF_NONE_MATCH_BYTES_MAX];
};

/* What the aggregator knows about each terminal, by source slot. */
struct hc_terminal_status {
	struct hc_terminal_session *session; /* current connection or NULL */
	int64_t last_seen_wall_ms;	     /* 0: never seen */
	bool has_incarnation;
	uint64_t incarnation;			       /* of the latest hello */
	uint64_t version;			       /* bumped when supervisors should see it */
	char reported_version[HC_VERSION_LEN_MAX + 1]; /* hello.version, "" if none */
	bool has_status;			       /* a batch carried pending/storage_faults */
	int64_t pending;			       /* as the terminal last reported them */
	int64_t storage_faults;
};

/* One area's pushed (published) state and its version, bumped on every
 * publication. The ledger may be ahead of the published state by an
 * occupancy-only change waiting for its bucket's next token (deferred,
 * aggregator/conflation.h). valid_through_commit: the published state holds every
 * batch of commits up to this one (terminals never get an area state
 * older than an ack they were sent). */
struct hc_area_slot {
	struct hc_area_state state;
	enum hc_override override;
	uint64_t version;
	struct hc_push_bucket bucket;
	bool deferred;
	uint64_t valid_through_commit;
};

/* One group's pushed state (docs/protocol.md, the group object). */
struct hc_group_state {
	char id[HC_ID_LEN_MAX + 1];
	char name[HC_NAME_LEN_MAX + 1];
	int64_t occupancy;
	int64_t capacity;
	enum hc_level level;
	bool restricted;
	enum hc_override override;
	int64_t updated_at_ms;
};

struct hc_group_slot {
	struct hc_group_state state;
	uint64_t version;
	struct hc_push_bucket bucket;
	bool deferred;
};

/* A message serialised once and written to every receiver: payload at
 * buf + LWS_PRE, valid while key matches what it was built from. */
struct hc_msg_cache {
	unsigned char *buf;
	size_t len;
	size_t cap;   /* payload bytes buf has room for */
	uint64_t key; /* 0: empty */
};

/* A gate override in force, by target id. */
struct hc_override_entry {
	enum hc_sup_target target;
	char id[HC_ID_LEN_MAX + 1];
	enum hc_override mode;
	char who[HC_SOURCE_ID_LEN_MAX + 1];
	int64_t at_ms;
	char reason[HC_REASON_BYTES_MAX + 1];
};

/* Thresholds and capacity set at run time for one target. */
struct hc_adjust_entry {
	enum hc_sup_target target;
	char id[HC_ID_LEN_MAX + 1];
	struct hc_adjustment adj;
};

struct hc_server;

/* Calls that go up, set by server.c: a file below server.c calls
 * through these instead of including the file above it, so no two
 * files include each other (tests/lint/deps.rules, nocycle). */
struct hc_server_hooks {
	/* The loop was woken: collect a commit, serve relayed requests
	 * (called by the HTTP role on EVENT_WAIT_CANCELLED). */
	void (*woken)(struct hc_server *s);
	/* Hand the published states to the map side (map_role.c). */
	void (*map_publish)(struct hc_server *s);
};

struct hc_server {
	struct hc_server_hooks hooks;
	const struct hc_venue_cfg *cfg;	  /* effective: base + adjustments */
	struct hc_venue_cfg *base_cfg;	  /* as loaded from the file */
	struct hc_venue_cfg *initial_cfg; /* kept: the store's loader used it */
	char config_path[PATH_MAX];
	bool db_from_cli; /* --db given: reload keeps it */
	bool listen_from_cli;
	uint64_t generation;		 /* bumped when indexes renumber */
	uint64_t version_clock;		 /* source of every version */
	struct hc_slots *sources;	 /* terminal and supervisor ids */
	struct hc_slots *area_ids;	 /* area ids */
	int term_slot[HC_TERMINALS_MAX]; /* config position -> slot */
	int *slot_term;			 /* slot -> position or -1 */
	int area_slot[HC_AREAS_MAX];
	int slot_area[HC_AREA_SLOTS_MAX];
	struct hc_ledger *ledger;
	struct hc_store *store;
	struct hc_committer *committer;
	struct hc_congestion *congestion;
	struct hc_mqtt_bridge *mqtt; /* NULL without [mqtt] */
	struct lws_context *context; /* the loop thread's */
	struct lws_protocols protocols[HC_PROTOCOL_COUNT + 1];
	/* With a staff listener: the public context's roles, and the closers
	 * of roles a listener does not serve. */
	struct lws_protocols public_protocols[HC_PROTOCOL_COUNT + 1];
	struct hc_wrong_listener wrong_terminal;
	struct hc_wrong_listener wrong_supervisor;
	struct hc_wrong_listener wrong_map;
	struct hc_public pub; /* the map side */
	lws_retry_bo_t idle_policy;
	char listen_host[64];
	uint16_t listen_port;
	char staff_listen_host[64];
	uint16_t staff_listen_port; /* 0: no staff listener */
	struct lws_vhost *public_vhost;
	struct lws_vhost *staff_vhost; /* NULL: one listener for all */
	unsigned int fd_limit;	       /* RLIMIT_NOFILE in effect */
	struct hc_conn_limits *conn_limits;
	uint32_t map_sessions_max; /* map budget: never the reserve */
	bool map_wake_yielded;	   /* last turn skipped for acks */

	struct hc_area_slot areas[HC_AREAS_MAX]; /* by config position */
	struct hc_group_slot groups[HC_GROUPS_MAX];
	struct hc_terminal_status *terminals; /* by source slot */
	lws_sorted_usec_list_t congestion_sul;
	lws_sorted_usec_list_t publish_sul;	     /* deferred occupancy pushes */
	uint64_t commits_collected;		     /* successful commits so far */
	uint64_t publish_clock;			     /* version of the latest publication */
	struct hc_msg_cache area_msgs[HC_AREAS_MAX]; /* by config position */
	struct hc_msg_cache group_msgs[HC_GROUPS_MAX];
	struct hc_msg_cache snapshot_msg; /* the map snapshot */
	uint64_t snapshot_generation;
	const char *loop_name;	       /* "libev (epoll)" or "poll" */
	struct hc_event_loop *ev_loop; /* the loop thread's libev loop, or NULL */
	lws_sorted_usec_list_t commit_retry_sul;
	lws_sorted_usec_list_t sample_sul;
	lws_sorted_usec_list_t tick_sul; /* libev only: HC_LIBEV_TICK_MS */
	lws_sorted_usec_list_t ping_sul; /* terminals and supervisors */

	/* The commit/ack pipeline (aggregator/pipeline.h): the job in
	 * flight, the records queued for the next commit, the commands
	 * waiting for storage and the storage health /healthz shows. */
	struct hc_pipeline pipe;

	/* supervisors */
	struct hc_supervisor_session *supervisors;
	uint32_t supervisor_sessions;
	struct hc_pending_command *pending; /* pipe.pending, by its old name */
	uint64_t run_incarnation;	    /* of corrections made in this run */
	struct hc_override_entry overrides[HC_SETTINGS_MAX];
	int override_count;
	struct hc_adjust_entry adjustments[HC_SETTINGS_MAX];
	int adjustment_count;
	struct hc_random *rng;			      /* aggregator/random.h */
	struct hc_terminal_secrets *terminal_secrets; /* enrolled terminals */
	uint64_t nonce_counter;			      /* challenges drawn so far */
	struct hc_corrections *corrections;	      /* per area slot, for supervisors */

	/* history */
	int64_t sample_interval_ms;
	int64_t sample_boundary_ms;	  /* the timer's next boundary */
	int64_t *sample_entered_at_start; /* by area slot */
	int64_t *sample_exited_at_start;

	/* health */
	int64_t started_mono_ms;
	uint32_t terminals_online;
	uint32_t terminal_sessions;
	uint64_t acks_queued;

	/* shutdown and reload */
	volatile sig_atomic_t stop_requested;
	volatile sig_atomic_t reload_requested;
	bool stopping;	  /* refuse new connections and batches */
	bool closing_all; /* close every session with 1001 */
};


#endif
