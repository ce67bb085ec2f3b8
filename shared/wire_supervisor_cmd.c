/*
 * wire_supervisor_cmd.c — parsing what supervisors send: hello, proof,
 * override, set_thresholds, correct (wire_supervisor_server.h).
 *
 * Relies on: jansson (duplicate keys rejected, as for terminals),
 * shared/config.h for the threshold key names, shared/wire_json.h for
 * the refusals. Pure: no sockets, clocks or files.
 *
 * Two kinds of fault, kept apart on purpose: a frame that is not a
 * message of this role at all (not JSON, not an object, no known type,
 * a malformed hello) closes the connection with the terminal role's
 * codes; a well-formed command that asks for something wrong (a missing
 * or mistyped field, a value out of range) is refused with a sentence
 * and changes nothing, so a typo on a dashboard never costs the
 * supervisor the connection. Whether the area exists and the thresholds
 * fit is the aggregator's to say (aggregator/supervisor_cmd.c).
 */
#include "shared/wire_supervisor_server.h"

#include <stdio.h>
#include <string.h>

#include "shared/wire_json.h"

/* A refusal with a sentence (hc_wire_refuse), as a verdict. */
#define refuse(why, cap, ...) (hc_wire_refuse((why), (cap), __VA_ARGS__), HC_WIRE_CMD_REFUSE)

/* Fills err for a close (hc_wire_fail: printable ASCII, 120 bytes). */
#define close_with(err, code, ...) (hc_wire_fail((err), (code), __VA_ARGS__), HC_WIRE_CMD_CLOSE)

static bool is_lower_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Copies the optional "request" as compact JSON text. */
static bool read_request(json_t *root, struct hc_wire_cmd *cmd)
{
	json_t *r = json_object_get(root, "request");
	cmd->request[0] = '\0';
	if (r == NULL)
		return true;
	if (!json_is_string(r) && !json_is_integer(r))
		return false;
	size_t n = json_dumpb(r, cmd->request, HC_REQUEST_JSON_MAX, JSON_COMPACT | JSON_ENCODE_ANY);
	if (n == 0 || n >= HC_REQUEST_JSON_MAX) {
		cmd->request[0] = '\0';
		return false;
	}
	cmd->request[n] = '\0';
	return true;
}

static enum hc_wire_cmd_verdict parse_hello(json_t *root, struct hc_wire_cmd *cmd,
					    struct hc_proto_error *err)
{
	json_t *name = json_object_get(root, "supervisor");
	if (json_object_get(root, "mac") != NULL)
		return close_with(err, HC_CLOSE_AUTH_FAILED,
				  "key logins are gone: supervisors log in with a password;"
				  " update the client (docs/protocol.md)");
	if (!json_is_string(name))
		return close_with(err, HC_CLOSE_BAD_FIELD, "hello.supervisor must be a string");
	if (!hc_proto_valid_id(json_string_value(name)))
		return close_with(err, HC_CLOSE_OUT_OF_RANGE,
				  "hello.supervisor must be 1..%d characters of A-Z a-z 0-9 _ -",
				  HC_ID_LEN_MAX);
	snprintf(cmd->supervisor, sizeof cmd->supervisor, "%s", json_string_value(name));
	return HC_WIRE_CMD_ACCEPT;
}

static enum hc_wire_cmd_verdict parse_proof(json_t *root, struct hc_wire_cmd *cmd,
					    struct hc_proto_error *err)
{
	json_t *proof = json_object_get(root, "proof");
	if (!json_is_string(proof))
		return close_with(err, HC_CLOSE_BAD_FIELD, "proof.proof must be a string");
	if (!is_lower_hex(json_string_value(proof), HC_PROOF_HEX_LEN))
		return close_with(err, HC_CLOSE_OUT_OF_RANGE,
				  "proof.proof must be %d lower-case hex digits", HC_PROOF_HEX_LEN);
	snprintf(cmd->proof, sizeof cmd->proof, "%s", json_string_value(proof));
	return HC_WIRE_CMD_ACCEPT;
}

