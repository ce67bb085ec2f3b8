/*
 * supervisor_commands.c — what a logged-in supervisor's commands do:
 * override, set_thresholds, correct; their audit records and the
 * entries waiting for storage.
 *
 * Relies on: supervisor_cmd.c, which parsed and range-checked every
 * command; venue_state.c for overrides, threshold adjustments and the
 * effective config; the ledger for corrections; server.c for records
 * and the commands waiting for storage (hc_server_new_pending,
 * hc_server_queue_records). The answer queue (hc_supervisor_answer) is
 * here too: the commands and the pipeline answer through it.
 *
 * Commands are answered with a result: ok:false at once for a bad
 * command, which changes nothing; ok:true once every write the command
 * made is durable. The effect on the gates is immediate: an override or
 * a threshold change is applied and pushed in the loop turn that
 * received it, its records follow in the next group commit. A
 * correction is a ledger row like a terminal's batch, so its effect
 * shows when it is durable. HC_PENDING_COMMANDS_MAX wait server-wide;
 * more is refused with ok:false.
 */
#include "aggregator/supervisor_commands.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregator/random.h"
#include "aggregator/server_commit.h"
#include "aggregator/venue_refresh.h"
#include "aggregator/venue_settings.h"

#include "shared/clock.h"
#include "shared/log.h"
#include "shared/occupancy.h"
#include "shared/wire_supervisor_server.h"

/* Queues an answer on a supervisor connection (NULL: dropped). */
void hc_supervisor_answer(struct hc_server *s, struct hc_supervisor_session *sv,
			  const char *request, bool ok, const char *error)
{
	(void)s;
	if (sv == NULL || sv->ws.close_pending)
		return;
	if (sv->result_len == HC_SUPERVISOR_RESULTS_MAX) {
		hc_warn("supervisor %s: answer queue full, answer dropped", sv->name);
		return;
	}
	char *slot = sv->results[(sv->result_head + sv->result_len) % HC_SUPERVISOR_RESULTS_MAX];
	size_t n = hc_wire_sup_build_result(slot, sizeof sv->results[0] - 1, request, ok, error);
	if (n == 0 || n >= sizeof sv->results[0] - 1) {
		hc_error("supervisor %s: cannot build an answer", sv->name);
		return;
	}
	slot[n] = '\0';
	sv->result_len++;
	lws_callback_on_writable(sv->ws.wsi);
}

/* Answers a refused command at once; nothing changed. */
static int refuse(struct hc_server *s, struct hc_supervisor_session *sv,
		  const struct hc_sup_cmd *cmd, const char *why)
{
	hc_info("supervisor %s: command refused: %s", sv->name, why);
	hc_supervisor_answer(s, sv, cmd->request, false, why);
	return 0;
}

/* The audit record of a command. */
static void audit_record(const struct hc_supervisor_session *sv, const struct hc_sup_cmd *cmd,
			 const char *action, const char *detail_json, uint64_t token, int64_t at_ms,
			 struct hc_store_record *r)
{
	memset(r, 0, sizeof *r);
	r->kind = HC_RECORD_AUDIT;
	r->token = token;
	r->at_ms = at_ms;
	snprintf(r->who, sizeof r->who, "supervisor:%s", sv->name);
	snprintf(r->action, sizeof r->action, "%s", action);
	snprintf(r->target, sizeof r->target, "%s", hc_sup_target_name(cmd->target));
	snprintf(r->id, sizeof r->id, "%s", cmd->id);
	snprintf(r->text, sizeof r->text, "%s", detail_json);
	snprintf(r->reason, sizeof r->reason, "%s", cmd->reason);
}

/* Takes a pending entry for a command whose parts are queued next. */
static struct hc_pending_command *start_pending(struct hc_server *s,
						struct hc_supervisor_session *sv,
						const struct hc_sup_cmd *cmd, int parts)
{
	struct hc_pending_command *p = hc_server_new_pending(s);
	if (p == NULL)
		return NULL;
	p->session = sv;
	p->parts_left = parts;
	snprintf(p->request, sizeof p->request, "%s", cmd->request);
	return p;
}

/* Queues a setting change as two parts of pending entry p: the setting
 * row (kind, stored_text) and its audit record (action, detail_json).
 * False when storage is behind: p is released and nothing is queued. */
static bool queue_setting_records(struct hc_server *s, struct hc_supervisor_session *sv,
				  const struct hc_sup_cmd *cmd, struct hc_pending_command *p,
				  const char *action, const char *detail_json,
				  enum hc_store_record_kind kind, const char *stored_text,
				  int64_t now_ms)
{
	struct hc_store_record recs[2];
	audit_record(sv, cmd, action, detail_json, p->token, now_ms, &recs[1]);
	recs[0] = recs[1];
	recs[0].kind = kind;
	snprintf(recs[0].text, sizeof recs[0].text, "%s", stored_text);
	if (!hc_server_queue_records(s, recs, 2)) {
		p->token = 0;
		return false;
	}
	sv->commands_waiting++;
	return true;
}

