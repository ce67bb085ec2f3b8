/*
 * hc_shared_roles.c — a test client that speaks all three WebSocket
 * roles of the aggregator with shared/ alone (it links libhcshared.a and
 * nothing of aggregator/, terminal/ or hw/; tests/lint/deps.rules checks
 * its includes).
 *
 *   --terminal ID --incarnation HEX --secret-file FILE [--batch SEQ,ENTERED,EXITED]...
 *       answers the challenge with a hello carrying its proof, then sends
 *       the batches, each with its MAC (shared/wire_terminal.c,
 *       shared/terminal_auth.c), once welcomed; prints
 *       welcome, every ack and every area the aggregator sends.
 *   --supervisor NAME --password-file FILE [--override area|group ID auto|closed|open]...
 *       [--correct AREA DELTA]...
 *       logs in (hello on the challenge, the proof on the salt:
 *       shared/wire_supervisor.c), then sends the
 *       commands (request 1, 2, ...) once the snapshot came; prints
 *       welcome, the snapshot, areas, groups and every result.
 *   --map
 *       subscribes (shared/wire_area.c); prints the snapshot's areas and
 *       groups, then every area and group update.
 *
 * Every frame received is parsed by shared/ and printed as one line of
 * values, never as raw JSON, so a test asserts on what a client of
 * shared/ reads:
 *
 *   welcome <terminal> <area>              (terminal)  welcome <name> (supervisor)
 *   ack <seq> duplicate=<0|1>
 *   snapshot areas=<n> groups=<n>[ terminals=<n>]
 *   area <id> occupancy=<n> entered=<n> exited=<n> capacity=<n> level=<l>
 *        restricted=<0|1> restricted_by=<text|->
 *   group <id> occupancy=<n> capacity=<n> level=<l> restricted=<0|1> override=<o>
 *   result <request> ok=<0|1> error=<text|->
 *   close <code> <reason> | closed | error <text> | unparsed <why>
 *
 * It stops by itself: once a printed line starts with --until TEXT, after
 * --wait-ms (default 5000), or when the connection ends. Exit status 0
 * when it stopped on --until (or without --until, always), 1 otherwise.
 * Test-only; not installed.
 */
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/limits.h"
#include "shared/protocol.h"
#include "shared/wire_area.h"
#include "shared/terminal_auth.h"
#include "shared/wire_supervisor.h"
#include "tests/tools/hc_shared_client.h"

#define FRAMES_MAX 64
#define FRAME_BYTES_MAX 1024

enum role { ROLE_NONE, ROLE_TERMINAL, ROLE_SUPERVISOR, ROLE_MAP };

struct client {
	enum role role;
	const char *terminal;
	const char *incarnation;
	const char *supervisor;
	char password[257];
	uint8_t secret[HC_TAUTH_SECRET_BYTES]; /* the terminal's enrollment secret */
	bool has_secret;
	struct hc_msg_hello hello;
	struct hc_msg_batch batches[FRAMES_MAX];
	size_t batch_count;
	char nonce[HC_WIRE_SUP_NONCE_HEX_LEN + 1];
	char proof[FRAME_BYTES_MAX]; /* sent before any frame once set */
	bool proof_pending;
	char frames[FRAMES_MAX][FRAME_BYTES_MAX]; /* [0] is the hello */
	size_t frame_count;
	size_t released; /* frames [0, released) may be sent */
	size_t sent;
	int64_t requests;
	const char *until;
	bool until_seen;
	bool done;
	char *rx; /* reassembly of fragmented frames */
	size_t rx_len;
};

static struct client cl;

static void print_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print_line(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	puts(line);
	fflush(stdout);
	if (cl.until != NULL && strncmp(line, cl.until, strlen(cl.until)) == 0) {
		cl.until_seen = true;
		cl.done = true;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hc_shared_roles --url ws://HOST:PORT [--wait-ms N] [--until TEXT] ROLE\n"
		"  ROLE: --terminal ID --incarnation HEX [--secret-file FILE] [--batch SEQ,ENTERED,EXITED]...\n"
		"      | --supervisor NAME --password-file FILE [--override area|group ID MODE]...\n"
		"                                    [--correct AREA DELTA]...\n"
		"      | --map\n");
	exit(2);
}

static void print_area(const struct hc_area_state *a)
{
	print_line("area %s occupancy=%lld entered=%lld exited=%lld capacity=%lld level=%s "
		   "restricted=%d restricted_by=%s",
		   a->id, (long long)a->occupancy, (long long)a->entered, (long long)a->exited,
		   (long long)a->capacity, hc_level_name(a->level), a->restricted ? 1 : 0,
		   a->restricted_by[0] != '\0' ? a->restricted_by : "-");
}

