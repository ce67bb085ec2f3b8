/*
 * input_gpiod.c — ENTER, EXIT and UNDO buttons on GPIO lines (libgpiod
 * 1.6, the API Debian 12 and Raspberry Pi OS bookworm ship).
 *
 * What lives here: a thin translation from kernel line events to keys.
 * Each configured line is requested for both-edge events with the
 * ACTIVE_LOW flag (a button to ground) and the pull-up bias flag when
 * asked for; the line's event fd goes into one epoll set, whose fd is the
 * one the terminal's loop watches. Every event is handed with its kernel
 * timestamp to the pure debounce core (hw/debounce.c), which decides what
 * is a press; this file reads no clock and has no debounce logic.
 *
 * Relies on: with ACTIVE_LOW the kernel reports the logical level, so a
 * RISING_EDGE event means "pressed". The bias flags need Linux 5.5 or
 * later; an older kernel refuses them, and the message says to turn
 * gpio_pull_up off and fit external pull-up resistors.
 *
 * Promises: never blocks (epoll_wait with a zero timeout, reads only
 * from a line whose fd is readable); lines and chip are released on close.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gpiod.h>

#include "hw/debounce.h"
#include "hw/input.h"
#include "shared/log.h"

#define GPIOD_CONSUMER "headcount"
/* Events one line read takes at most (the kernel queues 16 per line). */
#define GPIOD_EVENTS_PER_READ 16

struct gpiod_input {
	struct gpiod_chip *chip;
	struct gpiod_line *lines[HC_DEBOUNCE_LINES_MAX];
	enum hc_key keys[HC_DEBOUNCE_LINES_MAX];
	int32_t offsets[HC_DEBOUNCE_LINES_MAX];
	size_t count;
	int epfd;
	struct hc_debounce deb;
};

static void gpiod_input_free(struct gpiod_input *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->count; i++)
		if (g->lines[i] != NULL)
			gpiod_line_release(g->lines[i]);
	if (g->chip != NULL)
		gpiod_chip_close(g->chip);
	if (g->epfd >= 0)
		close(g->epfd);
	free(g);
}

static const char *key_name(enum hc_key k)
{
	return k == HC_KEY_IN ? "ENTER" : k == HC_KEY_OUT ? "EXIT" : "UNDO";
}

/* Drains one line's queued events through the debouncer into keys. */
static bool read_line_events(struct gpiod_input *g, size_t idx, enum hc_key *keys, size_t max,
			     size_t *n)
{
	struct gpiod_line_event ev[GPIOD_EVENTS_PER_READ];
	int got = gpiod_line_event_read_multiple(g->lines[idx], ev, GPIOD_EVENTS_PER_READ);
	if (got < 0) {
		hc_error("input gpio: reading events of line %d (%s) failed: %s", g->offsets[idx],
			 key_name(g->keys[idx]), strerror(errno));
		return false;
	}
	for (int i = 0; i < got; i++) {
		bool active = ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
		int64_t ts_ns = (int64_t)ev[i].ts.tv_sec * 1000000000 + (int64_t)ev[i].ts.tv_nsec;
		if (hc_debounce_edge(&g->deb, idx, active, ts_ns) && *n < max)
			keys[(*n)++] = g->keys[idx];
	}
	return true;
}

static enum hc_input_status gpiod_read(struct hc_input *in, enum hc_key *keys, size_t max,
				       size_t *n)
{
	struct gpiod_input *g = in->priv;
	struct epoll_event ready[HC_DEBOUNCE_LINES_MAX];
	*n = 0;
	int r = epoll_wait(g->epfd, ready, HC_DEBOUNCE_LINES_MAX, 0);
	if (r < 0) {
		if (errno == EINTR)
			return HC_INPUT_OK;
		hc_error("input gpio: epoll_wait failed: %s", strerror(errno));
		return HC_INPUT_ERROR;
	}
	for (int i = 0; i < r; i++) {
		size_t idx = ready[i].data.u32;
		if (idx >= g->count || !read_line_events(g, idx, keys, max, n))
			return HC_INPUT_ERROR;
	}
	return HC_INPUT_OK;
}

