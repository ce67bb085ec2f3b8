/*
 * public_side.c — the public context's thread, its HTTP role (a relay to
 * the loop thread) and the closer of roles a listener does not serve.
 * public_side.h says what the public thread may touch and in what order
 * things are created and destroyed.
 *
 * Relies on: libwebsockets 4.1 (one service thread per context;
 * lws_cancel_service is the only call made on the other thread's
 * context, and only while it exists), http_api.c for building and
 * sending answers, map_role.c for the map side, conn_limits.c (locked).
 *
 * The relay: the public thread puts a request's path into a free job
 * (HC_HTTP_RELAY_MAX of them; none free: 503 at once) and wakes the loop
 * thread; the loop thread builds the answer from its own state in its
 * next turn (hc_public_serve_relayed) and wakes the public thread, which
 * sends it from the connection's writeable callback. A connection that
 * closes meanwhile abandons its job; the answer is then dropped.
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "aggregator/public_side.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aggregator/event_loop.h"
#include "aggregator/http_api.h"
#include "aggregator/map_role.h"
#include "aggregator/server_conn.h"
#include "aggregator/server_internal.h"
#include "shared/log.h"

/* The public thread runs under SCHED_IDLE: it has a core whenever one is
 * free, and the moment the loop thread (acks to the doors) or the commit
 * thread wants one, they get it. On a 2-core box under a flood of map
 * clients a nice value alone (10 or 19) still left the doors' ack p99 at
 * 2 to 2.5 times the unloaded one; SCHED_IDLE keeps it within 1.5
 * (docs/security.md, *Flood*). Where SCHED_IDLE is refused, the thread
 * runs this much nicer instead. */
#define HC_PUBLIC_THREAD_NICE 19

static struct hc_public *public_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/* ---- relay: public thread ---------------------------------------------- */

/* Asks the loop thread for the answer to path; false when every job is
 * taken. */
static bool relay_ask(struct hc_public *p, struct hc_http_session *h, struct lws *wsi,
		      const char *path, bool is_get)
{
	struct hc_http_relay *r = &p->relay;
	int slot = -1;
	pthread_mutex_lock(&r->lock);
	for (int k = 0; k < HC_HTTP_RELAY_MAX && slot < 0; k++) {
		if (r->jobs[k].state == HC_RELAY_FREE)
			slot = k;
	}
	if (slot >= 0) {
		struct hc_relay_job *j = &r->jobs[slot];
		memset(j, 0, sizeof *j);
		j->state = HC_RELAY_ASKED;
		snprintf(j->path, sizeof j->path, "%s", path);
		j->is_get = is_get;
	}
	pthread_mutex_unlock(&r->lock);
	if (slot < 0)
		return false;
	r->waiting[slot] = wsi;
	h->relay_slot = slot + 1;
	lws_cancel_service(p->main_context);
	return true;
}

/* A connection with a job closes: the job is abandoned (freed now when
 * its answer is already back, otherwise by the loop thread). */
static void relay_abandon(struct hc_public *p, struct hc_http_session *h)
{
	if (h->relay_slot == 0)
		return;
	int slot = h->relay_slot - 1;
	struct hc_http_relay *r = &p->relay;
	h->relay_slot = 0;
	r->waiting[slot] = NULL;
	pthread_mutex_lock(&r->lock);
	struct hc_relay_job *j = &r->jobs[slot];
	if (j->state == HC_RELAY_ANSWERED) {
		free(j->answer.body);
		j->state = HC_RELAY_FREE;
	} else {
		j->abandoned = true;
	}
	pthread_mutex_unlock(&r->lock);
}

/* Hands every answer that came back to its connection. */
static void relay_collect(struct hc_public *p)
{
	struct hc_http_relay *r = &p->relay;
	pthread_mutex_lock(&r->lock);
	for (int k = 0; k < HC_HTTP_RELAY_MAX; k++) {
		struct hc_relay_job *j = &r->jobs[k];
		if (j->state != HC_RELAY_ANSWERED)
			continue;
		struct lws *wsi = r->waiting[k];
		struct hc_http_session *h = wsi != NULL ? lws_wsi_user(wsi) : NULL;
		if (h != NULL) {
			h->answer = j->answer;
			h->answer_ready = true;
			h->relay_slot = 0;
			lws_callback_on_writable(wsi);
		} else {
			free(j->answer.body);
		}
		memset(&j->answer, 0, sizeof j->answer);
		r->waiting[k] = NULL;
		j->state = HC_RELAY_FREE;
	}
	pthread_mutex_unlock(&r->lock);
}

