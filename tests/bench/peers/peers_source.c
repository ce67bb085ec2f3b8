/*
 * peers_source.c — the update source of bench_peers: the same updates,
 * at the same times, to either server.
 *
 * Relies on: shared/protocol.h (hello, batch, the area message),
 * peers_wire.c (the terminals' WebSocket), libmosquitto (the publisher).
 *
 * Aggregator: one terminal connection per area (terminal pI counts for
 * area aI, as run-peers.sh writes the venue), each update one batch of
 * one ENTER; the aggregator turns it into the area message. Mosquitto:
 * one libmosquitto client (its network thread, mosquitto_loop_start)
 * publishing the area message the aggregator would have sent (entered =
 * the area's update count) on headcount/areas/aI, retained, QoS 0.
 *
 * Promises: update k leaves at start + (k-1)/rate (the subscribers' loop
 * runs in between, through service()); send_us[k] is the moment of the
 * write. Terminals answer pings and their input is read and dropped, so
 * the aggregator never holds a backlog for them. Bounded: connecting
 * waits at most 5 s per terminal (SO_RCVTIMEO).
 */
#include "tests/bench/peers/peers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"
#include "shared/protocol.h"

#define TERM_BUF_BYTES (64u * 1024u)

struct term_conn {
	int fd;
	int64_t next_seq;
	uint32_t len;
	uint8_t buf[TERM_BUF_BYTES];
};

struct source_impl {
	struct term_conn *terms; /* areas of them (aggregator) */
	struct mosquitto *mosq;	 /* Mosquitto */
	int64_t area_updates[PEERS_AREAS_MAX];
};

static bool send_frame(int fd, const char *text, size_t len)
{
	uint8_t out[600];
	size_t n = peers_ws_frame(out, sizeof out, 0x1, text, len);
	return n > 0 && send(fd, out, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* Reads what is there (blocking when block), answers pings; when
 * want_area, returns true once an area message arrived and sets
 * *entered. Returns false on a closed or broken connection. */
static bool term_read(struct term_conn *t, bool block, bool want_area, int64_t *entered,
		      bool *got_area)
{
	for (;;) {
		ssize_t n = recv(t->fd, t->buf + t->len, TERM_BUF_BYTES - t->len,
				 block ? 0 : MSG_DONTWAIT);
		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		t->len += (uint32_t)n;
		size_t off = 0;
		for (;;) {
			uint8_t op;
			bool fin;
			const uint8_t *pl;
			size_t plen;
			int64_t used = peers_ws_parse(t->buf + off, t->len - off, &op, &fin, &pl,
						      &plen);
			if (used < 0)
				return false;
			if (used == 0)
				break;
			off += (size_t)used;
			if (op == 0x9) {
				uint8_t pong[140];
				size_t pn = peers_ws_frame(pong, sizeof pong, 0xA, pl,
							   plen < 125 ? plen : 125);
				if (pn == 0 || send(t->fd, pong, pn, MSG_NOSIGNAL) != (ssize_t)pn)
					return false;
			} else if (op == 0x8) {
				return false;
			} else if (op == 0x1 && want_area) {
				struct hc_msg msg;
				struct hc_proto_error perr;
				if (hc_proto_parse_from_aggregator((const char *)pl, plen, &msg,
								   &perr) &&
				    msg.type == HC_MSG_AREA) {
					*entered = msg.u.area.entered;
					*got_area = true;
				}
			}
		}
		memmove(t->buf, t->buf + off, t->len - off);
		t->len -= (uint32_t)off;
		if (t->len == TERM_BUF_BYTES)
			return false;
		if (block && (!want_area || *got_area))
			return true;
		if (!block && (size_t)n < TERM_BUF_BYTES)
			continue; /* drain until EAGAIN */
	}
}

/* Connects terminal pI (hello, welcome, its area's state). */
static bool term_open(struct peers_source *src, struct term_conn *t, uint32_t i, int64_t *entered)
{
	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return false;
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)src->port) };
	if (inet_pton(AF_INET, src->host, &to.sin_addr) != 1 ||
	    connect(t->fd, (struct sockaddr *)&to, sizeof to) != 0) {
		hc_error("peers source: connect %s:%d: %s", src->host, src->port, strerror(errno));
		return false;
	}
	char req[512];
	size_t rl = peers_ws_request(req, sizeof req, src->host, src->port, "/",
				     HC_PROTO_TERMINAL_V2);
	if (rl == 0 || send(t->fd, req, rl, MSG_NOSIGNAL) != (ssize_t)rl)
		return false;
	size_t head = 0;
	int status = 0;
	while (head == 0) {
		ssize_t n = recv(t->fd, t->buf + t->len, TERM_BUF_BYTES - t->len, 0);
		if (n <= 0)
			return false;
		t->len += (uint32_t)n;
		head = peers_http_head(t->buf, t->len, &status);
		if (head == 0 && t->len == TERM_BUF_BYTES)
			return false;
	}
	if (status != 101) {
		hc_error("peers source: terminal p%u: upgrade answered %d", i + 1, status);
		return false;
	}
	memmove(t->buf, t->buf + head, t->len - head);
	t->len -= (uint32_t)head;
	struct hc_msg_hello hello;
	memset(&hello, 0, sizeof hello);
	snprintf(hello.terminal, sizeof hello.terminal, "p%u", i + 1);
	if (getrandom(&hello.incarnation, sizeof hello.incarnation, 0) !=
	    (ssize_t)sizeof hello.incarnation)
		hello.incarnation = (uint64_t)hc_mono_us() + i;
	char text[256];
	size_t len = hc_proto_build_hello(text, sizeof text, &hello);
	if (len == 0 || !send_frame(t->fd, text, len))
		return false;
	bool got = false;
	if (!term_read(t, true, true, entered, &got) || !got) {
		hc_error("peers source: terminal p%u got no area state (is it in the venue?)",
			 i + 1);
		return false;
	}
	t->next_seq = 1;
	return fcntl(t->fd, F_SETFL, O_NONBLOCK) == 0;
}

