/*
 * main.c — headcount-dashboard: the supervisors' full-screen client.
 *
 * The edge: arguments, the password, ncursesw, the link (net.c). It
 * translates keys into hc_ui_key(), frames into hc_model_apply(), and
 * copies the changed cells of each frame hc_render() draws to the
 * terminal. Everything that decides lives in the pure files beside it.
 *
 * Login (docs/dashboard.md): --supervisor NAME (or HC_SUPERVISOR) and
 * the supervisor's password from --password-file PATH, or from the file
 * named by HC_SUPERVISOR_PASSWORD_FILE, or typed at a prompt with echo
 * off. Never on the command line, where other users of the machine
 * could read it. The password never leaves this process: it answers the
 * aggregator's salt with a proof (shared/wire_supervisor.h). A refused
 * login (4009, or 4010 after too many) ends the dashboard with the
 * reason instead of retrying into the limit.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _GNU_SOURCE
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <ncursesw/curses.h>

#include "aggregator/dashboard/model.h"
#include "aggregator/dashboard/net.h"
#include "aggregator/dashboard/render.h"
#include "aggregator/dashboard/screen.h"
#include "aggregator/dashboard/ui.h"
#include "shared/clock.h"
#include "shared/version.h"
#include "shared/wire_supervisor.h"

#define CREDENTIAL_BYTES_MAX 512

struct app {
	const char *supervisor;
	char credential[CREDENTIAL_BYTES_MAX]; /* the password */
	char nonce[HC_WIRE_SUP_NONCE_HEX_LEN + 1];
	char refused[256]; /* why the login was refused: print at exit */
	struct hc_net *net;
	struct hc_model model;
	struct hc_ui ui;
	struct hc_screen screen;
	struct hc_layout layout;
	bool colour;
	bool dirty;
	bool key_pressed; /* answer keys at once, not at the next frame */
	bool quit;
	bool welcomed;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Prints the usage to out and exits with status (0 for --help). */
static void usage_exit(FILE *out, int status)
{
	fprintf(out, "usage: headcount-dashboard [--url ws://HOST:PORT | --url wss://HOST:PORT\n"
		     "                           --ca PATH] --supervisor NAME\n"
		     "                           [--password-file PATH] [--ascii] [--no-colour]\n"
		     "       headcount-dashboard --help | --version\n"
		     "The password is read from --password-file, else from the file named by\n"
		     "HC_SUPERVISOR_PASSWORD_FILE, else typed at a prompt (not echoed).\n");
	exit(status);
}

static void usage(void)
{
	usage_exit(stderr, 2);
}

/* Reads the first line of path into out (no newline). */
static bool read_password_file(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "headcount-dashboard: cannot read the password file %s: %s\n", path,
			strerror(errno));
		return false;
	}
	bool ok = fgets(out, (int)cap, f) != NULL;
	if (fclose(f) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "headcount-dashboard: the password file %s is empty\n", path);
		return false;
	}
	out[strcspn(out, "\r\n")] = '\0';
	if (out[0] == '\0') {
		fprintf(stderr, "headcount-dashboard: the password file %s holds no password\n",
			path);
		return false;
	}
	return true;
}

/* Asks for the password on the terminal with echo off. */
static bool prompt_password(const char *name, char *out, size_t cap)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		fprintf(stderr, "headcount-dashboard: no terminal to ask for the password;"
				" use --password-file\n");
		return false;
	}
	struct termios old, quiet;
	bool have_termios = tcgetattr(fileno(tty), &old) == 0;
	fprintf(tty, "password of supervisor %s: ", name);
	fflush(tty);
	if (have_termios) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) != 0)
			have_termios = false;
	}
	bool ok = fgets(out, (int)cap, tty) != NULL;
	if (have_termios && tcsetattr(fileno(tty), TCSAFLUSH, &old) != 0)
		ok = false;
	fprintf(tty, "\n");
	if (fclose(tty) != 0)
		ok = false;
	if (!ok)
		return false;
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] != '\0';
}

/* ---- the link -------------------------------------------------------- */