static void gpiod_close(struct hc_input *in)
{
	gpiod_input_free(in->priv);
	in->priv = NULL;
}

/* Requests one button line and adds its event fd to the epoll set. */
static bool request_button(struct gpiod_input *g, const struct hc_gpio_input_cfg *cfg,
			   int32_t offset, enum hc_key key, char *err, size_t err_len)
{
	size_t idx = g->count;
	struct gpiod_line *line = gpiod_chip_get_line(g->chip, (unsigned)offset);
	if (line == NULL) {
		snprintf(err, err_len, "input gpio: %s: no line %d for %s: %s", cfg->chip, offset,
			 key_name(key), strerror(errno));
		return false;
	}
	int flags = 0;
	if (cfg->active_low)
		flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
	if (cfg->pull_up)
		flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	if (gpiod_line_request_both_edges_events_flags(line, GPIOD_CONSUMER, flags) != 0) {
		int e = errno;
		snprintf(err, err_len, "input gpio: %s line %d (%s): request failed: %s%s",
			 cfg->chip, offset, key_name(key), strerror(e),
			 e == EINVAL && cfg->pull_up
				 ? " (bias flags need Linux >= 5.5: set "
				   "gpio_pull_up = false and fit pull-up resistors)"
			 : e == EBUSY ? " (another program holds the line)"
				      : "");
		return false;
	}
	g->lines[idx] = line;
	g->keys[idx] = key;
	g->offsets[idx] = offset;
	g->count++;
	int level = gpiod_line_get_value(line);
	if (level < 0) {
		snprintf(err, err_len, "input gpio: %s line %d: reading it failed: %s", cfg->chip,
			 offset, strerror(errno));
		return false;
	}
	hc_debounce_set_level(&g->deb, idx, level == 1);
	if (level == 1)
		hc_warn("input gpio: %s button (line %d) is pressed at start; it "
			"counts once released and pressed again",
			key_name(key), offset);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)idx };
	int fd = gpiod_line_event_get_fd(line);
	if (fd < 0 || epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		snprintf(err, err_len, "input gpio: watching line %d failed: %s", offset,
			 strerror(errno));
		return false;
	}
	return true;
}

bool hc_input_gpiod_open(const struct hc_gpio_input_cfg *cfg, struct hc_input *in, char *err,
			 size_t err_len)
{
	struct gpiod_input *g = calloc(1, sizeof *g);
	if (g == NULL) {
		snprintf(err, err_len, "input gpio: out of memory");
		return false;
	}
	g->epfd = -1;
	size_t want = cfg->line_undo >= 0 ? 3 : 2;
	hc_debounce_init(&g->deb, want, cfg->debounce_ms);
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g->epfd < 0) {
		snprintf(err, err_len, "input gpio: epoll_create1: %s", strerror(errno));
		goto fail;
	}
	g->chip = gpiod_chip_open_lookup(cfg->chip);
	if (g->chip == NULL) {
		snprintf(err, err_len,
			 "input gpio: cannot open chip \"%s\": %s (is the user "
			 "in group gpio? gpiodetect lists chips)",
			 cfg->chip, strerror(errno));
		goto fail;
	}
	if (!request_button(g, cfg, cfg->line_in, HC_KEY_IN, err, err_len) ||
	    !request_button(g, cfg, cfg->line_out, HC_KEY_OUT, err, err_len) ||
	    (want == 3 && !request_button(g, cfg, cfg->line_undo, HC_KEY_UNDO, err, err_len)))
		goto fail;
	hc_info("input gpio: %s lines ENTER=%d EXIT=%d UNDO=%d, debounce %lld ms, "
		"%s, %s (libgpiod %s)",
		cfg->chip, cfg->line_in, cfg->line_out, cfg->line_undo, (long long)cfg->debounce_ms,
		cfg->active_low ? "active low" : "active high",
		cfg->pull_up ? "pull-up" : "no bias", gpiod_version_string());
	in->name = "gpio";
	in->fd = g->epfd;
	in->read = gpiod_read;
	in->close = gpiod_close;
	in->priv = g;
	return true;

fail:
	gpiod_input_free(g);
	return false;
}
