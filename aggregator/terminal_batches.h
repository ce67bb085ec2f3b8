/*
 * terminal_batches.h — a terminal's batches, for terminal_role.c
 * (aggregator/terminal_batches.c). Its acks are routed
 * by the commit pipeline's hook in server.c.
 */
#ifndef HC_TERMINAL_BATCHES_H
#define HC_TERMINAL_BATCHES_H

#include "aggregator/ledger.h"
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

/* Queues an ack on the terminal's current connection when it is of the
 * row's incarnation; drops it otherwise (the terminal resends). */
void hc_terminal_route_ack(struct hc_server *s, const struct hc_ledger_row *row, bool ok,
			   bool duplicate);

#endif
