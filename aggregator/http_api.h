/*
 * http_api.h — what aggregator/http_api.c exports: the plain HTTP
 * role's callback, the answers the loop thread builds (the API,
 * /healthz, /metrics, the errors), and sending an answer or one of the
 * page's compiled-in files from either thread.
 */
#ifndef HC_HTTP_API_H
#define HC_HTTP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "aggregator/server_internal.h"

int hc_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		     size_t len);
/* Loop thread: the answer to a request that is not one of
 * the page's files (the API, /healthz, /metrics, the errors). False
 * when out of memory. */
bool hc_http_build_answer(const struct hc_server *s, const char *path, bool is_get,
			  struct hc_http_answer *a);
/* Either thread (from the connection's own callback): sends
 * a's headers (or 304 when if_none_match holds its ETag) and starts its
 * body; takes a->body. */
int hc_http_send_answer(struct hc_http_session *h, struct lws *wsi, struct hc_http_answer *a,
			const char *if_none_match);
/* Either thread: serves path when it is one of the page's
 * compiled-in files or background (the map_background file, "" if
 * none): 1 when it is not one, else what the callback returns. */
int hc_http_serve_file(struct hc_http_session *h, struct lws *wsi, const char *path,
		       const char *background, const char *background_type);

#endif