static void print_group(const char *id, int64_t occupancy, int64_t capacity, enum hc_level level,
			bool restricted, enum hc_wire_override o)
{
	print_line("group %s occupancy=%lld capacity=%lld level=%s restricted=%d override=%s", id,
		   (long long)occupancy, (long long)capacity, hc_level_name(level),
		   restricted ? 1 : 0, hc_wire_override_name(o));
}

static void release_all(struct lws *wsi)
{
	cl.released = cl.frame_count;
	lws_callback_on_writable(wsi);
}

/* The answer to the terminal challenge: the hello with its proof in
 * frames[0], then every batch with its MAC, all bound to nonce. */
static bool sign_terminal_frames(const uint8_t nonce[HC_TAUTH_NONCE_BYTES])
{
	struct hc_msg_hello h = cl.hello;
	if (cl.has_secret) {
		if (!hc_tauth_hello_proof(cl.secret, nonce, h.terminal, h.incarnation, h.proof))
			return false;
		h.has_proof = true;
	}
	if (hc_proto_build_hello(cl.frames[0], sizeof cl.frames[0], &h) == 0)
		return false;
	for (size_t i = 0; i < cl.batch_count; i++) {
		struct hc_msg_batch b = cl.batches[i];
		if (cl.has_secret) {
			if (!hc_tauth_batch_mac(cl.secret, nonce, h.terminal, h.incarnation, &b,
						b.mac))
				return false;
			b.has_mac = true;
		}
		if (hc_proto_build_batch(cl.frames[1 + i], FRAME_BYTES_MAX, &b) == 0)
			return false;
	}
	return true;
}

static void on_terminal_frame(struct lws *wsi, const char *text, size_t len)
{
	struct hc_msg m;
	struct hc_proto_error err;
	if (!hc_proto_parse_from_aggregator(text, len, &m, &err)) {
		print_line("unparsed %s", err.reason);
		return;
	}
	switch (m.type) {
	case HC_MSG_CHALLENGE:
		if (!sign_terminal_frames(m.u.challenge.nonce)) {
			print_line("error cannot sign the hello and batches");
			cl.done = true;
			break;
		}
		cl.released = 1; /* the hello */
		lws_callback_on_writable(wsi);
		break;
	case HC_MSG_WELCOME:
		print_line("welcome %s %s", m.u.welcome.terminal, m.u.welcome.area);
		release_all(wsi);
		break;
	case HC_MSG_ACK:
		print_line("ack %lld duplicate=%d", (long long)m.u.ack.seq,
			   m.u.ack.duplicate ? 1 : 0);
		break;
	case HC_MSG_AREA: print_area(&m.u.area); break;
	default: print_line("unparsed unexpected type %d", (int)m.type); break;
	}
}

static void on_supervisor_frame(struct lws *wsi, const char *text, size_t len)
{
	struct hc_wire_sup_msg m;
	char why[160] = "";
	if (!hc_wire_sup_parse(text, len, &m, why, sizeof why)) {
		print_line("unparsed %s", why);
		return;
	}
	switch (m.type) {
	case HC_WIRE_SUP_CHALLENGE:
		snprintf(cl.nonce, sizeof cl.nonce, "%s", m.nonce);
		if (hc_wire_sup_build_hello(cl.frames[0], sizeof cl.frames[0], cl.supervisor) ==
		    0) {
			print_line("error cannot build the hello");
			cl.done = true;
			break;
		}
		cl.released = 1;
		lws_callback_on_writable(wsi);
		break;
	case HC_WIRE_SUP_SALT:
		if (hc_wire_sup_build_proof(cl.proof, sizeof cl.proof, cl.supervisor, cl.password,
					    cl.nonce, m.salt, m.iterations) == 0) {
			print_line("error cannot build the proof");
			cl.done = true;
			break;
		}
		cl.proof_pending = true;
		lws_callback_on_writable(wsi);
		break;
	case HC_WIRE_SUP_WELCOME: print_line("welcome %s", m.supervisor); break;
	case HC_WIRE_SUP_SNAPSHOT:
		print_line("snapshot areas=%u groups=%u terminals=%u", m.area_count, m.group_count,
			   m.terminal_count);
		for (uint32_t i = 0; i < m.area_count; i++)
			print_area(&m.areas[i].st);
		for (uint32_t i = 0; i < m.group_count; i++)
			print_group(m.groups[i].id, m.groups[i].occupancy, m.groups[i].capacity,
				    m.groups[i].level, m.groups[i].restricted,
				    m.groups[i].override);
		release_all(wsi);
		break;
	case HC_WIRE_SUP_AREA: print_area(&m.area.st); break;
	case HC_WIRE_SUP_GROUP:
		print_group(m.group.id, m.group.occupancy, m.group.capacity, m.group.level,
			    m.group.restricted, m.group.override);
		break;
	case HC_WIRE_SUP_TERMINAL: break;
	case HC_WIRE_SUP_RESULT:
		print_line("result %lld ok=%d error=%s", (long long)m.result.request,
			   m.result.ok ? 1 : 0, m.result.error[0] != '\0' ? m.result.error : "-");
		break;
	}
	hc_wire_sup_msg_free(&m);
}

