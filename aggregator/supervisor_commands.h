/*
 * supervisor_commands.h — runs a logged-in supervisor's command
 * (aggregator/supervisor_commands.c).
 */
#ifndef HC_SUPERVISOR_COMMANDS_H
#define HC_SUPERVISOR_COMMANDS_H

#include "aggregator/server_internal.h"

/* A command from a ready supervisor with room for its answer, as
 * hc_sup_parse judged it (verdict HC_SUP_REFUSE: refused with why).
 * Refused at once (ok:false, nothing changed) when refused, while
 * stopping, or when the target, the values or storage do not allow it;
 * otherwise applied, recorded, and answered once durable. Returns what
 * the receive callback returns. */
int hc_supervisor_run_command(struct hc_server *s, struct hc_supervisor_session *sv,
			      const struct hc_sup_cmd *cmd, enum hc_sup_verdict verdict,
			      const char *why);

/* Queues an answer on a supervisor connection (NULL: dropped). */
void hc_supervisor_answer(struct hc_server *s, struct hc_supervisor_session *sv,
			  const char *request, bool ok, const char *error);

#endif
