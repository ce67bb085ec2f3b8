/*
 * supervisor_cmd.h — the supervisor role's incoming messages: parse,
 * validate, and the arithmetic of their effects (pure).
 *
 * docs/protocol.md, "The supervisor role", is the user-facing contract.
 * A frame either closes the connection (not JSON, not an object, an
 * unknown "type", a malformed hello: the same close codes as terminals)
 * or is a command, which is either acted on or refused with a clear text
 * that is sent back as {"type":"result","ok":false,"error":...} while
 * the connection stays open and nothing changes.
 *
 * Threshold changes are checked with the config's own rules
 * (shared/config.h: hc_threshold_set, hc_thresholds_order_faults,
 * hc_capacity_valid), so a supervisor can set exactly what a venue.ini
 * could say. No sockets, clocks or files here.
 */
#ifndef HC_SUPERVISOR_CMD_H
#define HC_SUPERVISOR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/restriction.h"
#include "aggregator/store.h"
#include "shared/config.h"
#include "shared/protocol.h"
#include "shared/wire_supervisor_server.h"

enum hc_sup_type {
	HC_SUP_HELLO,
	HC_SUP_PROOF,
	HC_SUP_OVERRIDE,
	HC_SUP_SET_THRESHOLDS,
	HC_SUP_CORRECT,
};

enum hc_sup_target { HC_SUP_AREA, HC_SUP_GROUP };

/* Threshold and capacity values set at run time for one area or group,
 * applied on top of the config file. */
struct hc_adjustment {
	bool has_capacity;
	int64_t capacity;
	bool has[HC_THRESHOLD_KEY_COUNT];
	double value[HC_THRESHOLD_KEY_COUNT]; /* hold_s in seconds */
};

struct hc_sup_cmd {
	enum hc_sup_type type;
	char request[HC_REQUEST_JSON_MAX + 1]; /* "request" as JSON text, "" if none */
	/* hello */
	char supervisor[HC_ID_LEN_MAX + 1];
	/* proof */
	char proof[HC_PROOF_HEX_LEN + 1];
	/* override, set_thresholds: target and id; correct: the area id */
	enum hc_sup_target target;
	char id[HC_ID_LEN_MAX + 1];
	enum hc_override mode;	  /* override */
	struct hc_adjustment set; /* set_thresholds */
	int64_t occupancy;	  /* correct: the figure it should be */
	bool has_delta;		  /* correct by delta instead */
	int64_t delta;		  /* correct: signed, non-zero */
	char reason[HC_REASON_BYTES_MAX + 1];
};

enum hc_sup_verdict {
	HC_SUP_ACCEPT, /* cmd is filled in and well-formed */
	HC_SUP_REFUSE, /* a bad command: answer ok:false with why */
	HC_SUP_CLOSE,  /* a protocol error: close with err */
};

/* Parses one frame. REFUSE fills why (and cmd->request when it could be
 * read); CLOSE fills err. Ids are checked for form here, for existence
 * by hc_sup_check_target(). */
enum hc_sup_verdict hc_sup_parse(const char *buf, size_t len, struct hc_sup_cmd *cmd, char *why,
				 size_t why_cap, struct hc_proto_error *err);

/* "area" / "group". */
const char *hc_sup_target_name(enum hc_sup_target t);

/* True when cmd's target exists in cfg (its index in *index); else
 * false with why ("no area 'x' in the venue config"). */
bool hc_sup_check_target(const struct hc_venue_cfg *cfg, enum hc_sup_target target, const char *id,
			 int *index, char *why, size_t why_cap);

/* Adds from's values to into (from wins where both set). */
void hc_adjustment_merge(struct hc_adjustment *into, const struct hc_adjustment *from);

/* Applies a to a target's thresholds and capacity: every value in its
 * range and the result in order, as the config requires. On success t
 * and capacity are updated; on failure neither changes and why says what
 * is wrong ("moderate_at must be a number > 0 and <= 10, got 12"). */
bool hc_adjustment_apply(const struct hc_adjustment *a, bool is_group, struct hc_thresholds *t,
			 int64_t *capacity, char *why, size_t why_cap);

/* a as a JSON object of the keys set ({"capacity":400,"hold_s":30}),
 * written into out; false when it does not fit. */
bool hc_adjustment_to_json(const struct hc_adjustment *a, char *out, size_t cap);

/* Reads what hc_adjustment_to_json wrote; false for anything else. */
bool hc_adjustment_from_json(const char *text, struct hc_adjustment *out);

/* The ledger delta that turns totals (entered, exited) into an occupancy
 * of target: entered - exited + d_entered - d_exited == target, with one
 * of the two deltas 0 and both >= 0. */
void hc_sup_correction_delta(int64_t entered, int64_t exited, int64_t target, int64_t *d_entered,
			     int64_t *d_exited);

#endif
