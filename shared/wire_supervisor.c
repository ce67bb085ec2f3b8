/*
 * wire_supervisor.c — the supervisor role, client side: the login, the
 * commands, and typed views of every message the aggregator sends.
 *
 * Relies on: jansson (parse with duplicate keys refused, build with
 * json_pack + json_dumpb) through shared/wire_json.h's readers, the key
 * schedule of shared/wire_scram.c for the proof.
 *
 * Promises: see wire_supervisor.h. A message whose required fields are
 * missing or of the wrong type is refused as a whole (the caller keeps
 * its previous figures); optional fields set their has_* flag.
 */
#include "shared/wire_supervisor.h"
#include "shared/wire_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/platform_util.h>

static const char *const override_names[] = {
	[HC_WIRE_OVERRIDE_AUTO] = "auto",
	[HC_WIRE_OVERRIDE_CLOSED] = "closed",
	[HC_WIRE_OVERRIDE_OPEN] = "open",
};

const char *hc_wire_override_name(enum hc_wire_override o)
{
	if ((size_t)o < sizeof override_names / sizeof override_names[0])
		return override_names[o];
	return "auto";
}

bool hc_wire_override_parse(const char *s, enum hc_wire_override *out)
{
	for (size_t i = 0; i < sizeof override_names / sizeof override_names[0]; i++)
		if (strcmp(s, override_names[i]) == 0) {
			*out = (enum hc_wire_override)i;
			return true;
		}
	return false;
}

static bool get_override(const json_t *o, enum hc_wire_override *out)
{
	*out = HC_WIRE_OVERRIDE_AUTO;
	const json_t *v = json_object_get(o, "override");
	if (v == NULL)
		return true;
	return json_is_string(v) && hc_wire_override_parse(json_string_value(v), out);
}

static bool parse_corrections(const json_t *arr, struct hc_wire_area *a)
{
	size_t n = json_array_size(arr);
	size_t first = n > HC_WIRE_SUP_CORRECTIONS_MAX ? n - HC_WIRE_SUP_CORRECTIONS_MAX : 0;
	a->correction_count = 0;
	for (size_t i = first; i < n; i++) {
		const json_t *c = json_array_get(arr, i);
		struct hc_wire_correction *k = &a->corrections[a->correction_count];
		if (!json_is_object(c) || !hc_wire_get_str(c, "who", k->who, sizeof k->who, true) ||
		    !hc_wire_get_utc_ms(json_object_get(c, "at"), &k->at_ms) ||
		    !hc_wire_get_int(c, "delta", &k->delta) ||
		    !hc_wire_get_str(c, "reason", k->reason, sizeof k->reason, false))
			return false;
		a->correction_count++;
	}
	return true;
}

