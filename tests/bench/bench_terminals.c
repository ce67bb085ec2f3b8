/*
 * bench_terminals.c — terminal-role clients (HC_PROTO_TERMINAL) and
 * the ingest phase.
 *
 * Relies on: shared/protocol.h to build hello and batch and to parse
 * welcome, ack and area (the same code the real terminal uses), terminal
 * ids from the venue config (the aggregator refuses unknown ones),
 * bench_loop.c, bench_proc.c for the aggregator's CPU. Each terminal
 * authenticates as a real one does (shared/terminal_auth.h) with its
 * secret from the venue's secrets file, when it is enrolled there.
 *
 * Promises: each connection uses a fresh random incarnation and numbers
 * its batches 1, 2, 3, ...; it never has more than HC_INFLIGHT_BATCHES_MAX
 * unacknowledged (a batch that would exceed the window waits, and the
 * wait is not counted as latency: latency runs from the lws_write of the
 * batch to the receipt of its ack). Ingest is open-loop: batches are
 * scheduled at the requested total rate round robin over the terminals,
 * whether or not earlier ones were acknowledged; the backlog left unsent
 * at the end is reported.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "aggregator/terminal_secrets.h"
#include "shared/protocol.h"
#include "shared/terminal_auth.h"
#include "tests/bench/bench.h"

/* Ack latencies kept per ingest run at most. */
#define BENCH_ACK_SAMPLES_MAX (8u * 1000u * 1000u)

/* Time the ingest run waits for outstanding acks after the last batch. */
#define BENCH_DRAIN_US (3 * 1000000LL)

static uint64_t random_incarnation(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = (uint64_t)hc_mono_us() * 0x9e3779b97f4a7c15ULL;
	return v;
}

static bool send_hello(struct bench_term *t)
{
	struct hc_msg_hello hello;
	memset(&hello, 0, sizeof hello);
	snprintf(hello.terminal, sizeof hello.terminal, "%s", t->id);
	hello.incarnation = t->incarnation;
	if (t->has_secret && !(hello.has_proof = hc_tauth_hello_proof(t->secret, t->nonce, t->id,
								      t->incarnation, hello.proof)))
		return false;
	char text[256];
	size_t len = hc_proto_build_hello(text, sizeof text, &hello);
	return len > 0 && bench_write_text(t->wsi, text, len);
}

/* Sends the next batch: ENTER only when t->enter_only, else alternately
 * one ENTER and one EXIT so occupancy stays near zero. */
static bool send_batch(struct bench_term *t)
{
	struct bench_inflight *slot = NULL;
	for (uint32_t i = 0; i < BENCH_WINDOW; i++)
		if (t->slots[i].seq == 0) {
			slot = &t->slots[i];
			break;
		}
	if (slot == NULL)
		return true;
	struct hc_msg_batch batch = { .seq = t->next_seq };
	if (t->enter_only || t->next_seq % 2 == 1)
		batch.entered = 1;
	else
		batch.exited = 1;
	/* The connection's batch key, as the aggregator checks it: the
	 * client shares the machine, so its MACs should cost what theirs do. */
	if (t->has_secret && t->batch_key == NULL)
		t->batch_key = hc_tauth_batch_key_new(t->secret, t->nonce, t->id, t->incarnation);
	if (t->has_secret &&
	    (t->batch_key == NULL ||
	     !(batch.has_mac = hc_tauth_batch_key_mac(t->batch_key, &batch, batch.mac))))
		return false;
	char text[256];
	size_t len = hc_proto_build_batch(text, sizeof text, &batch);
	if (len == 0 || !bench_write_text(t->wsi, text, len))
		return false;
	slot->seq = t->next_seq++;
	slot->sent_us = hc_mono_us();
	t->inflight++;
	t->sent++;
	if (!t->unlimited)
		t->due--;
	return true;
}

static bool wants_to_send(const struct bench_term *t)
{
	return t->state == BENCH_TERM_READY && t->inflight < BENCH_WINDOW &&
	       (t->unlimited || t->due > 0);
}

