/*
 * server_commit.c — the commit pipeline's edge (server_commit.h): the
 * clock, the retry timer and the committer's wake-up around
 * aggregator/pipeline.c.
 *
 * Relies on the committer (one worker thread: hc_committer_take_result
 * is how its result comes back) and lws timers on the loop thread.
 * Promises what pipeline.h promises, with the time read here: a kick
 * before the retry time arms a timer that kicks again when it comes.
 */
#include "aggregator/server_commit.h"

#include "aggregator/server_internal.h"
#include "shared/clock.h"

/* Runs on the committer thread: wakes the loop, which then sees
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED and collects the result. */
void hc_server_wake_loop(void *arg)
{
	struct hc_server *s = arg;
	lws_cancel_service(s->context);
}

static void commit_retry_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, commit_retry_sul);
	hc_server_kick_commit(s);
}

void hc_server_kick_commit(struct hc_server *s)
{
	if (s->committer == NULL || hc_committer_busy(s->committer))
		return;
	int64_t now_ms = hc_mono_ms();
	if (hc_pipeline_kick(&s->pipe, now_ms) == HC_PIPELINE_WAIT)
		hc_server_schedule_kick(s, s->pipe.retry_at_mono_ms - now_ms);
}

void hc_server_schedule_kick(struct hc_server *s, int64_t after_ms)
{
	lws_sul_schedule(s->context, 0, &s->commit_retry_sul, commit_retry_due,
			 after_ms * LWS_US_PER_MS);
}

void hc_server_collect_commit(struct hc_server *s)
{
	struct hc_commit_result r;
	if (!hc_committer_take_result(s->committer, &r))
		return;
	if (r.ok)
		s->commits_collected++; /* acks of this settle carry its number */
	hc_pipeline_settle(&s->pipe, &r, hc_mono_ms(), hc_wall_ms());
	hc_server_kick_commit(s);
}

bool hc_server_queue_records(struct hc_server *s, const struct hc_store_record *r, size_t n)
{
	return hc_pipeline_queue_records(&s->pipe, r, n);
}

struct hc_pending_command *hc_server_new_pending(struct hc_server *s)
{
	return hc_pipeline_new_pending(&s->pipe);
}
