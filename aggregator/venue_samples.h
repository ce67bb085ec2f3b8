/*
 * venue_samples.h — what aggregator/venue_samples.c exports: the history
 * sampler, which records each area's entries and exits per interval for
 * the supervisors' history. Loop thread.
 */
#ifndef HC_VENUE_SAMPLES_H
#define HC_VENUE_SAMPLES_H

#include "aggregator/server_internal.h"

/* Starts the history sample timer. */
void hc_venue_state_start_samples(struct hc_server *s);

#endif