static void on_frame(void *arg, const char *text, size_t len)
{
	struct app *a = arg;
	struct hc_wire_sup_msg msg;
	char why[200];
	if (!hc_wire_sup_parse(text, len, &msg, why, sizeof why)) {
		hc_ui_say(&a->ui, true, "aggregator sent a message I cannot read: %s", why);
		a->dirty = true;
		return;
	}
	if (msg.type == HC_WIRE_SUP_CHALLENGE) {
		char hello[512];
		snprintf(a->nonce, sizeof a->nonce, "%s", msg.nonce);
		size_t n = hc_wire_sup_build_hello(hello, sizeof hello, a->supervisor);
		if (n == 0 || !hc_net_send(a->net, hello, n))
			hc_ui_say(&a->ui, true, "cannot answer the login challenge");
	} else if (msg.type == HC_WIRE_SUP_SALT) {
		char proof[512]; /* PBKDF2 with the aggregator's iterations: ~1 s */
		size_t n = hc_wire_sup_build_proof(proof, sizeof proof, a->supervisor,
						   a->credential, a->nonce, msg.salt,
						   msg.iterations);
		if (n == 0 || !hc_net_send(a->net, proof, n))
			hc_ui_say(&a->ui, true, "cannot answer the login salt");
	} else if (msg.type == HC_WIRE_SUP_RESULT) {
		hc_ui_result(&a->ui, &msg.result);
	} else {
		if (msg.type == HC_WIRE_SUP_WELCOME) {
			a->welcomed = true;
			hc_ui_say(&a->ui, false, "logged in as %s; ? for help", msg.supervisor);
		}
		if (!hc_model_apply(&a->model, &msg, hc_mono_ms(), hc_wall_ms()))
			hc_ui_say(&a->ui, true, "out of memory applying a snapshot");
	}
	hc_wire_sup_msg_free(&msg);
	a->dirty = true;
}

static void on_up(void *arg)
{
	struct app *a = arg;
	a->welcomed = false;
	hc_ui_say(&a->ui, false, "connected; logging in as %s", a->supervisor);
	a->dirty = true;
}

static void on_down(void *arg, const char *why)
{
	struct app *a = arg;
	hc_model_disconnected(&a->model, hc_wall_ms());
	if (!a->welcomed && (strstr(why, "4009") != NULL || strstr(why, "4010") != NULL)) {
		/* Retrying a refused login only spends the address's tries. */
		snprintf(a->refused, sizeof a->refused, "login refused (%s)", why);
		a->quit = true;
	} else
		hc_ui_say(&a->ui, true, "%s; reconnecting", why);
	a->dirty = true;
}

/* ---- the terminal ---------------------------------------------------- */

static short pair_of(int colour)
{
	return (short)colour; /* pairs 1..5 are set up as the colours */
}

struct emit_ctx {
	bool colour;
};

/* Copies one run of changed cells to the curses screen. */
static void emit(void *arg, int row, int col, const struct hc_cell *cells, int n)
{
	const struct emit_ctx *e = arg;
	move(row, col);
	for (int i = 0; i < n; i++) {
		if (cells[i].ch == 0)
			continue; /* the right half of a wide character */
		uint16_t at = cells[i].attr;
		attr_t attrs = A_NORMAL;
		if (at & HC_A_BOLD)
			attrs |= A_BOLD;
		if (at & HC_A_REVERSE)
			attrs |= A_REVERSE;
		if (at & HC_A_DIM)
			attrs |= A_DIM;
		if (at & HC_A_UNDERLINE)
			attrs |= A_UNDERLINE;
		int c = HC_A_COLOUR_OF(at);
		short pair = 0;
		if (e->colour)
			pair = pair_of(c);
		else if (c == HC_C_RED)
			attrs |= A_BOLD | A_REVERSE; /* full, STOP: without colour */
		else if (c == HC_C_MAGENTA)
			attrs |= A_BOLD | A_UNDERLINE; /* crowded */
		wchar_t wc[2] = { cells[i].ch, L'\0' };
		cchar_t cc;
		if (setcchar(&cc, wc, attrs, pair, NULL) == OK)
			add_wch(&cc);
	}
}

static void redraw(struct app *a)
{
	int64_t now_ms = hc_mono_ms();
	hc_render(&a->screen, &a->model, &a->ui, now_ms, hc_wall_ms(), &a->layout);
	struct emit_ctx e = { .colour = a->colour };
	if (a->screen.full_redraw)
		clearok(curscr, TRUE);
	hc_screen_flush(&a->screen, emit, &e);
	refresh();
	if (a->model.alerts.bell_pending) {
		a->model.alerts.bell_pending = false;
		if (!a->model.alerts.muted)
			beep();
	}
}

