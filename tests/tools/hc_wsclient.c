/*
 * hc_wsclient.c — a scriptable WebSocket client for integration tests.
 *
 * Connects to the aggregator with one subprotocol, sends the given frames
 * in order (one per writeable callback), and prints what happens, one
 * event per line on stdout, so shell tests can assert on it:
 *
 *   open
 *   recv <monotonic_us> <text of the frame>
 *   close <code> <reason>          (the peer closed us)
 *   closed                         (the connection ended)
 *   error <text>                   (could not connect)
 *
 * It stops by itself: after --wait-ms, after --count received frames, or
 * when the connection ends. Test-only; not installed.
 *
 * With --supervisor NAME --password-file FILE (the supervisor role) it
 * logs in like the dashboard: waits for the server's challenge, answers
 * with a hello naming the supervisor, answers the salt with the proof
 * built from the password (shared/wire_supervisor.h), and only then
 * sends its --send frames. --proof-hex HEX sends that proof instead
 * (a malformed or forged one). --bind ADDR connects from that local
 * address (127.0.0.N), for tests of limits per address.
 *
 * On the authenticated terminal role (headcount-terminal.v3) it waits
 * for the challenge (neither printed nor counted), then adds the proof
 * to a --send hello and a MAC to every --send batch
 * (shared/terminal_auth.h) with the terminal's secret: --secret HEX, or
 * the hello's terminal looked up in the aggregator's secrets file named
 * by $HC_TERMINAL_SECRETS (tests/integration/lib.sh sets it). Frames
 * given with --send-verbatim go out as they are; --print-sent prints
 * "sent <text>" for each frame written, so a test can replay one.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aggregator/supervisor_cmd.h"
#include "aggregator/terminal_secrets.h"
#include "shared/clock.h"
#include "shared/protocol.h"
#include "shared/terminal_auth.h"
#include "shared/tls_client.h"
#include "shared/wire_supervisor.h"
#include "tests/tools/hc_shared_client.h"

#define SENDS_MAX 64

struct client {
	const char *sends[SENDS_MAX];
	bool verbatim[SENDS_MAX];
	size_t send_count;
	bool terminal_auth; /* headcount-terminal.v3 */
	bool challenged;
	uint8_t nonce[32];
	const char *secret_hex; /* --secret */
	bool has_secret;
	uint8_t secret[32];
	char terminal[HC_ID_LEN_MAX + 1]; /* of the hello sent */
	uint64_t incarnation;
	bool print_sent;
	size_t sent;
	size_t raw_bytes; /* send one text frame of this many 'x' */
	bool raw_sent;
	long count_max; /* stop after this many frames (0: no) */
	long received;
	bool done;
	char *rx; /* reassembly of fragmented frames */
	size_t rx_len;
	const char *supervisor; /* answer the challenge as this name */
	char password[HC_WIRE_SUP_PASSWORD_BYTES_MAX + 2];
	bool have_password;
	const char *proof_hex; /* send this proof instead of computing one */
	char sup_nonce[HC_WIRE_SUP_NONCE_HEX_LEN + 1]; /* the supervisor challenge's */
	char hello[256];			       /* the answer, once the challenge came */
	bool hello_ready;
	bool hello_sent;
	char proof[256]; /* the answer, once the salt came */
	bool proof_ready;
	bool proof_sent;
};

static struct client cl;

static void print_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int write_text(struct lws *wsi, const char *text, size_t len)
{
	unsigned char *buf = malloc(LWS_PRE + len);
	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, text, len);
	int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
	free(buf);
	return n < (int)len ? -1 : 0;
}

/* The secret for terminal id: --secret, or $HC_TERMINAL_SECRETS. */
static bool find_secret(const char *id)
{
	if (cl.secret_hex != NULL)
		return hc_tauth_hex_decode(cl.secret_hex, cl.secret, 32);
	const char *path = getenv("HC_TERMINAL_SECRETS");
	if (path == NULL || path[0] == '\0')
		return false;
	char err[512];
	struct hc_terminal_secrets *s = hc_terminal_secrets_load(path, NULL, err, sizeof err);
	if (s == NULL) {
		fprintf(stderr, "hc_wsclient: %s\n", err);
		return false;
	}
	const uint8_t *found = hc_terminal_secrets_find(s, id);
	if (found != NULL)
		memcpy(cl.secret, found, 32);
	hc_terminal_secrets_free(s);
	return found != NULL;
}

/* A --send frame with its proof or MAC added (a new string the caller
 * frees), or NULL to send it as it is (not a hello or batch that
 * parses, or no secret). */
