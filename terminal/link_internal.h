/*
 * link_internal.h — what the files of the terminal's event loop share
 * (terminal/link*.c only; everyone else uses link.h).
 *
 * link.c runs the loop (context, tick, signals, the screen);
 * link_aggregator.c holds the connection to the aggregator and its
 * messages; link_input.c adopts and drains the input device;
 * link_url.c parses the aggregator's URL. They share one struct link,
 * owned by hc_link_run for the life of the loop and reached from the
 * lws callbacks through lws_context_user().
 */
#ifndef HC_TERMINAL_LINK_INTERNAL_H
#define HC_TERMINAL_LINK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "shared/limits.h"
#include "terminal/link.h"

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

/* link.c: what the station shows, plus what only the loop knows (a
 * refusal, a quit waiting for its confirmation). */
void link_refresh_display(struct link *l);

/* link_aggregator.c */
void link_connect_attempt(lws_sorted_usec_list_t *sul);
int link_callback_aggregator(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			     void *in, size_t len);

/* link_input.c: reads what the input has, queues and stores the presses. */
void link_drain_input(struct link *l);
int link_callback_input(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			size_t len);
/* link_input.c: hands a dup of the input fd to lws so a press wakes the
 * loop; on failure the tick polls the input instead. */
void link_adopt_input(struct link *l);

#endif
