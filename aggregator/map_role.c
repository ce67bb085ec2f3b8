/*
 * map_role.c — the "headcount-map.v1" WebSocket role: public, read-only.
 *
 * Relies on: venue_state.c (area states, their versions, and their
 * messages and the snapshot, each serialised once per version and
 * written as the same bytes to every map client), handed to the map
 * side through the latest-state table of map_feed.h (hc_map_publish on
 * the loop thread, hc_map_take on the map side's thread: the public
 * thread with a staff listener, the loop thread without; public_side.h).
 * Everything else here runs on the map side's thread and reads only its
 * view of that table. Closing and writing go through ws_session.h (a
 * map session has no hello and takes no message).
 *
 * On connect a map client gets {"type":"snapshot","areas":[...],
 * "groups":[...]}, then {"type":"area",...} or {"type":"group",...} for
 * each area or group that changed. Conflation (docs/design.md invariant 4):
 * each connection remembers the version of every area and group it last
 * sent and, per writeable callback, sends the current state of the next
 * one whose version moved. After a config reload renumbered the areas
 * (s->generation moved) the connection gets a fresh snapshot instead. A slow reader therefore skips states it
 * had no time for and never holds a backlog, and lws only calls back
 * when its socket can take more, so it slows no one else. The common
 * case of a headcount-map.v2 push tick skips that cycle: a client that
 * had everything before the take and is not behind gets the tick's
 * shared frame written at once (write_now), and so does a ping. A map
 * client sends nothing: any message closes it with 4001.
 *
 * Limits (docs/aggregator.md, *Limits*): one timer pings every map
 * client each third of map_idle_timeout_s, one slice of them
 * (HC_MAP_PING_SLICES) per run, and closes with 4011 one that has sent
 * nothing, not even a pong, for the whole timeout. Map clients
 * hold at most the map budget (handed over with the states), which
 * leaves the share reserved for terminals and supervisors; with a staff
 * listener they are served on the public listener only (the staff one
 * closes them with 4012, public_side.c). On the loop thread a
 * publication wakes map clients HC_MAP_WAKE_PER_TURN per loop turn
 * (hc_map_wake_all), the first slice in the turn that published, the
 * rest from server.c's loop (which skips a turn for queued acks), so
 * 10,000 map writes never hold a terminal's ack back in one long turn;
 * on the public thread all are woken at once.
 *
 * A client that reads too slowly (its socket's unsent bytes above a
 * bound) gets no frame until it catches up, and one that stays behind
 * for HC_MAP_STALL_MS is dropped (aggregator/map_backpressure.h); its
 * kernel send buffer is capped, so a stalled phone holds little memory.
 */
#include "aggregator/server_internal.h"
#include "aggregator/map_role.h"
#include "aggregator/server_conn.h"
#include "aggregator/venue_state.h"

#include <assert.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "aggregator/map_backpressure.h"
#include "shared/clock.h"
#include "shared/log.h"
#include "shared/wire_map.h"

/* The map side a map connection belongs to (the protocol's user). */
static struct hc_public *side_of(struct lws *wsi)
{
	const struct lws_protocols *proto = lws_get_protocol(wsi);
	return proto != NULL ? proto->user : NULL;
}

static void note_written(struct hc_map_session *m, size_t len);

/* Version of entry k of the view: areas first, then groups. */
static uint64_t version_of(const struct hc_public *p, uint32_t k)
{
	return p->view.entries[k].version;
}

static uint32_t entry_count(const struct hc_public *p)
{
	return p->view.area_count + p->view.group_count;
}

/* Sizes the version array for the current config; a new generation
 * means indexes moved, so the client gets a whole snapshot. */
static bool follow_generation(struct hc_public *p, struct hc_map_session *m)
{
	if (m->generation == p->view.generation && m->versions_sent != NULL)
		return true;
	uint32_t n = entry_count(p);
	uint64_t *v = realloc(m->versions_sent, (n ? n : 1) * sizeof *v);
	if (v == NULL)
		return false;
	m->versions_sent = v;
	m->versions_len = n;
	m->generation = p->view.generation;
	m->cursor = 0;
	m->snapshot_pending = true;
	return true;
}

