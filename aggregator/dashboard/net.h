/*
 * net.h — the dashboard's link to the aggregator: one libwebsockets
 * client connection in the supervisor role that reconnects by itself.
 *
 * The edge only: frames in and out as text, no meaning. Received frames
 * and link changes are handed to callbacks on the calling thread from
 * hc_net_service(); frames to send wait in a bounded queue and go out
 * one per writeable callback. After a drop it reconnects with a backoff
 * of HC_RECONNECT_MS_MIN doubling to HC_NET_RETRY_MS_MAX.
 */
#ifndef HC_DASH_NET_H
#define HC_DASH_NET_H

#include <stdbool.h>
#include <stddef.h>

#define HC_NET_QUEUE_MAX 16
#define HC_NET_FRAME_BYTES_MAX 4096
#define HC_NET_RX_BYTES_MAX (4 * 1024 * 1024) /* a snapshot of a large venue */
#define HC_NET_RETRY_MS_MAX 5000
/* lws_service() returns at least this often, so keys are read in time. */
#define HC_NET_TICK_MS 40

struct hc_net_callbacks {
	void (*on_frame)(void *arg, const char *text, size_t len);
	void (*on_up)(void *arg);		     /* WebSocket open */
	void (*on_down)(void *arg, const char *why); /* dropped or refused */
};

struct hc_net;

/* url: ws://HOST:PORT, or wss://HOST:PORT verified against the venue CA
 * at ca_path alone (shared/tls_client.h). NULL with the reason in err
 * when the url is not one or lws cannot start. */
struct hc_net *hc_net_new(const char *url, const char *ca_path, const struct hc_net_callbacks *cb,
			  void *arg, char *err, size_t err_len);

/* Before the screen starts: wss:// has a ca_path that is a CA
 * certificate; ws:// has none. False with the reason in err. */
bool hc_net_check_tls(const char *url, const char *ca_path, char *err, size_t err_len);
void hc_net_free(struct hc_net *n);

/* Queues one text frame; false when the link is down or the queue full. */
bool hc_net_send(struct hc_net *n, const char *text, size_t len);

/* Runs the loop until something happened or HC_NET_TICK_MS passed. */
void hc_net_service(struct hc_net *n);

/* True while the WebSocket is open. */
bool hc_net_up(const struct hc_net *n);

#endif
