/*
 * input_stdin.c — presses from standard input, one per line.
 *
 * Lines: "in" or "+" is an ENTER press, "out" or "-" an EXIT press,
 * "undo" or "u" an UNDO (takes back the last press);
 * surrounding blanks are ignored, as are blank lines and lines starting
 * with '#'. Anything else is logged as a warning and ignored. End of input
 * is HC_INPUT_EOF. Scripts and tests drive the terminal through this.
 *
 * Relies on being called when stdin is readable, but never blocks even
 * when called spuriously: each read() is guarded by a zero-timeout poll(),
 * so stdin's file flags (shared with the parent shell) stay untouched.
 * Handles many lines in one read and lines split across reads; a line
 * longer than STDIN_LINE_BYTES_MAX is dropped with a warning.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/input.h"
#include "shared/log.h"

#define STDIN_LINE_BYTES_MAX 4096

struct stdin_input {
	char buf[STDIN_LINE_BYTES_MAX];
	size_t len;	 /* bytes in buf */
	bool discarding; /* inside an over-long line */
	bool eof;	 /* read() returned 0 */
	int64_t line_no;
};

/* Trims blanks at both ends in place; returns the trimmed start. */
static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Interprets one line; returns true and sets *key for a press. */
static bool parse_line(struct stdin_input *si, char *line, enum hc_key *key)
{
	si->line_no++;
	char *t = trim(line);
	if (*t == '\0' || *t == '#')
		return false;
	if (strcmp(t, "in") == 0 || strcmp(t, "+") == 0) {
		*key = HC_KEY_IN;
		return true;
	}
	if (strcmp(t, "out") == 0 || strcmp(t, "-") == 0) {
		*key = HC_KEY_OUT;
		return true;
	}
	if (strcmp(t, "undo") == 0 || strcmp(t, "u") == 0) {
		*key = HC_KEY_UNDO;
		return true;
	}
	hc_warn("input stdin: line %lld: unknown press \"%.40s\" ignored "
		"(expected in, out, undo, +, - or u)",
		(long long)si->line_no, t);
	return false;
}

/* Takes complete lines from the buffer into dirs until max; at EOF the
 * unterminated last line counts as a line too. */
static void take_lines(struct stdin_input *si, enum hc_key *dirs, size_t max, size_t *n)
{
	size_t start = 0;
	while (*n < max && start < si->len) {
		char *nl = memchr(si->buf + start, '\n', si->len - start);
		size_t end;
		if (nl != NULL)
			end = (size_t)(nl - si->buf);
		else if (si->eof)
			end = si->len;
		else
			break;
		si->buf[end] = '\0';
		if (si->discarding)
			si->discarding = false;
		else if (parse_line(si, si->buf + start, &dirs[*n]))
			(*n)++;
		start = end + 1 > si->len ? si->len : end + 1;
	}
	memmove(si->buf, si->buf + start, si->len - start);
	si->len -= start;
	if (si->len == sizeof si->buf) {
		hc_warn("input stdin: line %lld longer than %d bytes ignored",
			(long long)si->line_no + 1, STDIN_LINE_BYTES_MAX);
		si->len = 0;
		si->discarding = true;
		si->line_no++;
	}
}

/* True when fd can be read without blocking (data, EOF or error). */
static bool readable_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, 0);
	return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

static enum hc_input_status stdin_read(struct hc_input *in, enum hc_key *dirs, size_t max,
				       size_t *n)
{
	struct stdin_input *si = in->priv;
	*n = 0;
	take_lines(si, dirs, max, n);
	if (*n == max)
		return HC_INPUT_OK;
	if (!si->eof && readable_now(in->fd)) {
		ssize_t r = read(in->fd, si->buf + si->len, sizeof si->buf - si->len);
		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			hc_error("input stdin: read failed: %s", strerror(errno));
			return HC_INPUT_ERROR;
		}
		if (r == 0)
			si->eof = true;
		if (r > 0)
			si->len += (size_t)r;
		take_lines(si, dirs, max, n);
	}
	if (*n == 0 && si->eof && si->len == 0)
		return HC_INPUT_EOF;
	return HC_INPUT_OK;
}

static void stdin_close(struct hc_input *in)
{
	free(in->priv);
	in->priv = NULL;
}

bool hc_input_stdin_open(struct hc_input *in, char *err, size_t err_len)
{
	struct stdin_input *si = calloc(1, sizeof *si);
	if (si == NULL) {
		snprintf(err, err_len, "input stdin: out of memory");
		return false;
	}
	in->name = "stdin";
	in->fd = STDIN_FILENO;
	in->read = stdin_read;
	in->close = stdin_close;
	in->priv = si;
	return true;
}
