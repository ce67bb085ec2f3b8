/*
 * link.c — the terminal's event loop on libwebsockets 4.1.
 *
 * One lws context without a listening port holds everything:
 *   - one client connection to the aggregator (subprotocol
 *     HC_PROTO_TERMINAL). On connect it waits for the aggregator's
 *     challenge, answers with a hello that proves the enrollment secret
 *     (shared/terminal_auth.h; no proof without a secret), then batches from
 *     the outbox, each with its MAC, one lws_write() per WRITEABLE callback. Acks are stored
 *     in the journal before the outbox hears of them (station.c). Area
 *     messages update the figure shown at the door.
 *   - reconnection forever: lws_retry_sul_schedule() with the backoff
 *     table below (HC_RECONNECT_MS_MIN doubling to HC_RECONNECT_MS_MAX,
 *     HC_RECONNECT_JITTER_PERCENT jitter). The same lws_retry_bo_t, passed
 *     as retry_and_idle_policy, makes lws ping an idle link after
 *     HC_PING_AFTER_S and hang up after HC_HANGUP_AFTER_S of silence, so a
 *     dead Wi-Fi link is noticed and redialled.
 *   - the input device: its fd (a dup, which lws owns and closes) is
 *     adopted with lws_adopt_descriptor_vhost(LWS_ADOPT_RAW_FILE_DESC)
 *     into the "hc-input" protocol, so a press wakes the loop at once
 *     (LWS_CALLBACK_RAW_RX_FILE). lws reports a pipe's hang-up as
 *     LWS_CALLBACK_RAW_CLOSE_FILE, which we treat as end of input after a
 *     last drain. The 100 ms tick drains the input too, so lines already
 *     buffered by the backend are never stranded.
 *   - a 100 ms lws_sul timer: retries storing presses, cuts batches,
 *     asks to write (first sends and resends), refreshes the screen.
 *
 * Signals: SIGINT/SIGTERM only set a flag; poll() returns EINTR and the
 * loop ends, then the caller closes journal, input (tty restored) and
 * display. Nothing else happens in the handler. A signal that lands just
 * before poll() is seen at the latest when the 100 ms tick wakes it.
 */
#include "terminal/link.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"
#include "shared/protocol.h"
#include "shared/tls_client.h"
#include "shared/terminal_auth.h"
#include "terminal/settings.h"

#define LINK_TICK_US (100 * LWS_US_PER_MS)
/* Reads of the input per loop turn at most: bounds one turn's work. */
#define LINK_INPUT_READS_PER_TURN 16

/* Backoff: 250 ms doubling up to HC_RECONNECT_MS_MAX, then stays there. */
static const uint32_t reconnect_ms_table[] = {
	HC_RECONNECT_MS_MIN, 500, 1000, 2000, 4000, 8000, HC_RECONNECT_MS_MAX,
};

static const lws_retry_bo_t link_retry_policy = {
	.retry_ms_table = reconnect_ms_table,
	.retry_ms_table_count = LWS_ARRAY_SIZE(reconnect_ms_table),
	.conceal_count = LWS_RETRY_CONCEAL_ALWAYS, /* retry forever */
	.secs_since_valid_ping = HC_PING_AFTER_S,
	.secs_since_valid_hangup = HC_HANGUP_AFTER_S,
	.jitter_percent = HC_RECONNECT_JITTER_PERCENT,
};

struct link {
	const struct hc_link_config *cfg;
	struct hc_station *st;
	struct hc_input *in;
	struct hc_display *d;

	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct lws *wsi;	 /* aggregator connection or NULL */
	struct lws *attempt_wsi; /* connection being dialled */
	bool attempt_pending;	 /* dialling, outcome not seen yet */
	bool established;
	bool challenged; /* the aggregator's nonce came */
	uint8_t nonce[32];
	bool authenticating; /* this connection has a secret */
	uint8_t secret[32];
	bool hello_sent;
	uint16_t retry_count;
	lws_sorted_usec_list_t sul_connect;
	lws_sorted_usec_list_t sul_tick;

	struct lws *input_wsi; /* adopted input fd or NULL */
	bool input_done;       /* EOF, quit or device error */

	char rx[HC_TERMINAL_FRAME_BYTES_MAX];
	size_t rx_len;
	bool rx_too_big;