static void on_map_frame(const char *text, size_t len)
{
	struct hc_area_feed_msg m;
	char why[160] = "";
	if (!hc_area_feed_parse(text, len, &m, why, sizeof why)) {
		print_line("unparsed %s", why);
		return;
	}
	switch (m.type) {
	case HC_AREA_FEED_SNAPSHOT:
		print_line("snapshot areas=%u groups=%u", m.area_count, m.group_count);
		for (uint32_t i = 0; i < m.area_count; i++)
			print_area(&m.areas[i]);
		for (uint32_t i = 0; i < m.group_count; i++)
			print_group(m.groups[i].id, m.groups[i].occupancy, m.groups[i].capacity,
				    m.groups[i].level, m.groups[i].restricted,
				    m.groups[i].override);
		break;
	case HC_AREA_FEED_AREA: print_area(&m.area); break;
	case HC_AREA_FEED_GROUP:
		print_group(m.group.id, m.group.occupancy, m.group.capacity, m.group.level,
			    m.group.restricted, m.group.override);
		break;
	}
	hc_area_feed_msg_free(&m);
}

static void on_frame(struct lws *wsi, const void *in, size_t len)
{
	char *grown = realloc(cl.rx, cl.rx_len + len + 1);
	if (grown == NULL) {
		print_line("error out of memory");
		cl.done = true;
		return;
	}
	cl.rx = grown;
	memcpy(cl.rx + cl.rx_len, in, len);
	cl.rx_len += len;
	if (!lws_is_final_fragment(wsi))
		return;
	cl.rx[cl.rx_len] = '\0';
	if (cl.role == ROLE_TERMINAL)
		on_terminal_frame(wsi, cl.rx, cl.rx_len);
	else if (cl.role == ROLE_SUPERVISOR)
		on_supervisor_frame(wsi, cl.rx, cl.rx_len);
	else
		on_map_frame(cl.rx, cl.rx_len);
	cl.rx_len = 0;
}

/* One released frame per writeable callback, in order. */
static int send_next(struct lws *wsi)
{
	const char *text;
	if (cl.proof_pending) {
		cl.proof_pending = false;
		text = cl.proof;
	} else if (cl.sent < cl.released) {
		text = cl.frames[cl.sent++];
	} else {
		return 0;
	}
	size_t len = strlen(text);
	unsigned char buf[LWS_PRE + FRAME_BYTES_MAX];
	memcpy(buf + LWS_PRE, text, len);
	if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
		return -1;
	if (cl.sent < cl.released)
		lws_callback_on_writable(wsi);
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		print_line("error %.*s", in ? (int)len : 0, in ? (const char *)in : "");
		cl.done = true;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		break; /* a terminal answers the challenge; a supervisor too */
	case LWS_CALLBACK_CLIENT_WRITEABLE: return send_next(wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE: on_frame(wsi, in, len); break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
		const char *why;
		int why_len;
		int code = hc_tool_close_code(in, len, &why, &why_len);
		print_line("close %d %.*s", code, why_len, why);
		break;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		print_line("closed");
		cl.done = true;
		break;
	default: break;
	}
	return 0;
}

/* The first line of path, without its newline: the supervisor's password. */
static void read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(cl.password, sizeof cl.password, f) == NULL) {
		fprintf(stderr, "hc_shared_roles: cannot read a password from %s\n", path);
		exit(2);
	}
	fclose(f);
	cl.password[strcspn(cl.password, "\r\n")] = '\0';
}

/* The terminal's secret: the first line of path, 64 hex digits. */
static void read_secret(const char *path)
{
	char line[HC_TAUTH_HEX_LEN + 8] = "";
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(line, sizeof line, f) == NULL) {
		fprintf(stderr, "hc_shared_roles: cannot read a secret from %s\n", path);
		exit(2);
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (!hc_tauth_hex_decode(line, cl.secret, sizeof cl.secret)) {
		fprintf(stderr, "hc_shared_roles: %s does not hold 64 hex digits\n", path);
		exit(2);
	}
	cl.has_secret = true;
}

static char *next_frame(void)
{
	if (cl.frame_count >= FRAMES_MAX) {
		fprintf(stderr, "hc_shared_roles: more than %d frames\n", FRAMES_MAX);
		exit(2);
	}
	return cl.frames[cl.frame_count++];
}

