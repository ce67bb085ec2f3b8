/*
 * server_internal.h — what the server's files share: the server struct,
 * per-session data of each role, and the calls between them.
 *
 *   server.c          context, loop, shutdown, the commit pipeline and
 *                     acks, records (audit, settings, samples), reload
 *   venue_state.c     area and group states, versions, congestion, the
 *                     hold timer, overrides and threshold adjustments,
 *                     the effective config, history samples
 *   terminal_role.c   the terminal WebSocket role
 *   map_role.c        the read-only map WebSocket role
 *   map_feed.c        the latest-state hand-off to the map side
 *   public_side.c     the public context's thread and HTTP relay
 *   supervisor_role.c the authenticated supervisor WebSocket role
 *   http_api.c        GET /api/areas, /api/groups and /healthz
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

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "aggregator/committer.h"
#include "aggregator/conflation.h"
#include "aggregator/conn_limits.h"
#include "aggregator/congestion.h"
#include "aggregator/histogram.h"
#include "aggregator/public_side.h"
#include "aggregator/corrections.h"
#include "aggregator/ledger.h"
#include "aggregator/passwords.h"
#include "aggregator/server.h"
#include "aggregator/slots.h"
#include "aggregator/store.h"
#include "aggregator/supervisor_cmd.h"
#include "aggregator/terminal_secrets.h"
#include "shared/config.h"
#include "shared/limits.h"
#include "shared/protocol.h"

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

/* Supervisor commands waiting for storage, server-wide; and answers one
 * supervisor connection may have outstanding (waiting or queued). */
#define HC_PENDING_COMMANDS_MAX 64
#define HC_SUPERVISOR_RESULTS_MAX 16

/* Overrides and threshold adjustments remembered (by target id; ids no
 * longer in the config are kept in case a reload brings them back). */
#define HC_SETTINGS_MAX (2 * (HC_AREAS_MAX + HC_GROUPS_MAX))

/* Pause before retrying a failed commit, so a full disk is not hammered. */
#define HC_COMMIT_RETRY_MS 250

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

/* Per-connection data of the terminal role (lws allocates and zeroes it). */
struct hc_terminal_session {
	struct lws *wsi;
	enum hc_terminal_session_state state;
	uint32_t slot;		      /* source slot, once READY */
	char area[HC_ID_LEN_MAX + 1]; /* area it was welcomed to */
	uint64_t incarnation;
	char peer[64];

	char rx[HC_TERMINAL_FRAME_BYTES_MAX + 1]; /* message being reassembled */
	size_t rx_len;

	struct hc_msg_ack acks[HC_ACK_QUEUE_MAX]; /* FIFO ring */
	uint64_t ack_commits[HC_ACK_QUEUE_MAX];	  /* commit of each ack (0: none) */
	uint64_t ack_commit_sent;		  /* latest commit whose ack was written */
	uint32_t ack_head;
	uint32_t ack_len;
	uint32_t awaiting_commit; /* batches of ours staged or committing */

	bool welcome_pending;
	bool ping_pending; /* the server's ping timer asked for one */
	uint64_t area_version_sent;

	bool close_pending; /* close at the next writeable callback */
	uint16_t close_code;
	char close_reason[121];

	lws_sorted_usec_list_t hello_sul;

	/* authentication (terminal_role.c, protocol v3) */
	uint8_t proto_version; /* 1, 2 or 3: the subprotocol chosen */
	bool challenge_pending;
	bool authenticated; /* hello proof checked */
	uint8_t nonce[32];  /* this connection's challenge */
	uint8_t secret[32]; /* the secret it proved, once authenticated */
};

/* Per-connection data of the map role. */
struct hc_map_session {
	struct lws *wsi;
	struct hc_map_session *next; /* s->maps list */
	struct hc_map_session *prev;
	bool listed;
	char peer[64];
	int64_t heard_at_mono_ms; /* connected, or its last pong */
	bool ping_pending;	  /* the idle timer asked for one */
	bool close_pending;	  /* close at the next writeable callback */
	uint16_t close_code;
	char close_reason[121];
	uint64_t generation;	 /* config generation of the arrays below */
	uint64_t *versions_sent; /* per area, then per group */
	uint32_t versions_len;
	uint32_t cursor; /* next entry to look at */
	bool snapshot_pending;
	int64_t behind_since_ms; /* not reading fast enough since (0: no) */
	bool recheck_scheduled;
	lws_sorted_usec_list_t recheck_sul; /* only while behind */
	bool looked;			    /* unsent_at_look is valid */
	int64_t unsent_at_look;		    /* SIOCOUTQ at the last look */
	int64_t written_since_look;	    /* bytes written since (upper bound) */
	bool v2;			    /* headcount-map.v2: update frames */
	uint64_t at_serial;		    /* v2: view serial it has all of (0: none) */
};