	/* The aggregator's last refusal (4004, 4006) and when it came:
	 * shown at the door until a welcome (4006: HC_REPLACED_NOTICE_MS
	 * after it) or until the aggregator cannot be reached at all. */
	enum hc_display_refusal refusal;
	int64_t refused_at_ms;
	bool welcomed_since_refusal;

	bool quit;
	int exit_status;
};

static volatile sig_atomic_t link_stop_signal;

static void on_stop_signal(int signo)
{
	link_stop_signal = signo;
}

bool hc_link_parse_url(const char *url, struct hc_link_url *out, char *err, size_t err_len)
{
	char copy[512];
	const char *prot, *host, *path;
	int port;

	memset(out, 0, sizeof *out);
	if (strlen(url) >= sizeof copy) {
		snprintf(err, err_len, "url too long: %.40s...", url);
		return false;
	}
	snprintf(copy, sizeof copy, "%s", url);
	if (lws_parse_uri(copy, &prot, &host, &port, &path) != 0 || host[0] == '\0') {
		snprintf(err, err_len, "bad url \"%s\" (expected ws://host:port)", url);
		return false;
	}
	if (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0) {
		snprintf(err, err_len, "bad url \"%s\": scheme must be ws:// or wss://", url);
		return false;
	}
	if (port <= 0 || port > 65535) {
		snprintf(err, err_len, "bad url \"%s\": port out of range", url);
		return false;
	}
	out->tls = strcmp(prot, "wss") == 0;
	snprintf(out->host, sizeof out->host, "%s", host);
	out->port = port;
	/* lws_parse_uri gives "/" for no path, else the path after its '/' */
	snprintf(out->path, sizeof out->path, "%s%s", path[0] == '/' ? "" : "/", path);
	return true;
}

/* lws' own log lines, routed into ours so every line has one format. */
static void lws_log_emit(int level, const char *line)
{
	char text[512];
	snprintf(text, sizeof text, "%s", line);
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (level & LLL_ERR)
		hc_warn("lws: %s", text);
	else
		hc_debug("lws: %s", text);
}

/* The refusal the door shows at now_ms (see struct link). */
static enum hc_display_refusal current_refusal(struct link *l, int64_t now_ms)
{
	if (l->refusal == HC_REFUSAL_REPLACED && l->welcomed_since_refusal &&
	    now_ms - l->refused_at_ms >= HC_REPLACED_NOTICE_MS)
		l->refusal = HC_REFUSAL_NONE;
	return l->refusal;
}

/* What the station shows, plus what only the loop knows: a refusal and
 * a quit waiting for its confirmation. */
static void refresh_display(struct link *l)
{
	struct hc_display_state ds;
	int64_t now_ms = hc_mono_ms();
	hc_station_display_state(l->st, now_ms, &ds);
	ds.refusal = current_refusal(l, now_ms);
	ds.quit_asking = !l->input_done && l->in->quit_asking != NULL &&
			 l->in->quit_asking(l->in, now_ms);
	l->d->show(l->d, &ds);
}

static void connect_attempt(lws_sorted_usec_list_t *sul);
static void link_lost(struct link *l, const char *why);

static void schedule_reconnect(struct link *l)
{
	if (l->quit)
		return;
	if (lws_retry_sul_schedule(l->ctx, 0, &l->sul_connect, &link_retry_policy, connect_attempt,
				   &l->retry_count) != 0)
		hc_error("link: could not schedule a reconnect");
}

static void connect_attempt(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_connect);
	const struct hc_link_url *u = &l->cfg->url;
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof info);
	info.context = l->ctx;
	info.vhost = l->vhost;
	info.address = u->host;
	info.port = u->port;
	info.path = u->path;
	info.host = u->host;
	info.origin = u->host;
	info.ssl_connection = hc_tls_client_connect_flags(u->tls);
	info.protocol = HC_PROTO_TERMINAL;
	info.local_protocol_name = HC_PROTO_TERMINAL;
	info.retry_and_idle_policy = &link_retry_policy;
	info.pwsi = &l->attempt_wsi;

	hc_debug("link: connecting to %s://%s:%d%s (attempt %u)", u->tls ? "wss" : "ws", u->host,
		 u->port, u->path, (unsigned)l->retry_count + 1);
	l->attempt_pending = true;
	if (lws_client_connect_via_info(&info) == NULL && l->attempt_pending)
		link_lost(l, "connect failed");
}

