/*
 * terminal_auth.h — terminal authentication for terminal_role.c and
 * terminal_batches.c (aggregator/terminal_auth.c). Its start and stop are
 * called by server.c.
 */
#ifndef HC_AGGREGATOR_TERMINAL_AUTH_H
#define HC_AGGREGATOR_TERMINAL_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregator/server_internal.h"
#include "shared/terminal_auth.h"

/* A challenge nonce: 24 bytes of the server's CTR-DRBG and the run's
 * count of challenges; false when the DRBG fails. */
bool hc_terminal_auth_draw_nonce(struct hc_server *s, uint8_t nonce[HC_TAUTH_NONCE_BYTES]);

/* After a reload: re-reads the secrets file (keeps the old set when it
 * cannot be read); false then. */
bool hc_terminal_auth_reload(struct hc_server *s);

/* After a reload: closes (later) t when its secret was revoked or
 * rotated (4023) or it never authenticated and the venue now asks for
 * it (4021). */
void hc_terminal_auth_recheck(struct hc_server *s, struct hc_terminal_session *t,
			      const struct hc_terminal_cfg *tc);

/* The hello's proof, unless terminal_auth = off: 0 when it holds (the
 * session is then authenticated and keeps the secret), -1 after closing
 * with 4020 or 4021. */
int hc_terminal_auth_check_hello(struct hc_server *s, struct hc_terminal_session *t,
				 const struct hc_msg_hello *m);

/* At the session's close: frees its batch key and wipes its secret. */
void hc_terminal_auth_end(struct hc_terminal_session *t);

/* The batch's MAC on an authenticated session: 0 when it holds (or the
 * session is not authenticated), -1 after closing with 4022. */
int hc_terminal_auth_check_batch(struct hc_terminal_session *t, const struct hc_terminal_cfg *tc,
				 const struct hc_msg_batch *m);

/* Reads the secrets file and logs whether terminals
 * must authenticate; false (start-up refused) when it cannot be read. */
bool hc_terminal_auth_start(struct hc_server *s);
/* Frees the secrets. */
void hc_terminal_auth_stop(struct hc_server *s);

#endif