static char *authenticate(const char *text)
{
	struct hc_msg m;
	struct hc_proto_error err;
	if (!hc_proto_parse_from_terminal(text, strlen(text), &m, &err))
		return NULL;
	uint8_t mac[32];
	const char *field;
	if (m.type == HC_MSG_HELLO) {
		snprintf(cl.terminal, sizeof cl.terminal, "%s", m.u.hello.terminal);
		cl.incarnation = m.u.hello.incarnation;
		cl.has_secret = find_secret(cl.terminal);
		if (!cl.has_secret ||
		    !hc_tauth_hello_proof(cl.secret, cl.nonce, cl.terminal, cl.incarnation, mac))
			return NULL;
		field = "proof";
	} else if (m.type == HC_MSG_BATCH && cl.has_secret) {
		if (!hc_tauth_batch_mac(cl.secret, cl.nonce, cl.terminal, cl.incarnation,
					&m.u.batch, mac))
			return NULL;
		field = "mac";
	} else {
		return NULL;
	}
	char hex[65];
	hc_tauth_hex_encode(mac, sizeof mac, hex);
	json_t *j = json_loads(text, 0, NULL);
	if (j == NULL || json_object_set_new(j, field, json_string(hex)) != 0) {
		json_decref(j);
		return NULL;
	}
	char *out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

static int send_next(struct lws *wsi)
{
	if (cl.terminal_auth && !cl.challenged)
		return 0; /* the hello answers the challenge */
	if (cl.supervisor != NULL && !cl.hello_sent) {
		if (!cl.hello_ready)
			return 0; /* wait for the challenge */
		cl.hello_sent = true;
		return write_text(wsi, cl.hello, strlen(cl.hello)) ? -1 : 0;
	}
	if (cl.supervisor != NULL && !cl.proof_sent) {
		if (!cl.proof_ready)
			return 0; /* wait for the salt */
		cl.proof_sent = true;
		if (write_text(wsi, cl.proof, strlen(cl.proof)))
			return -1;
		if (cl.sent < cl.send_count)
			lws_callback_on_writable(wsi);
		return 0;
	}
	if (cl.raw_bytes && !cl.raw_sent) {
		char *big = malloc(cl.raw_bytes);
		if (!big)
			return -1;
		memset(big, 'x', cl.raw_bytes);
		int rc = write_text(wsi, big, cl.raw_bytes);
		free(big);
		cl.raw_sent = true;
		return rc;
	}
	if (cl.sent < cl.send_count) {
		bool verbatim = cl.verbatim[cl.sent];
		const char *s = cl.sends[cl.sent++];
		char *authed = cl.terminal_auth && !verbatim ? authenticate(s) : NULL;
		if (authed != NULL)
			s = authed;
		if (cl.print_sent)
			print_line("sent %s", s);
		int rc = write_text(wsi, s, strlen(s));
		free(authed);
		if (rc)
			return -1;
	}
	if (cl.sent < cl.send_count)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Answers the challenge with the hello and the salt with the proof. */
static void answer_login(struct lws *wsi, const char *text)
{
	struct hc_wire_sup_msg m;
	char why[200];
	if (!hc_wire_sup_parse(text, strlen(text), &m, why, sizeof why))
		return;
	size_t n = 0;
	if (m.type == HC_WIRE_SUP_CHALLENGE && !cl.hello_ready) {
		snprintf(cl.sup_nonce, sizeof cl.sup_nonce, "%s", m.nonce);
		n = hc_wire_sup_build_hello(cl.hello, sizeof cl.hello - 1, cl.supervisor);
		if (n > 0) {
			cl.hello[n] = '\0';
			cl.hello_ready = true;
			lws_callback_on_writable(wsi);
		}
	} else if (m.type == HC_WIRE_SUP_SALT && cl.hello_ready && !cl.proof_ready) {
		if (cl.proof_hex != NULL)
			n = (size_t)snprintf(cl.proof, sizeof cl.proof,
					     "{\"type\":\"proof\",\"proof\":\"%s\"}", cl.proof_hex);
		else
			n = hc_wire_sup_build_proof(cl.proof, sizeof cl.proof - 1, cl.supervisor,
						    cl.password, cl.sup_nonce, m.salt,
						    m.iterations);
		if (n > 0 && n < sizeof cl.proof) {
			cl.proof[n] = '\0';
			cl.proof_ready = true;
			lws_callback_on_writable(wsi);
		}
	}
	hc_wire_sup_msg_free(&m);
}

/* The first line of path, without its newline. */
static bool read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	bool ok = fgets(cl.password, sizeof cl.password, f) != NULL;
	fclose(f);
	cl.password[strcspn(cl.password, "\r\n")] = '\0';
	return ok;
}

static void on_frame(struct lws *wsi, const void *in, size_t len)
{
	char *grown = realloc(cl.rx, cl.rx_len + len + 1);
	if (!grown)
		return;
	cl.rx = grown;
	memcpy(cl.rx + cl.rx_len, in, len);
	cl.rx_len += len;
	if (!lws_is_final_fragment(wsi))
		return;
	cl.rx[cl.rx_len] = '\0';
	if (cl.terminal_auth && !cl.challenged) {
		struct hc_msg m;
		struct hc_proto_error err;
		if (hc_proto_parse_from_aggregator(cl.rx, cl.rx_len, &m, &err) &&
		    m.type == HC_MSG_CHALLENGE) {
			memcpy(cl.nonce, m.u.challenge.nonce, sizeof cl.nonce);
			cl.challenged = true;
			cl.rx_len = 0;
			lws_callback_on_writable(wsi);
			return;
		}
	}
	print_line("recv %lld %s", (long long)hc_mono_us(), cl.rx);
	if (cl.supervisor != NULL && !cl.proof_ready)
		answer_login(wsi, cl.rx);
	cl.rx_len = 0;
	if (cl.count_max && ++cl.received >= cl.count_max)
		cl.done = true;
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
		print_line("open");
		lws_callback_on_writable(wsi);
		break;
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

static void usage(void)
{
	fprintf(stderr, "usage: hc_wsclient --url ws://HOST:PORT[/PATH] --proto NAME\n"
			"       [--send JSON]... [--raw-bytes N] [--count N] [--wait-ms N]\n"
			"       [--supervisor NAME (--password-file FILE | --proof-hex HEX)]\n"
			"       [--bind ADDR] [--ca PATH (for wss://)] [--secret HEX]\n"
			"       [--send-verbatim JSON]... [--print-sent 1]\n");
	exit(2);
}

/* One piece (a test tool's main): the options in the order of its usage, then dial and run. */
int main(int argc, char **argv)
{
	const char *url = NULL, *proto = NULL, *ca = NULL, *bind_addr = NULL;
	long wait_ms = 3000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(a, "--url"))
			url = v;
		else if (!strcmp(a, "--proto"))
			proto = v;
		else if (!strcmp(a, "--send") && cl.send_count < SENDS_MAX)
			cl.sends[cl.send_count++] = v;
		else if (!strcmp(a, "--send-verbatim") && cl.send_count < SENDS_MAX) {
			cl.verbatim[cl.send_count] = true;
			cl.sends[cl.send_count++] = v;
		} else if (!strcmp(a, "--secret"))
			cl.secret_hex = v;
		else if (!strcmp(a, "--print-sent"))
			cl.print_sent = strcmp(v, "0") != 0;
		else if (!strcmp(a, "--raw-bytes"))
			cl.raw_bytes = strtoul(v, NULL, 10);
		else if (!strcmp(a, "--count"))
			cl.count_max = strtol(v, NULL, 10);
		else if (!strcmp(a, "--wait-ms"))
			wait_ms = strtol(v, NULL, 10);
		else if (!strcmp(a, "--supervisor"))
			cl.supervisor = v;
		else if (!strcmp(a, "--ca"))
			ca = v;
		else if (!strcmp(a, "--password-file")) {
			if (!read_password(v)) {
				fprintf(stderr, "hc_wsclient: cannot read %s\n", v);
				return 2;
			}
			cl.have_password = true;
		} else if (!strcmp(a, "--proof-hex"))
			cl.proof_hex = v;
		else if (!strcmp(a, "--bind"))
			bind_addr = v;
		else
			usage();
		i++;
	}
	if (!url || !proto || (cl.supervisor != NULL) != (cl.have_password || cl.proof_hex != NULL))
		usage();
	cl.terminal_auth = strcmp(proto, HC_PROTO_TERMINAL) == 0;

	struct hc_tool_url u;
	if (!hc_tool_parse_url(url, &u))
		usage();
	if (u.tls != (ca != NULL)) {
		fprintf(stderr, "hc_wsclient: wss:// needs --ca PATH, ws:// takes none\n");
		return 2;
	}
	bool dial_failed;
	struct lws_context *ctx = hc_tool_dial(&u, proto, callback, ca, u.tls, bind_addr,
					       &dial_failed);
	if (ctx == NULL) {
		if (dial_failed)
			print_line("error connect");
		return 1;
	}
	hc_tool_run(ctx, wait_ms, &cl.done);
	lws_context_destroy(ctx);
	free(cl.rx);
	return 0;
}