/* The link is gone (error or close): back off, then dial again. */
static void link_lost(struct link *l, const char *why)
{
	bool was_up = l->established;
	l->wsi = NULL;
	l->attempt_wsi = NULL;
	l->attempt_pending = false;
	l->established = false;
	l->hello_sent = false;
	l->challenged = false;
	l->authenticating = false;
	memset(l->secret, 0, sizeof l->secret);
	hc_station_link(l->st, false, hc_mono_ms());
	if (l->quit)
		return; /* shutting down: lws closes the link */
	if (was_up)
		hc_warn("link: lost the aggregator (%s); reconnecting", why);
	else
		hc_warn("link: cannot reach the aggregator at %s:%d (%s); "
			"retrying with backoff",
			l->cfg->url.host, l->cfg->url.port, why);
	schedule_reconnect(l);
	refresh_display(l);
}

/* Logs the close code and reason the aggregator sent. 4xxx codes mean
 * this terminal is refused (e.g. 4004 unknown terminal): that must be
 * visible, so they are errors, and 4004, 4006 and the authentication
 * refusals (4020..4024) are kept for the door's screen to name; we keep
 * retrying regardless. */
static void log_peer_close(struct link *l, const unsigned char *in, size_t len)
{
	int code = len >= 2 ? (in[0] << 8) | in[1] : 0;
	int reason_len = len > 2 ? (int)(len - 2) : 0;
	const char *reason = len > 2 ? (const char *)in + 2 : "";
	bool auth = code >= HC_CLOSE_NOT_ENROLLED && code <= HC_CLOSE_OLD_PROTOCOL;
	if (code == HC_CLOSE_UNKNOWN_TERMINAL || code == HC_CLOSE_REPLACED || auth) {
		l->refusal = auth				 ? HC_REFUSAL_NOT_AUTHENTICATED
			     : code == HC_CLOSE_UNKNOWN_TERMINAL ? HC_REFUSAL_UNKNOWN_TERMINAL
								 : HC_REFUSAL_REPLACED;
		l->refused_at_ms = hc_mono_ms();
		l->welcomed_since_refusal = false;
	}
	if (code >= 4000)
		hc_error("link: aggregator closed the link for terminal %s: "
			 "code %d%s reason \"%.*s\"",
			 l->st->terminal_id, code,
			 code == HC_CLOSE_UNKNOWN_TERMINAL
				 ? " (unknown terminal: check the venue config)"
			 : code == HC_CLOSE_REPLACED ? " (another device uses this id)"
			 : auth ? " (authentication: check the enrollment and the secret)"
				: "",
			 reason_len, reason);
	else
		hc_warn("link: aggregator closed the link: code %d reason \"%.*s\"", code,
			reason_len, reason);
}

/* The secret for this connection: inline, or the secret file read
 * now (so a rotated secret put in place is used without a restart).
 * Without one the hello goes out without proof and the aggregator says
 * why it refuses (unless terminal_auth is off there). */
static void load_secret(struct link *l)
{
	l->authenticating = false;
	if (l->cfg->has_secret) {
		memcpy(l->secret, l->cfg->secret, sizeof l->secret);
		l->authenticating = true;
	} else if (l->cfg->secret_file[0] != '\0') {
		char err[PATH_MAX + 100];
		bool missing;
		l->authenticating = hc_term_secret_read_file(l->cfg->secret_file, l->secret,
							     &missing, err, sizeof err);
		if (!l->authenticating)
			hc_error("link: %s; saying hello without proof", err);
	}
}

