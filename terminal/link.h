/*
 * link.h — the terminal's event loop: the WebSocket link to the
 * aggregator, the input device, the screen and the batch timer, all on
 * one libwebsockets service loop.
 */
#ifndef HC_TERMINAL_LINK_H
#define HC_TERMINAL_LINK_H

#include <limits.h>
#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/display.h"
#include "hw/input.h"
#include "terminal/station.h"

/* The parts of an aggregator URL ws://host:port/path (or wss://). */
struct hc_link_url {
	bool tls;
	char host[256];
	int port;
	char path[256]; /* always starts with '/' */
};

/* Splits url; false with a message in err when it is not ws:// or wss://
 * with a host. */
bool hc_link_parse_url(const char *url, struct hc_link_url *out, char *err, size_t err_len);

struct hc_link_config {
	struct hc_link_url url;
	char ca[PATH_MAX];    /* venue CA for wss:// (shared/tls_client.h) */
	bool exit_when_acked; /* exit 0 once input ended and all acked */
	bool verbose;	      /* pass libwebsockets' notices to the log */
	/* The enrollment secret (docs/security.md): inline, or a file read
	 * at each connection; neither: hello without proof (a venue with
	 * terminal_auth = off). */
	bool has_secret;
	uint8_t secret[32];
	char secret_file[PATH_MAX]; /* "" when none */
};

/* Runs the terminal until SIGINT/SIGTERM, a confirmed 'q' on the
 * keyboard, or (with exit_when_acked) the input ended and every press is
 * acknowledged. Keeps
 * reconnecting with backoff meanwhile. Returns the process exit status.
 * The caller still owns and closes station, input and display. */
int hc_link_run(const struct hc_link_config *cfg, struct hc_station *st, struct hc_input *in,
		struct hc_display *d);

#endif
