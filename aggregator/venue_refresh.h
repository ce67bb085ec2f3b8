/*
 * venue_refresh.h — what aggregator/venue_refresh.c exports: the derived
 * state of every area and group (totals, level, restriction, override,
 * capacity), its versions and publication, the hold and publish timers,
 * and the wake-ups of the connections that must write. Loop thread.
 */
#ifndef HC_VENUE_REFRESH_H
#define HC_VENUE_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregator/server_internal.h"

/* Recomputes every area and group, bumps the versions of those that
 * changed and asks the terminal, map and supervisor connections to
 * write, in this loop turn. Re-arms the hold timer. */
void hc_venue_state_refresh(struct hc_server *s);
/* The same; quiet: no change lines in the log (start-up). */
void venue_refresh(struct hc_server *s, bool quiet);
/* Asks every terminal, map and supervisor connection to write. */
void venue_wake_everyone(struct hc_server *s);
/* Offers every area's and group's current state to the MQTT bridge. */
void hc_venue_state_offer_all_to_bridge(struct hc_server *s);
/* Marks a terminal's status changed for supervisors. */
void hc_venue_state_terminal_changed(struct hc_server *s, uint32_t slot);
/* Asks every supervisor connection to write. */
void hc_venue_state_wake_supervisors(struct hc_server *s);

#endif