static void add_batch(const char *spec)
{
	struct hc_msg_batch b = { 0 };
	long long seq, entered, exited;
	char tail;
	if (sscanf(spec, "%lld,%lld,%lld%c", &seq, &entered, &exited, &tail) != 3)
		usage();
	b.seq = seq;
	b.entered = entered;
	b.exited = exited;
	next_frame(); /* built and signed once the challenge came */
	cl.batches[cl.batch_count++] = b;
}

static void add_override(const char *target, const char *id, const char *mode)
{
	enum hc_wire_override o;
	if (strcmp(mode, "auto") == 0)
		o = HC_WIRE_OVERRIDE_AUTO;
	else if (strcmp(mode, "closed") == 0)
		o = HC_WIRE_OVERRIDE_CLOSED;
	else if (strcmp(mode, "open") == 0)
		o = HC_WIRE_OVERRIDE_OPEN;
	else
		usage();
	if (strcmp(target, "area") != 0 && strcmp(target, "group") != 0)
		usage();
	if (hc_wire_sup_build_override(next_frame(), FRAME_BYTES_MAX, ++cl.requests,
				       strcmp(target, "group") == 0, id, o, "hc_shared_roles") == 0)
		usage();
}

static void add_correct(const char *area, const char *delta)
{
	char *end;
	long long d = strtoll(delta, &end, 10);
	if (*end != '\0' || hc_wire_sup_build_correct(next_frame(), FRAME_BYTES_MAX, ++cl.requests,
						      area, d, "hc_shared_roles") == 0)
		usage();
}

/* One piece (a test tool's main): the options, the role's first frame, then dial and run. */
int main(int argc, char **argv)
{
	const char *url = NULL;
	long wait_ms = 5000;
	cl.frame_count = 1; /* [0]: the hello, built below or on the challenge */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int left = argc - i - 1;
		if (strcmp(a, "--map") == 0) {
			cl.role = ROLE_MAP;
		} else if (left < 1) {
			usage();
		} else if (strcmp(a, "--url") == 0) {
			url = argv[++i];
		} else if (strcmp(a, "--wait-ms") == 0) {
			wait_ms = strtol(argv[++i], NULL, 10);
		} else if (strcmp(a, "--until") == 0) {
			cl.until = argv[++i];
		} else if (strcmp(a, "--terminal") == 0) {
			cl.role = ROLE_TERMINAL;
			cl.terminal = argv[++i];
		} else if (strcmp(a, "--incarnation") == 0) {
			cl.incarnation = argv[++i];
		} else if (strcmp(a, "--batch") == 0) {
			add_batch(argv[++i]);
		} else if (strcmp(a, "--supervisor") == 0) {
			cl.role = ROLE_SUPERVISOR;
			cl.supervisor = argv[++i];
		} else if (strcmp(a, "--secret-file") == 0) {
			read_secret(argv[++i]);
		} else if (strcmp(a, "--password-file") == 0) {
			read_password(argv[++i]);
		} else if (strcmp(a, "--override") == 0 && left >= 3) {
			add_override(argv[i + 1], argv[i + 2], argv[i + 3]);
			i += 3;
		} else if (strcmp(a, "--correct") == 0 && left >= 2) {
			add_correct(argv[i + 1], argv[i + 2]);
			i += 2;
		} else {
			usage();
		}
	}
	if (url == NULL || cl.role == ROLE_NONE || wait_ms <= 0)
		usage();
	const char *proto = HC_PROTO_MAP;
	if (cl.role == ROLE_TERMINAL) {
		struct hc_msg_hello h = { 0 };
		if (cl.incarnation == NULL || strlen(cl.terminal) > HC_ID_LEN_MAX ||
		    !hc_proto_parse_incarnation(cl.incarnation, &h.incarnation))
			usage();
		memcpy(h.terminal, cl.terminal, strlen(cl.terminal) + 1);
		cl.hello = h; /* sent, with its proof, on the challenge */
		proto = HC_PROTO_TERMINAL;
	} else if (cl.role == ROLE_SUPERVISOR) {
		if (cl.password[0] == '\0')
			usage();
		proto = HC_PROTO_SUPERVISOR;
	} else {
		cl.frame_count = 0; /* a map client sends nothing */
	}

	struct hc_tool_url u;
	if (!hc_tool_parse_url(url, &u))
		usage();
	bool dial_failed;
	struct lws_context *ctx = hc_tool_dial(&u, proto, callback, NULL, false, NULL,
					       &dial_failed);
	if (ctx == NULL) {
		if (dial_failed)
			print_line("error connect");
		free(cl.rx);
		return 1;
	}
	hc_tool_run(ctx, wait_ms, &cl.done);
	int rc = cl.until == NULL || cl.until_seen ? 0 : 1;
	lws_context_destroy(ctx);
	free(cl.rx);
	return rc;
}