/* ---- relay: loop thread ------------------------------------------------ */

void hc_public_serve_relayed(struct hc_server *s)
{
	struct hc_http_relay *r = &s->pub.relay;
	bool answered = false;
	for (int k = 0; k < HC_HTTP_RELAY_MAX; k++) {
		char path[HC_HTTP_RELAY_PATH_BYTES];
		bool is_get;
		pthread_mutex_lock(&r->lock);
		struct hc_relay_job *j = &r->jobs[k];
		bool asked = j->state == HC_RELAY_ASKED;
		if (asked && j->abandoned) {
			j->state = HC_RELAY_FREE;
			asked = false;
		} else if (asked) {
			j->state = HC_RELAY_BUILDING;
			memcpy(path, j->path, sizeof path);
			is_get = j->is_get;
		}
		pthread_mutex_unlock(&r->lock);
		if (!asked)
			continue;
		/* Built outside the lock: the public thread never waits for it. */
		struct hc_http_answer a;
		bool ok = hc_http_build_answer(s, path, is_get, &a);
		pthread_mutex_lock(&r->lock);
		if (j->abandoned || !ok) {
			if (ok)
				free(a.body);
			if (!ok && !j->abandoned) {
				/* Out of memory: an empty 500 rather than no answer. */
				memset(&j->answer, 0, sizeof j->answer);
				j->answer.status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
				j->answer.content_type = "application/json";
				j->state = HC_RELAY_ANSWERED;
				answered = true;
			} else {
				j->state = HC_RELAY_FREE;
			}
		} else {
			j->answer = a;
			j->state = HC_RELAY_ANSWERED;
			answered = true;
		}
		pthread_mutex_unlock(&r->lock);
	}
	if (answered)
		lws_cancel_service(s->pub.context);
}

/* ---- the public context's HTTP role ------------------------------------- */

/* An answer built here, without the loop thread: status and message. */
static int answer_at_once(struct hc_http_session *h, struct lws *wsi, unsigned int status,
			  const char *message)
{
	char text[160];
	int n = snprintf(text, sizeof text, "{\"error\":\"%s\"}\n", message);
	char *body = strdup(text);
	if (body == NULL || n <= 0)
		return -1;
	struct hc_http_answer a = {
		.status = status, .content_type = "application/json", .body = body, .len = (size_t)n
	};
	return hc_http_send_answer(h, wsi, &a, "");
}

static int public_request(struct hc_public *p, struct hc_http_session *h, struct lws *wsi,
			  const char *path)
{
	const struct hc_map_settings *set = &p->view.settings;
	if (!set->stopping) {
		int n = hc_http_serve_file(h, wsi, path, set->background, set->background_type);
		if (n != 1)
			return n;
	}
	if (strlen(path) >= HC_HTTP_RELAY_PATH_BYTES)
		return answer_at_once(h, wsi, HTTP_STATUS_NOT_FOUND, "not found");
	/* Headers are kept now: the answer is sent from a later callback. */
	h->if_none_match[0] = '\0';
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
	if (n > 0 && (size_t)n < sizeof h->if_none_match &&
	    lws_hdr_copy(wsi, h->if_none_match, sizeof h->if_none_match,
			 WSI_TOKEN_HTTP_IF_NONE_MATCH) < 0)
		h->if_none_match[0] = '\0';
	bool is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
	if (!relay_ask(p, h, wsi, path, is_get)) {
		hc_warn("http %s: %d requests wait for the loop thread; answered 503", path,
			HC_HTTP_RELAY_MAX);
		return answer_at_once(h, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "busy, try again");
	}
	return 0;
}

