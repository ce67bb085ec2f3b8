/*
 * bench_maps.c — map-role clients ("headcount-map.v1"): the connection
 * storm, and the receiving side of fan-out.
 *
 * Relies on: bench_loop.c for the context, jansson to read each message
 * (snapshot and area, docs/protocol.md), bench_proc.c for the
 * aggregator's RSS.
 *
 * Promises: at most b->connect_window handshakes are in flight at once
 * (the rest wait their turn, so the aggregator's listen backlog is not
 * overrun and the figure is the rate of connecting, not of SYN
 * retransmits); a map counts as connected when its snapshot has arrived;
 * each map remembers the "entered" figure of one watched area, so
 * fan-out can tell when every subscriber holds a new state.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "tests/bench/bench.h"

/* Largest message a map client accepts (a snapshot of 256 areas fits). */
#define BENCH_MAP_MESSAGE_BYTES_MAX (256 * 1024)

/* Notes that map p saw entered for the watched area at now_us. */
static void note_watched(struct bench_map *p, int64_t entered, int64_t now_us)
{
	struct bench_maps *m = p->owner;
	bool was_at_target = p->watched_entered >= m->target_entered;
	if (entered != p->watched_entered)
		p->watched_at_us = now_us;
	p->watched_entered = entered;
	if (!was_at_target && entered >= m->target_entered) {
		m->at_target++;
		if (m->first_at_target_us == 0)
			m->first_at_target_us = now_us;
		m->last_at_target_us = now_us;
		if (m->delivery_us != NULL)
			bench_samples_add(m->delivery_us, now_us - m->delivery_base_us);
	}
}

/* Reads the watched area's "entered" from one area object, if it is that area. */
static void read_area(struct bench_map *p, const json_t *area, int64_t now_us)
{
	const char *id = json_string_value(json_object_get(area, "id"));
	json_t *entered = json_object_get(area, "entered");
	if (id == NULL || !json_is_integer(entered) || strcmp(id, p->owner->watched_area) != 0)
		return;
	note_watched(p, (int64_t)json_integer_value(entered), now_us);
}

static void on_message(struct bench_map *p, const char *text, size_t len)
{
	int64_t now_us = hc_mono_us();
	struct bench_maps *m = p->owner;
	if (m->ignore_updates && p->state == BENCH_MAP_READY) {
		p->messages++;
		return;
	}
	json_error_t jerr;
	json_t *msg = json_loadb(text, len, 0, &jerr);
	if (msg == NULL) {
		hc_warn("bench map: unreadable message: %s", jerr.text);
		return;
	}
	p->messages++;
	const char *type = json_string_value(json_object_get(msg, "type"));
	if (type != NULL && strcmp(type, "snapshot") == 0) {
		size_t i;
		json_t *area;
		json_array_foreach(json_object_get(msg, "areas"), i, area)
			read_area(p, area, now_us);
		if (p->state == BENCH_MAP_CONNECTING) {
			p->state = BENCH_MAP_READY;
			p->snapshot_us = now_us;
			m->ready++;
			m->connecting--;
		}
	} else if (type != NULL && strcmp(type, "area") == 0) {
		read_area(p, msg, now_us);
	}
	json_decref(msg);
}

/* The map failed or closed: fix the counters once. */
static void on_gone(struct bench_map *p, bool failed)
{
	struct bench_maps *m = p->owner;
	if (p->state == BENCH_MAP_CONNECTING) {
		m->connecting--;
		m->failed++;
		p->state = BENCH_MAP_FAILED;
	} else if (p->state == BENCH_MAP_READY) {
		m->closed++;
		p->state = BENCH_MAP_CLOSED;
	}
	(void)failed;
	p->wsi = NULL;
}

int bench_map_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct bench_map *p = user;
	const char *text;
	size_t text_len;

	if (p == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		hc_debug("bench map: connection error: %s", in ? (const char *)in : "?");
		on_gone(p, true);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (bench_rx_feed(&p->rx, wsi, in, len, BENCH_MAP_MESSAGE_BYTES_MAX, &text,
				  &text_len))
			on_message(p, text, text_len);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED: on_gone(p, false); return 0;
	default: return 0;
	}
}

/* Starts handshakes until the window is full or all are started. */
static void start_more(struct bench *b, struct bench_maps *m)
{
	while (m->next_to_start < m->count && (int64_t)m->connecting < b->connect_window) {
		struct bench_map *p = &m->maps[m->next_to_start++];
		p->state = BENCH_MAP_CONNECTING;
		p->connect_start_us = hc_mono_us();
		m->connecting++;
		p->wsi = bench_connect(b, BENCH_PROTO_MAP, "/", p);
		if (p->wsi == NULL && p->state == BENCH_MAP_CONNECTING)
			on_gone(p, true);
	}
}

bool bench_maps_connect(struct bench *b, struct bench_maps *m, uint32_t count,
			const char *watched_area, int64_t deadline_us)
{
	memset(m, 0, sizeof *m);
	m->maps = calloc(count ? count : 1, sizeof *m->maps);
	if (m->maps == NULL) {
		hc_error("bench: out of memory for %u map clients", count);
		return false;
	}
	m->count = count;
	snprintf(m->watched_area, sizeof m->watched_area, "%s", watched_area);
	m->target_entered = INT64_MAX;
	for (uint32_t i = 0; i < count; i++) {
		m->maps[i].owner = m;
		m->maps[i].watched_entered = -1;
	}
	while (!b->interrupted && m->ready + m->failed < m->count && hc_mono_us() < deadline_us) {
		start_more(b, m);
		if (bench_service(b) < 0) {
			hc_error("bench: lws_service failed");
			return false;
		}
	}
	return true;
}

