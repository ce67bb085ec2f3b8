/*
 * map_backpressure.c — slow and stalled map clients (see map_backpressure.h).
 */
#include "aggregator/map_backpressure.h"

#include <assert.h>

enum hc_map_flow hc_map_flow_decide(int64_t unsent_bytes, int64_t now_ms, int64_t *behind_since_ms)
{
	assert(now_ms > 0);
	if (unsent_bytes <= HC_MAP_UNSENT_BYTES_MAX) {
		*behind_since_ms = 0;
		return HC_MAP_FLOW_WRITE;
	}
	if (*behind_since_ms == 0)
		*behind_since_ms = now_ms;
	return now_ms - *behind_since_ms >= HC_MAP_STALL_MS ? HC_MAP_FLOW_DROP : HC_MAP_FLOW_WAIT;
}