static int write_snapshot(struct hc_public *p, struct hc_map_session *m)
{
	const struct hc_feed_msg *snap = &p->view.snapshot;
	if (snap->buf == NULL)
		return 0; /* none yet: the first publication brings it */
	for (uint32_t k = 0; k < m->versions_len; k++)
		m->versions_sent[k] = version_of(p, k);
	m->snapshot_pending = false;
	m->at_serial = p->view.serial;
	note_written(m, snap->len);
	return hc_ws_session_write_text(&m->ws, snap->buf, snap->len);
}

static uint64_t view_version(const void *ctx, uint32_t k)
{
	return version_of(ctx, k);
}

/* Index of the next entry (round robin from the cursor) whose version
 * moved since it was sent, or -1 (the conflation core decides). */
static int next_changed(const struct hc_public *p, const struct hc_map_session *m)
{
	return hc_conflation_next(m->versions_len, m->cursor, m->versions_sent, view_version, p);
}

static void wake_pings(struct hc_public *p);

/* HC_MAP_PING_SLICES times per third of the idle timeout: pings the map
 * clients of one slice, closes those of it silent for the whole
 * timeout. Each client is looked at once per third, as with one round
 * for all, but a push never waits behind 10,000 pings at once. One
 * timer for all of them (lws 4.1 keeps per-connection timers in one
 * sorted list). */
static void idle_due(lws_sorted_usec_list_t *sul)
{
	struct hc_public *p = lws_container_of(sul, struct hc_public, idle_sul);
	int64_t idle_ms = p->view.settings.idle_timeout_s * 1000;
	int64_t now_ms = hc_mono_ms();
	uint8_t slice = p->ping_slice;
	p->ping_slice = (uint8_t)((slice + 1) % HC_MAP_PING_SLICES);
	uint32_t pinged = 0, all = 0;
	for (struct hc_map_session *m = p->maps; m != NULL; m = m->next) {
		all++;
		if (m->ping_slot != slice)
			continue;
		if (now_ms - m->heard_at_mono_ms >= idle_ms) {
			char reason[80];
			snprintf(reason, sizeof reason, "silent for %" PRId64 " s (no pong)",
				 (now_ms - m->heard_at_mono_ms) / 1000);
			hc_ws_session_close_later(&m->ws, HC_CLOSE_IDLE, reason);
		} else if (!m->ws.close_pending) {
			m->ping_pending = true;
			pinged++;
		}
	}
	hc_debug("map: ping slice %u of %d: %" PRIu32 " of %" PRIu32 " clients", slice + 1,
		 HC_MAP_PING_SLICES, pinged, all);
	wake_pings(p);
	hc_map_idle_start(p);
}

void hc_map_wake_all(struct hc_public *p)
{
	p->wake_pings_only = false;
	p->wake_next = p->maps;
	hc_map_wake_step(p);
}

/* A walk for the clients owing a ping only, unless a whole walk (a
 * publication's) is under way: that one then starts over and wakes all. */
static void wake_pings(struct hc_public *p)
{
	if (p->wake_next == NULL)
		p->wake_pings_only = true;
	p->wake_next = p->maps;
	hc_map_wake_step(p);
}

static bool write_now(struct hc_public *p, struct hc_map_session *m);

void hc_map_wake_step(struct hc_public *p)
{
	uint32_t n = 0;
	while (n < p->wake_per_turn && p->wake_next != NULL) {
		struct hc_map_session *m = p->wake_next;
		p->wake_next = m->next;
		if (p->wake_pings_only && !m->ping_pending)
			continue; /* nothing for it in a ping walk */
		n++;
		if (!write_now(p, m))
			hc_ws_session_want_write(&m->ws);
	}
	/* Slices on the loop thread: the next turn must come by itself (a
	 * client written at once brings no writeable event that would
	 * turn the loop). */
	if (p->wake_next != NULL)
		lws_cancel_service(p->context);
	else
		p->wake_pings_only = false;
}

void hc_map_idle_start(struct hc_public *p)
{
	int64_t idle_s = p->view.settings.idle_timeout_s > 0 ? p->view.settings.idle_timeout_s
							     : HC_MAP_IDLE_TIMEOUT_S_DEFAULT;
	p->idle_started = true;
	lws_sul_schedule(p->context, 0, &p->idle_sul, idle_due,
			 (lws_usec_t)idle_s * LWS_USEC_PER_SEC / 3 / HC_MAP_PING_SLICES);
}

uint32_t hc_map_sessions(const struct hc_public *p)
{
	return atomic_load(&p->map_sessions);
}