static void handle_message(struct link *l, const char *buf, size_t len)
{
	struct hc_msg msg;
	struct hc_proto_error err;
	if (!hc_proto_parse_from_aggregator(buf, len, &msg, &err)) {
		hc_error("link: bad message from the aggregator (%d %s): %.80s", (int)err.code,
			 err.reason, buf);
		return;
	}
	switch (msg.type) {
	case HC_MSG_CHALLENGE:
		if (l->challenged) {
			hc_warn("link: a second challenge from the aggregator ignored");
			break;
		}
		memcpy(l->nonce, msg.u.challenge.nonce, sizeof l->nonce);
		l->challenged = true;
		load_secret(l);
		lws_callback_on_writable(l->wsi); /* the hello can go */
		break;
	case HC_MSG_WELCOME:
		if (strcmp(msg.u.welcome.terminal, l->st->terminal_id) != 0)
			hc_warn("link: welcome names terminal %s, we are %s",
				msg.u.welcome.terminal, l->st->terminal_id);
		hc_info("link: welcomed as terminal %s of area %s", l->st->terminal_id,
			msg.u.welcome.area);
		hc_station_welcomed(l->st, msg.u.welcome.area);
		if (l->refusal == HC_REFUSAL_UNKNOWN_TERMINAL ||
		    l->refusal == HC_REFUSAL_NOT_AUTHENTICATED)
			l->refusal = HC_REFUSAL_NONE;
		l->welcomed_since_refusal = true;
		/* Only a welcome proves the link works: an aggregator that
		 * accepts and then refuses us (4004) keeps the backoff growing. */
		l->retry_count = 0;
		break;
	case HC_MSG_ACK:
		hc_station_acked(l->st, msg.u.ack.seq, msg.u.ack.duplicate, hc_wall_ms());
		lws_callback_on_writable(l->wsi); /* the window may have opened */
		break;
	case HC_MSG_AREA:
		if (l->st->area_id[0] != '\0' && strcmp(l->st->area_id, msg.u.area.id) != 0)
			hc_warn("link: area message for %s, we count for %s", msg.u.area.id,
				l->st->area_id);
		hc_station_area(l->st, &msg.u.area, hc_mono_ms());
		break;
	default:
		hc_warn("link: unexpected message type %d from the aggregator", (int)msg.type);
		break;
	}
	refresh_display(l);
}

/* Collects fragments up to HC_TERMINAL_FRAME_BYTES_MAX; returns -1 to
 * close a link that sends more. */
static int receive_fragment(struct link *l, struct lws *wsi, const void *in, size_t len)
{
	if (!l->rx_too_big && l->rx_len + len < sizeof l->rx) {
		memcpy(l->rx + l->rx_len, in, len);
		l->rx_len += len;
	} else {
		l->rx_too_big = true;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (l->rx_too_big) {
		static const char reason[] = "message too big";
		hc_error("link: aggregator message over %d bytes; closing",
			 HC_TERMINAL_FRAME_BYTES_MAX);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)reason,
				 sizeof reason - 1);
		return -1;
	}
	l->rx[l->rx_len] = '\0';
	handle_message(l, l->rx, l->rx_len);
	l->rx_len = 0;
	return 0;
}

/* One lws_write per WRITEABLE: hello first, then the next batch due. */
static int write_next(struct link *l, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + 256];
	char *out = (char *)buf + LWS_PRE;
	size_t cap = sizeof buf - LWS_PRE;
	size_t n;

	if (!l->challenged)
		return 0; /* the hello answers the challenge */
	if (!l->hello_sent) {
		struct hc_msg_hello hello;
		memset(&hello, 0, sizeof hello);
		snprintf(hello.terminal, sizeof hello.terminal, "%s", l->st->terminal_id);
		hello.incarnation = hc_journal_incarnation(l->st->journal);
		snprintf(hello.version, sizeof hello.version, "%s", hc_version_tag());
		if (l->authenticating &&
		    !(hello.has_proof = hc_tauth_hello_proof(l->secret, l->nonce, hello.terminal,
							     hello.incarnation, hello.proof)))
			hc_error("link: cannot compute the hello proof");
		n = hc_proto_build_hello(out, cap, &hello);
		l->hello_sent = true;
	} else {
		const struct hc_outbox_batch *b = hc_station_next_send(l->st, hc_mono_ms());
		if (b == NULL)
			return 0;
		/* With each batch the door tells supervisors what it holds
		 * besides this batch (journaled or in memory, not yet
		 * acknowledged) and how often its storage failed. */
		int64_t held = hc_outbox_unacked_entered(l->st->outbox) +
			       hc_outbox_unacked_exited(l->st->outbox) +
			       (int64_t)l->st->unstored_count - b->entered - b->exited;
		struct hc_msg_batch m = {
			.seq = b->seq,
			.entered = b->entered,
			.exited = b->exited,
			.undo_entered = b->undo_entered,
			.undo_exited = b->undo_exited,
			.has_status = true,
			.pending = held > 0 ? held : 0,
			.storage_faults = l->st->storage_faults,
		};
		/* Bound to this connection's challenge: a resend after a
		 * reconnect gets a fresh MAC, the batch itself is unchanged. */
		if (l->authenticating &&
		    !(m.has_mac = hc_tauth_batch_mac(l->secret, l->nonce, l->st->terminal_id,
						     hc_journal_incarnation(l->st->journal), &m,
						     m.mac)))
			hc_error("link: cannot compute the batch mac");
		n = hc_proto_build_batch(out, cap, &m);
		hc_debug("link: sending batch %" PRId64, b->seq);
	}
	if (n == 0) {
		hc_error("link: message does not fit %zu bytes", cap);
		return -1;
	}
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n) {
		hc_warn("link: write to the aggregator failed");
		return -1;
	}
	lws_callback_on_writable(wsi); /* more may be due */
	return 0;
}

