/*
 * terminal_batches.h — a terminal's batches, for terminal_role.c
 * (aggregator/terminal_batches.c). hc_terminal_route_ack is declared for
 * server.c in aggregator/server_internal.h.
 */
#ifndef HC_TERMINAL_BATCHES_H
#define HC_TERMINAL_BATCHES_H

#include "aggregator/server_internal.h"

/* The terminal's entry in the current config, or NULL once a reload
 * removed it (its connection is then closing). */
const struct hc_terminal_cfg *hc_terminal_cfg_of(const struct hc_server *s,
						 const struct hc_terminal_session *t);

/* A batch from the connection: checked, offered to the ledger, acked
 * at once (duplicate) or after its commit. Returns what the receive
 * callback returns (-1 after a close). */
int hc_terminal_on_batch(struct hc_server *s, struct hc_terminal_session *t,
			 const struct hc_msg_batch *m);

#endif
