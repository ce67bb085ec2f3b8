/*
 * link.c — the terminal's event loop on libwebsockets 4.1.
 *
 * One lws context without a listening port holds everything: the client
 * connection to the aggregator (link_aggregator.c), the adopted input
 * device (link_input.c), and a 100 ms lws_sul timer that drains the
 * input, retries storing presses, cuts batches, asks to write (first
 * sends and resends) and refreshes the screen (here). The shared state
 * is one struct link (terminal/link_internal.h).
 *
 * Signals: SIGINT/SIGTERM only set a flag; poll() returns EINTR and the
 * loop ends, then the caller closes journal, input (tty restored) and
 * display. Nothing else happens in the handler. A signal that lands just
 * before poll() is seen at the latest when the 100 ms tick wakes it.
 */
#include "terminal/link_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/tls_client.h"

#define LINK_TICK_US (100 * LWS_US_PER_MS)

static volatile sig_atomic_t link_stop_signal;

static void on_stop_signal(int signo)
{
	link_stop_signal = signo;
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
void link_refresh_display(struct link *l)
{
	struct hc_display_state ds;
	int64_t now_ms = hc_mono_ms();
	hc_station_display_state(l->st, now_ms, &ds);
	ds.refusal = current_refusal(l, now_ms);
	ds.quit_asking = !l->input_done && l->in->quit_asking != NULL &&
			 l->in->quit_asking(l->in, now_ms);
	l->d->show(l->d, &ds);
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_tick);
	int64_t now_ms = hc_mono_ms();

	link_drain_input(l);
	if (hc_station_tick(l->st, now_ms, hc_wall_ms()) && l->established)
		lws_callback_on_writable(l->wsi);
	if (l->established)
		lws_callback_on_writable(l->wsi); /* resends fall due */
	link_refresh_display(l);
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
	{ HC_PROTO_TERMINAL, link_callback_aggregator, 0, HC_TERMINAL_FRAME_BYTES_MAX, 0, NULL, 0 },
	{ "hc-input", link_callback_input, 0, 0, 0, NULL, 0 },
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

/* lws' log level: errors only, unless verbose (notices, and lws' info
 * lines with HC_LWS_INFO set). */
static void set_lws_logging(bool verbose)
{
	int levels = LLL_ERR;
	if (verbose)
		levels |= LLL_WARN | LLL_NOTICE | (getenv("HC_LWS_INFO") ? LLL_INFO : 0);
	lws_set_log_level(levels, lws_log_emit);
}

/* The loop's lws context (no listening port) and its one vhost, with
 * TLS for wss://. False (logged) when either cannot be made; l->ctx
 * then says whether the context exists and must be destroyed. */
static bool create_context(struct link *l)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = link_protocols;
	info.user = l;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	hc_tls_client_info(&info, l->cfg->ca);
	l->ctx = lws_create_context(&info);
	if (l->ctx == NULL) {
		hc_error("link: creating the lws context failed");
		return false;
	}
	l->vhost = lws_create_vhost(l->ctx, &info);
	if (l->vhost == NULL) {
		hc_error("link: creating the lws vhost failed");
		return false;
	}
	return true;
}

int hc_link_run(const struct hc_link_config *cfg, struct hc_station *st, struct hc_input *in,
		struct hc_display *d)
{
	struct link l;

	memset(&l, 0, sizeof l);
	l.cfg = cfg;
	l.st = st;
	l.in = in;
	l.d = d;
	l.exit_status = 1;

	set_lws_logging(cfg->verbose);
	if (!install_signal_handlers())
		return 1;
	if (!create_context(&l)) {
		if (l.ctx == NULL)
			return 1;
		goto done;
	}

	link_adopt_input(&l);
	link_refresh_display(&l);
	lws_sul_schedule(l.ctx, 0, &l.sul_connect, link_connect_attempt, 1);
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
