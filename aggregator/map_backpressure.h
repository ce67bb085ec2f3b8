/*
 * map_backpressure.h — when a map client that reads too slowly gets no
 * more frames, and when one that stopped reading is dropped (pure: the
 * caller passes the socket's unsent bytes and the time).
 *
 * A map client's frames wait in its socket's send queue (SO_SNDBUF is
 * capped at HC_MAP_SNDBUF_BYTES, so the kernel holds little for it).
 * Above HC_MAP_UNSENT_BYTES_MAX unsent bytes the client is "behind": it
 * gets no new frame (conflation keeps only the newest state of each area
 * for it, so nothing is lost, it only skips states), and once it has
 * been behind for HC_MAP_STALL_MS it is dropped. A client that catches up
 * in time carries on as if nothing happened. Nothing of this costs the
 * other clients or the doors anything: the loop never waits for a
 * socket.
 */
#ifndef HC_MAP_BACKPRESSURE_H
#define HC_MAP_BACKPRESSURE_H

#include <stdint.h>

/* Kernel send buffer asked for each map connection (Linux doubles it). */
#define HC_MAP_SNDBUF_BYTES (32 * 1024)
/* Unsent bytes above which a map client is behind. */
#define HC_MAP_UNSENT_BYTES_MAX (16 * 1024)
/* Behind this long without catching up: dropped (close 1008). */
#define HC_MAP_STALL_MS 10000
/* How often a client that is behind is looked at again. */
#define HC_MAP_RECHECK_MS 1000

enum hc_map_flow {
	HC_MAP_FLOW_WRITE, /* not behind: write the next frame */
	HC_MAP_FLOW_WAIT,  /* behind: write nothing now, look again later */
	HC_MAP_FLOW_DROP,  /* behind for HC_MAP_STALL_MS: close it */
};

/* Decides for a client with unsent_bytes in its send queue. behind_since_ms
 * is when it fell behind (0: it was not), updated in place: set when it
 * falls behind, cleared when it catches up. */
enum hc_map_flow hc_map_flow_decide(int64_t unsent_bytes, int64_t now_ms, int64_t *behind_since_ms);

#endif