static bool parse_area(const json_t *o, struct hc_wire_area *a, char *why, size_t cap)
{
	memset(a, 0, sizeof *a);
	struct hc_area_state *st = &a->st;
	const json_t *restricted = json_object_get(o, "restricted");
	if (!json_is_object(o) || !hc_wire_get_str(o, "id", st->id, sizeof st->id, true) ||
	    !hc_wire_get_str(o, "name", st->name, sizeof st->name, true) ||
	    !hc_wire_get_int(o, "entered", &st->entered) ||
	    !hc_wire_get_int(o, "exited", &st->exited) ||
	    !hc_wire_get_int(o, "occupancy", &st->occupancy) ||
	    !hc_wire_get_int(o, "capacity", &st->capacity) || !hc_wire_get_level(o, &st->level) ||
	    !json_is_boolean(restricted) ||
	    !hc_wire_get_utc_ms(json_object_get(o, "updated_at"), &st->updated_at_ms))
		return hc_wire_refuse(why, cap, "area: a required field is missing or mistyped");
	st->restricted = json_is_true(restricted);
	if (!hc_wire_get_str(o, "restricted_by", st->restricted_by, sizeof st->restricted_by,
			     false) ||
	    !hc_wire_get_str(o, "restricted_by_name", st->restricted_by_name,
			     sizeof st->restricted_by_name, false))
		return hc_wire_refuse(why, cap, "area %s: restricted_by mistyped", st->id);
	if (!get_override(o, &a->override) ||
	    !hc_wire_get_str(o, "group", a->group, sizeof a->group, false) ||
	    !hc_wire_get_str(o, "override_by", a->override_by, sizeof a->override_by, false) ||
	    !hc_wire_get_str(o, "override_reason", a->override_reason, sizeof a->override_reason,
			     false))
		return hc_wire_refuse(why, cap, "area %s: override or group mistyped", st->id);
	const json_t *ce = json_object_get(o, "corrected_entered");
	if (ce != NULL) {
		if (!hc_wire_get_int(o, "corrected_entered", &a->corrected_entered) ||
		    !hc_wire_get_int(o, "corrected_exited", &a->corrected_exited))
			return hc_wire_refuse(why, cap, "area %s: corrected_* mistyped", st->id);
		a->has_corrected = true;
	}
	const json_t *corr = json_object_get(o, "corrections");
	if (corr != NULL && (!json_is_array(corr) || !parse_corrections(corr, a)))
		return hc_wire_refuse(why, cap, "area %s: corrections mistyped", st->id);
	const json_t *hist = json_object_get(o, "history");
	if (hist != NULL) {
		if (!json_is_array(hist))
			return hc_wire_refuse(why, cap, "area %s: history must be an array",
					      st->id);
		size_t n = json_array_size(hist);
		size_t first = n > HC_WIRE_SUP_HISTORY_MAX ? n - HC_WIRE_SUP_HISTORY_MAX : 0;
		for (size_t i = first; i < n; i++) {
			const json_t *v = json_array_get(hist, i);
			if (!json_is_integer(v))
				return hc_wire_refuse(why, cap, "area %s: history holds integers",
						      st->id);
			a->history[a->history_count++] = (int64_t)json_integer_value(v);
		}
	}
	if (json_object_get(o, "minute_entered") != NULL) {
		if (!hc_wire_get_int(o, "minute_entered", &a->minute_entered) ||
		    !hc_wire_get_int(o, "minute_exited", &a->minute_exited))
			return hc_wire_refuse(why, cap, "area %s: minute_* mistyped", st->id);
		a->has_minute = true;
	}
	return true;
}

static bool parse_group(const json_t *o, struct hc_wire_group *g, char *why, size_t cap)
{
	memset(g, 0, sizeof *g);
	const json_t *restricted = json_object_get(o, "restricted");
	if (!json_is_object(o) || !hc_wire_get_str(o, "id", g->id, sizeof g->id, true) ||
	    !hc_wire_get_str(o, "name", g->name, sizeof g->name, true) ||
	    !hc_wire_get_int(o, "occupancy", &g->occupancy) ||
	    !hc_wire_get_int(o, "capacity", &g->capacity) || !hc_wire_get_level(o, &g->level) ||
	    !json_is_boolean(restricted) || !get_override(o, &g->override) ||
	    !hc_wire_get_utc_ms(json_object_get(o, "updated_at"), &g->updated_at_ms))
		return hc_wire_refuse(why, cap, "group: a required field is missing or mistyped");
	g->restricted = json_is_true(restricted);
	if (!hc_wire_get_str(o, "override_by", g->override_by, sizeof g->override_by, false) ||
	    !hc_wire_get_str(o, "override_reason", g->override_reason, sizeof g->override_reason,
			     false))
		return hc_wire_refuse(why, cap, "group %s: override_by mistyped", g->id);
	return true;
}

