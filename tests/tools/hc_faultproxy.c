/*
 * hc_faultproxy.c — a TCP proxy that injects network faults on command.
 *
 *   hc_faultproxy --listen PORT --target PORT [--control FIFO]
 *                 [--max-seconds N]
 *
 * Listens on 127.0.0.1:PORT and forwards byte streams both ways to
 * 127.0.0.1:TARGET. One thread, one poll() loop, non-blocking sockets.
 * Everything is bounded: at most CONNS_MAX connection pairs, at most
 * CHUNKS_MAX chunks of at most CHUNK_BYTES_MAX bytes queued per direction
 * (a full queue stops reading that side: back-pressure, not growth), and
 * the proxy exits by itself after --max-seconds (default 600).
 *
 * Commands, one per line, come from the control FIFO (created when
 * missing; opened read-write so writers may come and go, e.g.
 * `echo reset > ctl`) or, without --control, from stdin:
 *
 *   reset            RST every current connection mid-stream (SO_LINGER 0,
 *                    then close), both the client and the upstream side
 *   stall            stop forwarding in both directions; connections stay
 *                    open and bytes wait in the (bounded) queues
 *   resume           forward again (ends stall)
 *   delay MS         hold every chunk read from now on MS ms before
 *                    forwarding it (delay 0 ends it)
 *   partition        RST every connection and refuse new ones (accept,
 *                    then RST at once) until heal
 *   heal             accept and forward again (ends partition)
 *   reset-mid-frame  each current connection forwards half of its next
 *                    chunk (either direction) and is then RST
 *   quit             exit
 *
 * Every command is answered on stdout with "cmd <command>" once applied,
 * so a test can wait for it; every connection event is a line too
 * ("accept", "refuse", "rst", "closed"). On exit it prints one line of
 * counters: "counters accepted=N refused=N resets=N cut_mid_frame=N
 * bytes_up=N bytes_down=N delayed_chunks=N". Test-only; not installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "shared/clock.h"

#define CONNS_MAX 64
#define CHUNKS_MAX 64
#define CHUNK_BYTES_MAX 16384
#define CONTROL_LINE_MAX 256
#define MAX_SECONDS_DEFAULT 600

/* One read, waiting to be written to the other side. */
struct chunk {
	unsigned char *data;
	size_t len;
	size_t off;	     /* bytes of it already written */
	int64_t ready_at_ms; /* monotonic time it may be written */
};

/* Bytes flowing from one socket to the other: a bounded FIFO of chunks. */
struct direction {
	struct chunk q[CHUNKS_MAX];
	size_t head;
	size_t count;
	bool eof;  /* the source said EOF */
	bool shut; /* EOF passed on with shutdown(SHUT_WR) */
};

struct conn {
	bool used;
	uint64_t id;
	int client_fd;
	int upstream_fd;
	bool connecting;       /* upstream connect() in progress */
	bool cut_armed;	       /* reset-mid-frame pending */
	struct direction up;   /* client -> upstream */
	struct direction down; /* upstream -> client */
};

struct counters {
	uint64_t accepted;
	uint64_t refused;
	uint64_t resets;
	uint64_t cut_mid_frame;
	uint64_t bytes_up;
	uint64_t bytes_down;
	uint64_t delayed_chunks;
};

static struct conn conns[CONNS_MAX];
static struct counters ctr;
static uint64_t next_conn_id = 1;
static bool stalled;
static bool partitioned;
static int64_t delay_ms;
static uint16_t target_port;
static volatile sig_atomic_t stop_signal;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static bool set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

/* Closes fd so the peer sees a reset: SO_LINGER with a zero timeout. */
static void close_with_rst(int fd)
{
	if (fd < 0)
		return;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
		say("warn setsockopt SO_LINGER fd %d: %s", fd, strerror(errno));
	close(fd);
}

static void direction_clear(struct direction *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->q[(d->head + i) % CHUNKS_MAX].data);
	memset(d, 0, sizeof *d);
}

/* Ends a connection pair; rst chooses a reset over an orderly close. */
static void conn_end(struct conn *c, bool rst, const char *why)
{
	if (rst) {
		close_with_rst(c->client_fd);
		close_with_rst(c->upstream_fd);
		ctr.resets++;
		say("rst conn=%" PRIu64 " (%s)", c->id, why);
	} else {
		close(c->client_fd);
		if (c->upstream_fd >= 0)
			close(c->upstream_fd);
		say("closed conn=%" PRIu64 " (%s)", c->id, why);
	}
	direction_clear(&c->up);
	direction_clear(&c->down);
	memset(c, 0, sizeof *c);
	c->client_fd = c->upstream_fd = -1;
}

