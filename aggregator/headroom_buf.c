/*
 * headroom_buf.c — one payload behind a fixed headroom (headroom_buf.h).
 */
#include "aggregator/headroom_buf.h"

#include <stdlib.h>
#include <string.h>

bool hc_headroom_copy(unsigned char **buf, size_t *cap, size_t headroom, const void *payload,
		      size_t len)
{
	if (*buf == NULL || len > *cap) {
		/* At least one byte, so an empty payload still has a buffer. */
		unsigned char *grown = realloc(*buf, headroom + (len ? len : 1));
		if (grown == NULL) {
			free(*buf);
			*buf = NULL;
			*cap = 0;
			return false;
		}
		*buf = grown;
		*cap = len;
	}
	if (len > 0)
		memcpy(*buf + headroom, payload, len);
	return true;
}