/* reason: 1..HC_WIRE_SUP_REASON_BYTES_MAX bytes, required for every command. */
static enum hc_wire_cmd_verdict read_reason(json_t *root, const char *type, struct hc_wire_cmd *cmd,
					    char *why, size_t cap)
{
	json_t *r = json_object_get(root, "reason");
	if (!json_is_string(r) || json_string_length(r) < 1 ||
	    json_string_length(r) > HC_WIRE_SUP_REASON_BYTES_MAX ||
	    strlen(json_string_value(r)) != json_string_length(r))
		return refuse(why, cap, "%s.reason is required: say why, in 1..%d bytes of text",
			      type, HC_WIRE_SUP_REASON_BYTES_MAX);
	snprintf(cmd->reason, sizeof cmd->reason, "%s", json_string_value(r));
	return HC_WIRE_CMD_ACCEPT;
}

/* "target" and "id" of override and set_thresholds. */
static enum hc_wire_cmd_verdict read_target(json_t *root, const char *type, struct hc_wire_cmd *cmd,
					    char *why, size_t cap)
{
	json_t *target = json_object_get(root, "target");
	json_t *id = json_object_get(root, "id");
	const char *t = json_is_string(target) ? json_string_value(target) : "";
	if (strcmp(t, "area") == 0)
		cmd->group = false;
	else if (strcmp(t, "group") == 0)
		cmd->group = true;
	else
		return refuse(why, cap, "%s.target must be \"area\" or \"group\"", type);
	if (!json_is_string(id) || !hc_proto_valid_id(json_string_value(id)))
		return refuse(why, cap, "%s.id must be an id of 1..%d characters A-Z a-z 0-9 _ -",
			      type, HC_ID_LEN_MAX);
	snprintf(cmd->id, sizeof cmd->id, "%s", json_string_value(id));
	return HC_WIRE_CMD_ACCEPT;
}

static enum hc_wire_cmd_verdict parse_override(json_t *root, struct hc_wire_cmd *cmd, char *why,
					       size_t cap)
{
	enum hc_wire_cmd_verdict v = read_target(root, "override", cmd, why, cap);
	if (v != HC_WIRE_CMD_ACCEPT)
		return v;
	json_t *mode = json_object_get(root, "mode");
	if (!json_is_string(mode) || !hc_wire_override_parse(json_string_value(mode), &cmd->mode))
		return refuse(why, cap, "override.mode must be \"closed\", \"open\" or \"auto\"");
	return read_reason(root, "override", cmd, why, cap);
}

static enum hc_wire_cmd_verdict parse_set_thresholds(json_t *root, struct hc_wire_cmd *cmd,
						     char *why, size_t cap)
{
	enum hc_wire_cmd_verdict v = read_target(root, "set_thresholds", cmd, why, cap);
	if (v != HC_WIRE_CMD_ACCEPT)
		return v;
	memset(&cmd->set, 0, sizeof cmd->set);
	bool any = false;
	json_t *capacity = json_object_get(root, "capacity");
	if (capacity != NULL) {
		if (!json_is_integer(capacity))
			return refuse(why, cap, "set_thresholds.capacity must be an integer");
		cmd->set.has_capacity = true;
		cmd->set.capacity = json_integer_value(capacity);
		any = true;
	}
	for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++) {
		const char *name = hc_threshold_key_name((enum hc_threshold_key)k);
		json_t *value = json_object_get(root, name);
		if (value == NULL)
			continue;
		if (!json_is_number(value))
			return refuse(why, cap, "set_thresholds.%s must be a number", name);
		cmd->set.has[k] = true;
		cmd->set.value[k] = json_number_value(value);
		any = true;
	}
	if (!any)
		return refuse(why, cap,
			      "set_thresholds needs at least one of capacity,"
			      " moderate_at, crowded_at, full_at, restrict_at, resume_at, hold_s");
	return read_reason(root, "set_thresholds", cmd, why, cap);
}