void hc_map_publish(struct hc_server *s)
{
	struct hc_public *p = &s->pub;
	struct hc_map_settings set = {
		.idle_timeout_s = s->cfg->map_idle_timeout_s,
		.sessions_max = s->map_sessions_max,
		.stopping = s->stopping,
		.closing_all = s->closing_all,
	};
	snprintf(set.background, sizeof set.background, "%s", s->cfg->map_background);
	snprintf(set.background_type, sizeof set.background_type, "%s",
		 s->cfg->map_background_type);
	uint32_t areas = (uint32_t)s->cfg->area_count;
	uint32_t n = areas + (uint32_t)s->cfg->group_count;
	/* Serialised before the lock is taken (each at most once per
	 * version); under the lock only bytes are copied. */
	size_t snap_len = 0;
	unsigned char *snap = hc_venue_snapshot_message(s, &snap_len);
	uint64_t snap_key = s->publish_clock ? s->publish_clock : 1;
	hc_map_feed_begin(&p->feed, s->generation, areas, (uint32_t)s->cfg->group_count, &set);
	for (uint32_t k = 0; k < n; k++) {
		uint64_t v = k < areas ? s->areas[k].version : s->groups[k - areas].version;
		if (hc_map_feed_version(&p->feed, k) == v)
			continue;
		size_t len = 0;
		unsigned char *buf = k < areas ? hc_venue_area_message(s, (int)k, &len)
					       : hc_venue_group_message(s, (int)(k - areas), &len);
		if (buf == NULL || !hc_map_feed_put(&p->feed, k, v, buf + LWS_PRE, len))
			hc_error("map: cannot hand entry %u to the map side (out of memory)", k);
	}
	if (snap != NULL && hc_map_feed_version(&p->feed, HC_FEED_ENTRIES_MAX) != snap_key &&
	    !hc_map_feed_put(&p->feed, HC_FEED_ENTRIES_MAX, snap_key, snap + LWS_PRE, snap_len))
		hc_error("map: cannot hand the snapshot to the map side (out of memory)");
	hc_map_feed_end(&p->feed);
	if (p->threaded)
		lws_cancel_service(p->context);
	else
		hc_map_take(p);
}

/* headcount-map.v2: the frame of this take, every entry whose version
 * moved (before: the versions the view held). Built once, for every v2
 * client that had everything before the take. */
static void build_tick(struct hc_public *p, const uint64_t *before, uint32_t before_n,
		       uint64_t before_serial, uint64_t before_generation)
{
	p->tick_from = 0;
	p->tick_count = 0;
	if (p->v2_sessions == 0 || before_generation != p->view.generation)
		return; /* a new generation: v2 clients get a snapshot */
	uint32_t n = entry_count(p);
	if (n != before_n || !hc_wire_map_update_begin(&p->tick, LWS_PRE))
		return;
	for (uint32_t k = 0; k < n; k++) {
		const struct hc_feed_msg *msg = &p->view.entries[k];
		if (msg->version == before[k] || msg->buf == NULL)
			continue;
		if (!hc_wire_map_update_add(&p->tick, msg->buf + LWS_PRE, msg->len))
			return;
		p->tick_entries[p->tick_count++] = k;
	}
	if (!hc_wire_map_update_end(&p->tick)) {
		p->tick_count = 0;
		return;
	}
	p->tick_from = before_serial;
}

void hc_map_take(struct hc_public *p)
{
	uint64_t before[HC_FEED_ENTRIES_MAX];
	uint32_t before_n = entry_count(p);
	uint64_t before_serial = p->view.serial;
	uint64_t before_generation = p->view.generation;
	for (uint32_t k = 0; k < before_n; k++)
		before[k] = p->view.entries[k].version;
	if (!hc_map_feed_take(&p->feed, &p->view))
		return;
	build_tick(p, before, before_n, before_serial, before_generation);
	if (!p->idle_started)
		hc_map_idle_start(p);
	hc_map_wake_all(p);
}

/* Bytes written to the client's socket that it has not taken yet. */
static int64_t unsent_bytes(struct lws *wsi)
{
	int n = 0;
	if (ioctl(lws_get_socket_fd(wsi), SIOCOUTQ, &n) != 0)
		return 0;
	return n;
}

