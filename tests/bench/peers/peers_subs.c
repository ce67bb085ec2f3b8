/*
 * peers_subs.c — N subscribers on one epoll loop, speaking the map
 * WebSocket role to the aggregator or MQTT 3.1.1 to Mosquitto.
 *
 * Relies on: peers_wire.c for both wires; shared/wire_map.c to read a
 * map frame (v1 or v2) as a map client does, jansson to read an MQTT
 * payload ("id" and "entered", the same area object); Linux
 * epoll and IP_BIND_ADDRESS_NO_PORT.
 *
 * Promises: at most window handshakes in flight (so the figure is the
 * rate of connecting, not of SYN retransmits); a subscriber counts as
 * ready when the server's first answer arrived (the map snapshot, the
 * MQTT SUBACK); subscribers bind 127.0.0.2 .. 127.0.0.N+1 round robin, so
 * runs one after the other never run out of ephemeral ports; a read
 * buffer is held only while a frame is incomplete, so an idle subscriber
 * costs the generator one socket and this struct. Every loop ends by its
 * deadline.
 */
#define _GNU_SOURCE
#include "tests/bench/peers/peers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"
#include "shared/wire_map.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum sub_state { SUB_IDLE, SUB_CONNECTING, SUB_HANDSHAKE, SUB_READY, SUB_GONE };

struct peers_sub {
	int fd;
	uint8_t state;
	bool upgraded;	      /* map: HTTP head consumed */
	uint32_t pending_len; /* bytes of an incomplete frame in pending */
	uint32_t pending_cap;
	uint8_t *pending;
	int64_t entered; /* latest entered of the watched area */
};

#define PEERS_READ_BYTES (256u * 1024u)
static uint8_t read_buf[PEERS_READ_BYTES];

/*
 * AREAS IN THIS FRAME. How many area states one update frame carries. An
 * MQTT PUBLISH and the map role's v1 "area" message carry one; a v2
 * "update" carries one element per area and group that changed, each
 * exactly a v1 message (shared/wire_map.h), serialised compactly, so the
 * areas are the elements that open with "type":"area". The 100-area
 * figure compares area updates delivered, not frames: when the map
 * role's messages change shape, change only this function.
 */
static uint32_t peers_areas_in_frame(const uint8_t *text, size_t len)
{
	static const char tag[] = "\"type\":\"area\"";
	uint32_t n = 0;
	const uint8_t *at = text, *end = text + len;
	while (at < end) {
		const uint8_t *hit = memmem(at, (size_t)(end - at), tag, sizeof tag - 1);
		if (hit == NULL)
			break;
		n++;
		at = hit + sizeof tag - 1;
	}
	return n > 0 ? n : 1; /* an MQTT payload is one area however written */
}

/* Subscriber p now holds entered for the watched area: mark the updates
 * it reached. */
static void note_entered(struct peers_subs *s, struct peers_sub *p, int64_t entered, int64_t now_us)
{
	if (entered <= p->entered)
		return;
	int64_t base = atomic_load(&s->base_entered);
	int64_t from = p->entered - base + 1, to = entered - base;
	p->entered = entered;
	if (from < 1)
		from = 1;
	if (to >= (int64_t)PEERS_UPDATES_MAX)
		to = PEERS_UPDATES_MAX - 1;
	for (int64_t k = from; k <= to; k++) {
		if (s->reached[k]++ == 0)
			s->first_at_us[k] = now_us;
		s->last_at_us[k] = now_us;
	}
}

/* Reads the watched area from one area object. */
static void read_area(struct peers_subs *s, struct peers_sub *p, const json_t *area, int64_t now_us)
{
	const char *id = json_string_value(json_object_get(area, "id"));
	const json_t *entered = json_object_get(area, "entered");
	if (id != NULL && json_is_integer(entered) && strcmp(id, s->watched_area) == 0)
		note_entered(s, p, (int64_t)json_integer_value(entered), now_us);
}

/* What hc_wire_map_parse hands over: one subscriber, one moment. */
struct map_reading {
	struct peers_subs *s;
	struct peers_sub *p;
	int64_t now_us;
};

static void on_map_message(void *arg, const char *type, json_t *msg)
{
	struct map_reading *r = arg;
	if (strcmp(type, "area") == 0)
		read_area(r->s, r->p, msg, r->now_us);
}

/* One JSON document: a map snapshot, area or update (v1 or v2, read by
 * shared/wire_map.c as a map client reads it), or an MQTT payload (one
 * area object). */
static void on_document(struct peers_subs *s, struct peers_sub *p, const uint8_t *text, size_t len,
			bool is_snapshot)
{
	int64_t now_us = hc_mono_us();
	if (!is_snapshot) {
		s->frames++;
		s->area_updates += peers_areas_in_frame(text, len);
		if (!s->parse_updates)
			return;
	}
	if (s->kind == PEERS_MAP) {
		struct map_reading r = { .s = s, .p = p, .now_us = now_us };
		(void)hc_wire_map_parse((const char *)text, len, on_map_message, &r);
		return;
	}
	json_error_t jerr;
	json_t *msg = json_loadb((const char *)text, len, 0, &jerr);
	if (msg == NULL)
		return;
	read_area(s, p, msg, now_us);
	json_decref(msg);
}

