/*
 * fuzz_supervisor_cmd.c — libFuzzer target for the supervisor-command
 * decoder (aggregator/supervisor_cmd.c, hc_sup_parse) and the arithmetic
 * that acts on what it accepts.
 *
 * What must hold, whatever the bytes:
 *  - no crash, leak or sanitizer report;
 *  - a frame that closes names a documented close code and a reason of
 *    1..120 printable ASCII bytes (it goes out as a WebSocket close
 *    reason, which must be valid UTF-8);
 *  - a refused command has a sentence of printable ASCII (sent back in
 *    a JSON result) and an echoed "request" that is empty or the compact
 *    JSON of a string or an integer;
 *  - an accepted command has every field of its type in range;
 *  - set_thresholds: applying it to an area either fails and changes
 *    neither thresholds nor capacity, or succeeds with the config's
 *    order rules holding; then the adjustment survives
 *    hc_adjustment_to_json -> hc_adjustment_from_json unchanged;
 *  - correct: the ledger delta yields exactly the asked occupancy.
 * Relies on: supervisor_cmd.h, config.h. Built by `make fuzz`.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/supervisor_cmd.h"

#include "tests/fuzz/fuzz_check.h"

static void check_printable(const char *s, size_t cap, size_t max)
{
	size_t n = strnlen(s, cap);
	CHECK(n < cap);
	CHECK(n >= 1 && n <= max);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] <= 0x7e);
}

static void check_request(const char *request)
{
	if (request[0] == '\0')
		return;
	json_t *r = json_loads(request, JSON_DECODE_ANY, NULL);
	CHECK(json_is_string(r) || json_is_integer(r));
	json_decref(r);
}

static void check_reason_text(const char *reason)
{
	size_t n = strnlen(reason, HC_REASON_BYTES_MAX + 1);
	CHECK(n >= 1 && n <= HC_REASON_BYTES_MAX);
}

static bool adjustment_equal(const struct hc_adjustment *a, const struct hc_adjustment *b)
{
	if (a->has_capacity != b->has_capacity || (a->has_capacity && a->capacity != b->capacity))
		return false;
	for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++) {
		if (a->has[k] != b->has[k] || (a->has[k] && a->value[k] != b->value[k]))
			return false;
	}
	return true;
}

/* Applies an accepted set_thresholds to the config defaults of an area
 * and of a group. */
static void check_set_thresholds(const struct hc_sup_cmd *cmd)
{
	for (int g = 0; g <= 1; g++) {
		struct hc_thresholds t = {
			.moderate_at = 0.5,
			.crowded_at = 0.8,
			.full_at = 1.0,
			.restrict_at = 1.0,
			.resume_at = 0.9,
			.hold_ms = 60000,
		};
		int64_t capacity = 300;
		struct hc_thresholds t0 = t;
		int64_t capacity0 = capacity;
		char why[160];
		why[0] = '\0';
		if (!hc_adjustment_apply(&cmd->set, g == 1, &t, &capacity, why, sizeof why)) {
			CHECK(memcmp(&t, &t0, sizeof t) == 0 && capacity == capacity0);
			check_printable(why, sizeof why, sizeof why - 1);
			continue;
		}
		struct hc_threshold_fault faults[3];
		CHECK(hc_thresholds_order_faults(&t, faults) == 0);
		const char *range;
		CHECK(hc_capacity_valid(g == 1, capacity, &range));
		char text[512];
		CHECK(hc_adjustment_to_json(&cmd->set, text, sizeof text));
		struct hc_adjustment back;
		CHECK(hc_adjustment_from_json(text, &back));
		if (!adjustment_equal(&back, &cmd->set))
			fprintf(stderr, "adjustment changed through %s\n", text);
		CHECK(adjustment_equal(&back, &cmd->set));
	}
}

static void check_accepted(const struct hc_sup_cmd *cmd)
{
	switch (cmd->type) {
	case HC_SUP_HELLO: CHECK(hc_proto_valid_id(cmd->supervisor)); return;
	case HC_SUP_PROOF:
		CHECK(strlen(cmd->proof) == HC_PROOF_HEX_LEN);
		for (size_t i = 0; i < HC_PROOF_HEX_LEN; i++)
			CHECK((cmd->proof[i] >= '0' && cmd->proof[i] <= '9') ||
			      (cmd->proof[i] >= 'a' && cmd->proof[i] <= 'f'));
		return;
	case HC_SUP_OVERRIDE:
		CHECK(cmd->target == HC_SUP_AREA || cmd->target == HC_SUP_GROUP);
		CHECK(hc_proto_valid_id(cmd->id));
		CHECK(cmd->mode == HC_OVERRIDE_AUTO || cmd->mode == HC_OVERRIDE_FORCE_CLOSED ||
		      cmd->mode == HC_OVERRIDE_FORCE_OPEN);
		check_reason_text(cmd->reason);
		break;
	case HC_SUP_SET_THRESHOLDS: {
		CHECK(cmd->target == HC_SUP_AREA || cmd->target == HC_SUP_GROUP);
		CHECK(hc_proto_valid_id(cmd->id));
		bool any = cmd->set.has_capacity;
		for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++)
			any = any || cmd->set.has[k];
		CHECK(any);
		check_reason_text(cmd->reason);
		check_set_thresholds(cmd);
		break;
	}
	case HC_SUP_CORRECT: {
		CHECK(cmd->target == HC_SUP_AREA && hc_proto_valid_id(cmd->id));
		CHECK(cmd->occupancy >= 0 && cmd->occupancy <= HC_CORRECT_OCCUPANCY_MAX);
		check_reason_text(cmd->reason);
		int64_t d_entered, d_exited;
		hc_sup_correction_delta(1000, 3, cmd->occupancy, &d_entered, &d_exited);
		CHECK(d_entered >= 0 && d_exited >= 0 && (d_entered == 0 || d_exited == 0));
		CHECK(1000 + d_entered - 3 - d_exited == cmd->occupancy);
		break;
	}
	}
	check_request(cmd->request);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hc_sup_cmd cmd;
	char why[200];
	struct hc_proto_error err;
	memset(&err, 0, sizeof err);
	enum hc_sup_verdict v = hc_sup_parse((const char *)data, size, &cmd, why, sizeof why, &err);
	switch (v) {
	case HC_SUP_ACCEPT:
		CHECK(size <= HC_SUPERVISOR_FRAME_BYTES_MAX);
		check_accepted(&cmd);
		break;
	case HC_SUP_REFUSE:
		CHECK(cmd.type != HC_SUP_HELLO);
		check_printable(why, sizeof why, sizeof why - 1);
		check_request(cmd.request);
		break;
	case HC_SUP_CLOSE:
		CHECK(err.code == HC_CLOSE_TOO_BIG || err.code == HC_CLOSE_BAD_JSON ||
		      err.code == HC_CLOSE_UNKNOWN_TYPE || err.code == HC_CLOSE_BAD_FIELD ||
		      err.code == HC_CLOSE_OUT_OF_RANGE || err.code == HC_CLOSE_AUTH_FAILED);
		check_printable(err.reason, sizeof err.reason, 120);
		break;
	default: CHECK(!"verdict out of range");
	}
	return 0;
}