/* Per-connection data of the supervisor role. */
struct hc_supervisor_session {
	struct lws *wsi;
	struct hc_supervisor_session *next; /* s->supervisors list */
	char peer[64];
	bool ready; /* authenticated */
	char name[HC_ID_LEN_MAX + 1];
	uint32_t source_slot; /* "supervisor:<name>" in the ledger */
	char nonce[HC_NONCE_HEX_LEN + 1];
	struct hc_sup_login login; /* hello to proof (aggregator/passwords.h) */

	char rx[HC_SUPERVISOR_FRAME_BYTES_MAX + 1];
	size_t rx_len;

	bool challenge_pending;
	bool welcome_pending;
	bool snapshot_pending;
	bool ping_pending; /* the server's ping timer asked for one */
	uint64_t generation;
	uint64_t *versions_sent; /* per area, per group, per source slot */
	uint32_t versions_len;
	uint32_t cursor;

	int64_t rate_tokens_milli; /* messages allowed now, x1000 */
	int64_t rate_refilled_at_mono_ms;

	char results[HC_SUPERVISOR_RESULTS_MAX][384]; /* FIFO ring of answers */
	uint32_t result_head;
	uint32_t result_len;
	uint32_t commands_waiting; /* accepted, answer awaits storage */

	bool close_pending;
	uint16_t close_code;
	char close_reason[121];
	bool listed; /* in s->supervisors */

	lws_sorted_usec_list_t hello_sul;
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

/* A supervisor command accepted and waiting until all its parts (its
 * records, and for a correction its ledger row) are durable. */
struct hc_pending_command {
	uint64_t token;			       /* 0: free entry */
	struct hc_supervisor_session *session; /* NULL once it closed */
	char request[HC_REQUEST_JSON_MAX + 1];
	int parts_left;
	bool has_row;
	struct hc_ledger_row row; /* the correction, re-staged on failure */
};

struct hc_server {
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
	struct hc_ledger_row *job_rows;	      /* HC_COMMIT_BATCHES_MAX */
	size_t job_row_count;		      /* rows of the job in flight */
	lws_sorted_usec_list_t congestion_sul;
	lws_sorted_usec_list_t publish_sul;	     /* deferred occupancy pushes */
	uint64_t commits_collected;		     /* successful commits so far */
	uint64_t publish_clock;			     /* version of the latest publication */
	struct hc_msg_cache area_msgs[HC_AREAS_MAX]; /* by config position */
	struct hc_msg_cache group_msgs[HC_GROUPS_MAX];
	struct hc_msg_cache snapshot_msg; /* the map snapshot */
	uint64_t snapshot_generation;
	const char *loop_name; /* "libev (epoll)" or "poll" */
	lws_sorted_usec_list_t commit_retry_sul;
	lws_sorted_usec_list_t sample_sul;
	lws_sorted_usec_list_t tick_sul; /* libev only: HC_LIBEV_TICK_MS */
	lws_sorted_usec_list_t ping_sul; /* terminals and supervisors */

	/* records waiting for the next commit; the first records_in_flight
	 * are in the job in flight */
	struct hc_store_record *records; /* HC_COMMIT_RECORDS_MAX */
	size_t record_count;
	size_t records_in_flight;

	/* supervisors */
	struct hc_supervisor_session *supervisors;
	uint32_t supervisor_sessions;
	struct hc_pending_command pending[HC_PENDING_COMMANDS_MAX];
	uint64_t next_token;
	uint64_t run_incarnation; /* of corrections made in this run */
	struct hc_override_entry overrides[HC_SETTINGS_MAX];
	int override_count;
	struct hc_adjust_entry adjustments[HC_SETTINGS_MAX];
	int adjustment_count;
	void *drbg;				      /* mbedtls ctr_drbg + entropy */
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
	bool storage_failing;
	char storage_error[256];
	int64_t storage_error_at_wall_ms;   /* 0: never */
	int64_t commit_failures;	    /* since the last success */
	uint64_t storage_faults_total;	    /* failed commits since start */
	struct hc_histogram commit_latency; /* of successful commits */
	int64_t commit_retry_at_mono_ms;    /* no commit before this */
	uint32_t terminals_online;
	uint32_t terminal_sessions;
	uint64_t acks_queued;

