/*
 * bench.h — what the files of headcount-bench share.
 *
 *   bench_main.c       command line, the phases in order, the report
 *   bench_loop.c       the one lws client context, its service loop, timers
 *   bench_stats.c      bounded sample arrays and percentiles
 *   bench_proc.c       RSS and CPU of another process from /proc; spawning
 *   bench_report.c     figures against targets: the table and the JSON file
 *   bench_maps.c       map-role clients: the connection storm, fan-out receivers
 *   bench_terminals.c  terminal-role clients: ingest load, fan-out sender
 *   bench_fanout.c     the fan-out rounds (one batch, K subscribers)
 *   bench_flood.c      ack latency of terminals with and without a map flood
 *   bench_e2e.c        a real headcount-terminal: end to end and footprint
 *   bench_restart.c    a 1,000,000-row ledger and the time to serve /healthz
 *
 * Everything runs on one thread around one lws event loop; no connection
 * has a thread. Every phase is bounded by a count and a deadline and
 * stops by itself. Figures live only here and in build/bench/results.*,
 * never in the test suite (docs/performance.md).
 */
#ifndef HC_BENCH_H
#define HC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "shared/config.h"

struct hc_tauth_batch_key; /* shared/terminal_auth.h: a terminal's batch MAC key */

/* ---- bench_stats.c ------------------------------------------------------ */

/* A bounded array of samples (microseconds or any int64). Samples beyond
 * the capacity are counted in dropped, never stored. */
struct bench_samples {
	int64_t *values;
	size_t len;
	size_t cap;
	int64_t dropped;
};

/* Summary of a sample array: nearest-rank percentiles of the sorted values. */
struct bench_summary {
	size_t count;
	int64_t min;
	int64_t p50;
	int64_t p90;
	int64_t p99;
	int64_t max;
	double mean;
};

bool bench_samples_init(struct bench_samples *s, size_t cap);
void bench_samples_free(struct bench_samples *s);
void bench_samples_add(struct bench_samples *s, int64_t value);
/* Sorts the samples in place and summarizes them (all zero when empty). */
struct bench_summary bench_samples_summarize(struct bench_samples *s);
/* {"count":..,"min":..,"p50":..,"p90":..,"p99":..,"max":..,"mean":..}, values
 * divided by scale (e.g. 1000.0 for us -> ms). New reference. */
json_t *bench_summary_json(const struct bench_summary *sum, double scale);

/* ---- bench_proc.c ------------------------------------------------------- */

struct bench_usage {
	bool ok;
	int64_t rss_bytes;	/* VmRSS */
	int64_t rss_peak_bytes; /* VmHWM */
	int64_t cpu_us;		/* utime + stime */
};

/* Reads RSS and CPU of pid from /proc; ok=false when it cannot. */
struct bench_usage bench_proc_usage(pid_t pid);
/* This process's own CPU (getrusage), in microseconds. */
int64_t bench_self_cpu_us(void);
/* Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit. */
unsigned int bench_raise_fd_limit(void);
/* Starts argv[0] with argv; stdin from a new pipe when stdin_fd is not
 * NULL (its write end returned there), stdout+stderr appended to log_path.
 * Returns the pid, or -1 after logging why. */
pid_t bench_spawn(char *const argv[], int *stdin_fd, const char *log_path);
/* SIGTERM, wait up to wait_ms, then SIGKILL; reaps the child. */
void bench_stop_child(pid_t pid, int64_t wait_ms);
/* The directory holding this executable (for sibling binaries). */
void bench_exe_dir(char *out, size_t cap);

/* ---- bench_loop.c ------------------------------------------------------- */

enum bench_proto { BENCH_PROTO_MAP, BENCH_PROTO_TERMINAL, BENCH_PROTO_HTTP };

struct bench {
	struct lws_context *context;
	struct lws_protocols protocols[4];
	const struct hc_venue_cfg *cfg;
	char host[64];
	int port;
	pid_t aggregator_pid; /* 0: unknown, figures of it are skipped */
	char workdir[4096];   /* scratch files (journals, logs, dbs) */
	lws_sorted_usec_list_t tick_sul;
	volatile int interrupted;
	int64_t connect_window; /* handshakes in flight at most */
	bool uses_libev;	/* the loop is libev's (epoll), not poll() */
	int staff_port;		/* terminals connect here when nonzero */
	uint32_t map_addresses; /* > 0: map clients bind 127.0.0.2, .3, ... */
	uint32_t map_address_next;
	const char *ca; /* --ca: wss://, verified against this CA */
};

extern struct bench *bench_global;

/* Creates the client context (no listener) with room for fd_limit fds,
 * on a libev epoll loop when use_libev and libev loads, else on poll(). */
