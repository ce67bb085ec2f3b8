/*
 * link_url.c — the aggregator's URL, ws://host:port/path or wss://.
 *
 * Relies on: lws_parse_uri (libwebsockets) for the splitting.
 * Promises: on success every field of struct hc_link_url is set and the
 * path starts with '/'; on failure err says what is wrong with the URL.
 */
#include "terminal/link.h"

#include <stdio.h>
#include <string.h>

#include <libwebsockets.h>

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
