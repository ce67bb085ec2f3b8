/*
 * hc_hostile.c — peers that misbehave on purpose, for integration tests.
 *
 * Opens --count TCP connections to the aggregator (at most --concurrency
 * at once, non-blocking sockets driven by one poll() loop) and has each
 * one misbehave in the way --mode names: close at once, reset, stop in
 * the middle of a request or an upgrade, send nothing, send a header
 * byte a second, send garbage or a TLS ClientHello, or complete a
 * WebSocket upgrade for --role and then break the framing rules. Every
 * connection is bounded by --conn-limit-ms and the whole run by
 * --time-limit-ms; the tool ends by itself.
 *
 * What the server answered is checked against what each mode expects
 * (the HTTP status, the WebSocket close code, that the server ended the
 * connection, that no file content leaked) and summed up on one line:
 *
 *   hostile mode=M role=R seed=S count=N connected=N ended=N timed_out=N
 *     reset=N http=STATUS:N,... close=CODE:N,... pongs=N bad=N ms=N
 *
 * followed by up to five "mismatch ..." lines. Exit status: 0 when every
 * connection did what the mode expects, 3 when some did not, 2 when no
 * connection could be made at all (the server is gone), 1 on bad usage.
 *
 * Relies on: POSIX sockets and poll() only (no lws: the point is to send
 * what a well-behaved library never would), shared/protocol.h for the
 * subprotocol names. Connects only where --host says (tests use
 * 127.0.0.1); with --sources N the connections come from N loopback
 * source addresses (127.77.x.y), so a per-address connection limit of
 * the server does not turn every case into a refusal. Test-only.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shared/protocol.h"

#define CONNS_MAX 1024
#define STEPS_MAX 8
#define IN_BYTES_MAX 65536
#define MISMATCH_LINES_MAX 5
#define STATUS_KINDS_MAX 16
#define CLOSE_KINDS_MAX 16
#define PING_FLOOD_COUNT 200

static const char ws_key[] = "dGhlIHNhbXBsZSBub25jZQ==";

enum step_kind {
	STEP_SEND,	/* write out[off, off+len) */
	STEP_DRIBBLE,	/* the same, one byte every ms */
	STEP_AWAIT_101, /* wait for the response headers; not 101: read on */
	STEP_SLEEP,	/* wait ms */
	STEP_RST,	/* SO_LINGER 0 and close: the peer sees RST */
	STEP_CLOSE,	/* plain close (FIN) */
};

struct step {
	enum step_kind kind;
	uint32_t off;
	uint32_t len;
	uint32_t ms;
};

/* What a mode expects of every connection. */
struct expect {
	bool we_close;		 /* the mode closes itself: nothing to read */
	bool ended;		 /* the server must end the connection */
	int32_t status[4];	 /* allowed first HTTP status (0 ends list) */
	bool any_status_or_none; /* no status check */
	int32_t close[4];	 /* allowed close codes; -1: none received */
	bool any_close;
	uint32_t responses_min; /* HTTP responses at least */
	uint32_t pongs_min;
	bool no_passwd; /* never any /etc/passwd content */
};

struct conn {
	int fd;
	bool active;
	uint32_t index;
	int64_t started_ms;
	int64_t end_ms;	 /* per-connection limit */
	int64_t wake_ms; /* next dribble byte or end of sleep; 0 none */
	struct step steps[STEPS_MAX];
	uint32_t step_count;
	uint32_t step;
	uint32_t step_done; /* bytes of the current step written */
	uint8_t *out;
	size_t out_len;
	size_t out_cap;
	bool connected;
	size_t in_len;
	bool headers_seen;
	bool upgraded;	  /* got 101: what follows is frames */
	size_t frames_at; /* where frames start in in[] */
	int32_t status;	  /* first response's status, 0 none */
	uint32_t responses;
	int32_t close_code; /* -1: no close frame */
	uint32_t pongs;
	bool passwd_seen;
	uint8_t in[IN_BYTES_MAX]; /* last: launch() clears what precedes it */
};

struct tally {
	uint32_t connected;
	uint32_t connect_failed;
	uint32_t ended;
	uint32_t timed_out;
	uint32_t reset;
	uint32_t bad;
	uint32_t pongs;
	int32_t status_code[STATUS_KINDS_MAX];
	uint32_t status_n[STATUS_KINDS_MAX];
	int32_t close_code[CLOSE_KINDS_MAX];
	uint32_t close_n[CLOSE_KINDS_MAX];
	uint32_t mismatches_printed;
};

struct options {
	const char *host;
	uint16_t port;
	const char *mode;
	const char *role;
	uint32_t count;
	uint32_t concurrency;
	int64_t time_limit_ms;
	int64_t conn_limit_ms;
	int64_t byte_interval_ms;
	uint32_t sources;
	uint64_t seed;
};

static struct options opt;
static struct conn *conns;
static struct tally tally;
static struct expect want;
static uint64_t rng_state;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* splitmix64: small, seeded, the same sequence for the same --seed. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- building what a connection sends ----------------------------------- */

static bool out_reserve(struct conn *c, size_t more)
{
	if (c->out_len + more <= c->out_cap)
		return true;
	size_t cap = c->out_cap ? c->out_cap : 512;
	while (cap < c->out_len + more)
		cap *= 2;
	uint8_t *p = realloc(c->out, cap);
	if (p == NULL)
		return false;
	c->out = p;
	c->out_cap = cap;
	return true;
}

static void add_step(struct conn *c, enum step_kind kind, uint32_t off, uint32_t len, uint32_t ms)
{
	if (c->step_count == STEPS_MAX) {
		fprintf(stderr, "hc_hostile: internal: too many steps\n");
		exit(1);
	}
	c->steps[c->step_count++] = (struct step){ kind, off, len, ms };
}

/* Appends bytes and returns their offset; exits when out of memory. */
static uint32_t put(struct conn *c, const void *data, size_t len)
{
	if (!out_reserve(c, len)) {
		fprintf(stderr, "hc_hostile: out of memory\n");
		exit(1);
	}
	uint32_t off = (uint32_t)c->out_len;
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return off;
}

