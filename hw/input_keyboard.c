/*
 * input_keyboard.c — presses from an interactive keyboard on a tty.
 *
 * Keys: 'i', '+' or Up arrow = ENTER (in); 'o', '-' or Down arrow = EXIT
 * (out); 'u', Backspace or Delete = UNDO (takes back the last press);
 * 'q' = quit, once confirmed: 'q' asks, then 'y' or a second 'q' within
 * HC_QUIT_CONFIRM_MS quits, 'n' or the time running out keeps counting
 * (quit_asking tells the screen). Presses made while it asks count as
 * usual. Other keys are ignored. The tty is put in
 * non-canonical, no-echo mode so one key is one press; ISIG stays on so
 * Ctrl-C still stops the terminal cleanly. The previous mode is restored
 * on close. Refuses to open when stdin is not a tty.
 *
 * Like input_stdin.c, each read() is guarded by a zero-timeout poll() so
 * a spurious call never blocks. Arrow keys arrive as "ESC [ A" or
 * "ESC O A"; the decoder keeps its state across reads.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hw/input.h"
#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"

enum esc_state { ESC_NONE, ESC_SEEN, ESC_BRACKET };

struct keyboard_input {
	struct termios saved;
	enum esc_state esc;
	bool asking;	      /* 'q' pressed, confirmation awaited */
	int64_t ask_until_ms; /* monotonic end of the question */
	bool quit;
};

/* True while the quit question stands at now_ms; ends it when expired. */
static bool still_asking(struct keyboard_input *k, int64_t now_ms)
{
	if (k->asking && now_ms >= k->ask_until_ms) {
		k->asking = false;
		hc_info("input keyboard: quit not confirmed; counting on");
	}
	return k->asking;
}

static bool keyboard_quit_asking(struct hc_input *in, int64_t now_ms)
{
	return still_asking(in->priv, now_ms);
}

/* 'q' asks; 'y' or 'q' while asking quits; 'n' withdraws. */
static void quit_key(struct keyboard_input *k, unsigned char c)
{
	int64_t now_ms = hc_mono_ms();
	bool asking = still_asking(k, now_ms);
	if (c == 'n' || c == 'N') {
		if (asking)
			hc_info("input keyboard: quit withdrawn");
		k->asking = false;
		return;
	}
	if (asking) {
		k->quit = true; /* 'y' or a second 'q' */
		return;
	}
	if (c == 'q' || c == 'Q') {
		k->asking = true;
		k->ask_until_ms = now_ms + HC_QUIT_CONFIRM_MS;
		hc_info("input keyboard: quit? y/n");
	}
}

/* Decodes one byte; returns 1 with *dir set for a press, 0 for none. */
static int decode_key(struct keyboard_input *k, unsigned char c, enum hc_key *dir)
{
	switch (k->esc) {
	case ESC_SEEN: k->esc = (c == '[' || c == 'O') ? ESC_BRACKET : ESC_NONE; return 0;
	case ESC_BRACKET:
		k->esc = ESC_NONE;
		if (c == 'A') {
			*dir = HC_KEY_IN;
			return 1;
		}
		if (c == 'B') {
			*dir = HC_KEY_OUT;
			return 1;
		}
		return 0;
	case ESC_NONE: break;
	}
	switch (c) {
	case 0x1b: k->esc = ESC_SEEN; return 0;
	case 'i':
	case 'I':
	case '+': *dir = HC_KEY_IN; return 1;
	case 'o':
	case 'O':
	case '-': *dir = HC_KEY_OUT; return 1;
	case 'u':
	case 'U':
	case 0x7f:
	case 0x08: *dir = HC_KEY_UNDO; return 1;
	case 'q':
	case 'Q':
	case 'y':
	case 'Y':
	case 'n':
	case 'N': quit_key(k, c); return 0;
	default: return 0;
	}
}

static enum hc_input_status keyboard_read(struct hc_input *in, enum hc_key *dirs, size_t max,
					  size_t *n)
{
	struct keyboard_input *k = in->priv;
	*n = 0;
	if (k->quit)
		return HC_INPUT_QUIT;
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return HC_INPUT_OK;

	unsigned char buf[HC_INPUT_PRESSES_MAX];
	size_t want = max < sizeof buf ? max : sizeof buf;
	ssize_t r = read(in->fd, buf, want);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return HC_INPUT_OK;
		hc_error("input keyboard: read failed: %s", strerror(errno));
		return HC_INPUT_ERROR;
	}
	if (r == 0)
		return HC_INPUT_EOF;
	for (ssize_t i = 0; i < r && !k->quit; i++)
		*n += (size_t)decode_key(k, buf[i], &dirs[*n]);
	if (k->quit && *n == 0)
		return HC_INPUT_QUIT;
	return HC_INPUT_OK;
}

static void keyboard_close(struct hc_input *in)
{
	struct keyboard_input *k = in->priv;
	if (k == NULL)
		return;
	if (tcsetattr(in->fd, TCSAFLUSH, &k->saved) != 0)
		hc_warn("input keyboard: restoring the tty failed: %s", strerror(errno));
	free(k);
	in->priv = NULL;
}

bool hc_input_keyboard_open(struct hc_input *in, char *err, size_t err_len)
{
	struct keyboard_input *k = NULL;
	if (!isatty(STDIN_FILENO)) {
		snprintf(err, err_len,
			 "input keyboard: stdin is not a terminal; use "
			 "--input stdin for pipes and files");
		return false;
	}
	k = calloc(1, sizeof *k);
	if (k == NULL) {
		snprintf(err, err_len, "input keyboard: out of memory");
		goto fail;
	}
	if (tcgetattr(STDIN_FILENO, &k->saved) != 0) {
		snprintf(err, err_len, "input keyboard: tcgetattr: %s", strerror(errno));
		goto fail;
	}
	struct termios raw = k->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
		snprintf(err, err_len, "input keyboard: tcsetattr: %s", strerror(errno));
		goto fail;
	}
	in->name = "keyboard";
	in->fd = STDIN_FILENO;
	in->read = keyboard_read;
	in->close = keyboard_close;
	in->quit_asking = keyboard_quit_asking;
	in->priv = k;
	return true;

fail:
	free(k);
	return false;
}
