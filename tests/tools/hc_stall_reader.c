/*
 * hc_stall_reader.c — map clients that stop reading, for tests.
 *
 * Opens --count WebSocket connections in the map role (--proto, default
 * headcount-map.v1; headcount-map.v2 for update frames) with a tiny
 * receive buffer (--rcvbuf bytes, set before connect so the window stays
 * small), completes each handshake, and then reads nothing for --hold-ms:
 * the aggregator keeps pushing and each socket backs up. At the end it
 * reads whatever is there for up to 2 s per connection and prints
 *
 *   stalled <count> closed_by_server <n> still_open <m>
 *
 * where "closed" means the stream ended (EOF or reset) after the pending
 * bytes. Bounded in connections and time; loopback only. Test-only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shared/clock.h"

#define COUNT_MAX 1000

static int connect_one(const char *host, int port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends the upgrade and reads exactly up to the end of the 101 response
 * (byte by byte, so no frame after it is consumed). */
static bool handshake(int fd, const char *host, int port, const char *proto)
{
	char req[512];
	int n = snprintf(req, sizeof req,
			 "GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
			 host, port, proto);
	if (write(fd, req, (size_t)n) != n)
		return false;
	char resp[2048];
	size_t len = 0;
	int64_t deadline = hc_mono_ms() + 5000;
	while (len < sizeof resp - 1 && hc_mono_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (read(fd, resp + len, 1) != 1)
			return false;
		len++;
		resp[len] = '\0';
		if (len >= 4 && memcmp(resp + len - 4, "\r\n\r\n", 4) == 0)
			return strncmp(resp, "HTTP/1.1 101", 12) == 0;
	}
	return false;
}

/* Reads what is pending for up to 2 s; true when the stream ended. */
static bool drain_sees_end(int fd)
{
	char buf[65536];
	int64_t deadline = hc_mono_ms() + 2000;
	while (hc_mono_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t r = read(fd, buf, sizeof buf);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	const char *proto = "headcount-map.v1";
	int port = 0, count = 1, rcvbuf = 4096;
	long hold_ms = 20000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--host") == 0)
			host = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--proto") == 0)
			proto = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			count = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--rcvbuf") == 0)
			rcvbuf = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--hold-ms") == 0)
			hold_ms = atol(argv[i + 1]);
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (port <= 0 || count < 1 || count > COUNT_MAX || hold_ms < 0 || hold_ms > 600000 ||
	    strncmp(proto, "headcount-map.v", 15) != 0 || strlen(proto) > 64) {
		fprintf(stderr,
			"usage: hc_stall_reader --port P [--host 127.0.0.1] [--count 1..%d]"
			" [--proto headcount-map.v1|headcount-map.v2]"
			" [--rcvbuf BYTES] [--hold-ms 0..600000]\n",
			COUNT_MAX);
		return 2;
	}
	static int fds[COUNT_MAX];
	for (int i = 0; i < count; i++) {
		fds[i] = connect_one(host, port, rcvbuf);
		if (fds[i] < 0 || !handshake(fds[i], host, port, proto)) {
			fprintf(stderr, "connection %d: handshake failed\n", i);
			return 1;
		}
	}
	printf("connected %d\n", count);
	fflush(stdout);
	struct timespec ts = { .tv_sec = hold_ms / 1000, .tv_nsec = (hold_ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	int closed = 0;
	for (int i = 0; i < count; i++) {
		if (drain_sees_end(fds[i]))
			closed++;
		close(fds[i]);
	}
	printf("stalled %d closed_by_server %d still_open %d\n", count, closed, count - closed);
	return 0;
}