bool peers_source_open(struct peers_source *src)
{
	struct source_impl *im = calloc(1, sizeof *im);
	if (im == NULL || src->areas == 0 || src->areas > PEERS_AREAS_MAX)
		goto fail;
	src->impl = im;
	if (src->kind == PEERS_MAP) {
		im->terms = calloc(src->areas, sizeof *im->terms);
		if (im->terms == NULL)
			goto fail;
		for (uint32_t i = 0; i < src->areas; i++)
			im->terms[i].fd = -1;
		for (uint32_t i = 0; i < src->areas; i++) {
			int64_t entered = 0;
			if (!term_open(src, &im->terms[i], i, &entered))
				goto fail;
			im->area_updates[i] = entered;
			if (i == 0)
				src->base_entered = entered;
		}
		return true;
	}
	mosquitto_lib_init();
	im->mosq = mosquitto_new("peers-source", true, NULL);
	if (im->mosq == NULL) {
		hc_error("peers source: mosquitto_new failed");
		goto fail;
	}
	int rc = mosquitto_connect(im->mosq, src->host, src->port, 60);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_loop_start(im->mosq);
	if (rc != MOSQ_ERR_SUCCESS) {
		hc_error("peers source: mosquitto %s:%d: %s", src->host, src->port,
			 mosquitto_strerror(rc));
		goto fail;
	}
	src->base_entered = 0;
	return true;
fail:
	peers_source_close(src);
	return false;
}

/* Sends update number k (1-based, over all areas). */
static bool send_update(struct peers_source *src, uint32_t k)
{
	struct source_impl *im = src->impl;
	uint32_t a = (k - 1) % src->areas;
	im->area_updates[a]++;
	if (src->kind == PEERS_MAP) {
		struct term_conn *t = &im->terms[a];
		struct hc_msg_batch batch = { .seq = t->next_seq++, .entered = 1 };
		char text[256];
		size_t len = hc_proto_build_batch(text, sizeof text, &batch);
		return len > 0 && send_frame(t->fd, text, len);
	}
	struct hc_area_state st;
	memset(&st, 0, sizeof st);
	snprintf(st.id, sizeof st.id, "a%u", a + 1);
	snprintf(st.name, sizeof st.name, "Area %u", a + 1);
	st.entered = im->area_updates[a];
	st.occupancy = st.entered;
	st.capacity = 1000000;
	st.level = HC_LEVEL_LOW;
	st.updated_at_ms = hc_wall_ms();
	char text[512], topic[64];
	size_t len = hc_proto_build_area(text, sizeof text, &st);
	snprintf(topic, sizeof topic, "headcount/areas/a%u", a + 1);
	return len > 0 && mosquitto_publish(im->mosq, NULL, topic, (int)len, text, 0, true) ==
				  MOSQ_ERR_SUCCESS;
}

bool peers_source_send(struct peers_source *src, uint32_t count, double rate_per_s,
		       void (*service)(void *arg, int64_t until_us), void *service_arg)
{
	struct source_impl *im = src->impl;
	int64_t start_us = hc_mono_us();
	for (uint32_t i = 0; i < count; i++) {
		uint32_t k = atomic_load(&src->sent) + 1;
		if (k >= PEERS_UPDATES_MAX && src->areas == 1)
			return false;
		int64_t at_us = start_us + (int64_t)((double)i * 1e6 / rate_per_s);
		service(service_arg, at_us);
		if (k < PEERS_UPDATES_MAX)
			src->send_us[k] = hc_mono_us();
		if (!send_update(src, k)) {
			hc_error("peers source: update %u could not be sent", k);
			return false;
		}
		atomic_store(&src->sent, k);
		if (src->kind == PEERS_MAP)
			for (uint32_t t = 0; t < src->areas; t++) {
				int64_t e;
				bool got = false;
				if (!term_read(&im->terms[t], false, false, &e, &got)) {
					hc_error("peers source: terminal p%u lost", t + 1);
					return false;
				}
			}
	}
	return true;
}

void peers_source_close(struct peers_source *src)
{
	struct source_impl *im = src->impl;
	if (im == NULL)
		return;
	for (uint32_t i = 0; im->terms != NULL && i < src->areas; i++)
		if (im->terms[i].fd >= 0)
			close(im->terms[i].fd);
	free(im->terms);
	if (im->mosq != NULL) {
		mosquitto_disconnect(im->mosq);
		mosquitto_loop_stop(im->mosq, false);
		mosquitto_destroy(im->mosq);
		mosquitto_lib_cleanup();
	}
	free(im);
	src->impl = NULL;
}
