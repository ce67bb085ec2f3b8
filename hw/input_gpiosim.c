/*
 * input_gpiosim.c — the "gpio-sim" input: GPIO button edges from a
 * script on standard input, through the same debounce core as the real
 * GPIO backend (hw/input_gpiod.c), for machines without GPIO hardware.
 *
 * One edge per line:  <button> <level> <time_ms>
 *   button: in | out | undo      (ENTER, EXIT, UNDO)
 *   level:  press | release      (the logical level after active-low)
 *   time:   decimal milliseconds on the edge's own clock, fractions
 *           allowed ("1000.25"); stands for the kernel's event timestamp
 * Blank lines and lines starting with '#' are ignored; a malformed line
 * is logged and ignored. End of input is HC_INPUT_EOF. Only the source
 * of the edges differs from the real backend: what counts as a press is
 * decided by hc_debounce_edge() exactly as for kernel events.
 *
 * Like input_stdin.c, every read() is guarded by a zero-timeout poll(),
 * so a spurious call never blocks.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/debounce.h"
#include "hw/input.h"
#include "shared/log.h"

#define GPIOSIM_LINE_BYTES_MAX 256

struct gpiosim_input {
	struct hc_debounce deb;
	char buf[GPIOSIM_LINE_BYTES_MAX];
	size_t len;
	bool eof;
	int64_t line_no;
};

static const enum hc_key line_keys[HC_DEBOUNCE_LINES_MAX] = {
	HC_KEY_IN,
	HC_KEY_OUT,
	HC_KEY_UNDO,
};

/* Parses one edge line; returns true with the edge's fields. */
static bool parse_edge(struct gpiosim_input *g, char *text, size_t *line, bool *active,
		       int64_t *ts_ns)
{
	char button[16], level[16], time_text[32];
	g->line_no++;
	const char *t = text;
	while (*t == ' ' || *t == '\t')
		t++;
	if (*t == '\0' || *t == '#')
		return false;
	if (sscanf(t, "%15s %15s %31s", button, level, time_text) != 3)
		goto bad;
	if (strcmp(button, "in") == 0)
		*line = 0;
	else if (strcmp(button, "out") == 0)
		*line = 1;
	else if (strcmp(button, "undo") == 0)
		*line = 2;
	else
		goto bad;
	if (strcmp(level, "press") == 0)
		*active = true;
	else if (strcmp(level, "release") == 0)
		*active = false;
	else
		goto bad;
	char *end;
	errno = 0;
	double ms = strtod(time_text, &end);
	if (errno != 0 || *end != '\0' || !(ms >= 0) || ms > 9.0e12)
		goto bad;
	*ts_ns = (int64_t)(ms * 1e6 + 0.5);
	return true;
bad:
	hc_warn("input gpio-sim: line %lld: expected \"in|out|undo "
		"press|release TIME_MS\", got \"%.60s\"; ignored",
		(long long)g->line_no, t);
	return false;
}

/* Feeds complete lines (and at EOF the last one) to the debouncer. */
static void take_lines(struct gpiosim_input *g, enum hc_key *keys, size_t max, size_t *n)
{
	size_t start = 0;
	while (*n < max && start < g->len) {
		char *nl = memchr(g->buf + start, '\n', g->len - start);
		size_t end;
		if (nl != NULL)
			end = (size_t)(nl - g->buf);
		else if (g->eof)
			end = g->len;
		else
			break;
		g->buf[end < sizeof g->buf ? end : sizeof g->buf - 1] = '\0';
		size_t line;
		bool active;
		int64_t ts_ns;
		if (parse_edge(g, g->buf + start, &line, &active, &ts_ns) &&
		    hc_debounce_edge(&g->deb, line, active, ts_ns))
			keys[(*n)++] = line_keys[line];
		start = end + 1 > g->len ? g->len : end + 1;
	}
	memmove(g->buf, g->buf + start, g->len - start);
	g->len -= start;
	if (g->len == sizeof g->buf) {
		hc_warn("input gpio-sim: line longer than %d bytes dropped",
			GPIOSIM_LINE_BYTES_MAX);
		g->len = 0;
	}
}

static enum hc_input_status gpiosim_read(struct hc_input *in, enum hc_key *keys, size_t max,
					 size_t *n)
{
	struct gpiosim_input *g = in->priv;
	*n = 0;
	take_lines(g, keys, max, n);
	if (*n == max)
		return HC_INPUT_OK;
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	if (!g->eof && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
		ssize_t r = read(in->fd, g->buf + g->len, sizeof g->buf - g->len);
		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			hc_error("input gpio-sim: read failed: %s", strerror(errno));
			return HC_INPUT_ERROR;
		}
		if (r == 0)
			g->eof = true;
		if (r > 0)
			g->len += (size_t)r;
		take_lines(g, keys, max, n);
	}
	if (*n == 0 && g->eof && g->len == 0)
		return HC_INPUT_EOF;
	return HC_INPUT_OK;
}

static void gpiosim_close(struct hc_input *in)
{
	free(in->priv);
	in->priv = NULL;
}

bool hc_input_gpiosim_open(const struct hc_gpio_input_cfg *cfg, struct hc_input *in, char *err,
			   size_t err_len)
{
	struct gpiosim_input *g = calloc(1, sizeof *g);
	if (g == NULL) {
		snprintf(err, err_len, "input gpio-sim: out of memory");
		return false;
	}
	hc_debounce_init(&g->deb, HC_DEBOUNCE_LINES_MAX, cfg->debounce_ms);
	in->name = "gpio-sim";
	in->fd = STDIN_FILENO;
	in->read = gpiosim_read;
	in->close = gpiosim_close;
	in->priv = g;
	return true;
}
