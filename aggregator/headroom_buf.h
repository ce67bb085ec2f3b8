/*
 * headroom_buf.h — a reusable buffer that holds one payload behind a
 * fixed headroom (LWS_PRE bytes for libwebsockets writes), grown only
 * when a payload is larger than any before. Used by the cached venue
 * messages and the map feed's latest states.
 */
#ifndef HC_HEADROOM_BUF_H
#define HC_HEADROOM_BUF_H

#include <stdbool.h>
#include <stddef.h>

/* Copies len payload bytes into *buf after headroom bytes. *cap is the
 * payload room *buf has (0 with *buf NULL); the buffer is grown when len
 * exceeds it, and kept otherwise. False when out of memory: *buf is then
 * freed and *buf and *cap are zero. */
bool hc_headroom_copy(unsigned char **buf, size_t *cap, size_t headroom, const void *payload,
		      size_t len);

#endif
