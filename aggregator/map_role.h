/*
 * map_role.h — what aggregator/map_role.c exports: the read-only map
 * WebSocket role's callback, the hand-over of published states to the
 * map side, and the map side's wake-ups. Threads as each says.
 */
#ifndef HC_MAP_ROLE_H
#define HC_MAP_ROLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

struct hc_server;
struct hc_public;

int hc_map_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len);


/* Loop thread: hands the published states (and the map
 * side's settings) to the map side and wakes it. */
void hc_map_publish(struct hc_server *s);
/* Map side's thread: takes what hc_map_publish handed over
 * into the view and, when anything changed, wakes every map client. */
void hc_map_take(struct hc_public *p);
/* Starts the idle timer of map clients. */
void hc_map_idle_start(struct hc_public *p);
/* Asks every map client to write, p->wake_per_turn of them
 * now and as many more after each loop turn (hc_map_wake_step), so a
 * terminal's ack never waits behind more than that many map writes. */
void hc_map_wake_all(struct hc_public *p);
/* The next slice of a wake begun by hc_map_wake_all. */
void hc_map_wake_step(struct hc_public *p);
/* Any thread: map connections open now. */
uint32_t hc_map_sessions(const struct hc_public *p);

#endif
