/*
 * wire_supervisor_server.h — the supervisor role, server side: parse
 * the commands a supervisor sends, and build what the aggregator sends
 * back (snapshot, area, group, terminal, result), from plain structs.
 *
 * What lives here: everything an aggregator (or a test, or a stand-in
 * server) needs to speak "headcount-supervisor.v1" from the server's
 * end with shared/ alone; the client side is shared/wire_supervisor.h,
 * whose parser reads exactly what these builders write. The map role's
 * group message, which the supervisor's extends, is shared/wire_area.h's.
 *
 * Relies on: jansson, shared/wire_terminal.h for the area object,
 * shared/config.h for the threshold key names. Promises: a builder's
 * text is the docs/protocol.md message byte for byte (fields in the
 * documented order, compact); a parsed command has every field checked
 * for type and form (ids, lengths, ranges that need no venue), so the
 * aggregator checks only what the venue decides (does the area exist,
 * do the thresholds fit). No sockets, clocks or files here.
 */
#ifndef HC_WIRE_SUPERVISOR_SERVER_H
#define HC_WIRE_SUPERVISOR_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "shared/config.h"
#include "shared/limits.h"
#include "shared/types.h"
#include "shared/wire_area.h"
#include "shared/wire_supervisor.h"

/* The largest occupancy a correction may set: the largest area capacity
 * times the largest threshold fraction. */
#define HC_CORRECT_OCCUPANCY_MAX (10LL * HC_AREA_CAPACITY_MAX)

/* ---- commands, parsed ---------------------------------------------------- */

enum hc_wire_cmd_type {
	HC_WIRE_CMD_HELLO,
	HC_WIRE_CMD_PROOF,
	HC_WIRE_CMD_OVERRIDE,
	HC_WIRE_CMD_SET_THRESHOLDS,
	HC_WIRE_CMD_CORRECT,
};

/* Threshold and capacity values a set_thresholds names (has_* says
 * which); hold_s is in seconds. */
struct hc_wire_cmd_set {
	bool has_capacity;
	int64_t capacity;
	bool has[HC_THRESHOLD_KEY_COUNT];
	double value[HC_THRESHOLD_KEY_COUNT];
};

struct hc_wire_cmd {
	enum hc_wire_cmd_type type;
	char request[HC_REQUEST_JSON_MAX + 1]; /* "request" as JSON text, "" if none */
	char supervisor[HC_ID_LEN_MAX + 1];    /* hello */
	char proof[HC_PROOF_HEX_LEN + 1];      /* proof */
	bool group;			       /* override, set_thresholds: target */
	char id[HC_ID_LEN_MAX + 1];	       /* its id; correct: the area */
	enum hc_wire_override mode;	       /* override */
	struct hc_wire_cmd_set set;	       /* set_thresholds */
	int64_t occupancy;		       /* correct: the figure it should be */
	bool has_delta;			       /* correct by delta instead */
	int64_t delta;			       /* correct: signed, non-zero */
	char reason[HC_WIRE_SUP_REASON_BYTES_MAX + 1];
};

enum hc_wire_cmd_verdict {
	HC_WIRE_CMD_ACCEPT, /* cmd is filled in and well-formed */
	HC_WIRE_CMD_REFUSE, /* a bad command: answer ok:false with why */
	HC_WIRE_CMD_CLOSE,  /* a protocol error: close with err */
};

/* Parses one frame a supervisor sent. A frame that is not a message of
 * the role (not JSON, not an object, no known type, a malformed hello
 * or proof) is CLOSE with err; a well-formed command asking for
 * something wrong is REFUSE with why (and cmd->request when it could be
 * read). Ids are checked for form, not for existence. */
enum hc_wire_cmd_verdict hc_wire_cmd_parse(const char *buf, size_t len, struct hc_wire_cmd *cmd,
					   char *why, size_t why_cap, struct hc_proto_error *err);

/* ---- messages, built ------------------------------------------------------ */

/* An area as the supervisor role sends it (docs/protocol.md, "The
 * supervisor role"): the area object, override, group (null when ""),
 * override_by and override_reason when a->override_by is set, and when
 * a->has_corrected corrected_entered, corrected_exited, corrections
 * and history, then minute_entered / minute_exited when a->has_minute.
 * New reference or NULL. with_type adds "type":"area" last. */
json_t *hc_wire_sup_area_json(const struct hc_wire_area *a, bool with_type);

/* The same with override_by and override_reason after it when
 * g->override_by is set: the supervisor role's group. */
json_t *hc_wire_sup_group_json(const struct hc_wire_group *g, const char *const *area_ids,
			       uint32_t area_count, bool with_type);

/* A terminal's status: id, area, online, last_seen (null when never),
 * incarnation (null without one), last_seq (null when < 0),
 * missing_seqs, batches_in_flight, entered_today and exited_today (when
 * has_today), version (when reported) and pending / storage_faults
 * (when has_reported). with_type adds "type":"terminal" last. */
json_t *hc_wire_sup_terminal_json(const struct hc_wire_terminal *t, bool with_type);

/* {"type":"snapshot","venue":...,"areas":[...],"groups":[...],
 * "terminals":[...]} with the elements as above, without their "type".
 * New reference or NULL. */
json_t *hc_wire_sup_snapshot_json(const char *venue, const struct hc_wire_area *areas,
				  uint32_t area_count, const struct hc_wire_group_entry *groups,
				  uint32_t group_count, const struct hc_wire_terminal *terminals,
				  uint32_t terminal_count);

/* {"type":"result","ok":OK} with "request" (request_json is the JSON
 * text the command carried; "" or NULL: none) and, when !ok, "error"
 * (NULL: "refused"). Writes compact JSON into out (no NUL); returns its
 * length, or 0 when it does not fit in cap. */
size_t hc_wire_sup_build_result(char *out, size_t cap, const char *request_json, bool ok,
				const char *error);

#endif