static void reset_all(const char *why)
{
	for (size_t i = 0; i < CONNS_MAX; i++)
		if (conns[i].used)
			conn_end(&conns[i], true, why);
}

static int listen_on(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		say("error socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0 ||
	    !set_nonblocking(fd)) {
		say("error listen 127.0.0.1:%u: %s", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Starts a non-blocking connect to the target; -1 on immediate failure. */
static int connect_upstream(bool *in_progress)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(target_port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!set_nonblocking(fd)) {
		close(fd);
		return -1;
	}
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*in_progress = false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (errno != EINPROGRESS) {
			close(fd);
			return -1;
		}
		*in_progress = true;
	}
	return fd;
}

static void accept_one(int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			say("warn accept: %s", strerror(errno));
		return;
	}
	if (partitioned) {
		ctr.refused++;
		close_with_rst(fd);
		say("refuse (partition)");
		return;
	}
	struct conn *c = NULL;
	for (size_t i = 0; i < CONNS_MAX && !c; i++)
		if (!conns[i].used)
			c = &conns[i];
	if (!c || !set_nonblocking(fd)) {
		ctr.refused++;
		close_with_rst(fd);
		say("refuse (%s)", c ? "fcntl failed" : "too many connections");
		return;
	}
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	bool in_progress;
	int ufd = connect_upstream(&in_progress);
	if (ufd < 0) {
		ctr.refused++;
		close_with_rst(fd);
		say("refuse (upstream 127.0.0.1:%u unreachable)", target_port);
		return;
	}
	memset(c, 0, sizeof *c);
	c->used = true;
	c->id = next_conn_id++;
	c->client_fd = fd;
	c->upstream_fd = ufd;
	c->connecting = in_progress;
	ctr.accepted++;
	say("accept conn=%" PRIu64, c->id);
}

/* Reads one chunk from fd into d. Returns false when the pair must end
 * with a reset (read error). */
static bool read_into(int fd, struct direction *d, int64_t now_ms)
{
	unsigned char buf[CHUNK_BYTES_MAX];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	if (n == 0) {
		d->eof = true;
		return true;
	}
	struct chunk *ch = &d->q[(d->head + d->count) % CHUNKS_MAX];
	ch->data = malloc((size_t)n);
	if (!ch->data) {
		say("warn out of memory for a %zd-byte chunk", n);
		return false;
	}
	memcpy(ch->data, buf, (size_t)n);
	ch->len = (size_t)n;
	ch->off = 0;
	ch->ready_at_ms = now_ms + delay_ms;
	if (delay_ms > 0)
		ctr.delayed_chunks++;
	d->count++;
	return true;
}

/* Writes ready chunks of d to fd. Returns false when the pair must end:
 * a write error, or a reset-mid-frame cut (then *cut is set). */
static bool write_from(struct conn *c, int fd, struct direction *d, uint64_t *bytes, int64_t now_ms,
		       bool *cut)
{
	while (d->count > 0) {
		struct chunk *ch = &d->q[d->head];
		if (ch->ready_at_ms > now_ms)
			return true;
		size_t want = ch->len - ch->off;
		if (c->cut_armed) {
			want = (ch->len + 1) / 2 > ch->off ? (ch->len + 1) / 2 - ch->off : 0;
			if (ch->len < 2)
				want = 0;
		}
		if (want > 0) {
			ssize_t n = write(fd, ch->data + ch->off, want);
			if (n < 0)
				return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
			ch->off += (size_t)n;
			*bytes += (uint64_t)n;
			if ((size_t)n < want)
				return true;
		}
		if (c->cut_armed) {
			*cut = true;
			return false;
		}
		free(ch->data);
		ch->data = NULL;
		d->head = (d->head + 1) % CHUNKS_MAX;
		d->count--;
	}
	if (d->eof && !d->shut) {
		(void)shutdown(fd, SHUT_WR);
		d->shut = true;
	}
	return true;
}

/* Earliest ready_at among queued chunks, for the poll timeout. */
static int64_t next_ready_ms(void)
{
	int64_t best = INT64_MAX;
	for (size_t i = 0; i < CONNS_MAX; i++) {
		const struct conn *c = &conns[i];
		if (!c->used)
			continue;
		if (c->up.count && c->up.q[c->up.head].ready_at_ms < best)
			best = c->up.q[c->up.head].ready_at_ms;
		if (c->down.count && c->down.q[c->down.head].ready_at_ms < best)
			best = c->down.q[c->down.head].ready_at_ms;
	}
	return best;
}