static bool parse_terminal(const json_t *o, struct hc_wire_terminal *t, char *why, size_t cap)
{
	memset(t, 0, sizeof *t);
	const json_t *online = json_object_get(o, "online");
	const json_t *last_seq = json_object_get(o, "last_seq");
	if (!json_is_object(o) || !hc_wire_get_str(o, "id", t->id, sizeof t->id, true) ||
	    !hc_wire_get_str(o, "area", t->area, sizeof t->area, true) ||
	    !json_is_boolean(online) ||
	    !hc_wire_get_utc_ms(json_object_get(o, "last_seen"), &t->last_seen_ms) ||
	    !hc_wire_get_int(o, "missing_seqs", &t->missing_seqs) ||
	    !hc_wire_get_int(o, "batches_in_flight", &t->batches_in_flight) ||
	    !(json_is_null(last_seq) || json_is_integer(last_seq)))
		return hc_wire_refuse(why, cap,
				      "terminal: a required field is missing or mistyped");
	t->online = json_is_true(online);
	const json_t *inc = json_object_get(o, "incarnation");
	if (inc != NULL && !json_is_null(inc)) {
		if (!json_is_string(inc) ||
		    !hc_proto_parse_incarnation(json_string_value(inc), &t->incarnation))
			return hc_wire_refuse(why, cap, "terminal %s: incarnation mistyped", t->id);
		t->has_incarnation = true;
	}
	t->last_seq = json_is_integer(last_seq) ? (int64_t)json_integer_value(last_seq) : -1;
	if (json_object_get(o, "entered_today") != NULL) {
		if (!hc_wire_get_int(o, "entered_today", &t->entered_today) ||
		    !hc_wire_get_int(o, "exited_today", &t->exited_today))
			return hc_wire_refuse(why, cap, "terminal %s: *_today mistyped", t->id);
		t->has_today = true;
	}
	if (json_object_get(o, "pending") != NULL) {
		if (!hc_wire_get_int(o, "pending", &t->pending) ||
		    !hc_wire_get_int(o, "storage_faults", &t->storage_faults))
			return hc_wire_refuse(why, cap,
					      "terminal %s: pending/storage_faults mistyped",
					      t->id);
		t->has_reported = true;
	}
	if (!hc_wire_get_str(o, "version", t->version, sizeof t->version, false))
		return hc_wire_refuse(why, cap, "terminal %s: version mistyped", t->id);
	return true;
}

static bool parse_snapshot(const json_t *o, struct hc_wire_sup_msg *m, char *why, size_t cap)
{
	const json_t *areas = json_object_get(o, "areas");
	const json_t *groups = json_object_get(o, "groups");
	const json_t *terms = json_object_get(o, "terminals");
	if (!json_is_array(areas) || !json_is_array(groups) || !json_is_array(terms) ||
	    !hc_wire_get_str(o, "venue", m->venue, sizeof m->venue, false))
		return hc_wire_refuse(why, cap, "snapshot needs arrays areas, groups, terminals");
	if (json_array_size(areas) > HC_AREAS_MAX || json_array_size(groups) > HC_GROUPS_MAX ||
	    json_array_size(terms) > HC_TERMINALS_MAX)
		return hc_wire_refuse(why, cap, "snapshot over the venue limits");
	m->areas = calloc(json_array_size(areas) + 1, sizeof *m->areas);
	m->groups = calloc(json_array_size(groups) + 1, sizeof *m->groups);
	m->terminals = calloc(json_array_size(terms) + 1, sizeof *m->terminals);
	if (m->areas == NULL || m->groups == NULL || m->terminals == NULL)
		return hc_wire_refuse(why, cap, "out of memory");
	for (size_t i = 0; i < json_array_size(areas); i++, m->area_count++)
		if (!parse_area(json_array_get(areas, i), &m->areas[i], why, cap))
			return false;
	for (size_t i = 0; i < json_array_size(groups); i++, m->group_count++)
		if (!parse_group(json_array_get(groups, i), &m->groups[i], why, cap))
			return false;
	for (size_t i = 0; i < json_array_size(terms); i++, m->terminal_count++)
		if (!parse_terminal(json_array_get(terms, i), &m->terminals[i], why, cap))
			return false;
	return true;
}

static bool parse_result(const json_t *o, struct hc_wire_result *r, char *why, size_t cap)
{
	memset(r, 0, sizeof *r);
	const json_t *ok = json_object_get(o, "ok");
	if (!json_is_boolean(ok))
		return hc_wire_refuse(why, cap, "result.ok must be a boolean");
	r->ok = json_is_true(ok);
	const json_t *req = json_object_get(o, "request");
	if (json_is_integer(req)) {
		r->has_request = true;
		r->request = (int64_t)json_integer_value(req);
	}
	const char *error = json_string_value(json_object_get(o, "error"));
	snprintf(r->error, sizeof r->error, "%s", error ? error : "");
	return true;
}

void hc_wire_sup_msg_free(struct hc_wire_sup_msg *m)
{
	free(m->areas);
	free(m->groups);
	free(m->terminals);
	m->areas = NULL;
	m->groups = NULL;
	m->terminals = NULL;
	m->area_count = m->group_count = m->terminal_count = 0;
}

