/*
 * map_role.c — the "headcount-map.v1" WebSocket role: public, read-only.
 *
 * Relies on: venue_state.c (area states, their versions, and their
 * messages and the snapshot, each serialised once per version and
 * written as the same bytes to every map client).
 *
 * On connect a map client gets {"type":"snapshot","areas":[...],
 * "groups":[...]}, then {"type":"area",...} or {"type":"group",...} for
 * each area or group that changed. Conflation (docs/design.md invariant 4):
 * each connection remembers the version of every area and group it last
 * sent and, per writeable callback, sends the current state of the next
 * one whose version moved. After a config reload renumbered the areas
 * (s->generation moved) the connection gets a fresh snapshot instead. A slow reader therefore skips states it
 * had no time for and never holds a backlog, and lws only calls back
 * when its socket can take more, so it slows no one else. A map client
 * sends nothing: any message closes it with 4001.
 *
 * Limits (docs/aggregator.md, *Limits*): one timer pings every map
 * client each third of map_idle_timeout_s and closes with 4011 one that
 * has sent nothing, not even a pong, for the whole timeout. Map clients
 * hold at most s->map_sessions_max connections, which leaves the share
 * reserved for terminals and supervisors; with a staff listener they are
 * served on the public listener only (4012 on the staff one). A
 * publication wakes map clients HC_MAP_WAKE_PER_TURN per loop turn
 * (hc_map_wake_all), the first slice in the turn that published, the
 * rest from server.c's loop (which skips a turn for queued acks), so
 * 10,000 map writes never hold a terminal's ack back in one long turn.
 *
 * A client that reads too slowly (its socket's unsent bytes above a
 * bound) gets no frame until it catches up, and one that stays behind
 * for HC_MAP_STALL_MS is dropped (aggregator/map_backpressure.h); its
 * kernel send buffer is capped, so a stalled phone holds little memory.
 */
#include "aggregator/server_internal.h"

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

static int close_now(struct hc_map_session *m, uint16_t code, const char *reason)
{
	hc_warn("map %s: closing %u: %s", m->peer, code, reason);
	lws_close_reason(m->wsi, (enum lws_close_status)code, (unsigned char *)reason,
			 strlen(reason));
	return -1;
}

/* Version of entry k: areas first, then groups. */
static uint64_t version_of(const struct hc_server *s, uint32_t k)
{
	uint32_t areas = (uint32_t)s->cfg->area_count;
	return k < areas ? s->areas[k].version : s->groups[k - areas].version;
}

static uint32_t entry_count(const struct hc_server *s)
{
	return (uint32_t)(s->cfg->area_count + s->cfg->group_count);
}

/* Sizes the version array for the current config; a new generation
 * means indexes moved, so the client gets a whole snapshot. */
static bool follow_generation(struct hc_server *s, struct hc_map_session *m)
{
	if (m->generation == s->generation && m->versions_sent != NULL)
		return true;
	uint32_t n = entry_count(s);
	uint64_t *v = realloc(m->versions_sent, (n ? n : 1) * sizeof *v);
	if (v == NULL)
		return false;
	m->versions_sent = v;
	m->versions_len = n;
	m->generation = s->generation;
	m->cursor = 0;
	m->snapshot_pending = true;
	return true;
}

