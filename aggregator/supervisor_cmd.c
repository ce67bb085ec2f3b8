/*
 * supervisor_cmd.c — parsing and validating what supervisors send, and
 * the arithmetic of its effects (supervisor_cmd.h).
 *
 * Relies on: shared/wire_supervisor_server.h to read every frame (the
 * JSON, the fields' types and forms, close versus refuse), the config's
 * value rules (shared/config.h) for what the venue allows, jansson for
 * the adjustments as stored. Pure: no sockets, clocks or files. The
 * login's cryptography is in aggregator/passwords.c.
 *
 * What stays here is what the venue decides: does the area or group
 * exist, do the new thresholds fit in range and in order, which ledger
 * delta makes a correction.
 */
#include "aggregator/supervisor_cmd.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

_Static_assert(HC_REASON_BYTES_MAX == HC_WIRE_SUP_REASON_BYTES_MAX,
	       "a command's reason is stored as it came");

const char *hc_sup_target_name(enum hc_sup_target t)
{
	return t == HC_SUP_GROUP ? "group" : "area";
}

static enum hc_override override_of(enum hc_wire_override mode)
{
	switch (mode) {
	case HC_WIRE_OVERRIDE_CLOSED: return HC_OVERRIDE_FORCE_CLOSED;
	case HC_WIRE_OVERRIDE_OPEN: return HC_OVERRIDE_FORCE_OPEN;
	default: return HC_OVERRIDE_AUTO;
	}
}

static enum hc_sup_type type_of(enum hc_wire_cmd_type t)
{
	switch (t) {
	case HC_WIRE_CMD_HELLO: return HC_SUP_HELLO;
	case HC_WIRE_CMD_PROOF: return HC_SUP_PROOF;
	case HC_WIRE_CMD_OVERRIDE: return HC_SUP_OVERRIDE;
	case HC_WIRE_CMD_SET_THRESHOLDS: return HC_SUP_SET_THRESHOLDS;
	default: return HC_SUP_CORRECT;
	}
}

/* The frame is read in shared/ (hc_wire_cmd_parse); this copies what it
 * read into the aggregator's own command, whatever the verdict, so a
 * refusal keeps its request. */
enum hc_sup_verdict hc_sup_parse(const char *buf, size_t len, struct hc_sup_cmd *cmd, char *why,
				 size_t why_cap, struct hc_proto_error *err)
{
	struct hc_wire_cmd w;
	enum hc_wire_cmd_verdict v = hc_wire_cmd_parse(buf, len, &w, why, why_cap, err);
	memset(cmd, 0, sizeof *cmd);
	cmd->type = type_of(w.type);
	memcpy(cmd->request, w.request, sizeof cmd->request);
	memcpy(cmd->supervisor, w.supervisor, sizeof cmd->supervisor);
	memcpy(cmd->proof, w.proof, sizeof cmd->proof);
	cmd->target = w.group ? HC_SUP_GROUP : HC_SUP_AREA;
	memcpy(cmd->id, w.id, sizeof cmd->id);
	cmd->mode = override_of(w.mode);
	cmd->set.has_capacity = w.set.has_capacity;
	cmd->set.capacity = w.set.capacity;
	for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++) {
		cmd->set.has[k] = w.set.has[k];
		cmd->set.value[k] = w.set.value[k];
	}
	cmd->occupancy = w.occupancy;
	cmd->has_delta = w.has_delta;
	cmd->delta = w.delta;
	memcpy(cmd->reason, w.reason, sizeof cmd->reason);
	switch (v) {
	case HC_WIRE_CMD_ACCEPT: return HC_SUP_ACCEPT;
	case HC_WIRE_CMD_REFUSE: return HC_SUP_REFUSE;
	default: return HC_SUP_CLOSE;
	}
}