static uint32_t putf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static uint32_t putf(struct conn *c, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf) {
		fprintf(stderr, "hc_hostile: internal: line too long\n");
		exit(1);
	}
	return put(c, buf, (size_t)n);
}

static void send_all_so_far(struct conn *c, uint32_t from)
{
	add_step(c, STEP_SEND, from, (uint32_t)c->out_len - from, 0);
}

static const char *subprotocol(void)
{
	if (strcmp(opt.role, "map") == 0)
		return HC_PROTO_MAP;
	if (strcmp(opt.role, "supervisor") == 0)
		return HC_PROTO_SUPERVISOR;
	return HC_PROTO_TERMINAL;
}

/* The upgrade request for --role (proto NULL: no subprotocol header;
 * with_key false: no Sec-WebSocket-Key). */
static uint32_t put_upgrade(struct conn *c, const char *proto, bool with_key, bool finished)
{
	uint32_t from = putf(c,
			     "GET / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
			     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			     "Sec-WebSocket-Version: 13\r\n",
			     opt.port);
	if (with_key)
		putf(c, "Sec-WebSocket-Key: %s\r\n", ws_key);
	if (proto != NULL)
		putf(c, "Sec-WebSocket-Protocol: %s\r\n", proto);
	if (finished)
		putf(c, "\r\n");
	return from;
}

/* One client frame: masked unless mask is false. fin/opcode as given,
 * the payload length as declared_len (may differ from len on purpose). */