static int write_snapshot(struct hc_server *s, struct hc_map_session *m)
{
	size_t len = 0;
	unsigned char *buf = hc_venue_snapshot_message(s, &len);
	if (buf == NULL)
		return -1;
	for (uint32_t k = 0; k < m->versions_len; k++)
		m->versions_sent[k] = version_of(s, k);
	m->snapshot_pending = false;
	return lws_write(m->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len ? -1 : 0;
}

/* Index of the next entry (round robin from the cursor) whose version
 * moved since it was sent, or -1. */
static int next_changed(const struct hc_server *s, const struct hc_map_session *m)
{
	uint32_t count = m->versions_len;
	for (uint32_t k = 0; k < count; k++) {
		uint32_t i = (m->cursor + k) % count;
		if (version_of(s, i) != m->versions_sent[i])
			return (int)i;
	}
	return -1;
}

/* Closes from outside this connection's callbacks: at its next
 * writeable callback. */
static void close_later(struct hc_map_session *m, uint16_t code, const char *reason)
{
	if (m->close_pending)
		return;
	hc_warn("map %s: closing %u: %s", m->peer, code, reason);
	m->close_pending = true;
	m->close_code = code;
	snprintf(m->close_reason, sizeof m->close_reason, "%s", reason);
	lws_callback_on_writable(m->wsi);
}

/* Every third of the idle timeout: pings each map client, closes those
 * silent for the whole timeout. One timer for all of them (lws 4.1 keeps
 * per-connection timers in one sorted list). */
static void idle_due(lws_sorted_usec_list_t *sul)
{
	struct hc_server *s = lws_container_of(sul, struct hc_server, map_idle_sul);
	int64_t idle_ms = s->cfg->map_idle_timeout_s * 1000;
	int64_t now_ms = hc_mono_ms();
	for (struct hc_map_session *m = s->maps; m != NULL; m = m->next) {
		if (now_ms - m->heard_at_mono_ms >= idle_ms) {
			char reason[80];
			snprintf(reason, sizeof reason, "silent for %" PRId64 " s (no pong)",
				 (now_ms - m->heard_at_mono_ms) / 1000);
			close_later(m, HC_CLOSE_IDLE, reason);
		} else if (!m->close_pending) {
			m->ping_pending = true;
		}
	}
	hc_map_wake_all(s);          /* in slices, like a publication */
	hc_map_idle_start(s);
}

void hc_map_wake_all(struct hc_server *s)
{
	s->map_wake_next = s->maps;
	hc_map_wake_step(s);
}

void hc_map_wake_step(struct hc_server *s)
{
	for (uint32_t n = 0; n < HC_MAP_WAKE_PER_TURN && s->map_wake_next != NULL; n++) {
		lws_callback_on_writable(s->map_wake_next->wsi);
		s->map_wake_next = s->map_wake_next->next;
	}
}

void hc_map_idle_start(struct hc_server *s)
{
	lws_sul_schedule(s->context, 0, &s->map_idle_sul, idle_due,
			 (lws_usec_t)s->cfg->map_idle_timeout_s * LWS_USEC_PER_SEC / 3);
}

/* Bytes written to the client's socket that it has not taken yet. */
static int64_t unsent_bytes(struct lws *wsi)
{
	int n = 0;
	if (ioctl(lws_get_socket_fd(wsi), SIOCOUTQ, &n) != 0)
		return 0;
	return n;
}

static void recheck_due(lws_sorted_usec_list_t *sul);

/* Asks for a look at a client that is behind in HC_MAP_RECHECK_MS: its
 * socket may never become writeable again, so the writeable callback
 * alone cannot notice that it stalled. */
static void schedule_recheck(struct hc_server *s, struct hc_map_session *m)
{
	if (m->recheck_scheduled)
		return;
	m->recheck_scheduled = true;
	lws_sul_schedule(s->context, 0, &m->recheck_sul, recheck_due,
			 HC_MAP_RECHECK_MS * LWS_US_PER_MS);
}

static void drop_stalled(struct hc_map_session *m)
{
	hc_warn("map %s: not reading for %d s (%" PRId64 " bytes unsent): dropped", m->peer,
		HC_MAP_STALL_MS / 1000, unsent_bytes(m->wsi));
	/* Its socket is full: no close frame could reach it. */
	lws_set_timeout(m->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void recheck_due(lws_sorted_usec_list_t *sul)
{
	struct hc_map_session *m = lws_container_of(sul, struct hc_map_session, recheck_sul);
	m->recheck_scheduled = false;
	switch (hc_map_flow_decide(unsent_bytes(m->wsi), hc_mono_ms(), &m->behind_since_ms)) {
	case HC_MAP_FLOW_WRITE:
		lws_callback_on_writable(m->wsi); /* caught up: send what it missed */
		break;
	case HC_MAP_FLOW_WAIT:
		schedule_recheck(hc_server_of(m->wsi), m);
		break;
	case HC_MAP_FLOW_DROP:
		drop_stalled(m);
		break;
	}
}

/* A small kernel send buffer: what a stalled client can pin in kernel
 * memory stays bounded, and falling behind shows soon. */
static void cap_send_buffer(struct hc_map_session *m)
{
	int bytes = HC_MAP_SNDBUF_BYTES;
	if (setsockopt(lws_get_socket_fd(m->wsi), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0)
		hc_debug("map %s: SO_SNDBUF: %m", m->peer);
}

static int on_writeable(struct hc_server *s, struct hc_map_session *m)
{
	if (m->close_pending) {
		lws_close_reason(m->wsi, (enum lws_close_status)m->close_code,
				 (unsigned char *)m->close_reason, strlen(m->close_reason));
		return -1;
	}
	if (s->closing_all) {
		const char *reason = "aggregator shutting down";
		lws_close_reason(m->wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)reason,
				 strlen(reason));
		return -1;
	}
	switch (hc_map_flow_decide(unsent_bytes(m->wsi), hc_mono_ms(), &m->behind_since_ms)) {
	case HC_MAP_FLOW_WRITE:
		break;
	case HC_MAP_FLOW_WAIT:
		schedule_recheck(s, m);
		return 0;
	case HC_MAP_FLOW_DROP:
		drop_stalled(m);
		return 0;
	}
	if (m->ping_pending) {
		/* A one-byte payload: lws 4.1 clients answer an empty ping with
		 * no pong. */
		unsigned char ping[LWS_PRE + 1];
		ping[LWS_PRE] = 'm';
		m->ping_pending = false;
		if (lws_write(m->wsi, ping + LWS_PRE, 1, LWS_WRITE_PING) < 1)
			return -1;
		lws_callback_on_writable(m->wsi);  /* whatever else waits */
		return 0;
	}
	if (!follow_generation(s, m)) {
		hc_error("map %s: out of memory", m->peer);
		return -1;
	}
	if (m->snapshot_pending) {
		if (write_snapshot(s, m) < 0)
			return -1;
	} else {
		int i = next_changed(s, m);
		if (i < 0)
			return 0;
		size_t len = 0;
		unsigned char *buf = i < s->cfg->area_count
					     ? hc_venue_area_message(s, i, &len)
					     : hc_venue_group_message(s, i - s->cfg->area_count, &len);
		if (buf == NULL)
			return -1;
		m->versions_sent[i] = version_of(s, (uint32_t)i);
		m->cursor = (uint32_t)(i + 1);
		if (lws_write(m->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
			return -1;
	}
	if (next_changed(s, m) >= 0)
		lws_callback_on_writable(m->wsi);
	return 0;
}

int hc_map_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		    void *in, size_t len)
{
	struct hc_server *s = hc_server_of(wsi);
	struct hc_map_session *m = user;
	(void)in;
	(void)len;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (s->stopping)
			return -1;
		if (s->map_sessions >= s->map_sessions_max) {
			/* The rest is reserved for terminals and supervisors. */
			char peer[64];
			hc_server_peer_address(wsi, peer, sizeof peer);
			hc_warn("map %s: refused: %u map clients is the map budget", peer,
				s->map_sessions);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		m->wsi = wsi;
		hc_server_peer_address(wsi, m->peer, sizeof m->peer);
		m->heard_at_mono_ms = hc_mono_ms();
		m->generation = s->generation;
		m->versions_len = entry_count(s);
		m->versions_sent = calloc(m->versions_len ? m->versions_len : 1,
					  sizeof *m->versions_sent);
		if (m->versions_sent == NULL) {
			hc_error("map %s: out of memory", m->peer);
			return -1;
		}
		s->map_sessions++;
		cap_send_buffer(m);
		m->next = s->maps;
		if (s->maps != NULL)
			s->maps->prev = m;
		s->maps = m;
		m->listed = true;
		m->snapshot_pending = true;
		if (!hc_server_role_allowed(s, wsi, false))
			close_later(m, HC_CLOSE_WRONG_LISTENER,
				    "map clients connect to the public port, not staff_listen");
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
		if (m->close_pending)
			return 0;
		return close_now(m, HC_CLOSE_UNKNOWN_TYPE, "map clients send nothing");
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return m != NULL && m->versions_sent != NULL ? on_writeable(s, m) : 0;
	case LWS_CALLBACK_CLOSED:
		if (m == NULL)
			return 0;
		if (m->recheck_scheduled) {
			lws_sul_cancel(&m->recheck_sul);
			m->recheck_scheduled = false;
		}
		if (m->listed) {
			if (s->map_wake_next == m)
				s->map_wake_next = m->next;
			if (m->prev != NULL)
				m->prev->next = m->next;
			else
				s->maps = m->next;
			if (m->next != NULL)
				m->next->prev = m->prev;
			m->listed = false;
		}
		/* A failed upgrade is CLOSED without ESTABLISHED (lws 4.1 switches
		 * to the WebSocket role before the handshake): versions_sent is
		 * set only once ESTABLISHED counted the session. */
		if (m->versions_sent != NULL) {
			assert(s->map_sessions > 0);
			s->map_sessions--;
			free(m->versions_sent);
			m->versions_sent = NULL;
		}
		return 0;
	default:
		return 0;
	}
}