/* Bytes a WebSocket frame of len payload bytes puts on the socket at
 * most (header of up to 10 bytes; servers do not mask). */
#define FRAME_OVERHEAD_BYTES 10

/* The client's unsent bytes, or an upper bound of them without a system
 * call: what was unsent at the last look plus everything written since
 * (the queue only shrinks otherwise). Looked up (SIOCOUTQ) only when
 * that bound could be over HC_MAP_UNSENT_BYTES_MAX, so a client that
 * reads keeps up at one ioctl per ~16 KiB written instead of one per
 * frame; the flow decision is the same as with the exact figure. */
static int64_t unsent_upper_bound(struct hc_map_session *m)
{
	int64_t bound = m->unsent_at_look + m->written_since_look;
	if (m->looked && bound <= HC_MAP_UNSENT_BYTES_MAX)
		return bound;
	m->unsent_at_look = unsent_bytes(m->ws.wsi);
	m->written_since_look = 0;
	m->looked = true;
	return m->unsent_at_look;
}

/* Counts a frame written to the client (for unsent_upper_bound). */
static void note_written(struct hc_map_session *m, size_t len)
{
	m->written_since_look += (int64_t)len + FRAME_OVERHEAD_BYTES;
}

static void recheck_due(lws_sorted_usec_list_t *sul);

/* Asks for a look at a client that is behind in HC_MAP_RECHECK_MS: its
 * socket may never become writeable again, so the writeable callback
 * alone cannot notice that it stalled. The timer is allocated the first
 * time a client falls behind (kept until it closes), so the thousands
 * that keep up do not carry one. Out of memory: no look; the next
 * writeable callback or push tick decides again. */
static void schedule_recheck(struct hc_public *p, struct hc_map_session *m)
{
	if (m->recheck_scheduled)
		return;
	if (m->recheck == NULL) {
		m->recheck = calloc(1, sizeof *m->recheck);
		if (m->recheck == NULL) {
			hc_error("map %s: out of memory", m->ws.peer);
			return;
		}
		m->recheck->m = m;
	}
	m->recheck_scheduled = true;
	lws_sul_schedule(p->context, 0, &m->recheck->sul, recheck_due,
			 HC_MAP_RECHECK_MS * LWS_US_PER_MS);
}

/* At close: cancels and frees the recheck timer. */
static void end_recheck(struct hc_map_session *m)
{
	if (m->recheck == NULL)
		return;
	if (m->recheck_scheduled)
		lws_sul_cancel(&m->recheck->sul);
	m->recheck_scheduled = false;
	free(m->recheck);
	m->recheck = NULL;
}

