/*
 * hc_rawpeer.c — a raw TCP peer for the limit tests: opens N connections
 * (optionally from a chosen 127.0.0.N source address), sends a request
 * all at once or a byte at a time, and reports when the server closed
 * each one.
 *
 *   hc_rawpeer --connect 127.0.0.1:PORT [--bind 127.0.0.5] [--count N]
 *              [--http-get PATH [--request-bytes N]] [--keepalive-get PATH]
 *              [--ws-map] [--send TEXT] [--drip-ms MS] [--delay-ms MS]
 *              [--hold-ms MS]
 *
 * Relies on: plain sockets and poll(); loopback only (it refuses other
 * addresses). Nothing of libwebsockets, so it can be what a real client
 * never is: silent, slow, oversized, deaf to pings.
 *
 * Prints one line per connection, "conn I closed_ms T status S ws_close C"
 * (T -1: still open at the end; S the HTTP status of the first response,
 * 0 none; C the code of a WebSocket close frame, 0 none), then a summary
 * "open N closed N status_NNN N ...". --keepalive-get sends one GET, and
 * a second one 1 s after the first response unless the server closed.
 * --delay-ms holds the request back that long after connecting.
 * Every run ends by --hold-ms (default 3000, at most 120000). Exit 0
 * unless the arguments or a socket call were wrong.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX 4096
#define HOLD_MS_MAX 120000

struct conn {
	int fd;
	int64_t closed_ms; /* -1 open */
	int status;
	int ws_close;
	size_t sent;
	int64_t next_send_ms;
	unsigned char rx[4096];
	size_t rx_len;
	int responses;		  /* HTTP status lines received */
	int64_t second_get_at_ms; /* keepalive: when to send the second GET */
	bool second_sent;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hc_rawpeer --connect 127.0.0.1:PORT [--bind ADDR] [--count N]\n"
		"  [--http-get PATH [--request-bytes N]] [--keepalive-get PATH] [--ws-map]\n"
		"  [--send TEXT] [--drip-ms MS] [--delay-ms MS] [--hold-ms MS]\n");
}

/* "GET path" with an X-Pad header making the whole request total bytes
 * long (at least the bare request). */
static char *build_get(const char *path, long total)
{
	char head[512];
	int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", path);
	const char *pad_name = "X-Pad: ";
	long fixed = n + (long)strlen(pad_name) + 2 + 2;
	long pad = total > fixed ? total - fixed : 0;
	char *out = malloc((size_t)(fixed + pad + 1));
	if (out == NULL)
		return NULL;
	if (total > 0) {
		memcpy(out, head, (size_t)n);
		memcpy(out + n, pad_name, strlen(pad_name));
		memset(out + n + strlen(pad_name), 'a', (size_t)pad);
		memcpy(out + n + strlen(pad_name) + pad, "\r\n\r\n", 5);
	} else {
		snprintf(out, (size_t)(fixed + pad + 1), "%s\r\n", head);
	}
	return out;
}

/* Looks at what arrived: an HTTP status line, WebSocket close frames. */
static void scan_rx(struct conn *c, bool ws)
{
	if (c->status == 0 && c->rx_len >= 12 && memcmp(c->rx, "HTTP/1.", 7) == 0)
		c->status = atoi((const char *)c->rx + 9);
	c->responses = 0;
	for (unsigned char *q = c->rx;
	     (q = memmem(q, c->rx_len - (size_t)(q - c->rx), "HTTP/1.1 ", 9)) != NULL; q += 9)
		c->responses++;
	if (!ws)
		return;
	/* After the 101 response's blank line, frames from the server. */
	unsigned char *p = memmem(c->rx, c->rx_len, "\r\n\r\n", 4);
	if (p == NULL)
		return;
	p += 4;
	unsigned char *end = c->rx + c->rx_len;
	while (end - p >= 2) {
		int opcode = p[0] & 0x0f;
		size_t len = p[1] & 0x7f, hdr = 2;
		if (len == 126) {
			if (end - p < 4)
				return;
			len = (size_t)p[2] << 8 | p[3];
			hdr = 4;
		} else if (len == 127) {
			return; /* nothing this large in these tests */
		}
		if ((size_t)(end - p) < hdr + len)
			return;
		if (opcode == 8 && len >= 2 && c->ws_close == 0)
			c->ws_close = p[hdr] << 8 | p[hdr + 1];
		p += hdr + len;
	}
}