/* Parses one message from the aggregator. One piece (about 65 lines):
 * a flat dispatch on "type", one short branch per message with its own
 * refusal sentence; the larger messages have parsers of their own. */
bool hc_wire_sup_parse(const char *buf, size_t len, struct hc_wire_sup_msg *out, char *why,
		       size_t why_cap)
{
	memset(out, 0, sizeof *out);
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	bool ok = false;
	if (root == NULL) {
		hc_wire_refuse(why, why_cap, "not JSON: %s", jerr.text);
		goto done;
	}
	const char *type = json_string_value(json_object_get(root, "type"));
	if (!json_is_object(root) || type == NULL) {
		hc_wire_refuse(why, why_cap, "not an object with a string type");
		goto done;
	}
	if (strcmp(type, "challenge") == 0) {
		out->type = HC_WIRE_SUP_CHALLENGE;
		ok = hc_wire_get_str(root, "nonce", out->nonce, sizeof out->nonce, true) &&
		     strlen(out->nonce) == HC_WIRE_SUP_NONCE_HEX_LEN;
		if (!ok)
			hc_wire_refuse(why, why_cap, "challenge.nonce must be %d hex digits",
				       HC_WIRE_SUP_NONCE_HEX_LEN);
	} else if (strcmp(type, "salt") == 0) {
		out->type = HC_WIRE_SUP_SALT;
		int64_t iterations = 0;
		unsigned char salt[HC_WIRE_SUP_SALT_BYTES];
		ok = hc_wire_get_str(root, "salt", out->salt, sizeof out->salt, true) &&
		     hc_wire_sup_unhex(out->salt, salt, sizeof salt) &&
		     hc_wire_get_int(root, "iterations", &iterations) &&
		     iterations >= HC_WIRE_SUP_ITERATIONS_MIN &&
		     iterations <= HC_WIRE_SUP_ITERATIONS_MAX;
		out->iterations = ok ? (uint32_t)iterations : 0;
		if (!ok)
			hc_wire_refuse(why, why_cap,
				       "salt: salt must be %d hex digits and iterations"
				       " %d..%d",
				       HC_WIRE_SUP_SALT_HEX_LEN, HC_WIRE_SUP_ITERATIONS_MIN,
				       HC_WIRE_SUP_ITERATIONS_MAX);
	} else if (strcmp(type, "welcome") == 0) {
		out->type = HC_WIRE_SUP_WELCOME;
		ok = hc_wire_get_str(root, "supervisor", out->supervisor, sizeof out->supervisor,
				     true);
		if (!ok)
			hc_wire_refuse(why, why_cap, "welcome.supervisor must be a name");
	} else if (strcmp(type, "snapshot") == 0) {
		out->type = HC_WIRE_SUP_SNAPSHOT;
		ok = parse_snapshot(root, out, why, why_cap);
	} else if (strcmp(type, "area") == 0) {
		out->type = HC_WIRE_SUP_AREA;
		ok = parse_area(root, &out->area, why, why_cap);
	} else if (strcmp(type, "group") == 0) {
		out->type = HC_WIRE_SUP_GROUP;
		ok = parse_group(root, &out->group, why, why_cap);
	} else if (strcmp(type, "terminal") == 0) {
		out->type = HC_WIRE_SUP_TERMINAL;
		ok = parse_terminal(root, &out->terminal, why, why_cap);
	} else if (strcmp(type, "result") == 0) {
		out->type = HC_WIRE_SUP_RESULT;
		ok = parse_result(root, &out->result, why, why_cap);
	} else {
		hc_wire_refuse(why, why_cap, "unknown type \"%.24s\"", type);
	}
done:
	json_decref(root);
	if (!ok)
		hc_wire_sup_msg_free(out);
	return ok;
}

/* ---- building ------------------------------------------------------------ */

static bool reason_ok(const char *reason)
{
	size_t n = reason ? strlen(reason) : 0;
	return n >= 1 && n <= HC_WIRE_SUP_REASON_BYTES_MAX;
}

size_t hc_wire_sup_build_hello(char *out, size_t cap, const char *supervisor)
{
	if (!hc_proto_valid_id(supervisor))
		return 0;
	return hc_wire_dump(json_pack("{s:s, s:s}", "type", "hello", "supervisor", supervisor), out,
			    cap);
}