void bench_term_schedule(struct bench_term *t, int64_t n)
{
	t->due += n;
	if (wants_to_send(t))
		lws_callback_on_writable(t->wsi);
}

static void on_ack(struct bench_term *t, const struct hc_msg_ack *ack)
{
	int64_t now_us = hc_mono_us();
	struct bench_terms *o = t->owner;
	for (uint32_t i = 0; i < BENCH_WINDOW; i++) {
		struct bench_inflight *slot = &t->slots[i];
		if (slot->seq != ack->seq)
			continue;
		if (now_us >= o->measuring_from_us && now_us < o->measuring_until_us) {
			bench_samples_add(&o->ack_us, now_us - slot->sent_us);
			o->acked_in_window++;
			/* The stall figure: the longest gap between two acks of
			 * any terminal (from the window's start for the first). */
			int64_t prev_us = o->ack_last_in_window_us ? o->ack_last_in_window_us
								   : o->measuring_from_us;
			if (now_us - prev_us > o->ack_gap_max_us)
				o->ack_gap_max_us = now_us - prev_us;
			o->ack_last_in_window_us = now_us;
		}
		slot->seq = 0;
		t->inflight--;
		t->acked++;
		o->acked_total++;
		if (ack->duplicate)
			t->duplicates++;
		t->last_ack_us = now_us;
		t->last_ack_seq = ack->seq;
		if (wants_to_send(t))
			lws_callback_on_writable(t->wsi);
		return;
	}
	hc_warn("bench terminal %s: ack of seq %" PRId64 " that is not in flight", t->id, ack->seq);
}

static void on_message(struct bench_term *t, const char *text, size_t len)
{
	struct hc_msg msg;
	struct hc_proto_error err;
	if (!hc_proto_parse_from_aggregator(text, len, &msg, &err)) {
		hc_warn("bench terminal %s: unreadable message (%d %s): %.*s", t->id, (int)err.code,
			err.reason, (int)(len > 200 ? 200 : len), text);
		return;
	}
	switch (msg.type) {
	case HC_MSG_CHALLENGE:
		if (t->state == BENCH_TERM_CHALLENGE) {
			memcpy(t->nonce, msg.u.challenge.nonce, sizeof t->nonce);
			hc_tauth_batch_key_free(t->batch_key); /* of the last connection */
			t->batch_key = NULL;
			t->state = BENCH_TERM_HELLO;
			lws_callback_on_writable(t->wsi);
		}
		break;
	case HC_MSG_WELCOME:
		if (t->state == BENCH_TERM_WAIT_WELCOME) {
			t->state = BENCH_TERM_READY;
			t->owner->ready++;
			if (wants_to_send(t))
				lws_callback_on_writable(t->wsi);
		}
		break;
	case HC_MSG_ACK: on_ack(t, &msg.u.ack); break;
	case HC_MSG_AREA: {
		t->area_entered = msg.u.area.entered;
		int64_t now_us = hc_mono_us();
		if (now_us >= t->owner->measuring_from_us && now_us < t->owner->measuring_until_us)
			t->owner->area_messages_in_window++;
		break;
	}
	default: break;
	}
}

static void on_gone(struct bench_term *t)
{
	if (t->state == BENCH_TERM_CONNECTING)
		t->owner->failed++;
	else if (t->state != BENCH_TERM_FAILED && t->state != BENCH_TERM_CLOSED)
		t->owner->closed++;
	if (t->state == BENCH_TERM_READY)
		t->owner->ready--;
	t->state = t->state == BENCH_TERM_CONNECTING ? BENCH_TERM_FAILED : BENCH_TERM_CLOSED;
	t->wsi = NULL;
	hc_tauth_batch_key_free(t->batch_key);
	t->batch_key = NULL;
}