static enum hc_wire_cmd_verdict parse_correct(json_t *root, struct hc_wire_cmd *cmd, char *why,
					      size_t cap)
{
	json_t *area = json_object_get(root, "area");
	json_t *occupancy = json_object_get(root, "occupancy");
	json_t *delta = json_object_get(root, "delta");
	cmd->group = false;
	if (!json_is_string(area) || !hc_proto_valid_id(json_string_value(area)))
		return refuse(why, cap, "correct.area must be an area id");
	snprintf(cmd->id, sizeof cmd->id, "%s", json_string_value(area));
	if (delta != NULL) {
		/* By a signed delta: +n entries or n exits, never "set to". */
		if (occupancy != NULL)
			return refuse(why, cap, "correct takes occupancy or delta, not both");
		if (!json_is_integer(delta) || json_integer_value(delta) == 0 ||
		    json_integer_value(delta) > HC_CORRECT_OCCUPANCY_MAX ||
		    json_integer_value(delta) < -HC_CORRECT_OCCUPANCY_MAX)
			return refuse(why, cap,
				      "correct.delta must be a non-zero integer"
				      " -%lld..%lld",
				      HC_CORRECT_OCCUPANCY_MAX, HC_CORRECT_OCCUPANCY_MAX);
		cmd->has_delta = true;
		cmd->delta = json_integer_value(delta);
		return read_reason(root, "correct", cmd, why, cap);
	}
	if (!json_is_integer(occupancy) || json_integer_value(occupancy) < 0 ||
	    json_integer_value(occupancy) > HC_CORRECT_OCCUPANCY_MAX)
		return refuse(why, cap, "correct.occupancy must be an integer 0..%lld",
			      HC_CORRECT_OCCUPANCY_MAX);
	cmd->occupancy = json_integer_value(occupancy);
	return read_reason(root, "correct", cmd, why, cap);
}

enum hc_wire_cmd_verdict hc_wire_cmd_parse(const char *buf, size_t len, struct hc_wire_cmd *cmd,
					   char *why, size_t why_cap, struct hc_proto_error *err)
{
	memset(cmd, 0, sizeof *cmd);
	why[0] = '\0';
	if (len > HC_SUPERVISOR_FRAME_BYTES_MAX)
		return close_with(err, HC_CLOSE_TOO_BIG, "message over %d bytes",
				  HC_SUPERVISOR_FRAME_BYTES_MAX);
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return close_with(err, HC_CLOSE_BAD_JSON, "invalid JSON at column %d: %.60s",
				  jerr.column, jerr.text);
	enum hc_wire_cmd_verdict v;
	if (!json_is_object(root)) {
		v = close_with(err, HC_CLOSE_BAD_JSON, "a message must be a JSON object");
		goto done;
	}
	json_t *type = json_object_get(root, "type");
	const char *t = json_is_string(type) ? json_string_value(type) : NULL;
	if (t == NULL) {
		v = close_with(err, HC_CLOSE_UNKNOWN_TYPE, "type must be a string");
		goto done;
	}
	if (strcmp(t, "hello") == 0) {
		cmd->type = HC_WIRE_CMD_HELLO;
		v = parse_hello(root, cmd, err);
		goto done;
	}
	if (strcmp(t, "proof") == 0) {
		cmd->type = HC_WIRE_CMD_PROOF;
		v = parse_proof(root, cmd, err);
		goto done;
	}
	if (strcmp(t, "override") == 0)
		cmd->type = HC_WIRE_CMD_OVERRIDE;
	else if (strcmp(t, "set_thresholds") == 0)
		cmd->type = HC_WIRE_CMD_SET_THRESHOLDS;
	else if (strcmp(t, "correct") == 0)
		cmd->type = HC_WIRE_CMD_CORRECT;
	else {
		v = close_with(err, HC_CLOSE_UNKNOWN_TYPE, "unknown type \"%.24s\"", t);
		goto done;
	}
	if (!read_request(root, cmd)) {
		v = refuse(why, why_cap,
			   "request must be a string or an integer of at most"
			   " %d characters",
			   HC_REQUEST_JSON_MAX - 3);
		goto done;
	}
	switch (cmd->type) {
	case HC_WIRE_CMD_OVERRIDE: v = parse_override(root, cmd, why, why_cap); break;
	case HC_WIRE_CMD_SET_THRESHOLDS: v = parse_set_thresholds(root, cmd, why, why_cap); break;
	default: v = parse_correct(root, cmd, why, why_cap); break;
	}
done:
	json_decref(root);
	return v;
}