static void put_frame(struct conn *c, bool fin, uint8_t rsv, uint8_t opcode, bool mask,
		      const uint8_t *payload, size_t len, uint64_t declared_len)
{
	uint8_t h[14];
	size_t n = 0;
	h[n++] = (uint8_t)((fin ? 0x80 : 0) | (rsv << 4) | (opcode & 0x0f));
	uint8_t m = mask ? 0x80 : 0;
	if (declared_len < 126) {
		h[n++] = (uint8_t)(m | declared_len);
	} else if (declared_len <= 0xffff) {
		h[n++] = (uint8_t)(m | 126);
		h[n++] = (uint8_t)(declared_len >> 8);
		h[n++] = (uint8_t)declared_len;
	} else {
		h[n++] = (uint8_t)(m | 127);
		for (int k = 7; k >= 0; k--)
			h[n++] = (uint8_t)(declared_len >> (8 * k));
	}
	uint8_t key[4] = { 0, 0, 0, 0 };
	if (mask) {
		uint64_t r = rng_next();
		memcpy(key, &r, 4);
		memcpy(h + n, key, 4);
		n += 4;
	}
	put(c, h, n);
	if (!out_reserve(c, len)) {
		fprintf(stderr, "hc_hostile: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < len; i++)
		c->out[c->out_len + i] = payload[i] ^ key[i % 4];
	c->out_len += len;
}

/* A TLS 1.2 ClientHello record, as a browser pointed at https:// sends. */
static void put_tls_hello(struct conn *c)
{
	uint8_t body[128];
	size_t n = 0;
	body[n++] = 0x03; /* client_version 1.2 */
	body[n++] = 0x03;
	for (int k = 0; k < 32; k++) /* random */
		body[n++] = (uint8_t)rng_next();
	body[n++] = 0x00; /* no session id */
	static const uint8_t suites[] = { 0x00, 0x06, 0xc0, 0x2f, 0xc0, 0x2b, 0x00, 0x9c };
	memcpy(body + n, suites, sizeof suites);
	n += sizeof suites;
	body[n++] = 0x01; /* one compression: null */
	body[n++] = 0x00;
	static const char sni[] = "localhost";
	size_t sni_len = sizeof sni - 1;
	size_t ext_len = 9 + sni_len;
	body[n++] = 0x00; /* extensions length */
	body[n++] = (uint8_t)ext_len;
	body[n++] = 0x00; /* server_name */
	body[n++] = 0x00;
	body[n++] = 0x00;
	body[n++] = (uint8_t)(5 + sni_len);
	body[n++] = 0x00;
	body[n++] = (uint8_t)(3 + sni_len);
	body[n++] = 0x00; /* host_name */
	body[n++] = 0x00;
	body[n++] = (uint8_t)sni_len;
	memcpy(body + n, sni, sni_len);
	n += sni_len;
	uint8_t rec[9] = { 0x16,
			   0x03,
			   0x01,
			   (uint8_t)((n + 4) >> 8),
			   (uint8_t)(n + 4),
			   0x01,
			   0x00,
			   (uint8_t)(n >> 8),
			   (uint8_t)n };
	put(c, rec, sizeof rec);
	put(c, body, n);
}

static const char *const traversal_paths[] = {
	"/../../etc/passwd",
	"/%2e%2e/%2e%2e/etc/passwd",
	"/..%2f..%2f..%2fetc%2fpasswd",
	"/%252e%252e/%252e%252e/etc/passwd",
	"/api/../../../../etc/passwd",
	"//etc/passwd",
	"/.%2e/.%2e/etc/passwd",
	"/..\\..\\etc\\passwd",
	"/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
	"/healthz/../../../etc/passwd",
};

static const char *const unknown_requests[] = {
	"FROB / HTTP/1.1",
	"DELETE /api/areas HTTP/1.1",
	"PUT /healthz HTTP/1.1",
	"BREW /coffee HTTP/1.1",
	"GET /nope HTTP/1.1",
	"GET /api HTTP/1.1",
	"GET /api/areas/north/x HTTP/1.1",
	"GET /healthzz HTTP/1.1",
	"OPTIONS * HTTP/1.1",
	"GET http://example.invalid/ HTTP/1.1",
};

/* ---- modes -------------------------------------------------------------- */

struct mode {
	const char *name;
	bool needs_role; /* the --role subprotocol matters */
	void (*build)(struct conn *c);
	void (*expect)(struct expect *e);
	const char *what;
};

static void expect_ended(struct expect *e)
{
	e->ended = true;
	e->any_status_or_none = true;
	e->any_close = true;
}

static void expect_we_close(struct expect *e)
{
	e->we_close = true;
	e->any_status_or_none = true;
	e->any_close = true;
}

static void build_connect_close(struct conn *c)
{
	add_step(c, STEP_CLOSE, 0, 0, 0);
}

static void build_connect_rst(struct conn *c)
{
	add_step(c, STEP_RST, 0, 0, 0);
}

static void build_partial_line(struct conn *c)
{
	uint32_t from = putf(c, "GET /heal");
	send_all_so_far(c, from);
	add_step(c, STEP_SLEEP, 0, 0, 20);
	add_step(c, STEP_CLOSE, 0, 0, 0);
}

static void build_partial_headers(struct conn *c)
{
	uint32_t from = putf(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: hc");
	send_all_so_far(c, from);
	add_step(c, STEP_SLEEP, 0, 0, 20);
	add_step(c, c->index % 2 ? STEP_RST : STEP_CLOSE, 0, 0, 0);
}

/* Even connections stop inside the upgrade headers, odd ones send the
 * whole upgrade and reset without reading the 101. */
static void build_half_upgrade_rst(struct conn *c)
{
	bool whole = c->index % 2 == 1;
	uint32_t from = put_upgrade(c, subprotocol(), true, whole);
	send_all_so_far(c, from);
	if (!whole)
		add_step(c, STEP_SLEEP, 0, 0, 20);
	add_step(c, STEP_RST, 0, 0, 0);
}

static void build_idle(struct conn *c)
{
	(void)c; /* no steps: read until the server ends it */
}

static void build_slowloris(struct conn *c)
{
	uint32_t from =
		putf(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n");
	add_step(c, STEP_DRIBBLE, from, (uint32_t)c->out_len - from,
		 (uint32_t)opt.byte_interval_ms);
}

static void build_oversized_headers(struct conn *c)
{
	uint32_t from = putf(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
	char big[1024];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	if (c->index % 2 == 0) {
		/* one header of 64 KiB */
		putf(c, "X-Big: ");
		for (int k = 0; k < 64; k++)
			put(c, big, sizeof big - 1);
		putf(c, "\r\n\r\n");
	} else {
		/* many headers of 1 KiB */
		for (int k = 0; k < 64; k++)
			putf(c, "X-Many-%d: %s\r\n", k, big);
		putf(c, "\r\n");
	}
	send_all_so_far(c, from);
}

static void build_random(struct conn *c)
{
	size_t len = 1 + rng_next() % 4096;
	uint8_t buf[4096];
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next();
	/* a third start like a request line, so the parser gets further */
	uint32_t from = c->index % 3 == 0 ? putf(c, "GET /") : (uint32_t)c->out_len;
	put(c, buf, len);
	send_all_so_far(c, from);
}

static void build_tls_hello(struct conn *c)
{
	uint32_t from = (uint32_t)c->out_len;
	put_tls_hello(c);
	send_all_so_far(c, from);
}

static void build_http10(struct conn *c)
{
	static const char *const paths[] = { "/healthz", "/api/areas", "/api/groups", "/nope" };
	uint32_t from = putf(c, "GET %s HTTP/1.0\r\n\r\n", paths[c->index % 4]);
	send_all_so_far(c, from);
}

static void build_pipelined(struct conn *c)
{
	uint32_t from = putf(c,
			     "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
			     "GET /api/areas HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
			     "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	send_all_so_far(c, from);
}

static void build_unknown(struct conn *c)
{
	const char *line =
		unknown_requests[c->index % (sizeof unknown_requests / sizeof unknown_requests[0])];
	uint32_t from = putf(c,
			     "%s\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
			     "Connection: close\r\n\r\nhello",
			     line);
	send_all_so_far(c, from);
}

static void build_traversal(struct conn *c)
{
	const char *path =
		traversal_paths[c->index % (sizeof traversal_paths / sizeof traversal_paths[0])];
	uint32_t from = putf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
			     path);
	send_all_so_far(c, from);
}

static void build_ws_no_proto(struct conn *c)
{
	uint32_t from = put_upgrade(c, NULL, true, true);
	send_all_so_far(c, from);
}

static void build_ws_unknown_proto(struct conn *c)
{
	uint32_t from = put_upgrade(c, c->index % 2 ? "headcount-bogus.v9" : "chat, superchat",
				    true, true);
	send_all_so_far(c, from);
}

static void build_ws_no_key(struct conn *c)
{
	uint32_t from = put_upgrade(c, subprotocol(), false, true);
	send_all_so_far(c, from);
}

/* The role's upgrade, the 101, then whatever frames add() appends. */
static void build_ws_then(struct conn *c, void (*add)(struct conn *c))
{
	uint32_t from = put_upgrade(c, subprotocol(), true, true);
	send_all_so_far(c, from);
	add_step(c, STEP_AWAIT_101, 0, 0, 0);
	from = (uint32_t)c->out_len;
	add(c);
	send_all_so_far(c, from);
}

static void frames_frag_ping(struct conn *c)
{
	put_frame(c, false, 0, 0x9, true, (const uint8_t *)"ab", 2, 2);
	put_frame(c, true, 0, 0x0, true, (const uint8_t *)"cd", 2, 2);
}

static void frames_cont_no_start(struct conn *c)
{
	put_frame(c, true, 0, 0x0, true, (const uint8_t *)"{}", 2, 2);
}

static void frames_big_control(struct conn *c)
{
	uint8_t p[200];
	memset(p, 'p', sizeof p);
	put_frame(c, true, 0, 0x9, true, p, sizeof p, sizeof p);
}

static void frames_bad_close(struct conn *c)
{
	static const uint16_t codes[] = { 999, 1005, 1006, 1015, 2000, 5000 };
	uint16_t code = codes[c->index % 6];
	uint8_t p[2] = { (uint8_t)(code >> 8), (uint8_t)code };
	if (c->index % 7 == 6)
		put_frame(c, true, 0, 0x8, true, p, 1, 1); /* one-byte close body */
	else
		put_frame(c, true, 0, 0x8, true, p, 2, 2);
}

static void frames_bad_utf8(struct conn *c)
{
	static const uint8_t bad[] = "{\"type\":\"hello\",\"terminal\":\"\xc3\x28\xff\xfe\"}";
	put_frame(c, true, 0, 0x1, true, bad, sizeof bad - 1, sizeof bad - 1);
}

static void frames_ping_flood(struct conn *c)
{
	uint8_t p[125];
	memset(p, 'f', sizeof p);
	for (int k = 0; k < PING_FLOOD_COUNT; k++)
		put_frame(c, true, 0, 0x9, true, p, sizeof p, sizeof p);
	uint8_t bye[2] = { 0x03, 0xe8 }; /* 1000 */
	put_frame(c, true, 0, 0x8, true, bye, 2, 2);
}

static void frames_unmasked(struct conn *c)
{
	put_frame(c, true, 0, 0x1, false, (const uint8_t *)"{}", 2, 2);
}

static void frames_bad_opcode(struct conn *c)
{
	uint8_t op = c->index % 2 ? 0x3 : 0xb;
	put_frame(c, true, 0, op, true, (const uint8_t *)"xx", 2, 2);
}

static void frames_rsv_bits(struct conn *c)
{
	put_frame(c, true, 0x4, 0x1, true, (const uint8_t *)"{}", 2, 2);
}

static void frames_interleaved_text(struct conn *c)
{
	put_frame(c, false, 0, 0x1, true, (const uint8_t *)"{\"ty", 4, 4);
	put_frame(c, true, 0, 0x9, true, (const uint8_t *)"mid", 3, 3); /* legal */
	put_frame(c, true, 0, 0x1, true, (const uint8_t *)"{}", 2, 2);	/* not a continuation */
}

static void build_ws_frag_ping(struct conn *c)
{
	build_ws_then(c, frames_frag_ping);
}
static void build_ws_cont_no_start(struct conn *c)
{
	build_ws_then(c, frames_cont_no_start);
}
static void build_ws_big_control(struct conn *c)
{
	build_ws_then(c, frames_big_control);
}
static void build_ws_bad_close(struct conn *c)
{
	build_ws_then(c, frames_bad_close);
}
static void build_ws_bad_utf8(struct conn *c)
{
	build_ws_then(c, frames_bad_utf8);
}
static void build_ws_ping_flood(struct conn *c)
{
	build_ws_then(c, frames_ping_flood);
}
static void build_ws_unmasked(struct conn *c)
{
	build_ws_then(c, frames_unmasked);
}
static void build_ws_bad_opcode(struct conn *c)
{
	build_ws_then(c, frames_bad_opcode);
}
static void build_ws_rsv_bits(struct conn *c)
{
	build_ws_then(c, frames_rsv_bits);
}
static void build_ws_interleaved(struct conn *c)
{
	build_ws_then(c, frames_interleaved_text);
}

/* A correct upgrade, then silence: the role's hello timeout must end it. */
static void build_ws_silent(struct conn *c)
{
	uint32_t from = put_upgrade(c, subprotocol(), true, true);
	send_all_so_far(c, from);
}

/* Half a frame (a header announcing 1000 bytes, 10 of them), then RST. */
static void build_ws_partial_frame_rst(struct conn *c)
{
	uint32_t from = put_upgrade(c, subprotocol(), true, true);
	send_all_so_far(c, from);
	add_step(c, STEP_AWAIT_101, 0, 0, 0);
	from = (uint32_t)c->out_len;
	uint8_t p[10];
	memset(p, 'x', sizeof p);
	put_frame(c, true, 0, 0x1, true, p, sizeof p, 1000);
	send_all_so_far(c, from);
	add_step(c, STEP_SLEEP, 0, 0, 20);
	add_step(c, STEP_RST, 0, 0, 0);
}

static void expect_http_404(struct expect *e)
{
	e->ended = true;
	e->status[0] = 404;
	e->any_close = true;
	e->no_passwd = true;
}

static void expect_http_unknown(struct expect *e)
{
	/* 404 for unknown paths, 405 for other methods, or lws's own 4xx for
	 * what it cannot parse; never a 2xx or a 5xx. */
	e->ended = true;
	e->status[0] = 404;
	e->status[1] = 405;
	e->status[2] = 400;
	e->status[3] = 403;
	e->any_close = true;
}

static void expect_http10(struct expect *e)
{
	e->ended = true;
	e->status[0] = 200;
	e->status[1] = 404;
	e->any_close = true;
}

static void expect_pipelined(struct expect *e)
{
	e->ended = true;
	e->status[0] = 200;
	e->responses_min = 3;
	e->any_close = true;
}

static void expect_refused_upgrade(struct expect *e)
{
	/* Ended, with no 101 (or a 101 closed with a policy violation). */
	e->ended = true;
	e->any_status_or_none = true;
	e->close[0] = -1;
	e->close[1] = 1008;
}

static void expect_ws_no_proto(struct expect *e)
{
	e->ended = true;
	e->status[0] = 101;
	e->close[0] = 1008;
}

static void expect_ws_protocol_error(struct expect *e)
{
	/* 1002 from lws, or no close frame at all (lws drops the link), or
	 * the role refusing what lws let through as a message (an unmasked
	 * frame is not checked by lws 4.1; a map client closes at any data). */
	e->ended = true;
	e->status[0] = 101;
	e->close[0] = 1002;
	e->close[1] = -1;
	e->close[2] = HC_CLOSE_BAD_JSON;
	e->close[3] = HC_CLOSE_UNKNOWN_TYPE;
}

static void expect_ws_bad_close(struct expect *e)
{
	e->ended = true;
	e->status[0] = 101;
	e->any_close = true;
}

static void expect_ws_bad_utf8(struct expect *e)
{
	/* lws 4.1 does not check UTF-8 here; the role's parser refuses the
	 * message (terminal 4000, supervisor 4000, map 4001: it sends nothing). */
	e->ended = true;
	e->status[0] = 101;
	e->close[0] = HC_CLOSE_BAD_JSON;
	e->close[1] = HC_CLOSE_UNKNOWN_TYPE;
	e->close[2] = 1007;
	e->close[3] = 1002;
}

static void expect_ws_silent(struct expect *e)
{
	e->ended = true;
	e->status[0] = 101;
	e->close[0] = HC_CLOSE_HELLO_TIMEOUT;
}

static void expect_ws_ping_flood(struct expect *e)
{
	e->ended = true;
	e->status[0] = 101;
	e->close[0] = 1000;
	e->close[1] = -1;
	e->pongs_min = 1;
}

static const struct mode modes[] = {
	{ "connect-close", false, build_connect_close, expect_we_close,
	  "connect, then close at once" },
	{ "connect-rst", false, build_connect_rst, expect_we_close,
	  "connect, then reset (SO_LINGER 0)" },
	{ "partial-line", false, build_partial_line, expect_we_close,
	  "half a request line, then close" },
	{ "partial-headers", false, build_partial_headers, expect_we_close,
	  "request line and some headers, then close or reset" },
	{ "half-upgrade-rst", true, build_half_upgrade_rst, expect_we_close,
	  "half or all of an upgrade request, then reset" },
	{ "idle", false, build_idle, expect_ended,
	  "send nothing until the server's timeout ends it" },
	{ "slowloris", false, build_slowloris, expect_ended,
	  "a header byte every --byte-interval-ms" },
	{ "oversized-headers", false, build_oversized_headers, expect_ended,
	  "one 64 KiB header, or 64 headers of 1 KiB" },
	{ "random", false, build_random, expect_ended, "up to 4 KiB of seeded random bytes" },
	{ "tls-hello", false, build_tls_hello, expect_ended,
	  "a TLS ClientHello on the plain port" },
	{ "http10", false, build_http10, expect_http10, "HTTP/1.0 requests" },
	{ "pipelined", false, build_pipelined, expect_pipelined, "three requests in one write" },
	{ "unknown", false, build_unknown, expect_http_unknown, "unknown methods and paths" },
	{ "traversal", false, build_traversal, expect_http_404,
	  "path traversal, plain and encoded" },
	{ "ws-no-proto", false, build_ws_no_proto, expect_ws_no_proto,
	  "WebSocket upgrade without a subprotocol" },
	{ "ws-unknown-proto", false, build_ws_unknown_proto, expect_refused_upgrade,
	  "WebSocket upgrade with unknown subprotocols" },
	{ "ws-no-key", true, build_ws_no_key, expect_refused_upgrade,
	  "upgrade naming the role but without Sec-WebSocket-Key" },
	{ "ws-frag-ping", true, build_ws_frag_ping, expect_ws_protocol_error, "a fragmented ping" },
	{ "ws-cont-no-start", true, build_ws_cont_no_start, expect_ws_protocol_error,
	  "a continuation frame with no message started" },
	{ "ws-big-control", true, build_ws_big_control, expect_ws_protocol_error,
	  "a ping of 200 bytes (control frames hold 125)" },
	{ "ws-bad-close", true, build_ws_bad_close, expect_ws_bad_close,
	  "close frames with invalid codes or a one-byte body" },
	{ "ws-bad-utf8", true, build_ws_bad_utf8, expect_ws_bad_utf8,
	  "a text frame that is not UTF-8" },
	{ "ws-ping-flood", true, build_ws_ping_flood, expect_ws_ping_flood,
	  "200 pings in one write, then close 1000" },
	{ "ws-unmasked", true, build_ws_unmasked, expect_ws_protocol_error,
	  "a client frame without a mask" },
	{ "ws-bad-opcode", true, build_ws_bad_opcode, expect_ws_protocol_error,
	  "reserved opcodes 0x3 and 0xb" },
	{ "ws-rsv-bits", true, build_ws_rsv_bits, expect_ws_protocol_error,
	  "RSV bits set with no extension" },
	{ "ws-interleaved", true, build_ws_interleaved, expect_ws_protocol_error,
	  "a new text message inside a fragmented one" },
	{ "ws-partial-frame-rst", true, build_ws_partial_frame_rst, expect_we_close,
	  "half a frame, then reset" },
	{ "ws-silent", true, build_ws_silent, expect_ws_silent,
	  "a correct upgrade, then nothing: closed 4007 (terminal, supervisor)" },
};

#define MODE_COUNT (sizeof modes / sizeof modes[0])

/* ---- reading what the server says ----------------------------------------- */

static void note_status(int32_t status)
{
	for (int k = 0; k < STATUS_KINDS_MAX; k++) {
		if (tally.status_n[k] > 0 && tally.status_code[k] == status) {
			tally.status_n[k]++;
			return;
		}
		if (tally.status_n[k] == 0) {
			tally.status_code[k] = status;
			tally.status_n[k] = 1;
			return;
		}
	}
}

static void note_close(int32_t code)
{
	for (int k = 0; k < CLOSE_KINDS_MAX; k++) {
		if (tally.close_n[k] > 0 && tally.close_code[k] == code) {
			tally.close_n[k]++;
			return;
		}
		if (tally.close_n[k] == 0) {
			tally.close_code[k] = code;
			tally.close_n[k] = 1;
			return;
		}
	}
}

/* Answers the server's close as a client does (masked close 1000, no
 * wait if the socket is full), so the server need not wait for it. */
static void reply_close(struct conn *c)
{
	static const uint8_t frame[] = { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8 };
	if (send(c->fd, frame, sizeof frame, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EPIPE && errno != ECONNRESET)
		fprintf(stderr, "hc_hostile: send close: %s\n", strerror(errno));
}

/* Server frames after the 101: counts pongs, notes the close code,
 * drops what it has read. */
static void parse_frames(struct conn *c)
{
	for (;;) {
		size_t avail = c->in_len - c->frames_at;
		uint8_t *p = c->in + c->frames_at;
		if (avail < 2)
			break;
		uint8_t opcode = p[0] & 0x0f;
		uint64_t len = p[1] & 0x7f;
		size_t hdr = 2;
		if (len == 126) {
			if (avail < 4)
				break;
			len = ((uint64_t)p[2] << 8) | p[3];
			hdr = 4;
		} else if (len == 127) {
			if (avail < 10)
				break;
			len = 0;
			for (int k = 0; k < 8; k++)
				len = (len << 8) | p[2 + k];
			hdr = 10;
		}
		if (p[1] & 0x80)
			hdr += 4; /* a server never masks; skip it anyway */
		if (len > IN_BYTES_MAX || avail < hdr + len) {
			if (len > IN_BYTES_MAX)
				c->frames_at = c->in_len; /* too big to hold: skip */
			break;
		}
		if (opcode == 0xa)
			c->pongs++;
		if (opcode == 0x8 && c->close_code < 0) {
			c->close_code = len >= 2 ? (int32_t)((p[hdr] << 8) | p[hdr + 1]) : 1005;
			reply_close(c);
		}
		c->frames_at += hdr + (size_t)len;
	}
	/* keep the buffer small: drop the frames already read */
	if (c->frames_at > 0) {
		memmove(c->in, c->in + c->frames_at, c->in_len - c->frames_at);
		c->in_len -= c->frames_at;
		c->frames_at = 0;
	}
}

/* Response headers, once complete: status, and frames from here on for
 * a 101. HTTP responses are counted by their status lines. */
static void parse_http(struct conn *c)
{
	if (!c->headers_seen) {
		const char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		if (end == NULL)
			return;
		c->headers_seen = true;
		int status = 0;
		if (sscanf((const char *)c->in, "HTTP/1.%*1[01] %3d", &status) == 1)
			c->status = status;
		if (c->status == 101) {
			c->upgraded = true;
			size_t at = (size_t)((const uint8_t *)end + 4 - c->in);
			memmove(c->in, c->in + at, c->in_len - at);
			c->in_len -= at;
			c->frames_at = 0;
			parse_frames(c);
			return;
		}
	}
}

static void count_responses(struct conn *c)
{
	c->responses = 0;
	for (size_t i = 0; i + 9 <= c->in_len; i++)
		if (memcmp(c->in + i, "HTTP/1.", 7) == 0 && c->in[i + 8] == ' ')
			c->responses++;
	if (memmem(c->in, c->in_len, "root:", 5) != NULL)
		c->passwd_seen = true;
}

static void on_readable(struct conn *c, bool *ended, bool *reset)
{
	for (int round = 0; round < 16; round++) {
		uint8_t buf[16384];
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n == 0) {
			*ended = true;
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			*ended = true;
			*reset = errno == ECONNRESET || errno == EPIPE;
			return;
		}
		size_t room = IN_BYTES_MAX - c->in_len;
		size_t keep = (size_t)n < room ? (size_t)n : room;
		memcpy(c->in + c->in_len, buf, keep);
		c->in_len += keep;
		if (c->upgraded)
			parse_frames(c);
		else
			parse_http(c);
	}
}

/* ---- connection life ------------------------------------------------------ */

static bool in_list_i32(const int32_t *list, size_t n, int32_t v)
{
	for (size_t k = 0; k < n; k++)
		if (list[k] == v)
			return true;
	return false;
}

static void mismatch(const struct conn *c, const char *what)
{
	tally.bad++;
	if (tally.mismatches_printed >= MISMATCH_LINES_MAX)
		return;
	tally.mismatches_printed++;
	printf("mismatch conn=%" PRIu32 " %s (status=%" PRId32 " close=%" PRId32
	       " responses=%" PRIu32 " pongs=%" PRIu32 ")\n",
	       c->index, what, c->status, c->close_code, c->responses, c->pongs);
}

/* Ends a connection: checks it against the mode's expectations. */
static void finish(struct conn *c, bool server_ended, bool reset, bool timed_out)
{
	if (!c->upgraded)
		count_responses(c);
	if (server_ended)
		tally.ended++;
	if (reset)
		tally.reset++;
	if (timed_out)
		tally.timed_out++;
	tally.pongs += c->pongs;
	if (c->connected) {
		note_status(c->status);
		note_close(c->close_code);
	}
	if (!c->connected) {
		/* counted in connect_failed */
	} else if (want.we_close) {
		/* nothing to check: the point was to leave */
	} else {
		if (want.ended && !server_ended)
			mismatch(c, "the server kept the connection past --conn-limit-ms");
		if (!want.any_status_or_none && c->status != 0 &&
		    !in_list_i32(want.status, 4, c->status))
			mismatch(c, "unexpected HTTP status");
		if (!want.any_status_or_none && c->status == 0 && want.status[0] != 0)
			mismatch(c, "no HTTP response");
		if (!want.any_close && !in_list_i32(want.close, 4, c->close_code))
			mismatch(c, "unexpected close code");
		if (c->responses < want.responses_min)
			mismatch(c, "fewer HTTP responses than requests");
		if (c->pongs < want.pongs_min)
			mismatch(c, "no pong");
		if (want.no_passwd && c->passwd_seen)
			mismatch(c, "file content in the response");
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->active = false;
}

/* Opens connection number index (non-blocking). */
static bool launch(struct conn *c, uint32_t index, const struct sockaddr_in *dst)
{
	memset(c, 0, offsetof(struct conn, in));
	c->index = index;
	c->close_code = -1;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fprintf(stderr, "hc_hostile: socket: %s\n", strerror(errno));
		return false;
	}
	if (opt.sources > 0) {
		uint32_t k = index % opt.sources;
		struct sockaddr_in src = { .sin_family = AF_INET };
		src.sin_addr.s_addr = htonl((127u << 24) | (77u << 16) | ((k / 250) << 8) |
					    (1 + k % 250));
		if (bind(c->fd, (const struct sockaddr *)&src, sizeof src) != 0) {
			fprintf(stderr, "hc_hostile: bind to a loopback source: %s\n",
				strerror(errno));
			close(c->fd);
			return false;
		}
	}
	c->active = true;
	c->started_ms = now_ms();
	c->end_ms = c->started_ms + opt.conn_limit_ms;
	const struct mode *m = NULL;
	for (size_t k = 0; k < MODE_COUNT; k++)
		if (strcmp(modes[k].name, opt.mode) == 0)
			m = &modes[k];
	m->build(c);
	int rc = connect(c->fd, (const struct sockaddr *)dst, sizeof *dst);
	if (rc != 0 && errno != EINPROGRESS) {
		tally.connect_failed++;
		finish(c, false, false, false);
		return true;
	}
	return true;
}

static void do_rst(struct conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
		fprintf(stderr, "hc_hostile: SO_LINGER: %s\n", strerror(errno));
}

/* Runs the connection's steps as far as they can go now. One piece
 * (about 60 lines): one case per step kind of the attack scripts. */
static void advance(struct conn *c, int64_t now)
{
	while (c->active && c->step < c->step_count) {
		struct step *s = &c->steps[c->step];
		switch (s->kind) {
		case STEP_SEND: {
			while (c->step_done < s->len) {
				ssize_t n = send(c->fd, c->out + s->off + c->step_done,
						 s->len - c->step_done, MSG_NOSIGNAL);
				if (n < 0) {
					if (errno == EAGAIN || errno == EWOULDBLOCK)
						return;
					/* the server closed on us: read what it said */
					c->step = c->step_count;
					return;
				}
				c->step_done += (uint32_t)n;
			}
			c->step++;
			c->step_done = 0;
			break;
		}
		case STEP_DRIBBLE:
			if (c->wake_ms != 0 && now < c->wake_ms)
				return;
			if (send(c->fd, c->out + s->off + c->step_done, 1, MSG_NOSIGNAL) != 1) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return;
				c->step = c->step_count;
				return;
			}
			c->step_done++;
			c->wake_ms = now + s->ms;
			if (c->step_done == s->len) {
				c->step++;
				c->step_done = 0;
				c->wake_ms = 0;
			}
			return;
		case STEP_AWAIT_101:
			if (!c->headers_seen)
				return;
			if (!c->upgraded)
				c->step = c->step_count; /* refused: just read on */
			else
				c->step++;
			break;
		case STEP_SLEEP:
			if (c->wake_ms == 0)
				c->wake_ms = now + s->ms;
			if (now < c->wake_ms)
				return;
			c->wake_ms = 0;
			c->step++;
			break;
		case STEP_RST:
			do_rst(c);
			finish(c, false, false, false);
			return;
		case STEP_CLOSE: finish(c, false, false, false); return;
		}
	}
}

static bool wants_write(const struct conn *c)
{
	if (!c->connected)
		return true;
	if (c->step >= c->step_count)
		return false;
	const struct step *s = &c->steps[c->step];
	return s->kind == STEP_SEND && c->step_done < s->len;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f, "usage: hc_hostile --port P --mode MODE [--host 127.0.0.1]\n"
		   "  [--role terminal|map|supervisor] [--count N] [--concurrency N]\n"
		   "  [--time-limit-ms MS] [--conn-limit-ms MS] [--byte-interval-ms MS]\n"
		   "  [--sources N] [--seed S] | --list\n");
}

static void list_modes(void)
{
	for (size_t k = 0; k < MODE_COUNT; k++)
		printf("%-22s %s%s\n", modes[k].name, modes[k].what,
		       modes[k].needs_role ? " (per role)" : "");
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static void print_summary(int64_t elapsed_ms)
{
	printf("hostile mode=%s role=%s seed=%" PRIu64 " count=%" PRIu32 " connected=%" PRIu32
	       " connect_failed=%" PRIu32 " ended=%" PRIu32 " timed_out=%" PRIu32 " reset=%" PRIu32
	       " http=",
	       opt.mode, opt.role, opt.seed, opt.count, tally.connected, tally.connect_failed,
	       tally.ended, tally.timed_out, tally.reset);
	bool first = true;
	for (int k = 0; k < STATUS_KINDS_MAX && tally.status_n[k] > 0; k++) {
		printf("%s%" PRId32 ":%" PRIu32, first ? "" : ",", tally.status_code[k],
		       tally.status_n[k]);
		first = false;
	}
	printf(" close=");
	first = true;
	for (int k = 0; k < CLOSE_KINDS_MAX && tally.close_n[k] > 0; k++) {
		printf("%s%" PRId32 ":%" PRIu32, first ? "" : ",", tally.close_code[k],
		       tally.close_n[k]);
		first = false;
	}
	printf(" pongs=%" PRIu32 " bad=%" PRIu32 " ms=%" PRId64 "\n", tally.pongs, tally.bad,
	       elapsed_ms);
}

/* One piece (a test tool's main): the options, then the one bounded loop over every connection. */
int main(int argc, char **argv)
{
	opt = (struct options){
		.host = "127.0.0.1",
		.role = "terminal",
		.count = 100,
		.concurrency = 64,
		.time_limit_ms = 60000,
		.conn_limit_ms = 15000,
		.byte_interval_ms = 1000,
		.sources = 0,
		.seed = ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16)) & 0xffffffffu,
	};
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "role", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "time-limit-ms", required_argument, NULL, 't' },
		{ "conn-limit-ms", required_argument, NULL, 'T' },
		{ "byte-interval-ms", required_argument, NULL, 'b' },
		{ "sources", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int ch;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H': opt.host = optarg; break;
		case 'p':
			if (!parse_u64(optarg, 65535, &v) || v == 0)
				goto bad;
			opt.port = (uint16_t)v;
			break;
		case 'm': opt.mode = optarg; break;
		case 'r': opt.role = optarg; break;
		case 'n':
			if (!parse_u64(optarg, 1000000, &v) || v == 0)
				goto bad;
			opt.count = (uint32_t)v;
			break;
		case 'c':
			if (!parse_u64(optarg, CONNS_MAX, &v) || v == 0)
				goto bad;
			opt.concurrency = (uint32_t)v;
			break;
		case 't':
			if (!parse_u64(optarg, 3600000, &v) || v == 0)
				goto bad;
			opt.time_limit_ms = (int64_t)v;
			break;
		case 'T':
			if (!parse_u64(optarg, 600000, &v) || v == 0)
				goto bad;
			opt.conn_limit_ms = (int64_t)v;
			break;
		case 'b':
			if (!parse_u64(optarg, 60000, &v) || v == 0)
				goto bad;
			opt.byte_interval_ms = (int64_t)v;
			break;
		case 's':
			if (!parse_u64(optarg, 62500, &v))
				goto bad;
			opt.sources = (uint32_t)v;
			break;
		case 'S':
			if (!parse_u64(optarg, UINT64_MAX, &v))
				goto bad;
			opt.seed = v;
			break;
		case 'l': list_modes(); return 0;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (opt.port == 0 || opt.mode == NULL)
		goto bad;
	const struct mode *m = NULL;
	for (size_t k = 0; k < MODE_COUNT; k++)
		if (strcmp(modes[k].name, opt.mode) == 0)
			m = &modes[k];
	if (m == NULL) {
		fprintf(stderr, "hc_hostile: unknown mode \"%s\"; --list shows them\n", opt.mode);
		return 1;
	}
	if (strcmp(opt.role, "terminal") != 0 && strcmp(opt.role, "map") != 0 &&
	    strcmp(opt.role, "supervisor") != 0) {
		fprintf(stderr, "hc_hostile: --role is terminal, map or supervisor\n");
		return 1;
	}
	if (!m->needs_role)
		opt.role = "-";
	m->expect(&want);
	rng_state = opt.seed;

	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(opt.port) };
	if (inet_pton(AF_INET, opt.host, &dst.sin_addr) != 1) {
		fprintf(stderr, "hc_hostile: --host must be an IPv4 address\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	conns = calloc(opt.concurrency, sizeof *conns);
	struct pollfd *pfd = calloc(opt.concurrency, sizeof *pfd);
	uint32_t *pfd_conn = calloc(opt.concurrency, sizeof *pfd_conn);
	if (conns == NULL || pfd == NULL || pfd_conn == NULL) {
		fprintf(stderr, "hc_hostile: out of memory\n");
		return 1;
	}
	for (uint32_t k = 0; k < opt.concurrency; k++)
		conns[k].fd = -1;

	int64_t start_ms = now_ms();
	int64_t deadline_ms = start_ms + opt.time_limit_ms;
	uint32_t launched = 0;
	int rc = 0;
	for (;;) {
		int64_t now = now_ms();
		uint32_t active = 0;
		for (uint32_t k = 0; k < opt.concurrency; k++) {
			struct conn *c = &conns[k];
			if (!c->active && launched < opt.count && now < deadline_ms &&
			    !interrupted) {
				if (!launch(c, launched, &dst)) {
					rc = 1;
					goto done;
				}
				launched++;
			}
			if (c->active && now >= c->end_ms)
				finish(c, false, false, true);
			if (c->active)
				active++;
		}
		if (active == 0 && (launched == opt.count || now >= deadline_ms || interrupted))
			break;
		if (now >= deadline_ms || interrupted) {
			for (uint32_t k = 0; k < opt.concurrency; k++)
				if (conns[k].active)
					finish(&conns[k], false, false, true);
			break;
		}
		nfds_t n = 0;
		int64_t wait_ms = 100;
		for (uint32_t k = 0; k < opt.concurrency; k++) {
			struct conn *c = &conns[k];
			if (!c->active)
				continue;
			pfd[n].fd = c->fd;
			pfd[n].events = (short)(POLLIN | (wants_write(c) ? POLLOUT : 0));
			pfd[n].revents = 0;
			pfd_conn[n] = k;
			n++;
			if (c->wake_ms != 0 && c->wake_ms - now < wait_ms)
				wait_ms = c->wake_ms - now < 0 ? 0 : c->wake_ms - now;
		}
		if (poll(pfd, n, (int)wait_ms) < 0 && errno != EINTR) {
			fprintf(stderr, "hc_hostile: poll: %s\n", strerror(errno));
			rc = 1;
			goto done;
		}
		now = now_ms();
		for (nfds_t i = 0; i < n; i++) {
			struct conn *c = &conns[pfd_conn[i]];
			if (!c->active)
				continue;
			if (!c->connected && (pfd[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
				int err = 0;
				socklen_t len = sizeof err;
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err != 0) {
					tally.connect_failed++;
					finish(c, false, false, false);
					continue;
				}
				c->connected = true;
				tally.connected++;
			}
			if (!c->connected)
				continue;
			bool ended = false, reset = false;
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				on_readable(c, &ended, &reset);
			/* A close frame ends it from the server's side: answered in
			 * parse_frames, no need to wait for the TCP close. */
			if (ended || c->close_code >= 0) {
				finish(c, true, reset, false);
				continue;
			}
			advance(c, now);
		}
		/* timers: dribbles and sleeps due */
		for (uint32_t k = 0; k < opt.concurrency; k++)
			if (conns[k].active && conns[k].connected && conns[k].wake_ms != 0 &&
			    now >= conns[k].wake_ms)
				advance(&conns[k], now);
	}
	print_summary(now_ms() - start_ms);
	if (tally.connected == 0)
		rc = 2;
	else if (tally.bad > 0 || tally.connect_failed > 0 || launched < opt.count)
		rc = 3;
	if (launched < opt.count)
		printf("mismatch only %" PRIu32 " of %" PRIu32 " connections started within"
		       " --time-limit-ms\n",
		       launched, opt.count);
done:
	for (uint32_t k = 0; k < opt.concurrency; k++)
		if (conns[k].active)
			finish(&conns[k], false, false, true);
	free(conns);
	free(pfd);
	free(pfd_conn);
	return rc;
bad:
	usage(stderr);
	return 1;
}
