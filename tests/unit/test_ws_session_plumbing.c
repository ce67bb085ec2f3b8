/*
 * test_ws_session_plumbing.c — the pure parts of the roles' shared
 * session plumbing (aggregator/ws_session.h), at their edges.
 *
 * Properties:
 *   - receive assembly: a message of exactly the limit is whole, one
 *     byte more is refused, whether it comes in one piece or in many; a
 *     message is handed on only at its last piece, NUL-terminated, with
 *     its bytes in order; the next message starts empty; a refusal keeps
 *     nothing.
 *   - message budget: burst messages at once, the next refused; one more
 *     exactly 1000 / per_s ms later, not a millisecond sooner; a pause
 *     never fills it over the burst; a message given back is one more.
 * Each row of a table is a script with its name.
 */
#include <setjmp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aggregator/ws_session.h"

#define LIMIT 8

struct piece {
	const char *bytes; /* NULL ends the script */
	bool last;
	enum hc_ws_rx_verdict want;
	const char *want_message; /* COMPLETE: the whole message */
};

struct rx_script {
	const char *name;
	struct piece pieces[8];
};

static const struct rx_script rx_scripts[] = {
	{ "exactly the limit in one piece is whole",
	  { { "12345678", true, HC_WS_RX_COMPLETE, "12345678" }, { NULL } } },
	{ "one byte over in one piece is refused",
	  { { "123456789", true, HC_WS_RX_TOO_BIG, NULL }, { NULL } } },
	{ "exactly the limit in pieces is whole at the last",
	  { { "123", false, HC_WS_RX_PARTIAL, NULL },
	    { "45", false, HC_WS_RX_PARTIAL, NULL },
	    { "678", true, HC_WS_RX_COMPLETE, "12345678" },
	    { NULL } } },
	{ "one byte over in pieces is refused at the piece that passes it",
	  { { "1234", false, HC_WS_RX_PARTIAL, NULL },
	    { "5678", false, HC_WS_RX_PARTIAL, NULL },
	    { "9", true, HC_WS_RX_TOO_BIG, NULL },
	    { NULL } } },
	{ "the limit reached before the last piece still takes an empty last",
	  { { "12345678", false, HC_WS_RX_PARTIAL, NULL },
	    { "", true, HC_WS_RX_COMPLETE, "12345678" },
	    { NULL } } },
	{ "the next message starts empty",
	  { { "abcdefgh", true, HC_WS_RX_COMPLETE, "abcdefgh" },
	    { "xy", true, HC_WS_RX_COMPLETE, "xy" },
	    { "1234567", false, HC_WS_RX_PARTIAL, NULL },
	    { "8", true, HC_WS_RX_COMPLETE, "12345678" },
	    { NULL } } },
	{ "an empty message is whole", { { "", true, HC_WS_RX_COMPLETE, "" }, { NULL } } },
	{ "a refusal keeps nothing",
	  { { "123456", false, HC_WS_RX_PARTIAL, NULL },
	    { "789", false, HC_WS_RX_TOO_BIG, NULL },
	    { "ok", true, HC_WS_RX_COMPLETE, "ok" },
	    { NULL } } },
};

static void test_rx_scripts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rx_scripts / sizeof rx_scripts[0]; i++) {
		const struct rx_script *sc = &rx_scripts[i];
		char buf[LIMIT + 1 + 8]; /* 8 guard bytes that must stay untouched */
		memset(buf, '#', sizeof buf);
		struct hc_ws_rx rx = { .buf = buf, .max_bytes = LIMIT };
		for (const struct piece *p = sc->pieces; p->bytes != NULL; p++) {
			enum hc_ws_rx_verdict v = hc_ws_rx_add(&rx, p->bytes, strlen(p->bytes),
							       p->last);
			if (v != p->want)
				fail_msg("%s: piece \"%s\": verdict %d, want %d", sc->name,
					 p->bytes, (int)v, (int)p->want);
			if (v == HC_WS_RX_COMPLETE) {
				assert_int_equal(rx.len, strlen(p->want_message));
				assert_string_equal(rx.buf, p->want_message);
			}
			if (v == HC_WS_RX_TOO_BIG)
				assert_int_equal(rx.len, 0);
			assert_true(rx.len <= LIMIT);
		}
		for (size_t g = LIMIT + 1; g < sizeof buf; g++)
			if (buf[g] != '#')
				fail_msg("%s: wrote past the buffer at %zu", sc->name, g);
	}
}

enum rate_kind { TAKE, REFUSE, GIVE_BACK, RATE_END };

struct rate_step {
	enum rate_kind kind;
	int64_t at_ms;
	int32_t times;
};

struct rate_script {
	const char *name;
	struct rate_step steps[8];
};

/* Burst 16, 5 a second: one more every 200 ms (the supervisor's). */
#define BURST 16
#define PER_S 5

static const struct rate_script rate_scripts[] = {
	{ "the burst at once, then refused",
	  { { TAKE, 0, BURST }, { REFUSE, 0, 1 }, { RATE_END, 0, 0 } } },
	{ "one more exactly 200 ms later, not at 199",
	  { { TAKE, 1000, BURST },
	    { REFUSE, 1199, 1 },
	    { TAKE, 1200, 1 },
	    { REFUSE, 1200, 1 },
	    { RATE_END, 0, 0 } } },
	{ "fractions of a refill add up across refusals",
	  { { TAKE, 0, BURST },
	    { REFUSE, 100, 1 },
	    { REFUSE, 150, 1 },
	    { TAKE, 200, 1 },
	    { REFUSE, 399, 1 },
	    { TAKE, 400, 1 },
	    { RATE_END, 0, 0 } } },
	{ "a long pause fills it to the burst, no more",
	  { { TAKE, 0, BURST },
	    { TAKE, 3600000, BURST },
	    { REFUSE, 3600000, 1 },
	    { RATE_END, 0, 0 } } },
	{ "a message given back is one more",
	  { { TAKE, 0, BURST },
	    { GIVE_BACK, 0, 1 },
	    { TAKE, 0, 1 },
	    { REFUSE, 0, 1 },
	    { RATE_END, 0, 0 } } },
};

static void test_rate_scripts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rate_scripts / sizeof rate_scripts[0]; i++) {
		const struct rate_script *sc = &rate_scripts[i];
		struct hc_ws_rate r;
		hc_ws_rate_init(&r, BURST, PER_S, sc->steps[0].at_ms);
		for (const struct rate_step *st = sc->steps; st->kind != RATE_END; st++) {
			for (int32_t n = 0; n < st->times; n++) {
				if (st->kind == GIVE_BACK) {
					hc_ws_rate_give_back(&r);
					continue;
				}
				bool took = hc_ws_rate_take(&r, st->at_ms);
				if (took != (st->kind == TAKE))
					fail_msg("%s: at %" PRId64 " ms, message %d: %s", sc->name,
						 st->at_ms, (int)n + 1,
						 took ? "taken, want refused"
						      : "refused, want taken");
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_scripts),
		cmocka_unit_test(test_rate_scripts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