size_t hc_wire_sup_build_proof(char *out, size_t cap, const char *supervisor, const char *password,
			       const char *nonce_hex, const char *salt_hex, uint32_t iterations)
{
	unsigned char salt[HC_WIRE_SUP_SALT_BYTES], nonce[HC_WIRE_SUP_NONCE_HEX_LEN / 2];
	unsigned char client_key[HC_WIRE_SUP_KEY_BYTES], stored[HC_WIRE_SUP_KEY_BYTES];
	unsigned char sig[HC_WIRE_SUP_KEY_BYTES];
	char hex[HC_WIRE_SUP_PROOF_HEX_LEN + 1];
	size_t n = 0;
	size_t pw_len = password ? strlen(password) : 0;
	if (!hc_proto_valid_id(supervisor) || pw_len < 1 ||
	    pw_len > HC_WIRE_SUP_PASSWORD_BYTES_MAX || iterations < HC_WIRE_SUP_ITERATIONS_MIN ||
	    iterations > HC_WIRE_SUP_ITERATIONS_MAX ||
	    !hc_wire_sup_unhex(salt_hex, salt, sizeof salt) ||
	    !hc_wire_sup_unhex(nonce_hex, nonce, sizeof nonce))
		return 0;
	if (!hc_wire_sup_client_key(password, salt, sizeof salt, iterations, client_key) ||
	    !hc_wire_sup_stored_key(client_key, stored) ||
	    !hc_wire_sup_client_signature(stored, supervisor, nonce_hex, salt_hex, iterations, sig))
		goto fail;
	for (size_t i = 0; i < sizeof sig; i++)
		sig[i] ^= client_key[i];
	hc_wire_sup_hex(sig, sizeof sig, hex);
	n = hc_wire_dump(json_pack("{s:s, s:s}", "type", "proof", "proof", hex), out, cap);
fail:
	mbedtls_platform_zeroize(client_key, sizeof client_key);
	mbedtls_platform_zeroize(sig, sizeof sig);
	return n;
}

size_t hc_wire_sup_build_override(char *out, size_t cap, int64_t request, bool group,
				  const char *id, enum hc_wire_override mode, const char *reason)
{
	if (!hc_proto_valid_id(id) || !reason_ok(reason))
		return 0;
	return hc_wire_dump(json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", "override",
				      "target", group ? "group" : "area", "id", id, "mode",
				      hc_wire_override_name(mode), "reason", reason, "request",
				      (json_int_t)request),
			    out, cap);
}

size_t hc_wire_sup_build_correct(char *out, size_t cap, int64_t request, const char *area,
				 int64_t delta, const char *reason)
{
	if (!hc_proto_valid_id(area) || !reason_ok(reason) || delta == 0)
		return 0;
	return hc_wire_dump(json_pack("{s:s, s:s, s:I, s:s, s:I}", "type", "correct", "area", area,
				      "delta", (json_int_t)delta, "reason", reason, "request",
				      (json_int_t)request),
			    out, cap);
}

size_t hc_wire_sup_build_thresholds(char *out, size_t cap, int64_t request, bool group,
				    const char *id, const struct hc_wire_thresholds *t,
				    const char *reason)
{
	if (!hc_proto_valid_id(id) || !reason_ok(reason))
		return 0;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "set_thresholds", "target",
			      group ? "group" : "area", "id", id, "reason", reason, "request",
			      (json_int_t)request);
	if (o == NULL)
		return 0;
	bool ok = true;
	if (t->capacity > 0)
		ok &= json_object_set_new(o, "capacity", json_integer(t->capacity)) == 0;
	const struct {
		const char *key;
		double v;
	} f[] = {
		{ "moderate_at", t->moderate_at }, { "crowded_at", t->crowded_at },
		{ "full_at", t->full_at },	   { "restrict_at", t->restrict_at },
		{ "resume_at", t->resume_at },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].v >= 0)
			ok &= json_object_set_new(o, f[i].key, json_real(f[i].v)) == 0;
	if (t->hold_s >= 0)
		ok &= json_object_set_new(o, "hold_s", json_integer(t->hold_s)) == 0;
	if (!ok) {
		json_decref(o);
		return 0;
	}
	return hc_wire_dump(o, out, cap);
}