static void drop_stalled(struct hc_map_session *m)
{
	hc_warn("map %s: not reading for %d s (%" PRId64 " bytes unsent): dropped", m->ws.peer,
		HC_MAP_STALL_MS / 1000, unsent_bytes(m->ws.wsi));
	/* Its socket is full: no close frame could reach it. */
	lws_set_timeout(m->ws.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void recheck_due(lws_sorted_usec_list_t *sul)
{
	struct hc_map_session *m = lws_container_of(sul, struct hc_map_recheck, sul)->m;
	m->recheck_scheduled = false;
	m->looked = false; /* an exact look */
	switch (hc_map_flow_decide(unsent_upper_bound(m), hc_mono_ms(), &m->behind_since_ms)) {
	case HC_MAP_FLOW_WRITE:
		hc_ws_session_want_write(&m->ws); /* caught up: send what it missed */
		break;
	case HC_MAP_FLOW_WAIT: schedule_recheck(side_of(m->ws.wsi), m); break;
	case HC_MAP_FLOW_DROP: drop_stalled(m); break;
	}
}

/* A small kernel send buffer: what a stalled client can pin in kernel
 * memory stays bounded, and falling behind shows soon. */
static void cap_send_buffer(struct hc_map_session *m)
{
	int bytes = HC_MAP_SNDBUF_BYTES;
	if (setsockopt(lws_get_socket_fd(m->ws.wsi), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) !=
	    0)
		hc_debug("map %s: SO_SNDBUF: %m", m->ws.peer);
}

/* headcount-map.v2: one frame with every entry that moved since the
 * client's last frame: the shared frame of the last take when it had
 * everything before it (the common case: no per-client work but the
 * write), otherwise one assembled for it (it was behind). */
static int write_update(struct hc_public *p, struct hc_map_session *m)
{
	if (m->at_serial == p->view.serial)
		return 0;
	const struct hc_wire_map_update *u;
	if (m->at_serial != 0 && m->at_serial == p->tick_from) {
		for (uint32_t t = 0; t < p->tick_count; t++) {
			uint32_t k = p->tick_entries[t];
			m->versions_sent[k] = version_of(p, k);
		}
		u = &p->tick;
		if (p->tick_count == 0)
			u = NULL;
	} else {
		if (!hc_wire_map_update_begin(&p->scratch, LWS_PRE))
			return -1;
		for (int i = next_changed(p, m); i >= 0; i = next_changed(p, m)) {
			const struct hc_feed_msg *msg = &p->view.entries[i];
			m->versions_sent[i] = msg->version;
			m->cursor = (uint32_t)(i + 1);
			if (msg->buf != NULL &&
			    !hc_wire_map_update_add(&p->scratch, msg->buf + LWS_PRE, msg->len))
				return -1;
		}
		if (!hc_wire_map_update_end(&p->scratch))
			return -1;
		u = p->scratch.count > 0 ? &p->scratch : NULL;
	}
	m->at_serial = p->view.serial;
	if (u == NULL)
		return 0;
	note_written(m, u->len);
	return hc_ws_session_write_text(&m->ws, u->buf, u->len);
}

/* The common case of a push tick or a ping, without lws's writeable
 * cycle: a v2 client that is not closing, owes no snapshot, has nothing
 * buffered in lws and is not behind gets its ping and, when it had
 * everything before this take, the take's shared frame written at once
 * (one send() each, no epoll_ctl to ask for POLLOUT and none to drop
 * it, no callback). The writes are the ones on_writeable would make;
 * lws buffers what the socket does not take and flushes it before
 * anything else (lws_issue_raw), so a partial send loses nothing; a
 * failed write drops the connection. false: not this case (or nothing
 * to write here); the caller asks for a writeable callback, which does
 * whatever is due. */
static bool write_now(struct hc_public *p, struct hc_map_session *m)
{
	if (!m->v2 || m->ws.close_pending || m->snapshot_pending || p->view.settings.closing_all ||
	    m->versions_sent == NULL || m->generation != p->view.generation || m->at_serial == 0 ||
	    lws_partial_buffered(m->ws.wsi))
		return false;
	bool tick_due = p->tick_count > 0 && m->at_serial == p->tick_from;
	if (!tick_due && (!m->ping_pending || m->at_serial != p->view.serial))
		return false; /* nothing here, or further behind than one take */
	if (unsent_upper_bound(m) > HC_MAP_UNSENT_BYTES_MAX)
		return false; /* behind: on_writeable decides to wait or drop */
	if (m->ping_pending) {
		m->ping_pending = false;
		note_written(m, 1);
		if (hc_ws_session_ping_now(&m->ws, "m", 1) < 0) {
			hc_warn("map %s: write failed: dropped", m->ws.peer);
			lws_set_timeout(m->ws.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			return true;
		}
		if (lws_partial_buffered(m->ws.wsi))
			return false; /* the tick after the flush */
	}
	if (tick_due && write_update(p, m) < 0) {
		hc_warn("map %s: write failed: dropped", m->ws.peer);
		lws_set_timeout(m->ws.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	return true;
}

static int on_writeable(struct hc_public *p, struct hc_map_session *m)
{
	if (hc_ws_session_writeable_closes(&m->ws, p->view.settings.closing_all))
		return -1;
	switch (hc_map_flow_decide(unsent_upper_bound(m), hc_mono_ms(), &m->behind_since_ms)) {
	case HC_MAP_FLOW_WRITE: break;
	case HC_MAP_FLOW_WAIT: schedule_recheck(p, m); return 0;
	case HC_MAP_FLOW_DROP: drop_stalled(m); return 0;
	}
	if (m->ping_pending) {
		/* A one-byte payload: lws 4.1 clients answer an empty ping with
		 * no pong. */
		m->ping_pending = false;
		note_written(m, 1);
		return hc_ws_session_write_ping(&m->ws, "m", 1);
	}
	if (!follow_generation(p, m)) {
		hc_error("map %s: out of memory", m->ws.peer);
		return -1;
	}
	if (m->snapshot_pending) {
		if (write_snapshot(p, m) < 0)
			return -1;
	} else if (m->v2) {
		return write_update(p, m);
	} else {
		int i = next_changed(p, m);
		if (i < 0)
			return 0;
		const struct hc_feed_msg *msg = &p->view.entries[i];
		m->versions_sent[i] = msg->version;
		m->cursor = (uint32_t)(i + 1);
		if (msg->buf != NULL) {
			note_written(m, msg->len);
			if (hc_ws_session_write_text(&m->ws, msg->buf, msg->len) < 0)
				return -1;
		}
	}
	if (!m->snapshot_pending && next_changed(p, m) >= 0)
		hc_ws_session_want_write(&m->ws);
	return 0;
}

/* One piece: the map session's whole life (admission against the map
 * budget, establishment, pongs, refusal of any message, writes, the
 * close that undoes exactly what establishment counted) in the order
 * lws calls it, so each undo sits next to what it undoes. */
int hc_map_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct hc_public *p = side_of(wsi);
	struct hc_map_session *m = user;
	(void)in;
	(void)len;
	if (p == NULL)
		return 0;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
		if (p->view.settings.stopping)
			return -1;
		uint32_t open = atomic_load(&p->map_sessions);
		if (open >= p->view.settings.sessions_max) {
			/* The rest is reserved for terminals and supervisors. */
			char peer[64];
			hc_server_peer_address(wsi, peer, sizeof peer);
			hc_warn("map %s: refused: %u map clients is the map budget", peer, open);
			return -1;
		}
		return 0;
	}
	case LWS_CALLBACK_ESTABLISHED:
		/* No hello and no message: nothing to assemble. */
		hc_ws_session_start(&m->ws, wsi, HC_WS_MAP, NULL, NULL, 0);
		hc_server_peer_address(wsi, m->ws.peer, sizeof m->ws.peer);
		m->heard_at_mono_ms = hc_mono_ms();
		m->generation = p->view.generation;
		m->versions_len = entry_count(p);
		m->versions_sent = calloc(m->versions_len ? m->versions_len : 1,
					  sizeof *m->versions_sent);
		if (m->versions_sent == NULL) {
			hc_error("map %s: out of memory", m->ws.peer);
			return -1;
		}
		atomic_fetch_add(&p->map_sessions, 1);
		m->v2 = strcmp(lws_get_protocol(wsi)->name, HC_PROTO_MAP_V2) == 0;
		m->ping_slot = p->ping_slot_next;
		p->ping_slot_next = (uint8_t)((p->ping_slot_next + 1) % HC_MAP_PING_SLICES);
		if (m->v2)
			p->v2_sessions++;
		cap_send_buffer(m);
		m->next = p->maps;
		if (p->maps != NULL)
			p->maps->prev = m;
		p->maps = m;
		m->listed = true;
		m->snapshot_pending = true;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (m != NULL)
			m->heard_at_mono_ms = hc_mono_ms();
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (m == NULL || m->versions_sent == NULL)
			return -1;
		/* The first message is over the limit of none. */
		_Static_assert(HC_MAP_MESSAGES_MAX == 0, "map clients send no messages");
		if (m->ws.close_pending)
			return 0;
		return hc_ws_session_close_now(&m->ws, HC_CLOSE_UNKNOWN_TYPE,
					       "map clients send nothing");
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return m != NULL && m->versions_sent != NULL ? on_writeable(p, m) : 0;
	case LWS_CALLBACK_CLOSED:
		if (m == NULL)
			return 0;
		hc_ws_session_end(&m->ws);
		end_recheck(m);
		if (m->listed) {
			if (p->wake_next == m)
				p->wake_next = m->next;
			if (m->prev != NULL)
				m->prev->next = m->next;
			else
				p->maps = m->next;
			if (m->next != NULL)
				m->next->prev = m->prev;
			m->listed = false;
		}
		/* A failed upgrade is CLOSED without ESTABLISHED (lws 4.1 switches
		 * to the WebSocket role before the handshake): versions_sent is
		 * set only once ESTABLISHED counted the session. */
		if (m->versions_sent != NULL) {
			assert(atomic_load(&p->map_sessions) > 0);
			atomic_fetch_sub(&p->map_sessions, 1);
			if (m->v2)
				p->v2_sessions--;
			free(m->versions_sent);
			m->versions_sent = NULL;
		}
		return 0;
	default: return 0;
	}
}