static int callback_aggregator(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len)
{
	struct link *l = lws_context_user(lws_get_context(wsi));
	(void)user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		/* Not reached at all: a refusal is no longer why. */
		char why[512];
		l->refusal = HC_REFUSAL_NONE;
		link_lost(l, hc_tls_client_explain(in, l->cfg->ca, why, sizeof why));
		break;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		hc_info("link: connected to %s:%d as terminal %s", l->cfg->url.host,
			l->cfg->url.port, l->st->terminal_id);
		l->wsi = wsi;
		l->attempt_pending = false;
		l->established = true;
		l->hello_sent = false;
		l->challenged = false;
		l->rx_len = 0;
		l->rx_too_big = false;
		hc_station_link(l->st, true, hc_mono_ms());
		lws_callback_on_writable(wsi);
		refresh_display(l);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE: return receive_fragment(l, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE: return write_next(l, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: log_peer_close(l, in, len); break;
	case LWS_CALLBACK_CLIENT_CLOSED: link_lost(l, "closed"); break;
	case LWS_CALLBACK_WSI_DESTROY:
		/* lws 4.1 drops a connection whose handshake timed out without
		 * CONNECTION_ERROR or CLIENT_CLOSED: without this, no redial. */
		if ((l->attempt_pending && wsi == l->attempt_wsi) ||
		    (l->established && wsi == l->wsi))
			link_lost(l, "connection dropped");
		break;
	default: break;
	}
	return 0;
}

/* Reads what the input has, queues the presses, stores them together in
 * one journal transaction. */
static void drain_input(struct link *l)
{
	if (l->input_done)
		return;
	enum hc_key keys[HC_INPUT_PRESSES_MAX];
	size_t total = 0;
	int64_t wall_ms = hc_wall_ms();

	for (int round = 0; round < LINK_INPUT_READS_PER_TURN; round++) {
		size_t n = 0;
		enum hc_input_status status = l->in->read(l->in, keys, HC_INPUT_PRESSES_MAX, &n);
		for (size_t i = 0; i < n; i++) {
			if (keys[i] == HC_KEY_UNDO)
				hc_station_undo(l->st, wall_ms);
			else
				hc_station_add_press(l->st,
						     keys[i] == HC_KEY_IN ? HC_DIR_IN : HC_DIR_OUT,
						     wall_ms);
		}
		total += n;
		if (status == HC_INPUT_EOF) {
			hc_info("input %s: ended", l->in->name);
			l->input_done = true;
			break;
		}
		if (status == HC_INPUT_QUIT) {
			hc_info("input %s: quit requested", l->in->name);
			l->input_done = true;
			l->quit = true;
			break;
		}
		if (status == HC_INPUT_ERROR) {
			hc_error("input %s: device failed; no more presses", l->in->name);
			l->input_done = true;
			break;
		}
		if (n == 0)
			break;
	}
	if (total > 0) {
		hc_station_persist(l->st);
		refresh_display(l);
	}
}

static int callback_input(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			  size_t len)
{
	struct link *l = lws_context_user(lws_get_context(wsi));
	(void)user;
	(void)in;
	(void)len;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		drain_input(l);
		return l->input_done ? -1 : 0; /* -1: lws closes our dup */
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		drain_input(l); /* last lines before a pipe's hang-up */
		if (!l->input_done) {
			hc_info("input %s: ended (hang-up)", l->in->name);
			l->input_done = true;
		}
		l->input_wsi = NULL;
		break;
	default: break;
	}
	return 0;
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_tick);
	int64_t now_ms = hc_mono_ms();

	drain_input(l);
	if (hc_station_tick(l->st, now_ms, hc_wall_ms()) && l->established)
		lws_callback_on_writable(l->wsi);
	if (l->established)
		lws_callback_on_writable(l->wsi); /* resends fall due */
	refresh_display(l);
	if (l->cfg->exit_when_acked && l->input_done && hc_station_all_acked(l->st)) {
		hc_info("terminal %s: input ended and every press is "
			"acknowledged; exiting",
			l->st->terminal_id);
		l->quit = true;
	}
	if (!l->quit)
		lws_sul_schedule(l->ctx, 0, &l->sul_tick, tick, LINK_TICK_US);
}

