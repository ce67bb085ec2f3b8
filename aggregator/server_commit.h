/*
 * server_commit.h — the commit pipeline's edge on the loop thread: what
 * the roles and the venue state call to get their rows and records
 * committed, and what the loop calls when the committer woke it.
 *
 * The decisions are aggregator/pipeline.c's (a pure core); this edge
 * adds the clock (hc_mono_ms), the committer thread's wake-up
 * (lws_cancel_service) and the retry timer. The pipeline's hooks
 * (acks, answers, refresh) are set by server.c.
 */
#ifndef HC_SERVER_COMMIT_H
#define HC_SERVER_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/pipeline.h"
#include "aggregator/store.h"

struct hc_server;

/* Submits staged rows and queued records when the committer is idle;
 * before the retry time, arms the retry timer instead. */
void hc_server_kick_commit(struct hc_server *s);
/* Collects a finished commit: ledger, acks, answers, area states; then
 * kicks the next. */
void hc_server_collect_commit(struct hc_server *s);
/* Queues records for the next commit (all or none); false when there
 * is no room. */
bool hc_server_queue_records(struct hc_server *s, const struct hc_store_record *r, size_t n);
/* A new token for a pending command's parts (NULL: too many wait). */
struct hc_pending_command *hc_server_new_pending(struct hc_server *s);
/* Arms the retry timer (which kicks) after_ms from now. */
void hc_server_schedule_kick(struct hc_server *s, int64_t after_ms);
/* The committer's wake(): runs on its thread, wakes the loop. */
void hc_server_wake_loop(void *arg);

#endif
