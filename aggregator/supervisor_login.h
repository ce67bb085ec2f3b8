/*
 * supervisor_login.h — the supervisor's login steps, called by
 * supervisor_role.c for each hello and proof message
 * (aggregator/supervisor_login.c).
 */
#ifndef HC_SUPERVISOR_LOGIN_H
#define HC_SUPERVISOR_LOGIN_H

#include "aggregator/server_internal.h"

/* A hello: refused when the address is over its failed logins (4010)
 * or it is the second one (4005); otherwise looks up the name's
 * password record (or the stand-in) and asks for the salt to be
 * written. Returns what the receive callback returns. */
int hc_supervisor_login_hello(struct hc_server *s, struct hc_supervisor_session *sv,
			      const struct hc_sup_cmd *cmd);

/* A proof: a wrong one or an unknown name is 4009 and counts against
 * the address; a right one makes the session ready (welcome and
 * snapshot due, the hello timer cancelled). Returns what the receive
 * callback returns. */
int hc_supervisor_login_proof(struct hc_server *s, struct hc_supervisor_session *sv,
			      const struct hc_sup_cmd *cmd);

#endif
