/*
 * pipeline.h — the commit/ack pipeline (pure: no lws, SQLite, clock,
 * socket or thread).
 *
 * What lives here: what the loop does between a staged batch and its
 * ack. The pipeline takes a job from the ledger when the committer is
 * idle and the retry time has come, carries the records queued for the
 * next commit (audit rows, overrides, threshold changes, history
 * samples) and the supervisor commands waiting for storage, and settles
 * each commit result: every row's ack is routed (ok, duplicate, or
 * nothing after a failure), a failed correction is staged again (no
 * terminal would resend it), and a command is answered after its last
 * durable part. It keeps the failure bookkeeping: the retry time, the
 * failures in a row, storage_failing and the commit latency.
 *
 * Relies on: the ledger core (aggregator/ledger.h) and the commit result
 * type of aggregator/committer.h. It talks to the world only through its
 * arguments (the time is passed in as now_ms) and struct
 * hc_pipeline_hooks: the aggregator's server.c submits to the committer
 * thread and routes acks to terminal connections; tests/sim submits to a
 * simulated store and routes acks into a simulated network.
 *
 * Promises (docs/architecture.md, invariants 2 and 7):
 *   - an ack is routed only from hc_pipeline_settle() of a result whose
 *     commit returned ok: never on receipt, never after a failure;
 *   - a failed commit acknowledges nothing, keeps its records queued,
 *     stages its corrections again, and no job is submitted before
 *     retry_at_mono_ms (now + HC_COMMIT_RETRY_MS);
 *   - a pending command is answered exactly once, after the settle of
 *     the commit holding its last part;
 *   - at most one job is in flight.
 */
#ifndef HC_PIPELINE_H
#define HC_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/committer.h"
#include "aggregator/histogram.h"
#include "aggregator/ledger.h"
#include "aggregator/store.h"
#include "aggregator/supervisor_cmd.h"
#include "shared/limits.h"

/* Supervisor commands waiting for storage, server-wide. */
#define HC_PENDING_COMMANDS_MAX 64

/* Pause before retrying a failed commit, so a full disk is not hammered. */
#define HC_COMMIT_RETRY_MS 250

/* The supervisor connection a command came from (supervisor_role.c);
 * the pipeline only hands the pointer back through its hooks. */
struct hc_supervisor_session;

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

/* How the pipeline reaches the world; every hook gets arg. */
struct hc_pipeline_hooks {
	void *arg;
	/* Hands a job to the committer (which is idle); false if it
	 * refused. The arrays stay the pipeline's until the settle. */
	bool (*submit)(void *arg, const struct hc_ledger_row *rows, size_t n,
		       const struct hc_store_record *records, size_t n_records);
	/* One row of a settled job that is not a correction: ok (durable;
	 * duplicate: the store had it already) or not (nothing to send;
	 * the terminal resends). */
	void (*ack)(void *arg, const struct hc_ledger_row *row, bool ok, bool duplicate);
	/* A pending command's last part is durable: answer it ok. The
	 * entry is freed after the hook returns. May be NULL. */
	void (*answer)(void *arg, struct hc_pending_command *p);
	/* After an ok commit, once per row of a terminal (not a
	 * correction): its status may have changed. May be NULL. */
	void (*terminal_changed)(void *arg, uint32_t slot);
	/* After an ok commit's acks: recompute and push the states. May
	 * be NULL. */
	void (*refresh)(void *arg);
};

struct hc_pipeline {
	struct hc_pipeline_hooks hooks;
	struct hc_ledger *ledger;
	size_t job_rows_max; /* rows per job (<= HC_COMMIT_BATCHES_MAX) */
	bool in_flight;	     /* a job is submitted and not yet settled */

	struct hc_ledger_row *job_rows; /* HC_COMMIT_BATCHES_MAX */
	size_t job_row_count;		/* rows of the job in flight */

	/* records waiting for the next commit; the first records_in_flight
	 * are in the job in flight */
	struct hc_store_record *records; /* HC_COMMIT_RECORDS_MAX */
	size_t record_count;
	size_t records_in_flight;

	struct hc_pending_command pending[HC_PENDING_COMMANDS_MAX];
	uint64_t next_token;

	/* health */
	bool storage_failing;
	char storage_error[256];
	int64_t storage_error_at_wall_ms;   /* 0: never */
	int64_t commit_failures;	    /* since the last success */
	uint64_t storage_faults_total;	    /* failed commits since start */
	struct hc_histogram commit_latency; /* of successful commits */
	int64_t retry_at_mono_ms;	    /* no commit before this */
};

/* What hc_pipeline_kick() did. */
enum hc_pipeline_kick {
	HC_PIPELINE_IDLE,      /* nothing to commit, or a job is in flight */
	HC_PIPELINE_SUBMITTED, /* a job went to the committer */
	HC_PIPELINE_WAIT,      /* work waits for retry_at_mono_ms */
};

/* Sets p up over ledger (not owned) with hooks; false when out of
 * memory (p then holds nothing). */
bool hc_pipeline_init(struct hc_pipeline *p, struct hc_ledger *ledger,
		      const struct hc_pipeline_hooks *hooks);
/* Frees what init allocated; p may be zeroed or half set up. */
void hc_pipeline_free(struct hc_pipeline *p);

/* Submits the staged rows and queued records as one job when no job is
 * in flight, there is anything to commit and now_ms has reached the
 * retry time. */
enum hc_pipeline_kick hc_pipeline_kick(struct hc_pipeline *p, int64_t now_ms);

/* True while work waits to be committed or a job is in flight. */
bool hc_pipeline_busy(const struct hc_pipeline *p);

/* Settles the result of the job in flight (r as the committer returned
 * it): closes the ledger's job, routes acks, answers commands, re-stages
 * corrections, keeps or drops records. now_ms sets the retry time after
 * a failure, now_wall_ms is shown with it. The caller kicks the next
 * job afterwards. No-op when no job is in flight. */
void hc_pipeline_settle(struct hc_pipeline *p, const struct hc_commit_result *r, int64_t now_ms,
			int64_t now_wall_ms);

/* Queues records for the next commit (all or none); false when there is
 * no room. */
bool hc_pipeline_queue_records(struct hc_pipeline *p, const struct hc_store_record *r, size_t n);

/* A free pending-command entry with a new token (zeroed otherwise), or
 * NULL when HC_PENDING_COMMANDS_MAX are waiting. */
struct hc_pending_command *hc_pipeline_new_pending(struct hc_pipeline *p);

#endif