int bench_terminal_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			    size_t len)
{
	struct bench_term *t = user;
	const char *text;
	size_t text_len;

	if (t == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		hc_warn("bench terminal %s: cannot connect: %s", t->id,
			in ? (const char *)in : "?");
		on_gone(t);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		t->state = BENCH_TERM_CHALLENGE; /* the hello answers it */
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (t->state == BENCH_TERM_HELLO) {
			if (!send_hello(t))
				return -1;
			t->state = BENCH_TERM_WAIT_WELCOME;
			return 0;
		}
		if (wants_to_send(t) && !send_batch(t))
			return -1;
		if (wants_to_send(t))
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (bench_rx_feed(&t->rx, wsi, in, len, HC_TERMINAL_FRAME_BYTES_MAX, &text,
				  &text_len))
			on_message(t, text, text_len);
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *c = in;
			t->close_code = (uint16_t)(c[0] << 8 | c[1]);
			hc_warn("bench terminal %s: closed by the aggregator with %u: %.*s", t->id,
				t->close_code, (int)(len - 2), (const char *)in + 2);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED: on_gone(t); return 0;
	default: return 0;
	}
}

static bool terms_settled(void *arg)
{
	struct bench_terms *o = arg;
	return o->ready + o->failed + o->closed >= o->count;
}

bool bench_terms_connect(struct bench *b, struct bench_terms *o, uint32_t count,
			 int64_t deadline_us)
{
	memset(o, 0, sizeof *o);
	if (count > (uint32_t)b->cfg->terminal_count) {
		hc_error("bench: %u terminals asked for, the venue config has %d", count,
			 b->cfg->terminal_count);
		return false;
	}
	o->terms = calloc(count ? count : 1, sizeof *o->terms);
	if (o->terms == NULL || !bench_samples_init(&o->ack_us, 1)) {
		hc_error("bench: out of memory for %u terminals", count);
		return false;
	}
	char err[PATH_MAX + 256];
	struct hc_terminal_secrets *secrets = hc_terminal_secrets_load(b->cfg->terminal_secrets,
								       NULL, err, sizeof err);
	if (secrets == NULL) {
		hc_error("bench: %s", err);
		return false;
	}
	o->count = count;
	o->measuring_from_us = INT64_MAX;
	o->measuring_until_us = INT64_MAX;
	for (uint32_t i = 0; i < count; i++) {
		struct bench_term *t = &o->terms[i];
		t->owner = o;
		t->id = b->cfg->terminals[i].id;
		t->incarnation = random_incarnation();
		const uint8_t *secret = hc_terminal_secrets_find(secrets, t->id);
		t->has_secret = secret != NULL;
		if (secret != NULL)
			memcpy(t->secret, secret, sizeof t->secret);
		t->next_seq = 1;
		t->area_entered = -1;
		t->state = BENCH_TERM_CONNECTING;
		t->wsi = bench_connect(b, BENCH_PROTO_TERMINAL, "/", t);
		if (t->wsi == NULL && t->state == BENCH_TERM_CONNECTING) {
			hc_warn("bench terminal %s: lws refused the connection", t->id);
			t->state = BENCH_TERM_FAILED;
			o->failed++;
		}
		/* Keep handshakes in flight within the window. */
		while ((int64_t)(i + 1 - o->ready - o->failed - o->closed) >= b->connect_window &&
		       !b->interrupted && hc_mono_us() < deadline_us)
			bench_service(b);
	}
	hc_terminal_secrets_free(secrets);
	bench_loop_run(b, terms_settled, o, deadline_us);
	return true;
}

void bench_terms_free(struct bench_terms *o)
{
	if (o->terms != NULL)
		for (uint32_t i = 0; i < o->count; i++) {
			if (o->terms[i].wsi != NULL)
				lws_set_wsi_user(o->terms[i].wsi, NULL);
			bench_rx_free(&o->terms[i].rx);
			hc_tauth_batch_key_free(o->terms[i].batch_key);
			o->terms[i].batch_key = NULL;
		}
	free(o->terms);
	bench_samples_free(&o->ack_us);
	memset(o, 0, sizeof *o);
}

