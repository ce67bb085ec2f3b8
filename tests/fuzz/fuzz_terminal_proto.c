/*
 * fuzz_terminal_proto.c — libFuzzer target for the terminal role's
 * decoder (shared/wire_terminal.c), both directions.
 *
 * Each input is offered as a frame from a terminal and as a frame from
 * the aggregator. What must hold, whatever the bytes:
 *  - no crash, leak or sanitizer report;
 *  - a refusal carries one of the documented close codes for that
 *    direction and a reason of 1..120 printable ASCII bytes, and leaves
 *    the caller's message untouched;
 *  - an accepted message has every field in its documented range, and
 *    parse(build(msg)) == msg, with the rebuilt frame under the frame
 *    limit (the builders are the aggregator's and terminal's own);
 *  - an accepted area's updated_at is the one spelling hc_format_utc()
 *    writes for it (the parser promises the exact inverse).
 * Relies on: protocol.h only. Built by `make fuzz` (tests/fuzz/run-fuzz.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/protocol.h"

#include "tests/fuzz/fuzz_check.h"

static void check_reason(const struct hc_proto_error *err)
{
	size_t n = strnlen(err->reason, sizeof err->reason);
	CHECK(n >= 1 && n <= 120);
	for (size_t i = 0; i < n; i++)
		CHECK(err->reason[i] >= 0x20 && err->reason[i] <= 0x7e);
}

static void check_refusal_code(enum hc_close_code code)
{
	CHECK(code == HC_CLOSE_TOO_BIG || code == HC_CLOSE_BAD_JSON ||
	      code == HC_CLOSE_UNKNOWN_TYPE || code == HC_CLOSE_BAD_FIELD ||
	      code == HC_CLOSE_OUT_OF_RANGE);
}

static void check_area_equal(const struct hc_area_state *a, const struct hc_area_state *b)
{
	CHECK(strcmp(a->id, b->id) == 0);
	CHECK(strcmp(a->name, b->name) == 0);
	CHECK(a->entered == b->entered && a->exited == b->exited);
	CHECK(a->occupancy == b->occupancy && a->capacity == b->capacity);
	CHECK(a->level == b->level && a->restricted == b->restricted);
	CHECK(a->updated_at_ms == b->updated_at_ms);
}

/* Rebuilds m with the builders, parses it back and compares. */
static void round_trip(const struct hc_msg *m, bool from_terminal)
{
	char frame[HC_TERMINAL_FRAME_BYTES_MAX];
	size_t n = 0;
	switch (m->type) {
	case HC_MSG_HELLO: n = hc_proto_build_hello(frame, sizeof frame, &m->u.hello); break;
	case HC_MSG_BATCH: n = hc_proto_build_batch(frame, sizeof frame, &m->u.batch); break;
	case HC_MSG_WELCOME: n = hc_proto_build_welcome(frame, sizeof frame, &m->u.welcome); break;
	case HC_MSG_ACK: n = hc_proto_build_ack(frame, sizeof frame, &m->u.ack); break;
	case HC_MSG_AREA: n = hc_proto_build_area(frame, sizeof frame, &m->u.area); break;
	case HC_MSG_CHALLENGE:
		n = hc_proto_build_challenge(frame, sizeof frame, &m->u.challenge);
		break;
	}
	CHECK(n > 0 && n <= sizeof frame);

	struct hc_msg back;
	struct hc_proto_error err;
	bool ok = from_terminal ? hc_proto_parse_from_terminal(frame, n, &back, &err)
				: hc_proto_parse_from_aggregator(frame, n, &back, &err);
	if (!ok)
		fprintf(stderr, "rebuilt frame refused: %d %s: %.*s\n", err.code, err.reason,
			(int)n, frame);
	CHECK(ok);
	CHECK(back.type == m->type);
	switch (m->type) {
	case HC_MSG_HELLO:
		CHECK(strcmp(back.u.hello.terminal, m->u.hello.terminal) == 0);
		CHECK(back.u.hello.incarnation == m->u.hello.incarnation);
		CHECK(back.u.hello.has_proof == m->u.hello.has_proof);
		CHECK(!m->u.hello.has_proof ||
		      memcmp(back.u.hello.proof, m->u.hello.proof, sizeof m->u.hello.proof) == 0);
		break;
	case HC_MSG_BATCH:
		CHECK(back.u.batch.seq == m->u.batch.seq);
		CHECK(back.u.batch.entered == m->u.batch.entered);
		CHECK(back.u.batch.exited == m->u.batch.exited);
		CHECK(back.u.batch.has_mac == m->u.batch.has_mac);
		CHECK(!m->u.batch.has_mac ||
		      memcmp(back.u.batch.mac, m->u.batch.mac, sizeof m->u.batch.mac) == 0);
		break;
	case HC_MSG_WELCOME:
		CHECK(strcmp(back.u.welcome.terminal, m->u.welcome.terminal) == 0);
		CHECK(strcmp(back.u.welcome.area, m->u.welcome.area) == 0);
		break;
	case HC_MSG_ACK:
		CHECK(back.u.ack.seq == m->u.ack.seq);
		CHECK(back.u.ack.duplicate == m->u.ack.duplicate);
		break;
	case HC_MSG_AREA: check_area_equal(&back.u.area, &m->u.area); break;
	case HC_MSG_CHALLENGE:
		CHECK(memcmp(back.u.challenge.nonce, m->u.challenge.nonce,
			     sizeof m->u.challenge.nonce) == 0);
		break;
	}
}