static void set_ready(struct peers_subs *s, struct peers_sub *p)
{
	p->state = SUB_READY;
	s->connecting--;
	s->ready++;
	s->last_ready_us = hc_mono_us();
}

static void sub_gone(struct peers_subs *s, struct peers_sub *p)
{
	if (p->state == SUB_CONNECTING || p->state == SUB_HANDSHAKE) {
		s->connecting--;
		s->failed++;
	} else if (p->state == SUB_READY) {
		s->closed++;
	}
	if (p->fd >= 0) {
		epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, p->fd, NULL);
		close(p->fd);
	}
	p->fd = -1;
	p->state = SUB_GONE;
	free(p->pending);
	p->pending = NULL;
	p->pending_len = p->pending_cap = 0;
}

static bool send_all(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
	return n == (ssize_t)len; /* a fresh socket takes a handshake whole */
}

/* Parses what is in buf; returns the bytes consumed, -1 to close. */
static int64_t consume(struct peers_subs *s, struct peers_sub *p, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	if (s->kind == PEERS_MAP && !p->upgraded) {
		int status = 0;
		size_t head = peers_http_head(buf, len, &status);
		if (head == 0)
			return 0;
		if (status != 101)
			return -1;
		p->upgraded = true;
		off = head;
	}
	while (off < len) {
		const uint8_t *payload;
		size_t plen;
		uint8_t type;
		if (s->kind == PEERS_MAP) {
			bool fin;
			int64_t n = peers_ws_parse(buf + off, len - off, &type, &fin, &payload,
						   &plen);
			if (n <= 0)
				return n < 0 ? -1 : (int64_t)off;
			off += (size_t)n;
			if (type == 0x9) { /* ping: answer */
				uint8_t pong[140];
				size_t pl = peers_ws_frame(pong, sizeof pong, 0xA, payload,
							   plen < 125 ? plen : 125);
				if (pl == 0 || !send_all(p->fd, pong, pl))
					return -1;
			} else if (type == 0x8) {
				return -1;
			} else if (type == 0x1 && fin) {
				bool snapshot = p->state == SUB_HANDSHAKE;
				s->bytes += (int64_t)plen;
				on_document(s, p, payload, plen, snapshot);
				if (snapshot)
					set_ready(s, p);
			}
		} else {
			int64_t n = peers_mqtt_parse(buf + off, len - off, &type, &payload, &plen);
			if (n <= 0)
				return n < 0 ? -1 : (int64_t)off;
			off += (size_t)n;
			if (type == 9 && p->state == SUB_HANDSHAKE) { /* SUBACK */
				set_ready(s, p);
			} else if (type == 3) { /* PUBLISH */
				s->bytes += (int64_t)plen;
				on_document(s, p, payload, plen, false);
			}
		}
	}
	return (int64_t)off;
}

/* Keeps the unconsumed tail of buf in p->pending. */
static bool keep_tail(struct peers_sub *p, const uint8_t *tail, size_t len)
{
	if (len == 0) {
		free(p->pending);
		p->pending = NULL;
		p->pending_len = p->pending_cap = 0;
		return true;
	}
	if (len > p->pending_cap || p->pending == NULL) {
		size_t cap = len < 4096 ? 4096 : len * 2;
		uint8_t *np = malloc(cap);
		if (np == NULL)
			return false;
		memcpy(np, tail, len);
		free(p->pending);
		p->pending = np;
		p->pending_cap = (uint32_t)cap;
	} else {
		memmove(p->pending, tail, len);
	}
	p->pending_len = (uint32_t)len;
	return true;
}

static void on_readable(struct peers_subs *s, struct peers_sub *p)
{
	for (int turn = 0; turn < 4; turn++) {
		ssize_t n = recv(p->fd, read_buf, sizeof read_buf, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			sub_gone(s, p);
			return;
		}
		if (n < 0)
			return;
		const uint8_t *buf = read_buf;
		size_t len = (size_t)n;
		if (p->pending_len > 0) {
			size_t need = p->pending_len + len;
			if (need > p->pending_cap) {
				uint8_t *np = realloc(p->pending, need * 2);
				if (np == NULL)
					goto gone;
				p->pending = np;
				p->pending_cap = (uint32_t)(need * 2);
			}
			memcpy(p->pending + p->pending_len, read_buf, len);
			buf = p->pending;
			len = need;
		}
		int64_t used = consume(s, p, buf, len);
		if (used < 0 || p->state == SUB_GONE)
			goto gone;
		if (!keep_tail(p, buf + used, len - (size_t)used))
			goto gone;
		if ((size_t)n < sizeof read_buf)
			return;
	}
	return;
gone:
	sub_gone(s, p);
}

