/*
 * link_input.c — the input device inside the terminal's event loop.
 *
 * The device's fd (a dup, which lws owns and closes) is adopted with
 * lws_adopt_descriptor_vhost(LWS_ADOPT_RAW_FILE_DESC) into the
 * "hc-input" protocol, so a press wakes the loop at once
 * (LWS_CALLBACK_RAW_RX_FILE). lws reports a pipe's hang-up as
 * LWS_CALLBACK_RAW_CLOSE_FILE, treated as end of input after a last
 * drain. The loop's 100 ms tick drains the input too, so lines already
 * buffered by the backend are never stranded.
 *
 * Relies on: struct link (terminal/link_internal.h), the backend's read
 * (hw/input.h), the station to queue and store presses.
 * Promises: at most LINK_INPUT_READS_PER_TURN reads per call; the presses
 * read in one call are stored in one journal transaction.
 */
#include "terminal/link_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "shared/clock.h"
#include "shared/log.h"

/* Reads of the input per loop turn at most: bounds one turn's work. */
#define LINK_INPUT_READS_PER_TURN 16

/* Reads what the input has, queues the presses, stores them together in
 * one journal transaction. */
void link_drain_input(struct link *l)
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
		link_refresh_display(l);
	}
}

/* The lws callback of the adopted input descriptor. */
int link_callback_input(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			size_t len)
{
	struct link *l = lws_context_user(lws_get_context(wsi));
	(void)user;
	(void)in;
	(void)len;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		link_drain_input(l);
		return l->input_done ? -1 : 0; /* -1: lws closes our dup */
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		link_drain_input(l); /* last lines before a pipe's hang-up */
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

/* Hands a dup of the input fd to lws so a press wakes the loop. */
void link_adopt_input(struct link *l)
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