/* Applies one control line. Returns false on quit. */
static bool run_command(char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (n == 0)
		return true;
	if (!strcmp(line, "reset")) {
		reset_all("reset");
	} else if (!strcmp(line, "stall")) {
		stalled = true;
	} else if (!strcmp(line, "resume")) {
		stalled = false;
	} else if (!strncmp(line, "delay ", 6)) {
		char *end;
		long v = strtol(line + 6, &end, 10);
		if (*end != '\0' || v < 0 || v > 600000) {
			say("error bad command \"%s\" (delay 0..600000)", line);
			return true;
		}
		delay_ms = v;
	} else if (!strcmp(line, "partition")) {
		partitioned = true;
		reset_all("partition");
	} else if (!strcmp(line, "heal")) {
		partitioned = false;
	} else if (!strcmp(line, "reset-mid-frame")) {
		for (size_t i = 0; i < CONNS_MAX; i++)
			if (conns[i].used)
				conns[i].cut_armed = true;
	} else if (!strcmp(line, "quit")) {
		say("cmd quit");
		return false;
	} else {
		say("error unknown command \"%s\"", line);
		return true;
	}
	say("cmd %s", line);
	return true;
}

/* Reads what the control fd has; runs each complete line. */
static bool read_control(int fd, char *buf, size_t *len)
{
	ssize_t n = read(fd, buf + *len, CONTROL_LINE_MAX - 1 - *len);
	if (n <= 0)
		return !(n == 0 && fd == STDIN_FILENO); /* stdin EOF: quit */
	*len += (size_t)n;
	buf[*len] = '\0';
	char *nl;
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		if (!run_command(buf))
			return false;
		size_t rest = *len - (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, rest);
		*len = rest;
		buf[*len] = '\0';
	}
	if (*len == CONTROL_LINE_MAX - 1) {
		say("error control line too long; dropped");
		*len = 0;
	}
	return true;
}