static const struct lws_protocols link_protocols[] = {
	{ HC_PROTO_TERMINAL, callback_aggregator, 0, HC_TERMINAL_FRAME_BYTES_MAX, 0, NULL, 0 },
	{ "hc-input", callback_input, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static bool install_signal_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal; /* no SA_RESTART: poll() returns */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
		hc_error("link: installing signal handlers failed: %s", strerror(errno));
		return false;
	}
	signal(SIGPIPE, SIG_IGN);
	return true;
}

/* Hands a dup of the input fd to lws so a press wakes the loop. */
static void adopt_input(struct link *l)
{
	int fd = dup(l->in->fd);
	if (fd < 0) {
		hc_warn("input %s: dup failed (%s); polling every tick instead", l->in->name,
			strerror(errno));
		return;
	}
	lws_sock_file_fd_type desc;
	memset(&desc, 0, sizeof desc);
	desc.filefd = fd;
	l->input_wsi = lws_adopt_descriptor_vhost(l->vhost, LWS_ADOPT_RAW_FILE_DESC, desc,
						  "hc-input", NULL);
	if (l->input_wsi == NULL) {
		hc_warn("input %s: lws could not adopt fd %d; polling every "
			"tick instead",
			l->in->name, fd);
		close(fd);
	}
}

int hc_link_run(const struct hc_link_config *cfg, struct hc_station *st, struct hc_input *in,
		struct hc_display *d)
{
	struct link l;
	struct lws_context_creation_info info;

	memset(&l, 0, sizeof l);
	l.cfg = cfg;
	l.st = st;
	l.in = in;
	l.d = d;
	l.exit_status = 1;

	lws_set_log_level(cfg->verbose ? (LLL_ERR | LLL_WARN | LLL_NOTICE |
					  (getenv("HC_LWS_INFO") ? LLL_INFO : 0))
				       : LLL_ERR,
			  lws_log_emit);
	if (!install_signal_handlers())
		return 1;

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = link_protocols;
	info.user = &l;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	hc_tls_client_info(&info, cfg->ca);
	l.ctx = lws_create_context(&info);
	if (l.ctx == NULL) {
		hc_error("link: creating the lws context failed");
		return 1;
	}
	l.vhost = lws_create_vhost(l.ctx, &info);
	if (l.vhost == NULL) {
		hc_error("link: creating the lws vhost failed");
		goto done;
	}

	adopt_input(&l);
	refresh_display(&l);
	lws_sul_schedule(l.ctx, 0, &l.sul_connect, connect_attempt, 1);
	lws_sul_schedule(l.ctx, 0, &l.sul_tick, tick, LINK_TICK_US);

	while (!l.quit && !link_stop_signal) {
		if (lws_service(l.ctx, 0) < 0) {
			hc_error("link: lws_service failed");
			goto done;
		}
	}
	if (link_stop_signal)
		hc_info("terminal %s: stopping on signal %d", st->terminal_id,
			(int)link_stop_signal);
	l.exit_status = 0;

done:
	l.quit = true;
	lws_sul_cancel(&l.sul_connect);
	lws_sul_cancel(&l.sul_tick);
	lws_context_destroy(l.ctx);
	if (!hc_station_persist(st))
		hc_error("terminal %s: %zu presses could not be stored and are "
			 "lost",
			 st->terminal_id, st->unstored_count);
	return l.exit_status;
}