int hc_public_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			    size_t len)
{
	struct hc_public *p = public_of(wsi);
	struct hc_http_session *h = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/* wsi is the listen socket's; user the accepted peer. */
		return p == NULL || hc_conn_limits_admit(p->limits, HC_LISTENER_PUBLIC, user) ? 0
											      : -1;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		if (p != NULL)
			hc_conn_limits_opened(p->limits, HC_LISTENER_PUBLIC, wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (p != NULL)
			hc_conn_limits_closed(p->limits, wsi);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (p != NULL) {
			hc_map_take(p);
			relay_collect(p);
		}
		return 0;
	case LWS_CALLBACK_HTTP:
		if (h == NULL || p == NULL)
			return -1;
		return public_request(p, h, wsi, (const char *)in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (h == NULL)
			return -1;
		if (h->answer_ready) {
			h->answer_ready = false;
			return hc_http_send_answer(h, wsi, &h->answer, h->if_none_match);
		}
		/* The body: http_api.c's writer, through its callback. */
		return hc_http_callback(wsi, reason, user, in, len);
	case LWS_CALLBACK_CLOSED_HTTP:
		/* No session when the peer closed before its request line. */
		if (h != NULL && p != NULL) {
			relay_abandon(p, h);
			free(h->answer.body);
			h->answer.body = NULL;
			h->answer_ready = false;
		}
		return hc_http_callback(wsi, reason, user, in, len);
	case LWS_CALLBACK_ESTABLISHED:
		/* A WebSocket without one of our subprotocols. */
		return hc_http_callback(wsi, reason, user, in, len);
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* ---- roles a listener does not serve ------------------------------------ */

int hc_wrong_listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len)
{
	(void)user;
	(void)in;
	(void)len;
	const struct lws_protocols *proto = lws_get_protocol(wsi);
	const struct hc_wrong_listener *w = proto != NULL ? proto->user : NULL;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED: lws_callback_on_writable(wsi); return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		const char *text = w != NULL ? w->reason : "not served on this listener";
		char peer[64];
		hc_server_peer_address(wsi, peer, sizeof peer);
		hc_warn("%s %s: closing %u: %s", proto != NULL ? proto->name : "?", peer,
			HC_CLOSE_WRONG_LISTENER, text);
		lws_close_reason(wsi, (enum lws_close_status)HC_CLOSE_WRONG_LISTENER,
				 (unsigned char *)text, strlen(text));
		return -1;
	}
	default: return 0; /* whatever it sends is ignored */
	}
}

/* ---- the public thread -------------------------------------------------- */

static void *public_main(void *arg)
{
	struct hc_public *p = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct sched_param idle = { .sched_priority = 0 };
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) == 0)
		goto scheduled;
	errno = 0;
	int nice_now = getpriority(PRIO_PROCESS, (id_t)tid);
	if ((nice_now != -1 || errno == 0) &&
	    setpriority(PRIO_PROCESS, (id_t)tid, nice_now + HC_PUBLIC_THREAD_NICE) != 0)
		hc_warn("public listener: cannot lower its thread's priority: %s", strerror(errno));
scheduled:
	hc_map_take(p); /* the states published before the start */
	while (!atomic_load(&p->quit)) {
		if (hc_event_loop_service(p->ev_loop, p->context) < 0) {
			hc_error("public listener: lws_service failed; its thread stops");
			break;
		}
		hc_map_wake_step(p);
	}
	return NULL;
}

bool hc_public_start(struct hc_public *p)
{
	if (pthread_mutex_init(&p->relay.lock, NULL) != 0)
		return false;
	atomic_store(&p->quit, false);
	int rc = pthread_create(&p->thread, NULL, public_main, p);
	if (rc != 0) {
		hc_error("public listener: cannot start its thread: %s", strerror(rc));
		pthread_mutex_destroy(&p->relay.lock);
		return false;
	}
	p->thread_started = true;
	p->relay_ready = true;
	return true;
}

void hc_public_stop(struct hc_public *p)
{
	if (!p->thread_started)
		return;
	atomic_store(&p->quit, true);
	lws_cancel_service(p->context);
	pthread_join(p->thread, NULL);
	p->thread_started = false;
}

void hc_public_free(struct hc_public *p)
{
	if (p->relay_ready) {
		for (int k = 0; k < HC_HTTP_RELAY_MAX; k++)
			free(p->relay.jobs[k].answer.body);
		pthread_mutex_destroy(&p->relay.lock);
		p->relay_ready = false;
	}
	hc_wire_map_update_free(&p->tick);
	hc_wire_map_update_free(&p->scratch);
	if (p->feed_ready) {
		hc_map_feed_destroy(&p->feed);
		hc_map_table_free(&p->view);
		p->feed_ready = false;
	}
}