/* Finishes a pending upstream connect; false when it failed. */
static bool finish_connect(struct conn *c)
{
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(c->upstream_fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
		err = errno;
	if (err != 0) {
		say("warn conn=%" PRIu64 " upstream connect: %s", c->id, strerror(err));
		return false;
	}
	c->connecting = false;
	return true;
}

/* One poll slot per socket: which events we want for it now. */
static short wanted_events(const struct conn *c, bool client_side)
{
	if (client_side ? false : c->connecting)
		return POLLOUT;
	if (c->connecting)
		return 0;
	const struct direction *in = client_side ? &c->up : &c->down;
	const struct direction *out = client_side ? &c->down : &c->up;
	short ev = 0;
	if (!stalled && !in->eof && in->count < CHUNKS_MAX)
		ev |= POLLIN;
	if (!stalled && out->count > 0)
		ev |= POLLOUT;
	return ev;
}

/* Services one connection after poll: reads, writes, ends. */
static void service_conn(struct conn *c, short crev, short urev, int64_t now_ms)
{
	if (c->connecting) {
		if (urev & (POLLOUT | POLLERR | POLLHUP)) {
			if (!finish_connect(c)) {
				conn_end(c, true, "upstream connect failed");
				return;
			}
		}
		if (c->connecting)
			return;
	}
	if (stalled && ((crev | urev) & (POLLERR | POLLHUP))) {
		conn_end(c, true, "peer gone while stalled");
		return;
	}
	if (!stalled) {
		if ((crev & (POLLIN | POLLHUP | POLLERR)) && !c->up.eof &&
		    c->up.count < CHUNKS_MAX && !read_into(c->client_fd, &c->up, now_ms)) {
			conn_end(c, true, "client read error");
			return;
		}
		if ((urev & (POLLIN | POLLHUP | POLLERR)) && !c->down.eof &&
		    c->down.count < CHUNKS_MAX && !read_into(c->upstream_fd, &c->down, now_ms)) {
			conn_end(c, true, "upstream read error");
			return;
		}
		bool cut = false;
		if (!write_from(c, c->upstream_fd, &c->up, &ctr.bytes_up, now_ms, &cut) ||
		    !write_from(c, c->client_fd, &c->down, &ctr.bytes_down, now_ms, &cut)) {
			if (cut)
				ctr.cut_mid_frame++;
			conn_end(c, true, cut ? "reset-mid-frame" : "write error");
			return;
		}
	}
	/* One side closed and everything it sent was passed on: once the
	 * other direction has nothing queued either, the pair is done (a
	 * half-open pair would otherwise keep reporting POLLHUP). */
	bool up_done = c->up.eof && c->up.shut;
	bool down_done = c->down.eof && c->down.shut;
	if ((up_done && c->down.count == 0) || (down_done && c->up.count == 0))
		conn_end(c, false, up_done ? "client closed" : "upstream closed");
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(void)
{
	fprintf(stderr, "usage: hc_faultproxy --listen PORT --target PORT "
			"[--control FIFO] [--max-seconds N]\n");
	exit(2);
}

static uint16_t parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		usage();
	return (uint16_t)v;
}

/* One piece (a test tool's main): the options, then the accept and relay loop. */
int main(int argc, char **argv)
{
	uint16_t listen_port = 0;
	const char *control = NULL;
	long max_seconds = MAX_SECONDS_DEFAULT;
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--listen"))
			listen_port = parse_port(argv[i + 1]);
		else if (!strcmp(argv[i], "--target"))
			target_port = parse_port(argv[i + 1]);
		else if (!strcmp(argv[i], "--control"))
			control = argv[i + 1];
		else if (!strcmp(argv[i], "--max-seconds"))
			max_seconds = strtol(argv[i + 1], NULL, 10);
		else
			usage();
	}
	if (!listen_port || !target_port || max_seconds <= 0)
		usage();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (size_t i = 0; i < CONNS_MAX; i++)
		conns[i].client_fd = conns[i].upstream_fd = -1;

	int cfd = STDIN_FILENO;
	if (control) {
		if (mkfifo(control, 0600) != 0 && errno != EEXIST) {
			say("error mkfifo %s: %s", control, strerror(errno));
			return 1;
		}
		cfd = open(control, O_RDWR | O_NONBLOCK);
		if (cfd < 0) {
			say("error open %s: %s", control, strerror(errno));
			return 1;
		}
	}
	int lfd = listen_on(listen_port);
	if (lfd < 0)
		return 1;
	say("listening 127.0.0.1:%u -> 127.0.0.1:%u", listen_port, target_port);

	char ctl[CONTROL_LINE_MAX];
	size_t ctl_len = 0;
	int64_t end_ms = hc_mono_ms() + (int64_t)max_seconds * 1000;
	struct pollfd pfd[2 + 2 * CONNS_MAX];
	struct conn *slot[2 + 2 * CONNS_MAX];
	bool running = true;
	while (running && !stop_signal) {
		int64_t now_ms = hc_mono_ms();
		if (now_ms >= end_ms) {
			say("max-seconds %ld reached; exiting", max_seconds);
			break;
		}
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = cfd, .events = POLLIN };
		for (size_t i = 0; i < CONNS_MAX; i++) {
			struct conn *c = &conns[i];
			if (!c->used)
				continue;
			slot[n] = c;
			pfd[n++] = (struct pollfd){ .fd = c->client_fd,
						    .events = wanted_events(c, true) };
			slot[n] = c;
			pfd[n++] = (struct pollfd){ .fd = c->upstream_fd,
						    .events = wanted_events(c, false) };
		}
		int64_t wake_ms = end_ms;
		int64_t ready_ms = stalled ? INT64_MAX : next_ready_ms();
		if (ready_ms < wake_ms)
			wake_ms = ready_ms;
		int timeout_ms = wake_ms - now_ms > 1000 ? 1000 : (int)(wake_ms - now_ms);
		if (timeout_ms < 0)
			timeout_ms = 0;
		if (poll(pfd, n, timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			say("error poll: %s", strerror(errno));
			break;
		}
		now_ms = hc_mono_ms();
		if (pfd[1].revents & POLLIN)
			running = read_control(cfd, ctl, &ctl_len);
		if (!running)
			break;
		/* Each pair is serviced once per turn, with both sockets' events;
		 * a command above may have ended a pair (then its slot is unused
		 * or was reused: skip events of a different id). */
		for (nfds_t k = 2; k + 1 < n; k += 2) {
			struct conn *c = slot[k];
			if (!c->used || c->client_fd != pfd[k].fd ||
			    c->upstream_fd != pfd[k + 1].fd)
				continue;
			service_conn(c, pfd[k].revents, pfd[k + 1].revents, now_ms);
		}
		/* Delayed chunks may have come due without any socket event. */
		for (size_t i = 0; i < CONNS_MAX; i++)
			if (conns[i].used && !stalled)
				service_conn(&conns[i], 0, 0, now_ms);
		if (pfd[0].revents & POLLIN)
			accept_one(lfd);
	}
	reset_all("exit");
	close(lfd);
	if (control)
		close(cfd);
	say("counters accepted=%" PRIu64 " refused=%" PRIu64 " resets=%" PRIu64
	    " cut_mid_frame=%" PRIu64 " bytes_up=%" PRIu64 " bytes_down=%" PRIu64
	    " delayed_chunks=%" PRIu64,
	    ctr.accepted, ctr.refused, ctr.resets, ctr.cut_mid_frame, ctr.bytes_up, ctr.bytes_down,
	    ctr.delayed_chunks);
	return 0;
}