void bench_maps_set_target(struct bench_maps *m, int64_t target_entered)
{
	m->target_entered = target_entered;
	m->at_target = 0;
	m->first_at_target_us = 0;
	m->last_at_target_us = 0;
	for (uint32_t i = 0; i < m->count; i++)
		if (m->maps[i].state == BENCH_MAP_READY &&
		    m->maps[i].watched_entered >= target_entered)
			m->at_target++;
}

void bench_maps_close(struct bench *b, struct bench_maps *m)
{
	for (uint32_t i = 0; i < m->count; i++)
		if (m->maps[i].wsi != NULL)
			lws_set_timeout(m->maps[i].wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	int64_t end_us = hc_mono_us() + 3000000;
	uint32_t next = 0;
	while (!b->interrupted && hc_mono_us() < end_us) {
		while (next < m->count && m->maps[next].wsi == NULL)
			next++;
		if (next == m->count)
			break;
		bench_service(b);
	}
}

void bench_maps_free(struct bench_maps *m)
{
	if (m->maps != NULL)
		for (uint32_t i = 0; i < m->count; i++) {
			if (m->maps[i].wsi != NULL)
				lws_set_wsi_user(m->maps[i].wsi, NULL);
			bench_rx_free(&m->maps[i].rx);
		}
	free(m->maps);
	memset(m, 0, sizeof *m);
}

bool bench_storm_run(struct bench *b, struct bench_maps *m, uint32_t count)
{
	const char *phase = "storm";
	/* Fan-out sends on the config's first terminal: watch its area. */
	const char *watched = b->cfg->terminal_count > 0 ? b->cfg->terminals[0].area : "";
	struct bench_usage before = { 0 };
	if (b->aggregator_pid > 0)
		before = bench_proc_usage(b->aggregator_pid);

	int64_t start_us = hc_mono_us();
	if (!bench_maps_connect(b, m, count, watched, start_us + 30 * 1000000LL))
		return false;
	int64_t settled_us = hc_mono_us();
	int64_t last_snapshot_us = start_us;
	struct bench_samples handshake;
	if (!bench_samples_init(&handshake, count))
		return false;
	for (uint32_t i = 0; i < count; i++) {
		const struct bench_map *p = &m->maps[i];
		if (p->state != BENCH_MAP_READY)
			continue;
		bench_samples_add(&handshake, p->snapshot_us - p->connect_start_us);
		if (p->snapshot_us > last_snapshot_us)
			last_snapshot_us = p->snapshot_us;
	}
	/* Let the aggregator free what the handshakes needed before its RSS
	 * is read: the figure is the cost of an idle subscriber. */
	bench_loop_idle(b, 1000000);

	uint32_t failures = m->count - m->ready;
	int64_t all_us = m->ready == m->count ? last_snapshot_us - start_us : settled_us - start_us;
	struct bench_summary hs = bench_samples_summarize(&handshake);
	bench_samples_free(&handshake);

	bench_figure(phase, "maps", count, "clients", "", -1);
	bench_figure(phase, "connect_all_ms", (double)all_us / 1000.0, "ms", "<= 2000",
		     all_us <= 2000000 && failures == 0);
	bench_figure(phase, "failures", failures, "clients", "== 0", failures == 0);
	bench_figure(phase, "connects_per_s",
		     all_us > 0 ? (double)m->ready * 1e6 / (double)all_us : 0, "1/s", "", -1);
	bench_figure(phase, "handshake_p50_ms", (double)hs.p50 / 1000.0, "ms", "", -1);
	bench_figure(phase, "handshake_p99_ms", (double)hs.p99 / 1000.0, "ms", "", -1);
	bench_detail(phase, "handshake_ms", bench_summary_json(&hs, 1000.0));
	bench_detail(phase, "connect_window", json_integer(b->connect_window));

	if (b->aggregator_pid > 0) {
		struct bench_usage after = bench_proc_usage(b->aggregator_pid);
		if (before.ok && after.ok && m->ready > 0) {
			double per_map = (double)(after.rss_bytes - before.rss_bytes) /
					 (double)m->ready;
			bench_figure(phase, "aggregator_rss_before_kib",
				     (double)before.rss_bytes / 1024.0, "KiB", "", -1);
			bench_figure(phase, "aggregator_rss_after_kib",
				     (double)after.rss_bytes / 1024.0, "KiB", "", -1);
			bench_figure(phase, "rss_per_subscriber_bytes", per_map, "B", "<= 10240",
				     per_map <= 10240.0);
			bench_figure(phase, "aggregator_cpu_s",
				     (double)(after.cpu_us - before.cpu_us) / 1e6, "s", "", -1);
		}
	}
	struct bench_usage self = bench_proc_usage(getpid());
	if (self.ok)
		bench_detail(phase, "bench_rss_kib", json_integer(self.rss_bytes / 1024));
	return true;
}