bool bench_loop_init(struct bench *b, unsigned int fd_limit, bool use_libev);
/* One turn of the loop: waits for and handles ready sockets and timers. */
int bench_service(struct bench *b);
void bench_loop_destroy(struct bench *b);
/* Services the loop until done(arg) is true, the deadline (monotonic us)
 * passes or the run is interrupted. Returns true when done(arg). */
bool bench_loop_run(struct bench *b, bool (*done)(void *arg), void *arg, int64_t deadline_us);
/* Services the loop for duration_us, whatever happens. */
void bench_loop_idle(struct bench *b, int64_t duration_us);
/* Opens a client connection of the given role; user is the callback's
 * user pointer. Returns NULL when lws refused at once. */
struct lws *bench_connect(struct bench *b, enum bench_proto proto, const char *path, void *user);
/* Writes one text frame (copied behind LWS_PRE); false on a short write. */
bool bench_write_text(struct lws *wsi, const char *text, size_t len);
/* Reassembles a fragmented message: returns the whole message when the
 * final fragment arrives (*out, *out_len; valid until the next call for
 * this buffer), false while more is to come or when it exceeds cap_max. */
struct bench_rx {
	char *buf;
	size_t len;
	bool overflow;
};
bool bench_rx_feed(struct bench_rx *rx, struct lws *wsi, const void *in, size_t len, size_t cap_max,
		   const char **out, size_t *out_len);
void bench_rx_free(struct bench_rx *rx);

/* Callbacks of each role, in their files. */
int bench_map_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len);
int bench_terminal_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			    size_t len);
int bench_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			size_t len);

/* ---- bench_report.c ----------------------------------------------------- */

/* Adds a figure to the phase's JSON object and to the printed table.
 * target is text such as "<= 2000" ("" when none); met: 1 met, 0 missed,
 * -1 no target. */
void bench_figure(const char *phase, const char *key, double value, const char *unit,
		  const char *target, int met);
/* Sets an extra JSON value on the phase (stolen reference). */
void bench_detail(const char *phase, const char *key, json_t *value);
/* Prints the table of every figure so far to stdout. */
void bench_report_print(void);
/* Writes {"machine":..., "<phase>":{...}, ...,"figures":[...]} to path. */
bool bench_report_write(const char *path);
void bench_report_free(void);

/* ---- bench_maps.c ------------------------------------------------------- */

enum bench_map_state {
	BENCH_MAP_IDLE,
	BENCH_MAP_CONNECTING,
	BENCH_MAP_READY, /* snapshot received */
	BENCH_MAP_FAILED,
	BENCH_MAP_CLOSED,
};

struct bench_map {
	struct lws *wsi;
	enum bench_map_state state;
	int64_t connect_start_us;
	int64_t snapshot_us;
	int64_t watched_entered; /* "entered" of the watched area, -1 unknown */
	int64_t watched_at_us;	 /* when watched_entered last moved */
	int64_t messages;
	struct bench_rx rx;
	struct bench_maps *owner;
};

struct bench_maps {
	struct bench_map *maps;
	uint32_t count;
	char watched_area[HC_ID_LEN_MAX + 1];
	uint32_t ready;
	uint32_t failed;
	uint32_t closed;
	uint32_t connecting; /* handshakes in flight */
	uint32_t next_to_start;
	/* fan-out: how many maps hold watched_entered >= target */
	int64_t target_entered;
	uint32_t at_target;
	int64_t first_at_target_us; /* 0 until the first map reached it */
	int64_t last_at_target_us;
	struct bench_samples *delivery_us; /* per-map samples, or NULL */
	bool ignore_updates;		   /* after the snapshot: count, do not parse */
	int64_t delivery_base_us;	   /* samples are (arrival - this) */
};

/* Connects count map clients, connect_window handshakes at a time, until
 * all hold a snapshot or deadline_us. Returns false only on setup errors. */
bool bench_maps_connect(struct bench *b, struct bench_maps *m, uint32_t count,
			const char *watched_area, int64_t deadline_us);
/* Sets the fan-out target: counts maps already at it. */
void bench_maps_set_target(struct bench_maps *m, int64_t target_entered);
/* Closes every map connection and waits (bounded) until they are gone. */
void bench_maps_close(struct bench *b, struct bench_maps *m);
/* Frees the clients; a connection still open is detached first. */
void bench_maps_free(struct bench_maps *m);
/* The storm phase: connect K maps and report. */
bool bench_storm_run(struct bench *b, struct bench_maps *m, uint32_t count);

/* ---- bench_terminals.c -------------------------------------------------- */

#define BENCH_WINDOW HC_INFLIGHT_BATCHES_MAX

enum bench_term_state {
	BENCH_TERM_CONNECTING,
	BENCH_TERM_CHALLENGE, /* connected, waiting for the challenge */
	BENCH_TERM_HELLO,     /* hello to be sent */
	BENCH_TERM_WAIT_WELCOME,
	BENCH_TERM_READY,
	BENCH_TERM_FAILED,
	BENCH_TERM_CLOSED,
};