	/* shutdown and reload */
	volatile sig_atomic_t stop_requested;
	volatile sig_atomic_t reload_requested;
	bool stopping;	  /* refuse new connections and batches */
	bool closing_all; /* close every session with 1001 */
};

/* The server a connection belongs to. */
struct hc_server *hc_server_of(struct lws *wsi);

/* server.c: the peer's IP address as people write it ("127.0.0.1",
 * not "::ffff:127.0.0.1"), or "?". */
void hc_server_peer_address(struct lws *wsi, char *out, size_t cap);

/* server.c: the listener a connection came in on. */
enum hc_listener hc_server_listener_of(const struct hc_server *s, struct lws *wsi);
/* server.c: true when this role may use the listener wsi came in on
 * (with a staff listener: terminals and supervisors there only, map
 * clients on the public one only). */
bool hc_server_role_allowed(const struct hc_server *s, struct lws *wsi, bool staff_role);
/* server.c: the connection events of the vhost's first protocol
 * (FILTER_NETWORK_CONNECTION, SERVER_NEW_CLIENT_INSTANTIATED,
 * WSI_DESTROY); returns what the callback returns. */
int hc_server_conn_event(struct hc_server *s, struct lws *wsi, enum lws_callback_reasons reason,
			 void *user);
/* server.c: sets the connection budgets from the config in force. */
void hc_server_apply_limits(struct hc_server *s);

/* map_role.c, loop thread: hands the published states (and the map
 * side's settings) to the map side and wakes it. */
void hc_map_publish(struct hc_server *s);
/* map_role.c, map side's thread: takes what hc_map_publish handed over
 * into the view and, when anything changed, wakes every map client. */
void hc_map_take(struct hc_public *p);
/* map_role.c: starts the idle timer of map clients. */
void hc_map_idle_start(struct hc_public *p);
/* map_role.c: asks every map client to write, p->wake_per_turn of them
 * now and as many more after each loop turn (hc_map_wake_step), so a
 * terminal's ack never waits behind more than that many map writes. */
void hc_map_wake_all(struct hc_public *p);
/* map_role.c: the next slice of a wake begun by hc_map_wake_all. */
void hc_map_wake_step(struct hc_public *p);
/* map_role.c, any thread: map connections open now. */
uint32_t hc_map_sessions(const struct hc_public *p);

/* server.c: submits staged rows when the committer is idle. */
void hc_server_kick_commit(struct hc_server *s);
/* server.c: collects a finished commit: ledger, acks, area states. */
void hc_server_collect_commit(struct hc_server *s);

/* server.c: queues records for the next commit (all or none); false
 * when there is no room. */
bool hc_server_queue_records(struct hc_server *s, const struct hc_store_record *r, size_t n);
/* server.c: reloads the config file (SIGHUP). */
void hc_server_reload(struct hc_server *s);
/* server.c: a new token for a pending command's parts. */
struct hc_pending_command *hc_server_new_pending(struct hc_server *s);

/* venue_state.c */
bool hc_venue_state_init(struct hc_server *s);
void hc_venue_state_free(struct hc_server *s);
/* Recomputes every area and group (totals, level, restriction, override,
 * capacity), bumps the versions of those that changed and asks the
 * terminal, map and supervisor connections to write, in this loop turn.
 * Re-arms the hold timer. */
void hc_venue_state_refresh(struct hc_server *s);
/* Offers every area's and group's current state to the MQTT bridge. */
void hc_venue_state_offer_all_to_bridge(struct hc_server *s);
/* Rebuilds s->cfg from s->base_cfg plus the adjustments, the slot
 * mappings and the congestion state (kept by id), re-applies overrides,
 * then refreshes. renumbered: indexes may have moved (a reload), so
 * every map and supervisor connection gets a fresh snapshot. False (and
 * nothing changed) when out of memory or out of slots. */
bool hc_venue_state_apply_config(struct hc_server *s, bool renumbered, char *why, size_t why_cap);
/* Area or group override by id, remembered and applied (no refresh). */
void hc_venue_state_set_override(struct hc_server *s, const struct hc_override_entry *e);
/* The adjustment remembered for a target, or NULL. */
struct hc_adjust_entry *hc_venue_state_find_adjustment(struct hc_server *s,
						       enum hc_sup_target target, const char *id);
/* Remembers adj (merged into any earlier one); false when full. */
bool hc_venue_state_merge_adjustment(struct hc_server *s, enum hc_sup_target target, const char *id,
				     const struct hc_adjustment *adj);
/* The config as loaded from the file: thresholds and capacity of a
 * target, before adjustments. */
bool hc_venue_state_base_values(const struct hc_server *s, enum hc_sup_target target,
				const char *id, struct hc_thresholds *t, int64_t *capacity);
/* JSON of an area for supervisors (the area object plus "override" and
 * "group"), of a group, of a terminal (by config position). New refs. */
json_t *hc_venue_area_json_full(const struct hc_server *s, int i);
/* Adds override_by and override_reason to o while the target's override
 * is not auto (supervisors only). False when out of memory. */
bool hc_venue_override_who_json(const struct hc_server *s, enum hc_sup_target target,
				const char *id, json_t *o);
json_t *hc_venue_group_json(const struct hc_server *s, int g);
json_t *hc_venue_terminal_json(const struct hc_server *s, int i);
/* The {"type":"area"} message of area i (or group message of group g)
 * for its current version, serialised at most once per version; the
 * bytes stay valid until the next refresh or reload. NULL when out of
 * memory. The buffer has LWS_PRE bytes of headroom before the payload. */
unsigned char *hc_venue_area_message(struct hc_server *s, int i, size_t *len);
unsigned char *hc_venue_group_message(struct hc_server *s, int g, size_t *len);
/* Area i's published state with the ledger's totals of this moment
 * (entered, exited, occupancy): what a poller (GET /api/areas) gets, as
 * time conflation is for pushes. Level and restriction are the
 * published ones, which never lag. */
void hc_venue_area_live(const struct hc_server *s, int i, struct hc_area_state *out);
/* The map snapshot for the current publication, built once. */
unsigned char *hc_venue_snapshot_message(struct hc_server *s, size_t *len);
/* Starts the history sample timer. */
void hc_venue_state_start_samples(struct hc_server *s);
/* Marks a terminal's status changed for supervisors. */
void hc_venue_state_terminal_changed(struct hc_server *s, uint32_t slot);
/* Asks every supervisor connection to write. */
void hc_venue_state_wake_supervisors(struct hc_server *s);

/* terminal_role.c */
int hc_terminal_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len);
/* Queues an ack on the terminal's current connection when it is of the
 * row's incarnation; drops it otherwise (the terminal resends). */