static int do_override(struct hc_server *s, struct hc_supervisor_session *sv,
		       const struct hc_sup_cmd *cmd)
{
	char why[160];
	int index;
	if (!hc_sup_check_target(s->cfg, cmd->target, cmd->id, &index, why, sizeof why))
		return refuse(s, sv, cmd, why);
	struct hc_pending_command *p = start_pending(s, sv, cmd, 2);
	if (p == NULL)
		return refuse(s, sv, cmd, "too many commands waiting for storage; try again");
	int64_t now_ms = hc_wall_ms();
	const char *mode = hc_override_name(cmd->mode);
	char detail[64];
	snprintf(detail, sizeof detail, "{\"mode\":\"%s\"}", mode);
	if (!queue_setting_records(s, sv, cmd, p, "override", detail, HC_RECORD_OVERRIDE, mode,
				   now_ms))
		return refuse(s, sv, cmd, "storage is behind; try again");

	struct hc_override_entry e = { .target = cmd->target, .mode = cmd->mode, .at_ms = now_ms };
	snprintf(e.id, sizeof e.id, "%s", cmd->id);
	snprintf(e.who, sizeof e.who, "supervisor:%s", sv->name);
	snprintf(e.reason, sizeof e.reason, "%s", cmd->reason);
	hc_info("supervisor %s: override %s %s %s: %s", sv->name, hc_sup_target_name(cmd->target),
		cmd->id, mode, cmd->reason);
	hc_venue_state_set_override(s, &e);
	hc_venue_state_refresh(s);
	hc_server_kick_commit(s);
	return 0;
}

static int do_set_thresholds(struct hc_server *s, struct hc_supervisor_session *sv,
			     const struct hc_sup_cmd *cmd)
{
	char why[160];
	int index;
	if (!hc_sup_check_target(s->cfg, cmd->target, cmd->id, &index, why, sizeof why))
		return refuse(s, sv, cmd, why);
	bool group = cmd->target == HC_SUP_GROUP;
	struct hc_thresholds t;
	int64_t capacity;
	if (!hc_venue_state_base_values(s, cmd->target, cmd->id, &t, &capacity))
		return refuse(s, sv, cmd, "target not in the config file");
	struct hc_adjustment merged = { 0 };
	const struct hc_adjust_entry *existing = hc_venue_state_find_adjustment(s, cmd->target,
										cmd->id);
	if (existing != NULL)
		merged = existing->adj;
	else if (s->adjustment_count == HC_SETTINGS_MAX)
		return refuse(s, sv, cmd, "too many areas and groups with changed thresholds");
	hc_adjustment_merge(&merged, &cmd->set);
	if (!hc_adjustment_apply(&merged, group, &t, &capacity, why, sizeof why))
		return refuse(s, sv, cmd, why);

	struct hc_pending_command *p = start_pending(s, sv, cmd, 2);
	if (p == NULL)
		return refuse(s, sv, cmd, "too many commands waiting for storage; try again");
	int64_t now_ms = hc_wall_ms();
	char merged_json[256], set_json[256];
	if (!hc_adjustment_to_json(&merged, merged_json, sizeof merged_json) ||
	    !hc_adjustment_to_json(&cmd->set, set_json, sizeof set_json)) {
		p->token = 0;
		return refuse(s, sv, cmd, "cannot encode the change");
	}
	if (!queue_setting_records(s, sv, cmd, p, "set_thresholds", set_json, HC_RECORD_ADJUSTMENT,
				   merged_json, now_ms))
		return refuse(s, sv, cmd, "storage is behind; try again");
	bool merged_ok = hc_venue_state_merge_adjustment(s, cmd->target, cmd->id, &cmd->set);
	(void)merged_ok; /* room was checked above */
	hc_info("supervisor %s: set_thresholds %s %s %s: %s", sv->name,
		hc_sup_target_name(cmd->target), cmd->id, set_json, cmd->reason);
	if (!hc_venue_state_apply_config(s, false, why, sizeof why))
		hc_error("supervisor %s: threshold change saved but not applied: %s", sv->name,
			 why);
	hc_server_kick_commit(s);
	return 0;
}

/* One piece: the checks, the ledger row, the pending entry, the audit
 * record and the row's hand-off must happen in this order in one loop
 * turn (a pending entry before a record that names its token; the row
 * into the ledger only once the audit record is queued). */