struct bench_inflight {
	int64_t seq; /* 0: slot free */
	int64_t sent_us;
};

struct bench_term {
	struct lws *wsi;
	enum bench_term_state state;
	const char *id;
	uint64_t incarnation;
	bool has_secret; /* enrolled: proof and MACs (terminal_auth.h) */
	uint8_t secret[32];
	uint8_t nonce[32];		      /* this connection's challenge */
	struct hc_tauth_batch_key *batch_key; /* for nonce; NULL until the first batch */
	int64_t next_seq;
	uint32_t inflight;
	struct bench_inflight slots[BENCH_WINDOW];
	int64_t due;	 /* batches scheduled, not yet sent */
	bool unlimited;	 /* send whenever the window allows */
	bool enter_only; /* every batch one ENTER (fan-out) */
	int64_t sent;
	int64_t acked;
	int64_t duplicates;
	int64_t area_entered; /* from the latest area message, -1 none */
	int64_t last_ack_us;
	int64_t last_ack_seq;
	uint16_t close_code;
	struct bench_rx rx;
	struct bench_terms *owner;
};

struct bench_terms {
	struct bench_term *terms;
	uint32_t count;
	uint32_t ready;
	uint32_t failed;
	uint32_t closed;
	int64_t acked_total;
	int64_t measuring_from_us;  /* ack latencies of batches sent after this */
	int64_t measuring_until_us; /* ... and acked before this are sampled */
	int64_t acked_in_window;
	int64_t area_messages_in_window; /* area messages received in it */
	int64_t ack_last_in_window_us;	 /* the latest ack of any terminal in it */
	int64_t ack_gap_max_us;		 /* longest time without any ack in it (stall) */
	struct bench_samples ack_us;
};

/* Connects the first count terminals of the config (hello, welcome). */
bool bench_terms_connect(struct bench *b, struct bench_terms *t, uint32_t count,
			 int64_t deadline_us);
/* Queues n more batches on terminal i and asks to write. */
void bench_term_schedule(struct bench_term *term, int64_t n);
void bench_terms_free(struct bench_terms *t);
/* Closes every connection and waits (bounded) until lws let them go. */
void bench_terms_close(struct bench *b, struct bench_terms *t);
/* Schedules the batches due by now_us at rate_per_s since start_us,
 * round robin over the terminals from *cursor; *issued counts them. */
void bench_terms_pace(struct bench_terms *o, int64_t rate_per_s, int64_t start_us, int64_t now_us,
		      int64_t *issued, uint32_t *cursor);
/* The ingest phase: rate batches/s in total (0: as fast as acks allow). */
bool bench_ingest_run(struct bench *b, uint32_t terminals, int64_t rate_per_s, int64_t seconds,
		      int64_t warmup_seconds);

/* ---- bench_fanout.c ----------------------------------------------------- */

bool bench_fanout_run(struct bench *b, struct bench_maps *m, uint32_t rounds);

/* ---- bench_flood.c ------------------------------------------------------ */

struct bench_flood_options {
	const char *config_path;  /* handed to the load generator */
	uint32_t terminals;	  /* the config's first T, at b->staff_port if set */
	int64_t rate_per_s;	  /* batches/s over all of them, both phases */
	int64_t seconds;	  /* measured seconds of each phase */
	uint32_t maps;		  /* map clients opened and held for the flood */
	uint32_t map_addresses;	  /* maps bind 127.0.0.2 .. 127.0.0.N+1 */
	uint32_t churn_addresses; /* churn binds 127.0.1.1 .. 127.0.1.N */
	int64_t churn_per_s;	  /* TCP connects (then closes) per second */
};

/* The measuring side: terminals here, the load in a child process. */
bool bench_flood_run(struct bench *b, const struct bench_flood_options *o);
/* The load generator (--flood-load): connects the maps, writes their
 * count to ready_path, churns until SIGTERM (at most 10 minutes). */
bool bench_flood_load_run(struct bench *b, const struct bench_flood_options *o,
			  const char *ready_path);

/* ---- bench_e2e.c -------------------------------------------------------- */

struct bench_e2e_options {
	const char *terminal_bin;
	const char *terminal_id; /* NULL: the config's last terminal */
	int64_t batch_interval_ms;
	uint32_t presses; /* end to end presses; 0 skips */
	bool footprint;	  /* idle 10 s and 10 presses/s for 10 s */
};

bool bench_e2e_run(struct bench *b, const struct bench_e2e_options *o);

/* ---- bench_restart.c ---------------------------------------------------- */

struct bench_restart_options {
	const char *aggregator_bin;
	const char *config_path;
	const char *db_path; /* NULL: in the workdir */
	int64_t rows;
	uint32_t runs;
};

bool bench_restart_run(struct bench *b, const struct bench_restart_options *o);

#endif