/* The documented ranges of an accepted message. */
static void check_ranges(const struct hc_msg *m)
{
	switch (m->type) {
	case HC_MSG_HELLO: CHECK(hc_proto_valid_id(m->u.hello.terminal)); break;
	case HC_MSG_BATCH:
		CHECK(m->u.batch.seq >= 1 && m->u.batch.seq <= HC_SEQ_MAX);
		CHECK(m->u.batch.entered >= 0 && m->u.batch.entered <= HC_BATCH_DELTA_MAX);
		CHECK(m->u.batch.exited >= 0 && m->u.batch.exited <= HC_BATCH_DELTA_MAX);
		CHECK(m->u.batch.entered + m->u.batch.exited >= 1);
		break;
	case HC_MSG_WELCOME:
		CHECK(hc_proto_valid_id(m->u.welcome.terminal));
		CHECK(hc_proto_valid_id(m->u.welcome.area));
		break;
	case HC_MSG_ACK: CHECK(m->u.ack.seq >= 1 && m->u.ack.seq <= HC_SEQ_MAX); break;
	case HC_MSG_AREA: {
		const struct hc_area_state *a = &m->u.area;
		CHECK(hc_proto_valid_id(a->id));
		size_t name_len = strnlen(a->name, sizeof a->name);
		CHECK(name_len >= 1 && name_len <= HC_NAME_LEN_MAX);
		CHECK(a->entered >= 0 && a->exited >= 0);
		CHECK(a->occupancy >= 0 && a->capacity >= 0);
		CHECK(a->updated_at_ms >= 0);
		CHECK((unsigned)a->level <= HC_LEVEL_FULL);
		break;
	}
	case HC_MSG_CHALLENGE: break; /* any 32 bytes */
	}
}

/* The updated_at text of an accepted area must be hc_format_utc's. */
static void check_canonical_time(const uint8_t *data, size_t size, const struct hc_area_state *a)
{
	char canonical[32];
	hc_format_utc(a->updated_at_ms, canonical, sizeof canonical);
	char quoted[40];
	snprintf(quoted, sizeof quoted, "\"%s\"", canonical);
	/* The accepted frame holds a valid time; if the canonical spelling
	 * is absent from it, a non-canonical spelling was accepted. (An
	 * escaped spelling such as \u0032 would also be absent: jansson
	 * decodes escapes, so that is still one accepted spelling per time,
	 * and is excluded here.) */
	if (memchr(data, '\\', size) != NULL)
		return;
	bool found = false;
	size_t qlen = strlen(quoted);
	for (size_t i = 0; !found && i + qlen <= size; i++)
		found = memcmp(data + i, quoted, qlen) == 0;
	if (!found)
		fprintf(stderr, "updated_at accepted but not spelled %s\n", canonical);
	CHECK(found);
}

static void one_direction(const uint8_t *data, size_t size, bool from_terminal)
{
	struct hc_msg m, before;
	memset(&m, 0xa5, sizeof m);
	memcpy(&before, &m, sizeof m);
	struct hc_proto_error err;
	memset(&err, 0, sizeof err);
	bool ok = from_terminal
			  ? hc_proto_parse_from_terminal((const char *)data, size, &m, &err)
			  : hc_proto_parse_from_aggregator((const char *)data, size, &m, &err);
	if (!ok) {
		check_refusal_code(err.code);
		check_reason(&err);
		CHECK(memcmp(&m, &before, sizeof m) == 0);
		return;
	}
	if (from_terminal)
		CHECK(m.type == HC_MSG_HELLO || m.type == HC_MSG_BATCH);
	else
		CHECK(m.type == HC_MSG_WELCOME || m.type == HC_MSG_ACK || m.type == HC_MSG_AREA);
	CHECK(size <= HC_TERMINAL_FRAME_BYTES_MAX);
	check_ranges(&m);
	round_trip(&m, from_terminal);
	if (m.type == HC_MSG_AREA)
		check_canonical_time(data, size, &m.u.area);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_direction(data, size, true);
	one_direction(data, size, false);
	return 0;
}