void bench_terms_close(struct bench *b, struct bench_terms *o)
{
	for (uint32_t i = 0; i < o->count; i++)
		if (o->terms[i].wsi != NULL)
			lws_set_timeout(o->terms[i].wsi, PENDING_TIMEOUT_USER_OK,
					LWS_TO_KILL_ASYNC);
	int64_t end_us = hc_mono_us() + 2000000;
	while (!b->interrupted && hc_mono_us() < end_us) {
		bool any = false;
		for (uint32_t i = 0; i < o->count && !any; i++)
			any = o->terms[i].wsi != NULL;
		if (!any)
			break;
		bench_service(b);
	}
}

static bool all_acked(void *arg)
{
	const struct bench_terms *o = arg;
	for (uint32_t i = 0; i < o->count; i++)
		if (o->terms[i].inflight > 0 && o->terms[i].state == BENCH_TERM_READY)
			return false;
	return true;
}

void bench_terms_pace(struct bench_terms *o, int64_t rate_per_s, int64_t start_us, int64_t now_us,
		      int64_t *issued, uint32_t *cursor)
{
	int64_t due_total = (int64_t)((double)rate_per_s * (double)(now_us - start_us) / 1e6);
	for (; *issued < due_total; (*issued)++) {
		bench_term_schedule(&o->terms[*cursor], 1);
		*cursor = (*cursor + 1) % o->count;
	}
}