static int do_correct(struct hc_server *s, struct hc_supervisor_session *sv,
		      const struct hc_sup_cmd *cmd)
{
	char why[160];
	int index;
	if (!hc_sup_check_target(s->cfg, HC_SUP_AREA, cmd->id, &index, why, sizeof why))
		return refuse(s, sv, cmd, why);
	uint32_t area_slot = (uint32_t)s->area_slot[index];
	for (int k = 0; k < HC_PENDING_COMMANDS_MAX; k++) {
		const struct hc_pending_command *q = &s->pending[k];
		if (q->token != 0 && q->has_row && q->row.area_index == area_slot) {
			snprintf(why, sizeof why,
				 "a correction of area %s is still being saved;"
				 " try again in a moment",
				 cmd->id);
			return refuse(s, sv, cmd, why);
		}
	}
	int64_t entered, exited, d_entered, d_exited;
	hc_ledger_area_totals(s->ledger, area_slot, &entered, &exited);
	int64_t target = cmd->occupancy;
	if (cmd->has_delta) {
		int64_t now = hc_occupancy(entered, exited);
		if (now + cmd->delta < 0) {
			snprintf(why, sizeof why,
				 "correct.delta %" PRId64 " would take area %s"
				 " below 0 (it holds %" PRId64 ")",
				 cmd->delta, cmd->id, now);
			return refuse(s, sv, cmd, why);
		}
		d_entered = cmd->delta > 0 ? cmd->delta : 0;
		d_exited = cmd->delta < 0 ? -cmd->delta : 0;
		target = now + cmd->delta;
	} else {
		hc_sup_correction_delta(entered, exited, cmd->occupancy, &d_entered, &d_exited);
	}
	bool has_row = d_entered != 0 || d_exited != 0;
	int64_t now_ms = hc_wall_ms();
	struct hc_ledger_row row = {
		.terminal_index = sv->source_slot,
		.area_index = area_slot,
		.incarnation = s->run_incarnation,
		.seq = hc_ledger_seq_highest_known(s->ledger, sv->source_slot, s->run_incarnation) +
		       1,
		.entered = d_entered,
		.exited = d_exited,
		.received_at_ms = now_ms,
	};
	struct hc_pending_command *p = start_pending(s, sv, cmd, has_row ? 2 : 1);
	if (p == NULL)
		return refuse(s, sv, cmd, "too many commands waiting for storage; try again");
	char inc[HC_INCARNATION_HEX_LEN + 1];
	hc_proto_format_incarnation(s->run_incarnation, inc);
	int64_t before = hc_occupancy(entered, exited);
	char detail[256];
	snprintf(detail, sizeof detail,
		 "{\"occupancy_before\":%" PRId64 ",\"occupancy\":%" PRId64 ",\"entered\":%" PRId64
		 ",\"exited\":%" PRId64 ",\"incarnation\":\"%s\",\"seq\":%" PRId64 "}",
		 before, target, d_entered, d_exited, inc, has_row ? row.seq : 0);
	struct hc_store_record audit;
	audit_record(sv, cmd, "correct", detail, p->token, now_ms, &audit);
	if (!hc_server_queue_records(s, &audit, 1)) {
		p->token = 0;
		return refuse(s, sv, cmd, "storage is behind; try again");
	}
	sv->commands_waiting++;
	if (has_row) {
		p->has_row = true;
		p->row = row;
		enum hc_ledger_verdict v = hc_ledger_receive(s->ledger, &row);
		(void)v;
		hc_corrections_add(s->corrections, area_slot, audit.who, now_ms, d_entered,
				   d_exited, cmd->reason);
	}
	hc_info("supervisor %s: correct area %s from %" PRId64 " to %" PRId64 " (entered +%" PRId64
		", exited +%" PRId64 "): %s",
		sv->name, cmd->id, before, target, d_entered, d_exited, cmd->reason);
	hc_server_kick_commit(s);
	return 0;
}

int hc_supervisor_run_command(struct hc_server *s, struct hc_supervisor_session *sv,
			      const struct hc_sup_cmd *cmd, enum hc_sup_verdict verdict,
			      const char *why)
{
	if (verdict == HC_SUP_REFUSE)
		return refuse(s, sv, cmd, why);
	if (s->stopping)
		return refuse(s, sv, cmd, "aggregator shutting down");
	switch (cmd->type) {
	case HC_SUP_OVERRIDE: return do_override(s, sv, cmd);
	case HC_SUP_SET_THRESHOLDS: return do_set_thresholds(s, sv, cmd);
	case HC_SUP_CORRECT: return do_correct(s, sv, cmd);
	default:
		return hc_ws_session_close_now(&sv->ws, HC_CLOSE_UNKNOWN_TYPE,
					       "type not sent by supervisors");
	}
}