void hc_terminal_route_ack(struct hc_server *s, const struct hc_ledger_row *row, bool ok,
			   bool duplicate);

/* terminal_role.c: reads the secrets file and logs whether terminals
 * must authenticate; false (start-up refused) when it cannot be read. */
bool hc_terminal_auth_start(struct hc_server *s);
/* terminal_role.c: frees the secrets. */
void hc_terminal_auth_stop(struct hc_server *s);

/* terminal_role.c: after a reload, closes terminals no longer in the
 * config (4004), re-reads the secrets file and closes terminals revoked
 * or rotated (4023), and re-welcomes those that moved to another area. */
void hc_terminal_sessions_reconfigured(struct hc_server *s);

/* supervisor_role.c */
int hc_supervisor_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			   size_t len);
/* Queues an answer on a supervisor connection (NULL: dropped). */
void hc_supervisor_answer(struct hc_server *s, struct hc_supervisor_session *sv,
			  const char *request, bool ok, const char *error);
/* After a reload: closes supervisors no longer in the config (4009). */
void hc_supervisor_sessions_reconfigured(struct hc_server *s);
/* Random bytes from the server's ctr_drbg, as hex. */
bool hc_server_random_hex(struct hc_server *s, char *out, size_t bytes);

/* map_role.c */
int hc_map_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len);

/* http_api.c */
int hc_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		     size_t len);
/* http_api.c, loop thread: the answer to a request that is not one of
 * the page's files (the API, /healthz, /metrics, the errors). False
 * when out of memory. */
bool hc_http_build_answer(const struct hc_server *s, const char *path, bool is_get,
			  struct hc_http_answer *a);
/* http_api.c, either thread (from the connection's own callback): sends
 * a's headers (or 304 when if_none_match holds its ETag) and starts its
 * body; takes a->body. */
int hc_http_send_answer(struct hc_http_session *h, struct lws *wsi, struct hc_http_answer *a,
			const char *if_none_match);
/* http_api.c, either thread: serves path when it is one of the page's
 * compiled-in files or background (the map_background file, "" if
 * none): 1 when it is not one, else what the callback returns. */
int hc_http_serve_file(struct hc_http_session *h, struct lws *wsi, const char *path,
		       const char *background, const char *background_type);

/* public_side.c */
/* The public context's HTTP role (relays to the loop thread). */
int hc_public_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			    size_t len);
/* Closes a role the listener does not serve (protocol user: its
 * struct hc_wrong_listener) with 4012. */
int hc_wrong_listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len);
/* Loop thread: answers the HTTP requests the public thread relayed. */
void hc_public_serve_relayed(struct hc_server *s);
/* Loop thread: starts the public thread (the context exists). */
bool hc_public_start(struct hc_public *p);
/* Loop thread: stops and joins the public thread (no-op if none). */
void hc_public_stop(struct hc_public *p);
/* Loop thread, once both contexts are destroyed: frees the hand-offs. */
void hc_public_free(struct hc_public *p);
/* server.c, public thread: one turn of the public context's loop. */
int hc_server_service_public(struct hc_public *p);

#endif