bool bench_ingest_run(struct bench *b, uint32_t terminals, int64_t rate_per_s, int64_t seconds,
		      int64_t warmup_seconds)
{
	const char *phase = "ingest";
	struct bench_terms o;
	int64_t deadline_us = hc_mono_us() + 30 * 1000000LL;
	if (!bench_terms_connect(b, &o, terminals, deadline_us))
		goto fail;
	bench_samples_free(&o.ack_us);
	size_t cap = rate_per_s > 0 ? (size_t)(rate_per_s * seconds * 12 / 10 + 1000)
				    : BENCH_ACK_SAMPLES_MAX;
	if (cap > BENCH_ACK_SAMPLES_MAX)
		cap = BENCH_ACK_SAMPLES_MAX;
	if (!bench_samples_init(&o.ack_us, cap))
		goto fail;
	uint32_t connected = o.ready;
	if (connected == 0) {
		hc_error("bench: no terminal connected; is the aggregator at %s:%d?", b->host,
			 b->port);
		goto fail;
	}

	int64_t start_us = hc_mono_us();
	o.measuring_from_us = start_us + warmup_seconds * 1000000LL;
	o.measuring_until_us = o.measuring_from_us + seconds * 1000000LL;
	if (rate_per_s <= 0)
		for (uint32_t i = 0; i < o.count; i++) {
			o.terms[i].unlimited = true;
			if (o.terms[i].state == BENCH_TERM_READY)
				lws_callback_on_writable(o.terms[i].wsi);
		}

	int64_t issued = 0;
	uint32_t cursor = 0;
	bool measuring = false;
	struct bench_usage cpu_from = { 0 }, cpu_until = { 0 };
	int64_t self_from_us = 0, self_until_us = 0, sent_from = 0, sent_until = 0;
	while (!b->interrupted) {
		int64_t now_us = hc_mono_us();
		if (!measuring && now_us >= o.measuring_from_us) {
			measuring = true;
			if (b->aggregator_pid > 0)
				cpu_from = bench_proc_usage(b->aggregator_pid);
			self_from_us = bench_self_cpu_us();
			for (uint32_t i = 0; i < o.count; i++)
				sent_from += o.terms[i].sent;
		}
		if (now_us >= o.measuring_until_us)
			break;
		if (rate_per_s > 0)
			bench_terms_pace(&o, rate_per_s, start_us, now_us, &issued, &cursor);
		if (bench_service(b) < 0)
			break;
	}
	if (b->aggregator_pid > 0)
		cpu_until = bench_proc_usage(b->aggregator_pid);
	self_until_us = bench_self_cpu_us();
	int64_t backlog = 0, in_flight_at_end = 0;
	for (uint32_t i = 0; i < o.count; i++) {
		sent_until += o.terms[i].sent;
		o.terms[i].unlimited = false;
		backlog += o.terms[i].due;
		o.terms[i].due = 0;
	}
	for (uint32_t i = 0; i < o.count; i++)
		in_flight_at_end += o.terms[i].inflight;
	bench_loop_run(b, all_acked, &o, hc_mono_us() + BENCH_DRAIN_US);
	int64_t unacked_after_drain = 0, duplicates = 0;
	for (uint32_t i = 0; i < o.count; i++) {
		unacked_after_drain += o.terms[i].inflight;
		duplicates += o.terms[i].duplicates;
	}

	double window_s = (double)seconds;
	double acked_per_s = (double)o.acked_in_window / window_s;
	double sent_per_s = (double)(sent_until - sent_from) / window_s;
	struct bench_summary lat = bench_samples_summarize(&o.ack_us);
	bool rate_ok = acked_per_s >= 50000.0;
	bool p99_ok = lat.count > 0 && lat.p99 < 20000;

	bench_figure(phase, "terminals", connected, "conns", "1000", -1);
	bench_figure(phase, "offered_per_s", (double)rate_per_s, "batch/s",
		     rate_per_s > 0 ? "" : "unlimited", -1);
	bench_figure(phase, "sent_per_s", sent_per_s, "batch/s", "", -1);
	bench_figure(phase, "acked_per_s", acked_per_s, "batch/s", ">= 50000", rate_ok);
	bench_figure(phase, "ack_p50_ms", (double)lat.p50 / 1000.0, "ms", "", -1);
	bench_figure(phase, "ack_p99_ms", (double)lat.p99 / 1000.0, "ms", "< 20", p99_ok);
	bench_figure(phase, "ack_max_ms", (double)lat.max / 1000.0, "ms", "", -1);
	bench_figure(phase, "ack_gap_max_ms", (double)o.ack_gap_max_us / 1000.0, "ms", "< 100",
		     o.acked_in_window > 0 && o.ack_gap_max_us < 100000);
	bench_detail(phase, "ack_ms", bench_summary_json(&lat, 1000.0));
	bench_figure(phase, "area_messages_per_s", (double)o.area_messages_in_window / window_s,
		     "msg/s", "", -1);
	bench_detail(phase, "seconds", json_integer(seconds));
	bench_detail(phase, "warmup_seconds", json_integer(warmup_seconds));
	bench_detail(phase, "connect_failures", json_integer(o.failed));
	bench_detail(phase, "closed_during_run", json_integer(o.closed));
	bench_detail(phase, "backlog_unsent_at_end", json_integer(backlog));
	bench_detail(phase, "in_flight_at_end", json_integer(in_flight_at_end));
	bench_detail(phase, "unacked_after_drain", json_integer(unacked_after_drain));
	bench_detail(phase, "duplicate_acks", json_integer(duplicates));
	bench_detail(phase, "samples_dropped", json_integer(o.ack_us.dropped));
	bench_detail(phase, "bench_cpu_percent",
		     json_real(100.0 * (double)(self_until_us - self_from_us) / (window_s * 1e6)));
	if (cpu_from.ok && cpu_until.ok && o.acked_in_window > 0) {
		double cpu_s = (double)(cpu_until.cpu_us - cpu_from.cpu_us) / 1e6;
		bench_figure(phase, "aggregator_cpu_ms_per_1000",
			     cpu_s * 1000.0 / ((double)o.acked_in_window / 1000.0), "ms", "", -1);
		bench_figure(phase, "aggregator_cpu_percent", 100.0 * cpu_s / window_s, "%", "",
			     -1);
		bench_detail(phase, "aggregator_rss_kib", json_integer(cpu_until.rss_bytes / 1024));
	}
	bench_terms_close(b, &o);
	bench_terms_free(&o);
	return true;
fail:
	bench_terms_close(b, &o);
	bench_terms_free(&o);
	return false;
}
