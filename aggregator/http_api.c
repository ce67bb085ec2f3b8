/*
 * http_api.c — plain HTTP on the aggregator's port: GET /api/areas,
 * GET /api/groups and GET /healthz (docs/aggregator.md shows them).
 *
 * Relies on: venue_state.c for area states, the ledger for sequence
 * health, jansson to build JSON, lws for the HTTP framing.
 *
 * Promises: every response is JSON with a Content-Length, including the
 * errors (404 unknown path, 405 other methods, 503 while stopping);
 * /healthz answers 503 "degraded" while the last commit failed, so a
 * monitor sees storage faults (DESIGN.md invariant 7). The body is built
 * at once from the loop's state (a consistent snapshot) and written in
 * pieces from the writeable callback, never blocking the loop.
 *
 * This protocol is also the vhost's first entry, so it receives
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED: the committer's wake-up, which is
 * handled here exactly once per wake.
 */
#include "aggregator/server_internal.h"
#include "aggregator/http_route.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/clock.h"
#include "shared/log.h"

/* Bytes of body written per writeable callback. */
#define HTTP_CHUNK_BYTES 16384

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
			json_object_set_new(o, "occupancy",
					    json_integer(hc_congestion_group_occupancy(
						    s->congestion, g)));
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
	bool ok = !s->storage_failing;
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:I, s:I, s:I}",
			 "status", ok ? "ok" : "degraded",
			 "venue", s->cfg->name,
			 "storage", ok ? "ok" : s->storage_error,
			 "last_commit_error_at", utc_or_null(s->storage_error_at_wall_ms),
			 "terminals_online", (json_int_t)s->terminals_online,
			 "terminals", terminals,
			 "missing_seqs_total", (json_int_t)missing_total(s),
			 "ledger_rows", (json_int_t)hc_ledger_row_count(s->ledger),
			 "uptime_s", (json_int_t)((hc_mono_ms() - s->started_mono_ms) / 1000));
}

static json_t *error_json(const char *message)
{
	return json_pack("{s:s}", "error", message);
}

/* Picks the response for a request (aggregator/http_route.c decides
 * which): status and JSON body (stolen). */
static json_t *route(const struct hc_server *s, struct lws *wsi, const char *path,
		     unsigned int *status)
{
	struct hc_http_route r = hc_http_route_pick(
		path, strlen(path), lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0,
		s->stopping, s->storage_failing);
	*status = r.status;
	switch (r.resource) {
	case HC_HTTP_AREAS: return areas_json(s);
	case HC_HTTP_GROUPS: return groups_json(s);
	case HC_HTTP_HEALTHZ: return health_json(s);
	default: return error_json(r.error);
	}
}

static int begin_response(struct hc_server *s, struct hc_http_session *h,
			  struct lws *wsi, const char *path)
{
	unsigned int status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
	json_t *body = route(s, wsi, path, &status);
	if (body == NULL) {
		hc_error("http %s: cannot build the response (out of memory)", path);
		return -1;
	}
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL) {
		hc_error("http %s: cannot serialize the response", path);
		return -1;
	}
	h->body_len = strlen(text) + 1;
	h->body = malloc(h->body_len);
	if (h->body == NULL) {
		free(text);
		return -1;
	}
	memcpy(h->body, text, h->body_len - 1);
	h->body[h->body_len - 1] = '\n';
	free(text);
	h->body_sent = 0;

	unsigned char headers[LWS_PRE + 512];
	unsigned char *start = headers + LWS_PRE, *p = start;
	unsigned char *end = headers + sizeof headers - 1;
	if (lws_add_http_common_headers(wsi, status, "application/json", h->body_len,
					&p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)"no-store", 8, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
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
	if (lws_write(wsi, buf + LWS_PRE, n,
		      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
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

int hc_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		     void *in, size_t len)
{
	struct hc_http_session *h = user;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
		struct hc_server *s = hc_server_of(wsi);
		if (s != NULL && s->committer != NULL)
			hc_server_collect_commit(s);
		return 0;
	}
	case LWS_CALLBACK_HTTP:
		if (h == NULL)
			return -1;
		return begin_response(hc_server_of(wsi), h, wsi, (const char *)in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return h != NULL ? write_body(h, wsi) : -1;
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
		const char *reason_text = "subprotocol must be " HC_PROTO_TERMINAL ", "
					  HC_PROTO_MAP " or " HC_PROTO_SUPERVISOR;
		hc_warn("websocket without a known subprotocol: closing 1008");
		lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				 (unsigned char *)reason_text, strlen(reason_text));
		return -1;
	}
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
