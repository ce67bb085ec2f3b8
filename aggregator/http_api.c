/*
 * http_api.c — plain HTTP on the aggregator's port: GET /api/areas,
 * GET /api/groups, GET /api/venue, GET /healthz, GET /metrics and the
 * map page (docs/aggregator.md, docs/operations.md and docs/map.md show
 * them).
 *
 * Relies on: venue_state.c for area states, the ledger for sequence
 * health, venue_map.c for the map geometry, web_assets.h for the page's
 * files (compiled in), http_cache.c for ETags, jansson to build JSON,
 * lws for the HTTP framing and for sending the map's background file.
 *
 * Caching (docs/map.md): the public read-only answers (the page, the
 * three /api/ endpoints, the background) are "Cache-Control: public,
 * max-age=1" with "Access-Control-Allow-Origin: *"; those built here
 * carry a strong ETag (a hash of the body) and answer a matching
 * If-None-Match with 304 and no body. /healthz, /metrics and the errors
 * stay "no-store".
 *
 * Promises: every response but a 304 has a Content-Length; the API's and
 * the errors are JSON (404 unknown path, 405 other methods, 503 while
 * stopping);
 * /healthz answers 503 "degraded" while the last commit failed, so a
 * monitor sees storage faults (docs/design.md invariant 7). The body is built
 * at once from the loop's state (a consistent snapshot) and written in
 * pieces from the writeable callback, never blocking the loop.
 *
 * This protocol is also the vhost's first entry, so it receives
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED: the committer's wake-up, which is
 * handled here exactly once per wake, as are HTTP requests relayed from
 * the public thread (public_side.h): their answers are built here, on
 * the loop thread, by the same code (hc_http_build_answer) and sent by
 * the public thread (hc_http_send_answer).
 */
#include "aggregator/server_internal.h"
#include "aggregator/http_api.h"
#include "aggregator/server_conn.h"
#include "aggregator/venue_state.h"
#include "aggregator/http_route.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aggregator/http_cache.h"
#include "aggregator/metrics.h"
#include "aggregator/venue_map.h"
#include "aggregator/web_assets.h"
#include "shared/clock.h"
#include "shared/log.h"
#include "shared/wire_map.h"

/* Bytes of body written per writeable callback. */
#define HTTP_CHUNK_BYTES 16384

/* Room for a response's headers: lws adds about 450 bytes of security
 * headers (Content-Security-Policy and others) to each. */
#define HTTP_HEADERS_BYTES 1024

static const char PUBLIC_CACHE[] = "public, max-age=1";

static json_t *utc_or_null(int64_t wall_ms)
{
	if (wall_ms <= 0)
		return json_null();
	char text[32];
	hc_format_utc(wall_ms, text, sizeof text);
	return json_string(text);
}

static json_t *areas_json(const struct hc_server *s)
{
	json_t *arr = json_array();
	if (arr == NULL)
		return NULL;
	for (int i = 0; i < s->cfg->area_count; i++) {
		struct hc_area_state live;
		hc_venue_area_live(s, i, &live);
		if (json_array_append_new(arr, hc_proto_area_json(&live)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *groups_json(const struct hc_server *s)
{
	json_t *arr = json_array();
	for (int g = 0; arr != NULL && g < s->cfg->group_count; g++) {
		json_t *o = hc_venue_group_json(s, g);
		if (o != NULL) {
			json_object_del(o, "type");
			/* Polled, so not conflated: the ledger's figure now. */
			json_object_set_new(
				o, "occupancy",
				json_integer(hc_congestion_group_occupancy(s->congestion, g)));
		}
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Missing seqs of the configured terminals. */
static int64_t missing_total(const struct hc_server *s)
{
	int64_t missing = 0;
	for (int i = 0; i < s->cfg->terminal_count; i++)
		missing += hc_ledger_terminal_missing(s->ledger, (uint32_t)s->term_slot[i]);
	return missing;
}

static json_t *health_json(const struct hc_server *s)
{
	json_t *terminals = json_array();
	if (terminals == NULL)
		return NULL;
	for (int i = 0; i < s->cfg->terminal_count; i++) {
		if (json_array_append_new(terminals, hc_venue_terminal_json(s, i)) != 0) {
			json_decref(terminals);
			return NULL;
		}
	}
	bool ok = !s->pipe.storage_failing;
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:I, s:I, s:I}", "status",
			 ok ? "ok" : "degraded", "venue", s->cfg->name, "storage",
			 ok ? "ok" : s->pipe.storage_error, "last_commit_error_at",
			 utc_or_null(s->pipe.storage_error_at_wall_ms), "terminals_online",
			 (json_int_t)s->terminals_online, "terminals", terminals,
			 "missing_seqs_total", (json_int_t)missing_total(s), "ledger_rows",
			 (json_int_t)hc_ledger_row_count(s->ledger), "uptime_s",
			 (json_int_t)((hc_mono_ms() - s->started_mono_ms) / 1000));
}

static json_t *error_json(const char *message)
{
	return json_pack("{s:s}", "error", message);
}

/* Picks the response for a request (aggregator/http_route.c decides
 * which): status and JSON body (stolen). */
static json_t *route(const struct hc_server *s, bool is_get, const char *path, unsigned int *status)
{
	struct hc_http_route r = hc_http_route_pick(path, strlen(path), is_get, s->stopping,
						    s->pipe.storage_failing);
	*status = r.status;
	switch (r.resource) {
	case HC_HTTP_AREAS: return areas_json(s);
	case HC_HTTP_GROUPS: return groups_json(s);
	case HC_HTTP_HEALTHZ: return health_json(s);
	case HC_HTTP_VENUE: return hc_venue_map_json(s->cfg);
	default: return error_json(r.error);
	}
}

/* The request's If-None-Match into out ("" when absent or too long). */
static void copy_if_none_match(struct lws *wsi, char *out, size_t cap)
{
	out[0] = '\0';
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
	if (n <= 0 || (size_t)n >= cap)
		return;
	if (lws_hdr_copy(wsi, out, (int)cap, WSI_TOKEN_HTTP_IF_NONE_MATCH) < 0)
		out[0] = '\0';
}

/* Adds the headers of a public read-only answer: caching, CORS and the
 * ETag when there is one. */
static int add_public_headers(struct lws *wsi, const char *etag, unsigned char **p,
			      unsigned char *end)
{
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)PUBLIC_CACHE,
					 (int)strlen(PUBLIC_CACHE), p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
					(const unsigned char *)"*", 1, p, end))
		return -1;
	if (etag != NULL && etag[0] != '\0' &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"etag:",
					(const unsigned char *)etag, (int)strlen(etag), p, end))
		return -1;
	return 0;
}