static int translate_key(int rc, wint_t wch)
{
	if (rc == KEY_CODE_YES) {
		switch (wch) {
		case KEY_UP: return HC_KEY_UP;
		case KEY_DOWN: return HC_KEY_DOWN;
		case KEY_PPAGE: return HC_KEY_PGUP;
		case KEY_NPAGE: return HC_KEY_PGDN;
		case KEY_HOME: return HC_KEY_HOME;
		case KEY_END: return HC_KEY_END;
		case KEY_ENTER: return HC_KEY_ENTER;
		case KEY_BACKSPACE: return HC_KEY_BACKSPACE;
		case KEY_RESIZE: return -2;
		default: return -1;
		}
	}
	switch (wch) {
	case L'\n':
	case L'\r': return HC_KEY_ENTER;
	case 27: return HC_KEY_ESC;
	case 127:
	case 8: return HC_KEY_BACKSPACE;
	case L'\t': return HC_KEY_TAB;
	default: return (int)wch;
	}
}

static void send_action(struct app *a, const struct hc_action *act)
{
	char text[1024];
	int64_t request;
	size_t n = 0;
	hc_ui_sent(&a->ui, act, &request);
	switch (act->kind) {
	case HC_ACT_OVERRIDE:
		n = hc_wire_sup_build_override(text, sizeof text, request, act->group, act->id,
					       act->mode, act->reason);
		break;
	case HC_ACT_CORRECT:
		n = hc_wire_sup_build_correct(text, sizeof text, request, act->id, act->delta,
					      act->reason);
		break;
	case HC_ACT_THRESHOLDS:
		n = hc_wire_sup_build_thresholds(text, sizeof text, request, act->group, act->id,
						 &act->thresholds, act->reason);
		break;
	default: return;
	}
	if (n == 0)
		hc_ui_say(&a->ui, true, "cannot build that command (reason too long?)");
	else if (!hc_net_send(a->net, text, n))
		hc_ui_say(&a->ui, true, "not sent: not connected to the aggregator");
}

static void read_keys(struct app *a)
{
	wint_t wch;
	int rc;
	while ((rc = get_wch(&wch)) != ERR) {
		int key = translate_key(rc, wch);
		a->dirty = true;
		a->key_pressed = true;
		if (key == -2) {
			int rows, cols;
			getmaxyx(stdscr, rows, cols);
			if (!hc_screen_resize(&a->screen, rows, cols))
				a->quit = true;
			continue;
		}
		if (key < 0)
			continue;
		if (key == 'm' && a->ui.prompt == HC_PROMPT_NONE && !a->ui.help) {
			a->model.alerts.muted = !a->model.alerts.muted;
			hc_ui_say(&a->ui, false, "bell %s", a->model.alerts.muted ? "muted" : "on");
			continue;
		}
		int page = a->ui.pane == HC_PANE_AREAS	 ? a->layout.area_rows
			   : a->ui.pane == HC_PANE_DOORS ? a->layout.door_rows - 1
							 : a->layout.alert_rows - 1;
		struct hc_action act;
		if (hc_ui_key(&a->ui, &a->model, key, page, &act)) {
			if (act.kind == HC_ACT_QUIT)
				a->quit = true;
			else
				send_action(a, &act);
		}
	}
}

/* headcount-dashboard. One piece (about 140 lines): the options, the
 * checks that must fail before the screen starts, the screen, the loop
 * and the one cleanup after endwin, in that order; what each step does is
 * in its own function (read_password_file, hc_net_*, read_keys, redraw). */