/* The socket finished connecting: send the handshake. */
static void on_connected(struct peers_subs *s, struct peers_sub *p, uint32_t index)
{
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
		sub_gone(s, p);
		return;
	}
	uint8_t out[512];
	size_t len = 0;
	if (s->kind == PEERS_MAP) {
		len = peers_ws_request((char *)out, sizeof out, s->host, s->port, "/",
				       s->map_v2 ? HC_PROTO_MAP_V2 : HC_PROTO_MAP);
	} else {
		char id[32];
		snprintf(id, sizeof id, "peers-%u", index);
		len = peers_mqtt_connect(out, sizeof out, id);
		size_t sl = peers_mqtt_subscribe(out + len, sizeof out - len, 1,
						 "headcount/areas/+");
		len = sl == 0 ? 0 : len + sl;
	}
	if (len == 0 || !send_all(p->fd, out, len)) {
		sub_gone(s, p);
		return;
	}
	p->state = SUB_HANDSHAKE;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = index };
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, p->fd, &ev) != 0)
		sub_gone(s, p);
}

/* Starts subscriber i's TCP connect. */
static void start_one(struct peers_subs *s, uint32_t i)
{
	struct peers_sub *p = &s->subs[i];
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->connecting++;
	p->state = SUB_CONNECTING;
	if (p->fd < 0) {
		hc_debug("peers: socket: %s", strerror(errno));
		sub_gone(s, p);
		return;
	}
	int one = 1;
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (s->addresses > 0) {
		setsockopt(p->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		struct sockaddr_in local = { .sin_family = AF_INET };
		local.sin_addr.s_addr = htonl(0x7f000002u + i % s->addresses);
		if (bind(p->fd, (struct sockaddr *)&local, sizeof local) != 0) {
			hc_debug("peers: bind: %s", strerror(errno));
			sub_gone(s, p);
			return;
		}
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port) };
	if (inet_pton(AF_INET, s->host, &to.sin_addr) != 1 ||
	    (connect(p->fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS)) {
		hc_debug("peers: connect: %s", strerror(errno));
		sub_gone(s, p);
		return;
	}
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = i };
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, p->fd, &ev) != 0)
		sub_gone(s, p);
}

bool peers_subs_init(struct peers_subs *s)
{
	s->subs = calloc(s->count ? s->count : 1, sizeof *s->subs);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->subs == NULL || s->epoll_fd < 0) {
		hc_error("peers: out of memory or epoll: %s", strerror(errno));
		return false;
	}
	for (uint32_t i = 0; i < s->count; i++)
		s->subs[i].fd = -1;
	return true;
}

/* One epoll turn, waiting at most timeout_ms. */
static void turn(struct peers_subs *s, int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(s->epoll_fd, evs, 256, timeout_ms);
	for (int i = 0; i < n; i++) {
		uint32_t idx = evs[i].data.u32;
		struct peers_sub *p = &s->subs[idx];
		if (p->state == SUB_GONE || p->fd < 0)
			continue;
		if (p->state == SUB_CONNECTING) {
			on_connected(s, p, idx);
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			on_readable(s, p);
	}
}

static int timeout_to(int64_t deadline_us)
{
	int64_t left_us = deadline_us - hc_mono_us();
	if (left_us <= 0)
		return 0;
	return left_us > 100000 ? 100 : (int)((left_us + 999) / 1000);
}

bool peers_subs_connect(struct peers_subs *s, int64_t deadline_us)
{
	s->first_connect_us = hc_mono_us();
	while (s->ready + s->failed + s->closed < s->count && hc_mono_us() < deadline_us) {
		while (s->next_to_start < s->count && s->connecting < s->window)
			start_one(s, s->next_to_start++);
		turn(s, timeout_to(deadline_us));
	}
	return s->ready > 0;
}

void peers_subs_run(struct peers_subs *s, int64_t deadline_us)
{
	do
		turn(s, timeout_to(deadline_us));
	while (hc_mono_us() < deadline_us);
}

bool peers_subs_wait_reached(struct peers_subs *s, uint32_t k, int64_t deadline_us)
{
	while (k < PEERS_UPDATES_MAX && s->reached[k] < s->ready - s->closed &&
	       hc_mono_us() < deadline_us)
		turn(s, timeout_to(deadline_us));
	return k < PEERS_UPDATES_MAX && s->reached[k] >= s->ready - s->closed;
}

void peers_subs_free(struct peers_subs *s)
{
	for (uint32_t i = 0; s->subs != NULL && i < s->count; i++)
		if (s->subs[i].fd >= 0 || s->subs[i].pending != NULL) {
			if (s->subs[i].fd >= 0)
				close(s->subs[i].fd);
			free(s->subs[i].pending);
		}
	free(s->subs);
	s->subs = NULL;
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	s->epoll_fd = -1;
}