/* 304 Not Modified: the validators and caching headers, no body and no
 * Content-Length (RFC 9110 15.4.5); the connection stays open. */
static int send_not_modified(struct lws *wsi, const char *etag)
{
	unsigned char headers[LWS_PRE + HTTP_HEADERS_BYTES];
	unsigned char *start = headers + LWS_PRE, *p = start;
	unsigned char *end = headers + sizeof headers - 1;
	if (lws_add_http_header_status(wsi, HTTP_STATUS_NOT_MODIFIED, &p, end) ||
	    add_public_headers(wsi, etag, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Takes text (malloc'd, len bytes) as the body of a response with status
 * and content type, writes the headers, and asks for the writeable
 * callback that sends the body. A public 200 gets its ETag, and a
 * request that already holds it gets 304 instead. */
static int start_body(struct hc_http_session *h, struct lws *wsi, unsigned int status,
		      const char *content_type, char *text, size_t len, bool public_read,
		      const char *if_none_match)
{
	char etag[HC_ETAG_LEN + 1] = "";
	public_read = public_read && status == HTTP_STATUS_OK;
	if (public_read && hc_http_etag(text, len, etag) && if_none_match[0] != '\0' &&
	    hc_http_if_none_match(if_none_match, etag)) {
		free(text);
		return send_not_modified(wsi, etag);
	}
	h->body = text;
	h->body_len = len;
	h->body_sent = 0;

	unsigned char headers[LWS_PRE + HTTP_HEADERS_BYTES];
	unsigned char *start = headers + LWS_PRE, *p = start;
	unsigned char *end = headers + sizeof headers - 1;
	if (lws_add_http_common_headers(wsi, status, content_type, h->body_len, &p, end))
		return -1;
	if (public_read
		    ? add_public_headers(wsi, etag, &p, end)
		    : lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
						   (const unsigned char *)"no-store", 8, &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

/* A file of the map page (compiled in), or NULL. */
static const struct hc_web_asset *find_asset(const char *path)
{
	for (size_t i = 0; i < hc_web_asset_count; i++)
		if (strcmp(hc_web_assets[i].path, path) == 0)
			return &hc_web_assets[i];
	return NULL;
}

/* GET /map/background: the venue's map_background file, sent by lws
 * piece by piece from the loop (never read whole). */
static int begin_background(struct lws *wsi, const char *file, const char *type)
{
	unsigned char extra[HTTP_HEADERS_BYTES];
	unsigned char *p = extra, *end = extra + sizeof extra - 1;
	if (add_public_headers(wsi, NULL, &p, end))
		return -1;
	int n = lws_serve_http_file(wsi, file, type, (const char *)extra, (int)(p - extra));
	if (n < 0) {
		hc_warn("http %s: cannot send %s", HC_MAP_BACKGROUND_PATH, file);
		return -1;
	}
	/* > 0: sent at once; the transaction ends here. */
	return n > 0 && lws_http_transaction_completed(wsi) ? -1 : 0;
}

int hc_http_serve_file(struct hc_http_session *h, struct lws *wsi, const char *path,
		       const char *background, const char *background_type)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
		return 1;
	const struct hc_web_asset *a = find_asset(path);
	if (a != NULL) {
		char *copy = malloc(a->len ? a->len : 1);
		if (copy == NULL) {
			hc_error("http %s: out of memory", a->path);
			return -1;
		}
		memcpy(copy, a->data, a->len);
		char inm[HC_IF_NONE_MATCH_BYTES_MAX];
		copy_if_none_match(wsi, inm, sizeof inm);
		return start_body(h, wsi, HTTP_STATUS_OK, a->content_type, copy, a->len, true, inm);
	}
	if (strcmp(path, HC_MAP_BACKGROUND_PATH) == 0 && background[0] != '\0')
		return begin_background(wsi, background, background_type);
	return 1;
}

bool hc_http_build_answer(const struct hc_server *s, const char *path, bool is_get,
			  struct hc_http_answer *a)
{
	memset(a, 0, sizeof *a);
	if (strcmp(path, "/metrics") == 0 && !s->stopping && is_get) {
		/* The Prometheus text format (docs/operations.md). */
		a->body = hc_metrics_text(s, &a->len);
		if (a->body == NULL) {
			hc_error("http /metrics: cannot build the response (out of memory)");
			return false;
		}
		a->status = HTTP_STATUS_OK;
		a->content_type = "text/plain; version=0.0.4; charset=utf-8";
		return true;
	}
	unsigned int status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
	json_t *body = route(s, is_get, path, &status);
	if (body == NULL) {
		hc_error("http %s: cannot build the response (out of memory)", path);
		return false;
	}
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL) {
		hc_error("http %s: cannot serialize the response", path);
		return false;
	}
	/* The body ends in a newline where json_dumps put its NUL. */
	size_t len = strlen(text);
	text[len] = '\n';
	a->status = status;
	a->content_type = "application/json";
	a->body = text;
	a->len = len + 1;
	a->public_read = strncmp(path, "/api/", 5) == 0;
	return true;
}

int hc_http_send_answer(struct hc_http_session *h, struct lws *wsi, struct hc_http_answer *a,
			const char *if_none_match)
{
	char *body = a->body;
	a->body = NULL;
	return start_body(h, wsi, a->status, a->content_type, body, a->len, a->public_read,
			  if_none_match);
}

static int begin_response(struct hc_server *s, struct hc_http_session *h, struct lws *wsi,
			  const char *path)
{
	if (!s->stopping) {
		int n = hc_http_serve_file(h, wsi, path, s->cfg->map_background,
					   s->cfg->map_background_type);
		if (n != 1)
			return n;
	}
	struct hc_http_answer a;
	if (!hc_http_build_answer(s, path, lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0, &a))
		return -1;
	char inm[HC_IF_NONE_MATCH_BYTES_MAX];
	copy_if_none_match(wsi, inm, sizeof inm);
	return hc_http_send_answer(h, wsi, &a, inm);
}

static int write_body(struct hc_http_session *h, struct lws *wsi)
{
	if (h->body == NULL)
		return 0;
	size_t left = h->body_len - h->body_sent;
	size_t n = left < HTTP_CHUNK_BYTES ? left : HTTP_CHUNK_BYTES;
	bool last = n == left;
	unsigned char buf[LWS_PRE + HTTP_CHUNK_BYTES];
	memcpy(buf + LWS_PRE, h->body + h->body_sent, n);
	if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
		return -1;
	h->body_sent += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	free(h->body);
	h->body = NULL;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int hc_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		     size_t len)
{
	struct hc_http_session *h = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
	case LWS_CALLBACK_WSI_DESTROY:
		/* Connection limits (conn_limits.h); user is not ours here. */
		return hc_server_conn_event(hc_server_of(wsi), wsi, reason, user);
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
		struct hc_server *s = hc_server_of(wsi);
		if (s != NULL && s->hooks.woken != NULL)
			s->hooks.woken(s);
		return 0;
	}
	case LWS_CALLBACK_HTTP:
		if (h == NULL)
			return -1;
		return begin_response(hc_server_of(wsi), h, wsi, (const char *)in);
	case LWS_CALLBACK_HTTP_WRITEABLE: return h != NULL ? write_body(h, wsi) : -1;
	case LWS_CALLBACK_CLOSED_HTTP:
		/* A peer that closes before its request line is complete (a port
		 * scan, a load balancer's TCP check) has no session: lws never
		 * allocated one. */
		if (h != NULL) {
			free(h->body);
			h->body = NULL;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED: {
		/* A WebSocket without one of our subprotocols lands here. */
		const char *reason_text = "subprotocol must be " HC_PROTO_TERMINAL
					  ", " HC_PROTO_TERMINAL_V1 ", " HC_PROTO_MAP
					  ", " HC_PROTO_MAP_V2 " or " HC_PROTO_SUPERVISOR;
		hc_warn("websocket without a known subprotocol: closing 1008");
		lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				 (unsigned char *)reason_text, strlen(reason_text));
		return -1;
	}
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