int main(int argc, char **argv)
{
	static struct app a;
	const char *url = "ws://127.0.0.1:8080", *password_file = NULL, *ca = NULL;
	bool force_ascii = false, no_colour = getenv("NO_COLOR") != NULL;
	a.supervisor = getenv("HC_SUPERVISOR");
	if (hc_version_requested(argc, argv)) {
		hc_version_print(stdout, "headcount-dashboard");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			usage_exit(stdout, 0);
		if (strcmp(argv[i], "--ascii") == 0) {
			force_ascii = true;
			continue;
		}
		if (strcmp(argv[i], "--no-colour") == 0 || strcmp(argv[i], "--no-color") == 0) {
			no_colour = true;
			continue;
		}
		if (v == NULL)
			usage();
		if (strcmp(argv[i], "--url") == 0)
			url = v;
		else if (strcmp(argv[i], "--supervisor") == 0)
			a.supervisor = v;
		else if (strcmp(argv[i], "--ca") == 0)
			ca = v;
		else if (strcmp(argv[i], "--password-file") == 0)
			password_file = v;
		else if (strcmp(argv[i], "--password") == 0) {
			fprintf(stderr,
				"headcount-dashboard: the password is never given on the"
				" command line (others can read it there); use"
				" --password-file, HC_SUPERVISOR_PASSWORD_FILE or the prompt\n");
			return 2;
		} else if (strcmp(argv[i], "--key") == 0 || strcmp(argv[i], "--key-file") == 0) {
			fprintf(stderr,
				"headcount-dashboard: %s: supervisors log in with a password"
				" now (headcount-aggregator passwd); use --password-file\n",
				argv[i]);
			return 2;
		} else
			usage();
		i++;
	}
	if (a.supervisor == NULL || !hc_proto_valid_id(a.supervisor))
		usage();
	char tls_err[4400];
	if (!hc_net_check_tls(url, ca, tls_err, sizeof tls_err)) {
		fprintf(stderr, "headcount-dashboard: %s\n", tls_err);
		return 2;
	}
	if (password_file == NULL)
		password_file = getenv("HC_SUPERVISOR_PASSWORD_FILE");
	if (password_file != NULL
		    ? !read_password_file(password_file, a.credential, sizeof a.credential)
		    : !prompt_password(a.supervisor, a.credential, sizeof a.credential))
		return 1;

	setlocale(LC_ALL, "");
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	a.screen.ascii = force_ascii || !utf8;

	hc_model_init(&a.model);
	hc_ui_init(&a.ui);
	struct hc_net_callbacks cb = { .on_frame = on_frame, .on_up = on_up, .on_down = on_down };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
		fprintf(stderr, "headcount-dashboard: cannot install the signal handlers: %s\n",
			strerror(errno));
		return 1;
	}

	if (initscr() == NULL) {
		fprintf(stderr, "headcount-dashboard: cannot start the screen (TERM?)\n");
		return 1;
	}
	int rc = 1;
	char net_err[300] = ""; /* why the network could not start */
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	a.colour = !no_colour && has_colors();
	if (a.colour) {
		start_color();
		use_default_colors();
		short fg[HC_C_COUNT] = { -1,	    COLOR_GREEN,   COLOR_YELLOW,
					 COLOR_RED, COLOR_MAGENTA, COLOR_CYAN };
		for (short c = 1; c < HC_C_COUNT; c++)
			init_pair(c, fg[c], -1);
	}
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (!hc_screen_resize(&a.screen, rows, cols))
		goto done;
	a.net = hc_net_new(url, ca, &cb, &a, net_err, sizeof net_err);
	if (a.net == NULL)
		goto done;
	hc_model_disconnected(&a.model, 0);
	a.model.disconnected_since_wall_ms = 0; /* "connecting...", not "since" */
	int64_t drawn_s = -1, drawn_ms = 0;
	while (!a.quit && !stop_requested) {
		hc_net_service(a.net);
		read_keys(&a);
		int64_t now_ms = hc_mono_ms();
		hc_model_tick(&a.model, now_ms, hc_wall_ms());
		int64_t now_s = hc_wall_ms() / 1000;
		bool due = a.key_pressed || now_ms - drawn_ms >= HC_DASH_REDRAW_MS_MIN;
		if ((a.dirty && due) || now_s != drawn_s) { /* the clock moves once a second */
			redraw(&a);
			a.dirty = false;
			a.key_pressed = false;
			drawn_s = now_s;
			drawn_ms = now_ms;
		}
	}
	rc = a.refused[0] != '\0' ? 1 : 0;
done:
	endwin();
	if (a.refused[0] != '\0')
		fprintf(stderr, "headcount-dashboard: %s\n", a.refused);
	if (net_err[0] != '\0') /* after endwin: on the terminal, not the screen */
		fprintf(stderr, "headcount-dashboard: %s\n", net_err);
	hc_net_free(a.net);
	hc_screen_free(&a.screen);
	hc_model_free(&a.model);
	memset(a.credential, 0, sizeof a.credential);
	return rc;
}