/* One piece (a test tool's main): the options, then the one bounded poll loop over the connections. */
int main(int argc, char **argv)
{
	const char *connect_to = NULL, *bind_addr = NULL, *http_get = NULL;
	const char *keepalive_get = NULL, *send_text = NULL;
	long count = 1, request_bytes = 0, drip_ms = 0, hold_ms = 3000, delay_ms = 0;
	bool ws_map = false;
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "bind", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "http-get", required_argument, NULL, 'g' },
		{ "request-bytes", required_argument, NULL, 'r' },
		{ "keepalive-get", required_argument, NULL, 'k' },
		{ "ws-map", no_argument, NULL, 'w' },
		{ "send", required_argument, NULL, 's' },
		{ "drip-ms", required_argument, NULL, 'd' },
		{ "hold-ms", required_argument, NULL, 'h' },
		{ "delay-ms", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': connect_to = optarg; break;
		case 'b': bind_addr = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'g': http_get = optarg; break;
		case 'r': request_bytes = strtol(optarg, NULL, 10); break;
		case 'k': keepalive_get = optarg; break;
		case 'w': ws_map = true; break;
		case 's': send_text = optarg; break;
		case 'd': drip_ms = strtol(optarg, NULL, 10); break;
		case 'h': hold_ms = strtol(optarg, NULL, 10); break;
		case 'D': delay_ms = strtol(optarg, NULL, 10); break;
		default: usage(); return 2;
		}
	}
	const char *colon = connect_to ? strrchr(connect_to, ':') : NULL;
	if (colon == NULL || count < 1 || count > CONNS_MAX || hold_ms < 0 ||
	    hold_ms > HOLD_MS_MAX || request_bytes < 0 || request_bytes > 1000000 || drip_ms < 0 ||
	    delay_ms < 0) {
		usage();
		return 2;
	}
	char host[64];
	snprintf(host, sizeof host, "%.*s", (int)(colon - connect_to), connect_to);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)atoi(colon + 1)) };
	struct sockaddr_in from = { .sin_family = AF_INET };
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1 ||
	    (ntohl(to.sin_addr.s_addr) >> 24) != 127 ||
	    (bind_addr != NULL && (inet_pton(AF_INET, bind_addr, &from.sin_addr) != 1 ||
				   (ntohl(from.sin_addr.s_addr) >> 24) != 127))) {
		fprintf(stderr, "hc_rawpeer: loopback IPv4 addresses only\n");
		return 2;
	}

	char *payload = NULL;
	if (http_get != NULL)
		payload = build_get(http_get, request_bytes);
	else if (keepalive_get != NULL)
		payload = build_get(keepalive_get, 0);
	else if (ws_map)
		payload = strdup(
			"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
			"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: headcount-map.v1\r\n"
			"\r\n");
	else if (send_text != NULL)
		payload = strdup(send_text);
	size_t payload_len = payload ? strlen(payload) : 0;

	static struct conn conns[CONNS_MAX];
	int64_t start_ms = now_ms();
	for (long i = 0; i < count; i++) {
		struct conn *c = &conns[i];
		c->closed_ms = -1;
		c->second_get_at_ms = -1;
		c->fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c->fd < 0) {
			perror("hc_rawpeer: socket");
			return 1;
		}
		if (bind_addr != NULL && bind(c->fd, (struct sockaddr *)&from, sizeof from) != 0) {
			perror("hc_rawpeer: bind");
			return 1;
		}
		if (connect(c->fd, (struct sockaddr *)&to, sizeof to) != 0) {
			c->closed_ms = 0; /* refused outright */
			close(c->fd);
			c->fd = -1;
		}
		c->next_send_ms = start_ms + delay_ms;
	}

	int64_t end_ms = start_ms + hold_ms;
	struct pollfd pfds[CONNS_MAX];
	while (now_ms() < end_ms) {
		int64_t t = now_ms();
		int n = 0;
		for (long i = 0; i < count; i++) {
			struct conn *c = &conns[i];
			if (c->fd < 0)
				continue;
			/* Send: all at once, or one byte per drip interval. */
			if (c->sent < payload_len && t >= c->next_send_ms) {
				size_t want = drip_ms > 0 ? 1 : payload_len - c->sent;
				ssize_t w = send(c->fd, payload + c->sent, want, MSG_NOSIGNAL);
				if (w > 0)
					c->sent += (size_t)w;
				c->next_send_ms = t + drip_ms;
			}
			if (c->second_get_at_ms >= 0 && t >= c->second_get_at_ms) {
				c->second_get_at_ms = -1;
				send(c->fd, payload, payload_len, MSG_NOSIGNAL);
			}
			pfds[n].fd = c->fd;
			pfds[n].events = POLLIN;
			pfds[n].revents = 0;
			n++;
		}
		if (n == 0)
			break;
		int wait = drip_ms > 0 && drip_ms < 50 ? (int)drip_ms : 50;
		if (poll(pfds, (nfds_t)n, wait) < 0 && errno != EINTR) {
			perror("hc_rawpeer: poll");
			return 1;
		}
		t = now_ms();
		int k = 0;
		for (long i = 0; i < count; i++) {
			struct conn *c = &conns[i];
			if (c->fd < 0)
				continue;
			struct pollfd *p = &pfds[k++];
			if (!(p->revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			unsigned char buf[4096];
			ssize_t r = recv(c->fd, buf, sizeof buf, 0);
			if (r <= 0) {
				c->closed_ms = t - start_ms;
				close(c->fd);
				c->fd = -1;
				continue;
			}
			size_t room = sizeof c->rx - c->rx_len;
			size_t take = (size_t)r < room ? (size_t)r : room;
			memcpy(c->rx + c->rx_len, buf, take);
			c->rx_len += take;
			scan_rx(c, ws_map);
			if (keepalive_get != NULL && c->responses == 1 && !c->second_sent) {
				c->second_sent = true;
				c->second_get_at_ms = t + 1000;
			}
		}
	}

	long open = 0, closed = 0, status_counts[6] = { 0 };
	for (long i = 0; i < count; i++) {
		struct conn *c = &conns[i];
		printf("conn %ld closed_ms %lld status %d responses %d ws_close %d\n", i,
		       (long long)c->closed_ms, c->status, c->responses, c->ws_close);
		if (c->closed_ms < 0)
			open++;
		else
			closed++;
		if (c->status >= 100 && c->status < 600)
			status_counts[c->status / 100]++;
		if (c->fd >= 0)
			close(c->fd);
	}
	printf("open %ld closed %ld status_2xx %ld status_4xx %ld\n", open, closed,
	       status_counts[2], status_counts[4]);
	free(payload);
	return 0;
}