bool hc_sup_check_target(const struct hc_venue_cfg *cfg, enum hc_sup_target target, const char *id,
			 int *index, char *why, size_t why_cap)
{
	*index = target == HC_SUP_GROUP ? hc_venue_find_group(cfg, id)
					: hc_venue_find_area(cfg, id);
	if (*index >= 0)
		return true;
	snprintf(why, why_cap, "no %s '%s' in the venue config", hc_sup_target_name(target), id);
	return false;
}

void hc_adjustment_merge(struct hc_adjustment *into, const struct hc_adjustment *from)
{
	if (from->has_capacity) {
		into->has_capacity = true;
		into->capacity = from->capacity;
	}
	for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++) {
		if (from->has[k]) {
			into->has[k] = true;
			into->value[k] = from->value[k];
		}
	}
}

bool hc_adjustment_apply(const struct hc_adjustment *a, bool is_group, struct hc_thresholds *t,
			 int64_t *capacity, char *why, size_t why_cap)
{
	struct hc_thresholds next = *t;
	const char *range = "";
	if (a->has_capacity && !hc_capacity_valid(is_group, a->capacity, &range)) {
		snprintf(why, why_cap, "capacity must be %s, got %" PRId64, range, a->capacity);
		return false;
	}
	for (int k = 0; k < HC_THRESHOLD_KEY_COUNT; k++) {
		if (a->has[k] &&
		    !hc_threshold_set(&next, (enum hc_threshold_key)k, a->value[k], &range)) {
			snprintf(why, why_cap, "%s must be %s, got %g",
				 hc_threshold_key_name((enum hc_threshold_key)k), range,
				 a->value[k]);
			return false;
		}
	}
	struct hc_threshold_fault faults[3];
	if (hc_thresholds_order_faults(&next, faults) > 0) {
		snprintf(why, why_cap, "%s", faults[0].message);
		return false;
	}
	*t = next;
	if (a->has_capacity)
		*capacity = a->capacity;
	return true;
}

bool hc_adjustment_to_json(const struct hc_adjustment *a, char *out, size_t cap)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	if (ok && a->has_capacity)
		ok = json_object_set_new(o, "capacity", json_integer(a->capacity)) == 0;
	for (int k = 0; ok && k < HC_THRESHOLD_KEY_COUNT; k++) {
		if (!a->has[k])
			continue;
		const char *name = hc_threshold_key_name((enum hc_threshold_key)k);
		json_t *v = k == HC_THRESHOLD_HOLD ? json_integer((json_int_t)a->value[k])
						   : json_real(a->value[k]);
		ok = json_object_set_new(o, name, v) == 0;
	}
	size_t n = ok ? json_dumpb(o, out, cap, JSON_COMPACT | JSON_SORT_KEYS) : 0;
	json_decref(o);
	if (n == 0 || n >= cap)
		return false;
	out[n] = '\0';
	return true;
}

bool hc_adjustment_from_json(const char *text, struct hc_adjustment *out)
{
	memset(out, 0, sizeof *out);
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	bool ok = json_is_object(o);
	const char *key;
	json_t *v;
	if (ok) {
		json_object_foreach(o, key, v)
		{
			enum hc_threshold_key k;
			if (strcmp(key, "capacity") == 0 && json_is_integer(v)) {
				out->has_capacity = true;
				out->capacity = json_integer_value(v);
			} else if (hc_threshold_key_parse(key, &k) && json_is_number(v)) {
				out->has[k] = true;
				out->value[k] = json_number_value(v);
			} else {
				ok = false;
			}
		}
	}
	json_decref(o);
	return ok;
}

void hc_sup_correction_delta(int64_t entered, int64_t exited, int64_t target, int64_t *d_entered,
			     int64_t *d_exited)
{
	assert(entered >= 0 && exited >= 0 && target >= 0);
	int64_t delta = target - (entered - exited);
	*d_entered = delta > 0 ? delta : 0;
	*d_exited = delta < 0 ? -delta : 0;
	assert(entered + *d_entered - exited - *d_exited == target);
}
